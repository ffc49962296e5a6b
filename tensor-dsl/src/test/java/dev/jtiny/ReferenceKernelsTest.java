// The generated source of a reference set of kernels, on both renderers, is byte-identical to what is committed:
// the guard for moving the runtime's stages around. Run with -Djtiny.reference.update=true to write the files anew
// after a change meant to alter generated code (and read the diff).
package dev.jtiny;

import dev.jtiny.nn.Conv;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.engine.Lowering;
import dev.jtiny.runtime.schedule.Scheduler;
import dev.jtiny.runtime.codegen.JavaRenderer;
import dev.jtiny.runtime.codegen.OpenCLRenderer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each case's graph is scheduled where it was built (on JAVA for the CPU target; on OPENCL:0 with GROUPREDUCE=1 for
 * the GPU target, so reductions fuse by rows as on a GPU), then lowered for a target written down here rather than
 * read off this machine: the CPU target is a 2-core AVX2 machine (8-lane vectors), the GPU target an OpenCL GPU with
 * 132 compute units (an H100's SMs). The sources therefore do not depend on the machine the test runs on. Reductions
 * are kept short enough that no graph is split by core count.
 */
class ReferenceKernelsTest {
    static final Path DIR = Path.of("src/test/resources/dev/jtiny/reference-kernels");

    record Target(String name, String device, Lowering.Target lowering) {}

    static final Target CPU = new Target("java", "JAVA", new Lowering.Target(new JavaRenderer(8), 8, false, 2));
    static final Target GPU = new Target("opencl", "OPENCL:0", new Lowering.Target(new OpenCLRenderer(), 1, true, 132));

    record Case(String name, Function<Tensor[], Tensor> graph, int[][] inputs) {}

    static final List<Case> CASES = List.of(
            new Case("elementwise-chain", in -> in[0].mul(in[1]).add(1).exp().neg(), shapes(64, 64, 64, 64)),
            new Case("row-sum", in -> in[0].sum(1), shapes(64, 512)),
            new Case("linear-bias-relu", in -> in[0].matmul(in[1]).add(in[2]).relu(), new int[][] {{32, 64}, {64, 48}, {48}}),
            new Case("softmax", in -> in[0].softmax(1), shapes(64, 256)),
            new Case("layernorm", in -> in[0].sub(in[0].mean(1, true)).div(in[0].var(1, true).add(1e-5).sqrt()), shapes(64, 256)),
            new Case("broadcast-back", in -> in[0].sub(in[0].sum(1, true)), shapes(32, 128)),
            new Case("nested-reduction", in -> in[0].sum(2).relu().sum(1), shapes(16, 32, 64)),
            new Case("staged-matmul", in -> in[0].matmul(in[1]), shapes(256, 256, 256, 256)),
            new Case("conv2d-bias-relu", in -> Conv.conv2d(in[0], in[1], in[2], 1, 1).relu(), new int[][] {{2, 16, 32, 32}, {64, 16, 3, 3}, {64}}),
            new Case("float16-prologue", in -> in[0].permute(1, 0).mul(0.5).cast(DType.FLOAT16).cast(DType.FLOAT32)
                    .matmul(in[1].relu()), shapes(256, 1024, 256, 256)),
            new Case("split-k", in -> in[0].permute(1, 0).matmul(in[1]).add(1).relu(), shapes(256, 1024, 256, 256)));

    /** Pairs of ints as 2-d shapes: shapes(a, b, c, d) is {a, b} and {c, d}; three ints make one 3-d shape. */
    private static int[][] shapes(int... dims) {
        if (dims.length == 3) return new int[][] {dims};
        int[][] s = new int[dims.length / 2][];
        for (int i = 0; i < s.length; i++) s[i] = new int[] {dims[2 * i], dims[2 * i + 1]};
        return s;
    }

    @AfterEach void reset() {
        for (String k : List.of("DEVICE", "GROUPREDUCE", "SPLITK")) Config.set(k, null);
    }

    static Stream<Object[]> cases() {
        List<Object[]> all = new ArrayList<>();
        for (Target t : List.of(CPU, GPU)) for (Case c : CASES) all.add(new Object[] {c.name(), t.name()});
        return all.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void generatedSourceIsUnchanged(String caseName, String targetName) throws IOException {
        Target t = targetName.equals(CPU.name()) ? CPU : GPU;
        Case c = CASES.stream().filter(x -> x.name().equals(caseName)).findFirst().orElseThrow();
        if (t == GPU) {
            Assumptions.assumeTrue(Devices.available().contains("OPENCL:0"), "no OpenCL device: install pocl-opencl-icd");
            Config.set("GROUPREDUCE", "1");
        }
        if (c.name().equals("split-k")) Config.set("SPLITK", "4");
        Config.set("DEVICE", t.device());
        Tensor.manualSeed(0);
        Tensor[] in = Arrays.stream(c.inputs()).map(s -> Tensor.rand(s).realize()).toArray(Tensor[]::new);
        LazyBuffer out = c.graph().apply(in).lazyBuffer();
        StringBuilder text = new StringBuilder();
        for (Scheduler.Item item : Scheduler.schedule(List.of(out), Devices::capabilities)) {
            if (!(item instanceof Scheduler.KernelItem k)) continue;
            Lowering.Rendered r = Lowering.lower(k.kernel(), t.lowering());
            text.append("// ").append(r.symbol()).append(' ').append(r.linear().plan()).append('\n').append(r.source()).append('\n');
        }
        assertTrue(text.length() > 0, "no kernels for " + caseName);
        Path file = DIR.resolve(caseName + "." + t.name() + ".txt");
        if (Boolean.getBoolean("jtiny.reference.update")) {
            Files.createDirectories(DIR);
            Files.writeString(file, text);
            return;
        }
        assertTrue(Files.exists(file), file + " is missing; run with -Djtiny.reference.update=true to write it");
        String want = Files.readString(file), got = text.toString();
        if (!want.equals(got)) {
            List<String> w = want.lines().toList(), g = got.lines().toList();
            int i = 0;
            while (i < w.size() && i < g.size() && w.get(i).equals(g.get(i))) i++;
            fail(caseName + " on " + t.name() + " differs from " + file + " at line " + (i + 1) + ":\n  committed: "
                    + (i < w.size() ? w.get(i) : "(end)") + "\n  now:       " + (i < g.size() ? g.get(i) : "(end)"));
        }
    }
}
