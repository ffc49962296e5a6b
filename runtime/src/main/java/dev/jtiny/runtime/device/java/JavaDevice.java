// The embedded default device: kernels rendered as Java, compiled in memory with javax.tools, run on all cores.
package dev.jtiny.runtime.device.java;

import dev.jtiny.runtime.device.BufferPool;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.JavaKernel;
import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import dev.jtiny.runtime.device.VectorSupport;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.codegen.JavaRenderer;
import dev.jtiny.runtime.codegen.Renderer;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

public final class JavaDevice implements Device {
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** Statements below which a launch is not split across threads. */
    private static final long INLINE_WORK = 1 << 16;
    private final ForkJoinPool pool = new ForkJoinPool(THREADS);
    private final Map<String, JavaProgram> programs = new ConcurrentHashMap<>();
    private final Renderer renderer = new JavaRenderer(VectorSupport.floatLanes());

    /** Compiles the shared matmul micro-kernel ({@link Gemm}) while the session starts, before a matmul needs it. */
    private final Thread gemmWarmup = VectorSupport.floatLanes() > 0
            ? Thread.ofPlatform().daemon().name("jtiny-gemm-warmup").start(Gemm::warm) : null;

    record JavaArray(DType dtype, int count, Object array) implements RawBuffer {}

    /** {@code callsGemm}: the kernel calls {@link Gemm}, so its first launch waits for the warm-up. */
    record JavaProgram(String name, JavaKernel kernel, boolean fromCache, boolean callsGemm) implements Program {}

    @Override public String name() { return "JAVA"; }

    @Override public String description() {
        return "Java " + Runtime.version() + " on " + THREADS + " cores (" + System.getProperty("os.arch") + ")";
    }

    @Override public String language() { return "java"; }
    @Override public Renderer renderer() { return renderer; }

    /**
     * Vector lanes: a vector register's worth of floats with the Vector API; without it, 8 scalar lanes still give
     * the core ILP. Doubles are Java's own; halves are widened to float.
     */
    private final Capabilities capabilities = new Capabilities(false, THREADS, false,
            VectorSupport.floatLanes() > 0 ? VectorSupport.floatLanes() : 8, true, false, false);

    @Override public Capabilities capabilities() { return capabilities; }
    @Override public long memoryBytes() { return Runtime.getRuntime().maxMemory(); }

    /** Freed arrays by dtype, reused by size: a kernel writes every element of its output, so no clearing is needed. */
    private final Map<DType, BufferPool<Object>> pools = new EnumMap<>(DType.class);

    private synchronized BufferPool<Object> pool(DType dtype) {
        return pools.computeIfAbsent(dtype, d -> new BufferPool<>(Runtime.getRuntime().maxMemory() / 8, a -> { }));
    }

    @Override public RawBuffer allocate(DType dtype, int count) {
        long bytes = (long) count * dtype.itemSize;
        Object pooled = pool(dtype).take(bytes);
        if (pooled != null) return new JavaArray(dtype, count, pooled);
        try {
            return new JavaArray(dtype, count, dtype.newHostArray(count));
        } catch (OutOfMemoryError e) {
            for (DType d : DType.values()) pool(d).releaseAll();
            try {
                return new JavaArray(dtype, count, dtype.newHostArray(count));
            } catch (OutOfMemoryError again) {
                throw new DeviceException("JAVA: out of memory allocating " + bytes + " bytes (" + count + " x " + dtype
                        + "); the Java heap holds at most " + memoryBytes() + " bytes (raise it with -Xmx, e.g. JTINY_JVM_OPTS=-Xmx16g)");
            }
        }
    }

    @Override public void free(RawBuffer buffer) {
        JavaArray a = own(buffer);
        pool(a.dtype).give(a.bytes(), a.array);
    }

    @Override public double copy(RawBuffer dst, RawBuffer src, boolean timed) {
        JavaArray d = own(dst), s = own(src);
        if (d.bytes() != s.bytes() || d.dtype != s.dtype) {
            throw new DeviceException("JAVA: copy of " + s.count + " x " + s.dtype + " into " + d.count + " x " + d.dtype);
        }
        long t0 = System.nanoTime();
        System.arraycopy(s.array, 0, d.array, 0, s.count);
        return timed ? (System.nanoTime() - t0) * 1e-9 : Double.NaN;
    }

    private static JavaArray own(RawBuffer b) {
        if (b instanceof JavaArray a) return a;
        throw new DeviceException("JAVA: buffer " + b + " belongs to another device");
    }

    @Override public void copyIn(RawBuffer dst, Object host) {
        JavaArray a = own(dst);
        System.arraycopy(host, 0, a.array, 0, a.count);
    }

    @Override public void copyOut(RawBuffer src, Object host) {
        JavaArray a = own(src);
        System.arraycopy(a.array, 0, host, 0, a.count);
    }

    @Override public Program compile(String name, String source) {
        return programs.computeIfAbsent(source, s -> build(name, s));
    }

    /**
     * One javac run for every kernel of {@code sources} that is neither loaded nor in the compile cache: javac's
     * set-up (its module graph, the class path) is paid once, not once per kernel, so a model's first run
     * compiles its hundred kernels several times faster.
     */
    @Override public List<String> prepare(List<Source> sources) {
        Map<String, Source> todo = new LinkedHashMap<>();
        for (Source s : sources) {
            if (programs.containsKey(s.source()) || todo.containsKey(s.source())) continue;
            if (CompileCache.contains("java", CompileCache.key(s.source(), Runtime.version().toString()))) continue;
            todo.put(s.source(), s);
        }
        if (todo.size() < 2) return List.of();
        Map<String, String> classes = new LinkedHashMap<>();
        for (Source s : todo.values()) classes.put(className(s.source()), s.source());
        Map<String, byte[]> built = javacAll(classes, new DiagnosticCollector<>());
        if (built == null) return List.of(); // a failure: each kernel's own compile reports it
        List<String> names = new ArrayList<>();
        for (Source s : todo.values()) {
            String cls = className(s.source());
            byte[] bytes = built.get(cls);
            if (bytes == null) continue;
            Counters.compiled();
            CompileCache.put("java", CompileCache.key(s.source(), Runtime.version().toString()), bytes);
            programs.putIfAbsent(s.source(), new JavaProgram(s.name(), instantiate(cls, bytes), false,
                    gemmWarmup != null && s.source().contains(Gemm.class.getName())));
            names.add(s.name());
        }
        return names;
    }

    private JavaProgram build(String name, String source) {
        String cls = className(source);
        String key = CompileCache.key(source, Runtime.version().toString());
        byte[] cached = CompileCache.get("java", key);
        boolean callsGemm = gemmWarmup != null && source.contains(Gemm.class.getName());
        if (cached != null) {
            Counters.cacheHit();
            return new JavaProgram(name, instantiate(cls, cached), true, callsGemm);
        }
        byte[] bytes = javac(name, cls, source);
        Counters.compiled();
        CompileCache.put("java", key, bytes);
        return new JavaProgram(name, instantiate(cls, bytes), false, callsGemm);
    }

    /** The class name a rendered source declares ("public final class NAME implements ..."). */
    private static String className(String source) {
        int i = source.indexOf("class ") + 6;
        return source.substring(i, source.indexOf(' ', i));
    }

    private static JavaKernel instantiate(String cls, byte[] bytes) {
        ClassLoader loader = new ClassLoader(JavaKernel.class.getClassLoader()) {
            @Override protected Class<?> findClass(String n) throws ClassNotFoundException {
                if (n.equals(cls)) return defineClass(n, bytes, 0, bytes.length);
                throw new ClassNotFoundException(n);
            }
        };
        try {
            return (JavaKernel) loader.loadClass(cls).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new DeviceException("JAVA: could not load compiled kernel " + cls, e);
        }
    }

    /**
     * javac and its file manager, made once: the file manager keeps the platform's and the class path's indexes open
     * between kernels (a new one per kernel re-read them: 85-225 ms per compile on a 2-core machine).
     */
    private static final class Javac {
        static final JavaCompiler COMPILER = ToolProvider.getSystemJavaCompiler();
        static final StandardJavaFileManager FILES = COMPILER == null ? null : COMPILER.getStandardFileManager(null, null, null);
    }

    private static byte[] javac(String name, String cls, String source) {
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        Map<String, byte[]> out = javacAll(Map.of(cls, source), diags);
        if (out == null || !out.containsKey(cls)) {
            StringBuilder log = new StringBuilder();
            for (Diagnostic<?> d : diags.getDiagnostics()) {
                log.append("line ").append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
            }
            throw new DeviceException("JAVA: kernel " + name + " failed to compile\n" + log + "source:\n" + DeviceException.numbered(source));
        }
        return out.get(cls);
    }

    /** The class files of {@code sources} (class name to source) compiled in one javac run; null where it failed. */
    private static Map<String, byte[]> javacAll(Map<String, String> sources, DiagnosticCollector<JavaFileObject> diags) {
        JavaCompiler compiler = Javac.COMPILER;
        if (compiler == null) throw new DeviceException("JAVA: no Java compiler in this runtime (" + System.getProperty("java.home") + "); jtiny needs a JDK, not a JRE");
        StandardJavaFileManager std = Javac.FILES;
        Map<String, ByteArrayOutputStream> out = new ConcurrentHashMap<>();
        JavaFileManager fm = new ForwardingJavaFileManager<>(std) {
            @Override public JavaFileObject getJavaFileForOutput(Location loc, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
                    @Override public OutputStream openOutputStream() {
                        return out.computeIfAbsent(className, c -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        List<JavaFileObject> units = new ArrayList<>();
        boolean vector = false;
        for (Map.Entry<String, String> e : sources.entrySet()) {
            String text = e.getValue();
            vector |= text.contains("jdk.incubator.vector");
            units.add(new SimpleJavaFileObject(URI.create("string:///" + e.getKey() + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override public CharSequence getCharContent(boolean ignoreEncodingErrors) { return text; }
            });
        }
        List<String> options = new ArrayList<>(List.of("-proc:none", "-g:none", "-nowarn", "-classpath", classPath()));
        if (vector) options.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xlint:-incubating"));
        boolean ok;
        synchronized (std) { // one compile at a time through the shared file manager
            ok = compiler.getTask(null, fm, diags, options, null, units).call();
        }
        if (!ok) return null;
        Map<String, byte[]> classes = new HashMap<>();
        out.forEach((c, bytes) -> classes.put(c, bytes.toByteArray()));
        return classes;
    }

    /**
     * The class path a kernel compiles against: only where the runtime's own classes are (a kernel names
     * {@link JavaKernel} and {@link Gemm}, nothing else outside the JDK). The whole application's class path made
     * javac look every simple name up in each of its jars.
     */
    private static String classPath() {
        try {
            return Path.of(JavaKernel.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            return System.getProperty("java.class.path");
        }
    }

    @Override public double launch(Program program, RawBuffer[] args, int[] global, int[] local, boolean timed) {
        JavaProgram jp = (JavaProgram) program;
        // Run interpreted, the micro-kernel would take a second where it takes milliseconds once compiled.
        if (jp.callsGemm && gemmWarmup != null && gemmWarmup.isAlive()) {
            try {
                gemmWarmup.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeviceException("JAVA: interrupted while the matmul micro-kernel compiled", e);
            }
        }
        JavaKernel k = jp.kernel;
        Object[] arrays = new Object[args.length];
        for (int i = 0; i < args.length; i++) arrays[i] = own(args[i]).array;
        int n = global[0];
        long t0 = System.nanoTime();
        // Small launches run on the caller: forking costs more than it saves (tens of microseconds).
        int chunks = n <= 1 || (long) n * k.cost() < INLINE_WORK ? 1 : Math.min(n, THREADS * 4);
        if (chunks == 1 || THREADS == 1) {
            try {
                k.run(arrays, 0, n);
            } catch (RuntimeException e) {
                throw new DeviceException("JAVA: kernel " + program.name() + " failed: " + e, e);
            }
        } else {
            // The caller takes chunks too, beside THREADS - 1 helpers: one hand-off to wake instead of one per chunk
            // and a caller that waits idle (a launch split over two cores cost 30-50 us more than one run inline).
            AtomicInteger next = new AtomicInteger();
            int parts = chunks;
            Runnable work = () -> {
                for (int c; (c = next.getAndIncrement()) < parts; ) {
                    k.run(arrays, (int) ((long) n * c / parts), (int) ((long) n * (c + 1) / parts));
                }
            };
            // A helper that has not started when the caller runs out of chunks is called off (it would only find
            // none left), so a short launch does not wait for a parked thread to wake: 0 waiting, 1 started, 2 off.
            List<AtomicInteger> states = new ArrayList<>(THREADS - 1);
            List<Future<?>> helpers = new ArrayList<>(THREADS - 1);
            for (int h = 0; h < THREADS - 1; h++) {
                AtomicInteger state = new AtomicInteger();
                states.add(state);
                helpers.add(pool.submit(() -> {
                    if (state.compareAndSet(0, 1)) work.run();
                }));
            }
            Throwable failed = null;
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                failed = e;
                next.set(parts); // the helpers stop after their current chunk
            }
            for (int h = 0; h < helpers.size(); h++) {
                if (states.get(h).compareAndSet(0, 2)) continue;
                try {
                    helpers.get(h).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failed == null) failed = e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeviceException("JAVA: interrupted while running kernel " + program.name(), e);
                }
            }
            if (failed != null) throw new DeviceException("JAVA: kernel " + program.name() + " failed: " + failed, failed);
        }
        return timed ? (System.nanoTime() - t0) * 1e-9 : Double.NaN;
    }

    @Override public void synchronize() {
        // Launches are synchronous on this device.
    }

    @Override public void close() { pool.shutdown(); }


}
