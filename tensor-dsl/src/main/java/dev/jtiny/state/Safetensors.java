// Saves and loads named tensors in the safetensors format (Hugging Face's), the way jtiny keeps weights on disk.
package dev.jtiny.state;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.HalfPrecision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON naming each tensor's dtype,
 * shape and byte range ({@code data_offsets}, relative to the data after the header) plus an optional
 * {@code "__metadata__"} object of strings, then the tensors' bytes, little-endian and row-major.
 *
 * <p>jtiny writes every dtype it has under the format's name for it: float64 {@code F64}, float32 {@code F32},
 * float16 {@code F16}, bfloat16 {@code BF16}, int64 {@code I64}, int32 {@code I32}, int8 {@code I8}, uint8
 * {@code U8} and bool {@code BOOL}, bit for bit (the 2-byte floats as their 16-bit patterns), in name order, so the
 * same tensors always give the same bytes. It reads those into the same dtypes, unchanged. Integer dtypes jtiny does
 * not have widen to the nearest one that holds them: {@code I16} and {@code U16} to int32, {@code U32} to int64, and
 * {@code U64} to int64 (an error names any value of 2^63 or more, which int64 cannot hold).
 *
 * <p>A file that is not valid safetensors gives an {@link IllegalArgumentException} naming the file, the tensor and
 * what is wrong; a failure of the file system gives an {@link UncheckedIOException} naming the file.
 */
public final class Safetensors {
    private Safetensors() {}

    /** The reference implementation's limit: a corrupt length must not make a reader allocate gigabytes. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    /** Every dtype the format defines with a whole number of bytes per element, so any file's layout can be checked. */
    private enum Kind {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), F8_E8M0(1), I16(2), U16(2), F16(2), BF16(2),
        I32(4), U32(4), F32(4), I64(8), U64(8), F64(8), C64(8);

        final int size;

        Kind(int size) { this.size = size; }

        static Kind of(DType d) {
            return switch (d) {
                case FLOAT64 -> F64;
                case FLOAT32 -> F32;
                case FLOAT16 -> F16;
                case BFLOAT16 -> BF16;
                case INT64 -> I64;
                case INT32 -> I32;
                case INT8 -> I8;
                case UINT8 -> U8;
                case BOOL -> BOOL;
            };
        }
    }

    private static final String READABLE = "BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64";

    /** One tensor's entry in the header. */
    private record Entry(String name, Kind kind, int[] shape, long numel, long begin, long end) {}

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart, long dataLength) {}

    // ================================================================ saving

    /** Writes {@code tensors} to {@code file} (replacing it atomically: readers see the old file or the new one). */
    public static void save(Map<String, Tensor> tensors, Path file) { save(tensors, Map.of(), file); }

    /** As {@link #save(Map, Path)}, with string metadata stored under {@code "__metadata__"}. */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path file) {
        Objects.requireNonNull(tensors, "save: tensors is null");
        Objects.requireNonNull(metadata, "save: metadata is null");
        Objects.requireNonNull(file, "save: file is null");
        TreeMap<String, Tensor> sorted = new TreeMap<>();
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null) throw new IllegalArgumentException("safetensors: cannot save to " + file + ": a tensor has a null name");
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("safetensors: cannot save to " + file + ": \"" + METADATA_KEY
                        + "\" is reserved for metadata and cannot name a tensor");
            }
            if (e.getValue() == null) throw new IllegalArgumentException("safetensors: cannot save to " + file + ": tensor '" + name + "' is null");
            sorted.put(name, e.getValue());
        }
        TreeMap<String, String> meta = new TreeMap<>();
        for (var e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("safetensors: cannot save to " + file + ": metadata has a null key or value (" + e.getKey() + " = " + e.getValue() + ")");
            }
            meta.put(e.getKey(), e.getValue());
        }
        if (Files.isDirectory(file)) throw new IllegalArgumentException("safetensors: cannot save to " + file + ": it is a directory");

        byte[] header = header(sorted, meta, file);
        long dataBytes = 0;
        for (Tensor t : sorted.values()) dataBytes += t.numel() * Kind.of(t.dtype()).size;
        Tensor.realize(sorted.values().toArray(Tensor[]::new));

        Path abs = file.toAbsolutePath();
        if (!Files.isDirectory(abs.getParent())) {
            throw new UncheckedIOException("safetensors: cannot write " + file + ": folder " + abs.getParent() + " does not exist",
                    new NoSuchFileException(abs.getParent().toString()));
        }
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8 + header.length + dataBytes, arena);
                out.set(I64, 0, header.length);
                MemorySegment.copy(header, 0, out, I8, 8, header.length);
                long at = 8 + header.length;
                for (Tensor t : sorted.values()) at = write(t, out, at);
                out.force();
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("safetensors: cannot write " + file + ": " + why(e), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write already failed or succeeded; a stray temp file is all that is left
            }
        }
    }

    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata, Path file) {
        StringBuilder h = new StringBuilder("{");
        try {
            if (!metadata.isEmpty()) {
                h.append(Json.quote(METADATA_KEY)).append(":{");
                String sep = "";
                for (var e : metadata.entrySet()) {
                    h.append(sep).append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                    sep = ",";
                }
                h.append('}');
            }
            long offset = 0;
            for (var e : tensors.entrySet()) {
                Tensor t = e.getValue();
                Kind k = Kind.of(t.dtype());
                long end = offset + t.numel() * k.size;
                if (h.length() > 1) h.append(',');
                h.append(Json.quote(e.getKey())).append(":{\"dtype\":\"").append(k).append("\",\"shape\":[");
                int[] shape = t.shape();
                for (int i = 0; i < shape.length; i++) h.append(i == 0 ? "" : ",").append(shape[i]);
                h.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
                offset = end;
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("safetensors: cannot save to " + file + ": " + e.getMessage(), e);
        }
        h.append('}');
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        // Padding to a multiple of 8 keeps every 8-byte tensor aligned in a memory-mapped file.
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    /** Copies {@code t}'s values into {@code out} at byte {@code at}; returns the byte after them. */
    private static long write(Tensor t, MemorySegment out, long at) {
        int n = (int) t.numel();
        if (n == 0) return at;
        switch (t.dtype()) {
            case FLOAT64 -> MemorySegment.copy(t.toDoubleArray(), 0, out, F64, at, n);
            case FLOAT32 -> MemorySegment.copy(t.toFloatArray(), 0, out, F32, at, n);
            case FLOAT16, BFLOAT16 -> MemorySegment.copy(bits(t), 0, out, I16, at, n);
            case INT64 -> MemorySegment.copy(t.toLongArray(), 0, out, I64, at, n);
            case INT32 -> MemorySegment.copy(t.toIntArray(), 0, out, I32, at, n);
            case INT8, UINT8 -> {
                int[] v = t.toIntArray(); // uint8 reads as 0..255; the low byte is the stored byte either way
                for (int i = 0; i < n; i++) out.set(I8, at + i, (byte) v[i]);
            }
            case BOOL -> {
                boolean[] b = t.toBooleanArray();
                for (int i = 0; i < n; i++) out.set(I8, at + i, (byte) (b[i] ? 1 : 0));
            }
        }
        return at + (long) n * Kind.of(t.dtype()).size;
    }

    /**
     * The 16-bit patterns of a float16 or bfloat16 tensor. Its floats hold every float16 and bfloat16 value exactly
     * (subnormals included), so converting back to nearest gives the stored bits; only a NaN may come back as another
     * NaN (a signalling NaN is made quiet on the way through float).
     */
    private static short[] bits(Tensor t) {
        float[] f = t.toFloatArray();
        short[] b = new short[f.length];
        if (t.dtype() == DType.FLOAT16) for (int i = 0; i < f.length; i++) b[i] = HalfPrecision.f16(f[i]);
        else for (int i = 0; i < f.length; i++) b[i] = HalfPrecision.bf16(f[i]);
        return b;
    }

    // ================================================================ loading

    /** Every tensor in {@code file}, by name in sorted order, on the default device. The map is the caller's to change. */
    public static Map<String, Tensor> load(Path file) { return load(file, null); }

    /** As {@link #load(Path)}, with the tensors on {@code device} ("JAVA", "OPENCL:0", …). */
    public static Map<String, Tensor> load(Path file, String device) {
        if (device != null) Devices.get(Devices.canonical(device)); // an unknown device fails before the file is read
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            Header h = readHeader(ch, file);
            // The data is mapped rather than read: a file of hundreds of MB costs no copy beyond the tensors' own.
            MemorySegment data = h.dataLength == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart, h.dataLength, arena);
            List<Entry> byName = new ArrayList<>(h.entries);
            byName.sort(Comparator.comparing(Entry::name));
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : byName) {
                Tensor t = read(data, e, file);
                out.put(e.name, device == null ? t : t.to(device));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("safetensors: cannot read " + file + ": " + why(e), e);
        }
    }

    /** The {@code "__metadata__"} strings of {@code file} (empty when it has none), sorted by key; reads only the header. */
    public static Map<String, String> metadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return Collections.unmodifiableMap(new TreeMap<>(readHeader(ch, file).metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("safetensors: cannot read " + file + ": " + why(e), e);
        }
    }

    private static Header readHeader(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) throw bad(file, "the file has " + size + " bytes, too few for the 8-byte header length that starts a safetensors file");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.getLong(0);
        if (n < 0 || n > size - 8) {
            throw bad(file, "the header length " + Long.toUnsignedString(n) + " runs past the end of the file (" + size
                    + " bytes: at most " + (size - 8) + " bytes of header fit); the file is truncated or not safetensors");
        }
        if (n > MAX_HEADER_BYTES) throw bad(file, "the header length " + n + " is more than the " + MAX_HEADER_BYTES + " bytes safetensors allows");
        if (n < 2) throw bad(file, "the header length " + n + " is too short for a JSON object");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb.flip()).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "the header is not valid UTF-8 (" + e.getMessage() + ")");
        }
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw bad(file, "the header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> top)) throw bad(file, "the header is not a JSON object");

        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var kv : top.entrySet()) {
            String name = (String) kv.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(kv.getValue() instanceof Map<?, ?> m)) throw bad(file, "\"" + METADATA_KEY + "\" is " + jsonType(kv.getValue()) + ", expected an object of strings");
                for (var mkv : m.entrySet()) {
                    if (!(mkv.getValue() instanceof String s)) {
                        throw bad(file, "\"" + METADATA_KEY + "\" value of \"" + mkv.getKey() + "\" is " + jsonType(mkv.getValue()) + ", expected a string");
                    }
                    metadata.put((String) mkv.getKey(), s);
                }
            } else {
                entries.add(entry(file, name, kv.getValue()));
            }
        }
        long dataStart = 8 + n, dataLength = size - dataStart;
        checkLayout(file, entries, dataLength);
        return new Header(entries, metadata, dataStart, dataLength);
    }

    private static Entry entry(Path file, String name, Object value) {
        if (!(value instanceof Map<?, ?> m)) throw bad(file, name, "its entry is " + jsonType(value) + ", expected an object with dtype, shape and data_offsets");
        if (!(m.get("dtype") instanceof String dtype)) throw bad(file, name, "\"dtype\" is " + jsonType(m.get("dtype")) + ", expected a string such as \"F32\"");
        Kind kind;
        try {
            kind = Kind.valueOf(dtype);
        } catch (IllegalArgumentException e) {
            throw bad(file, name, "unknown dtype \"" + dtype + "\"");
        }
        long[] dims = integers(file, name, "shape", m.get("shape"), -1);
        long[] offsets = integers(file, name, "data_offsets", m.get("data_offsets"), 2);
        int[] shape = new int[dims.length];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) throw bad(file, name, "shape " + Arrays.toString(dims) + " has a dimension larger than " + Integer.MAX_VALUE);
            shape[i] = (int) dims[i];
            try {
                numel = Math.multiplyExact(numel, dims[i]);
            } catch (ArithmeticException e) {
                throw bad(file, name, "shape " + Arrays.toString(dims) + " has too many elements to address");
            }
        }
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw bad(file, name, "data_offsets [" + begin + ", " + end + "] end before they begin");
        long need;
        try {
            need = Math.multiplyExact(numel, (long) kind.size);
        } catch (ArithmeticException e) {
            throw bad(file, name, "shape " + Arrays.toString(dims) + " of " + dtype + " has too many bytes to address");
        }
        if (need != end - begin) {
            throw bad(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + need + " (" + numel + " elements of " + kind.size + " bytes)");
        }
        return new Entry(name, kind, shape, numel, begin, end);
    }

    /** A JSON array of non-negative integers ({@code count} of them unless it is -1). */
    private static long[] integers(Path file, String name, String field, Object v, int count) {
        if (!(v instanceof List<?> l)) throw bad(file, name, "\"" + field + "\" is " + jsonType(v) + ", expected an array of integers");
        if (count >= 0 && l.size() != count) throw bad(file, name, "\"" + field + "\" has " + l.size() + " numbers, expected " + count);
        long[] r = new long[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0) throw bad(file, name, "\"" + field + "\" " + l + " must hold non-negative integers");
            r[i] = x;
        }
        return r;
    }

    /** The tensors' byte ranges must tile the data exactly: no overlap, no gap, nothing past the end. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.end > dataLength) {
                throw bad(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] run past the end of the data, which has "
                        + dataLength + " bytes after the header; the file is truncated or its offsets are wrong");
            }
            if (e.begin < expected) {
                throw bad(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] overlap tensor '" + previous.name
                        + "' at [" + previous.begin + ", " + previous.end + "]");
            }
            if (e.begin > expected) {
                throw bad(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] leave bytes " + expected + " to " + e.begin
                        + " of the data unused" + (previous == null ? " (the first tensor must start at 0)" : " after tensor '" + previous.name + "'"));
            }
            expected = e.end;
            previous = e;
        }
        if (expected != dataLength) {
            throw bad(file, (dataLength - expected) + " bytes after the last tensor's data belong to no tensor (data ends at "
                    + expected + ", the file has " + dataLength + " bytes after the header)");
        }
    }

    private static Tensor read(MemorySegment data, Entry e, Path file) {
        if (e.numel > Integer.MAX_VALUE) throw bad(file, e.name, "it has " + e.numel + " elements, more than a jtiny tensor holds (" + Integer.MAX_VALUE + ")");
        int n = (int) e.numel;
        long at = e.begin;
        switch (e.kind) {
            case F64 -> {
                double[] a = new double[n];
                MemorySegment.copy(data, F64, at, a, 0, n);
                return Tensor.ofDoubles(a, e.shape);
            }
            case F32 -> {
                float[] a = new float[n];
                MemorySegment.copy(data, F32, at, a, 0, n);
                return Tensor.of(a, e.shape);
            }
            case F16, BF16 -> {
                short[] a = new short[n];
                MemorySegment.copy(data, I16, at, a, 0, n);
                return Tensor.ofBits(a, e.kind == Kind.F16 ? DType.FLOAT16 : DType.BFLOAT16, e.shape);
            }
            case I64 -> {
                long[] a = new long[n];
                MemorySegment.copy(data, I64, at, a, 0, n);
                return Tensor.of(a, e.shape);
            }
            case U64 -> {
                long[] a = new long[n];
                MemorySegment.copy(data, I64, at, a, 0, n);
                for (int i = 0; i < n; i++) {
                    if (a[i] < 0) { // 2^63 and above read as negative
                        throw bad(file, e.name, "value " + Long.toUnsignedString(a[i]) + " at index " + i
                                + " does not fit in int64, the widest integer dtype jtiny has");
                    }
                }
                return Tensor.of(a, e.shape);
            }
            case U32 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = data.get(I32, at + 4L * i) & 0xffffffffL;
                return Tensor.of(a, e.shape);
            }
            case I32 -> {
                int[] a = new int[n];
                MemorySegment.copy(data, I32, at, a, 0, n);
                return Tensor.of(a, e.shape);
            }
            case I16, U16 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    short s = data.get(I16, at + 2L * i);
                    a[i] = e.kind == Kind.U16 ? s & 0xffff : s;
                }
                return Tensor.of(a, e.shape);
            }
            case I8, U8, BOOL -> {
                byte[] a = new byte[n];
                MemorySegment.copy(data, I8, at, a, 0, n);
                DType d = e.kind == Kind.I8 ? DType.INT8 : e.kind == Kind.U8 ? DType.UINT8 : DType.BOOL;
                return Tensor.of(a, d, e.shape); // a bool byte other than 0 reads as true
            }
            default -> throw bad(file, e.name, "dtype " + e.kind + " cannot be read by jtiny yet (it reads " + READABLE + ")");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    private static String why(IOException e) {
        return e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied" : e.toString();
    }

    private static String jsonType(Object v) {
        return switch (v) {
            case null -> "missing or null";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            case String s -> "a string";
            case Boolean b -> "a boolean";
            default -> "a number";
        };
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("safetensors: " + file + ": " + what);
    }

    private static IllegalArgumentException bad(Path file, String tensor, String what) {
        return new IllegalArgumentException("safetensors: " + file + ": tensor '" + tensor + "': " + what);
    }
}
