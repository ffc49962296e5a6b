// Safetensors: round trips, a file built byte by byte from the format's description, and corrupt files.
package dev.jtiny.state;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {
    @TempDir Path dir;

    // ================================================================ round trips

    @Test
    void roundTripKeepsEveryDtypeShapeAndValue() {
        Tensor.manualSeed(7);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("layer.0.weight", Tensor.randn(3, 5, 7));
        in.put("layer.0.bias", Tensor.rand(7));
        in.put("specials", Tensor.of(new float[]{Float.NaN, -0.0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE}, 2, 3));
        in.put("computed", Tensor.of(new float[]{1, 2, 3, 4}, 2, 2).mul(2).add(1)); // lazy: saving realizes it
        in.put("ids", Tensor.of(new int[]{0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, 4, 1));
        in.put("mask", Tensor.of(new boolean[]{true, false, false, true, true, false}, 2, 1, 3));
        in.put("scale", Tensor.of(new float[]{2.5f}, new int[0]));
        in.put("step", Tensor.of(new int[]{12}, new int[0]));
        in.put("empty", Tensor.of(new float[0], 0));
        in.put("none", Tensor.of(new int[0], 2, 0, 3));
        in.put("nobool", Tensor.of(new boolean[0], 0, 4));
        in.put("f64", Tensor.ofDoubles(new double[]{0.1, -1.0 / 3, Double.MIN_VALUE, -Double.MAX_VALUE, -0.0, Double.NaN,
                Double.NEGATIVE_INFINITY, Math.PI}, 2, 4));
        in.put("f64.computed", Tensor.ofDoubles(1, 2, 3).mul(Tensor.ofDoubles(0.1, 0.1, 0.1)));
        in.put("f16", Tensor.ofBits(HALF_BITS, DType.FLOAT16, 3, 4));
        in.put("bf16", Tensor.ofBits(BRAIN_BITS, DType.BFLOAT16, 12));
        in.put("f16.computed", Tensor.ofBits(new short[]{0x3C00, 0x3555}, DType.FLOAT16, 2).div(3)); // rounded to float16 once
        in.put("i64", Tensor.of(new long[]{Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 1, -(1L << 53) - 1, 0, -1}, 3, 2));
        in.put("i8", Tensor.of(new byte[]{-128, 127, 0, -1}, DType.INT8, 4));
        in.put("u8", Tensor.of(new byte[]{0, 1, (byte) 128, (byte) 255}, DType.UINT8, 2, 2));
        in.put("u8.empty", Tensor.of(new byte[0], DType.UINT8, 0));
        Map<String, String> meta = Map.of("format", "pt", "quote\"d", "line\nbreak\ttab \\ back", "ünï", "日本 😀", "empty", "");
        Path f = dir.resolve("model.safetensors");
        Safetensors.save(in, meta, f);

        Map<String, Tensor> out = Safetensors.load(f);
        assertEquals(in.keySet().stream().sorted().toList(), List.copyOf(out.keySet()), "every tensor, by name in sorted order");
        for (var e : in.entrySet()) {
            Tensor a = e.getValue(), b = out.get(e.getKey());
            assertArrayEquals(a.shape(), b.shape(), e.getKey());
            assertEquals(a.dtype(), b.dtype(), e.getKey());
            assertArrayEquals(bits(a), bits(b), e.getKey() + ": every value bit for bit");
        }
        assertEquals(Long.MIN_VALUE, out.get("i64").toLongArray()[0]);
        assertEquals((1L << 53) + 1, out.get("i64").toLongArray()[2], "int64 beyond 2^53 exactly");
        assertArrayEquals(new int[]{0, 1, 128, 255}, out.get("u8").toIntArray());
        assertArrayEquals(new int[]{-128, 127, 0, -1}, out.get("i8").toIntArray());
        assertEquals(0.30000000000000004, out.get("f64.computed").toDoubleArray()[2], 0.0, "float64 computed in float64");
        assertArrayEquals(new float[]{3, 5, 7, 9}, out.get("computed").toFloatArray());
        assertEquals(-0.0f, out.get("specials").toFloatArray()[1]);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(out.get("specials").toFloatArray()[1]), "negative zero keeps its sign");
        assertEquals(2.5f, out.get("scale").item());
        assertEquals(meta, Safetensors.metadata(f));
    }

    @Test
    void writesTheExactBytesTheFormatDescribes() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("b", Tensor.of(new float[]{1.5f, -2f}, 2));
        in.put("a", Tensor.of(new int[]{258}, 1, 1));
        in.put("c", Tensor.of(new boolean[]{true, false}, 2));
        Path f = dir.resolve("exact.safetensors");
        Safetensors.save(in, Map.of("k", "v"), f);
        byte[] bytes = Files.readAllBytes(f);

        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"c\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[12,14]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer expected = ByteBuffer.allocate(8 + padded + 14).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(padded).put((json + " ".repeat(padded - json.length())).getBytes(StandardCharsets.US_ASCII));
        expected.putInt(258).putFloat(1.5f).putFloat(-2f).put((byte) 1).put((byte) 0);
        assertArrayEquals(expected.array(), bytes);
    }

    @Test
    void sameTensorsGiveSameBytesWhateverTheMapOrder() throws IOException {
        Tensor.manualSeed(1);
        Tensor x = Tensor.randn(4, 3), y = Tensor.of(new int[]{1, 2, 3}, 3);
        Map<String, Tensor> one = new LinkedHashMap<>(), two = new LinkedHashMap<>();
        one.put("x", x);
        one.put("y", y);
        two.put("y", y);
        two.put("x", x);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        Safetensors.save(one, Map.of("p", "1", "q", "2"), a);
        Safetensors.save(two, new HashMap<>(Map.of("q", "2", "p", "1")), b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(a), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "the header is padded to a multiple of 8");
    }

    @Test
    void saveReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Safetensors.save(Map.of("w", Tensor.of(1f, 2f, 3f)), f);
        Safetensors.save(Map.of("v", Tensor.of(4f)), f);
        assertEquals(List.of("v"), List.copyOf(Safetensors.load(f).keySet()));
        assertArrayEquals(new float[]{4}, Safetensors.load(f).get("v").toFloatArray());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "only the saved file is left in the folder");
        }
    }

    @Test
    void loadsOntoTheRequestedDevice() {
        Path f = dir.resolve("d.safetensors");
        Safetensors.save(Map.of("w", Tensor.of(1f, 2f)), f);
        Tensor w = Safetensors.load(f, "JAVA").get("w");
        assertEquals("JAVA", w.device());
        assertArrayEquals(new float[]{1, 2}, w.toFloatArray());
        assertThrows(RuntimeException.class, () -> Safetensors.load(f, "NO_SUCH_DEVICE"));
    }

    @Test
    void saveRefusesWhatTheFormatCannotHold() {
        Path f = dir.resolve("x.safetensors");
        fails(() -> Safetensors.save(Map.of("__metadata__", Tensor.of(1f)), f), "__metadata__", "reserved");
        fails(() -> Safetensors.save(Map.of("bad\uD800name", Tensor.of(1f)), f), "unpaired surrogate");
        Path nowhere = dir.resolve("missing-dir").resolve("x.safetensors");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Safetensors.save(Map.of("w", Tensor.of(1f)), nowhere));
        assertEquals("safetensors: cannot write " + nowhere + ": folder " + nowhere.getParent() + " does not exist", e.getMessage());
        e = assertThrows(UncheckedIOException.class, () -> Safetensors.load(nowhere));
        assertEquals("safetensors: cannot read " + nowhere + ": no such file", e.getMessage());
        assertFalse(Files.exists(f));
    }

    // ================================================================ a file written by hand from the format's description

    @Test
    void readsAHandWrittenFileIntoNativeDtypes() throws IOException {
        // Entries out of name order, data out of entry order, metadata last, whitespace in the JSON: all allowed.
        Spec s = new Spec();
        s.tensor("u8", "U8", new int[]{3}, new byte[]{0, (byte) 255, (byte) 128});
        s.tensor("half", "F16", new int[]{2, 3}, le16(0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00));
        s.tensor("brain", "BF16", new int[]{4}, le16(0x3F80, 0xC049, 0x7F80, 0x0001));
        s.tensor("double", "F64", new int[]{3}, leF64(0.1, -1.0 / 3, 1e300));
        s.tensor("long", "I64", new int[]{2, 2}, leI64(-5, (1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE));
        s.tensor("i8", "I8", new int[]{2}, new byte[]{(byte) -128, 127});
        s.tensor("i16", "I16", new int[]{2}, le16(0xFFFF, 0x7FFF));
        s.tensor("u16", "U16", new int[]{2}, le16(0xFFFF, 0x7FFF));
        s.tensor("u32", "U32", new int[]{2}, leI32(0x7FFFFFFF, 0xFFFFFFFF));
        s.tensor("u64", "U64", new int[]{2}, leI64(Long.MAX_VALUE, 0));
        s.tensor("flag", "BOOL", new int[]{3}, new byte[]{1, 0, 1});
        s.tensor("f32", "F32", new int[]{}, leF32(-7.25f));
        s.tensor("i32", "I32", new int[]{1, 2}, leI32(-1, 65536));
        s.tensor("zero", "F64", new int[]{0, 5}, new byte[0]);
        s.metadata = "{\"format\" : \"pt\", \"say\": \"\\\"hi\\\"\\n\\ttab \\\\ \\/\", \"uni\": \"\\u00e9\\ud83d\\ude00 ü\"}";
        Path f = s.write(dir.resolve("hand.safetensors"));

        Map<String, Tensor> t = Safetensors.load(f);
        assertEquals(List.of("brain", "double", "f32", "flag", "half", "i16", "i32", "i8", "long", "u16", "u32", "u64", "u8", "zero"), List.copyOf(t.keySet()));
        expect(t.get("half"), DType.FLOAT16, new int[]{2, 3}, 1, -2, 0.5, 65504, 0x1p-24, Double.POSITIVE_INFINITY);
        expect(t.get("brain"), DType.BFLOAT16, new int[]{4}, 1, -3.140625, Double.POSITIVE_INFINITY, 0x1p-133);
        expect(t.get("double"), DType.FLOAT64, new int[]{3}, 0.1, -1.0 / 3, 1e300);
        expect(t.get("f32"), DType.FLOAT32, new int[]{}, -7.25);
        expect(t.get("zero"), DType.FLOAT64, new int[]{0, 5});
        expectLongs(t.get("long"), DType.INT64, new int[]{2, 2}, -5, (1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE);
        expectLongs(t.get("u8"), DType.UINT8, new int[]{3}, 0, 255, 128);
        expectLongs(t.get("i8"), DType.INT8, new int[]{2}, -128, 127);
        expectLongs(t.get("i16"), DType.INT32, new int[]{2}, -1, 32767);
        expectLongs(t.get("u16"), DType.INT32, new int[]{2}, 65535, 32767);
        expectLongs(t.get("u32"), DType.INT64, new int[]{2}, Integer.MAX_VALUE, 0xFFFFFFFFL);
        expectLongs(t.get("u64"), DType.INT64, new int[]{2}, Long.MAX_VALUE, 0);
        expectLongs(t.get("i32"), DType.INT32, new int[]{1, 2}, -1, 65536);
        assertEquals(DType.BOOL, t.get("flag").dtype());
        assertArrayEquals(new boolean[]{true, false, true}, t.get("flag").toBooleanArray());
        assertEquals(Map.of("format", "pt", "say", "\"hi\"\n\ttab \\ /", "uni", "é😀 ü"), Safetensors.metadata(f));
    }

    @Test
    void nativeDtypesAreSavedWithTheirNamesAndTheSameBytes() throws IOException {
        // Loaded from bytes written by hand, saved again: the data must come back byte for byte, in name order.
        Map<String, String> dtypes = new java.util.TreeMap<>();
        Map<String, byte[]> raw = new java.util.TreeMap<>();
        raw.put("a.f64", leF64(0.1, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.NEGATIVE_INFINITY));
        raw.put("b.f32", leF32(-7.25f, Float.MIN_VALUE, -0.0f));
        raw.put("c.f16", le16(HALF_BITS));
        raw.put("d.bf16", le16(BRAIN_BITS));
        raw.put("e.i64", leI64(Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 1, -1));
        raw.put("f.i32", leI32(Integer.MIN_VALUE, -1, 65536));
        raw.put("g.i8", new byte[]{-128, 127, -1, 0});
        raw.put("h.u8", new byte[]{0, (byte) 255, (byte) 128, 1});
        raw.put("i.bool", new byte[]{1, 0, 0, 1});
        String[] names = {"F64", "F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL"};
        int[] sizes = {8, 4, 2, 2, 8, 4, 1, 1, 1};
        Spec s = new Spec();
        int k = 0;
        for (var e : raw.entrySet()) {
            dtypes.put(e.getKey(), names[k]);
            s.tensor(e.getKey(), names[k], new int[]{e.getValue().length / sizes[k]}, e.getValue());
            k++;
        }
        Map<String, Tensor> loaded = Safetensors.load(s.write(dir.resolve("in.safetensors")));
        Path again = dir.resolve("again.safetensors");
        Safetensors.save(loaded, again);

        byte[] bytes = Files.readAllBytes(again);
        int headerLength = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (var e : raw.entrySet()) {
            assertTrue(header.contains("\"" + e.getKey() + "\":{\"dtype\":\"" + dtypes.get(e.getKey()) + "\""), e.getKey() + " in " + header);
            expected.writeBytes(e.getValue());
        }
        assertArrayEquals(expected.toByteArray(), Arrays.copyOfRange(bytes, 8 + headerLength, bytes.length));
    }

    @Test
    void sixteenBitNaNsStayNaNs() {
        // Signalling NaNs (quiet bit clear) may come back quiet: the values pass through float on the host.
        Map<String, Tensor> in = Map.of(
                "h", Tensor.ofBits(new short[]{0x7C01, (short) 0xFD55, 0x7E00}, DType.FLOAT16, 3),
                "b", Tensor.ofBits(new short[]{0x7F81, (short) 0xFFC5, 0x7FC0}, DType.BFLOAT16, 3));
        Path f = dir.resolve("nan.safetensors");
        Safetensors.save(in, f);
        Map<String, Tensor> out = Safetensors.load(f);
        for (String name : List.of("h", "b")) {
            assertEquals(in.get(name).dtype(), out.get(name).dtype());
            for (float v : out.get(name).toFloatArray()) assertTrue(Float.isNaN(v), name + ": " + Arrays.toString(out.get(name).toFloatArray()));
        }
    }

    @Test
    void aFileWithoutMetadataOrTensorsIsValid() throws IOException {
        Path f = new Spec().write(dir.resolve("empty.safetensors"));
        assertTrue(Safetensors.load(f).isEmpty());
        assertTrue(Safetensors.metadata(f).isEmpty());
        Path g = dir.resolve("saved-empty.safetensors");
        Safetensors.save(Map.of(), g);
        assertTrue(Safetensors.load(g).isEmpty());
    }

    // ================================================================ corrupt files

    @Test
    void truncatedFileNamesTheTensorThatRunsOut() throws IOException {
        Path f = dir.resolve("t.safetensors");
        Safetensors.save(Map.of("a", Tensor.of(1f, 2f), "b", Tensor.of(3f, 4f)), f);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 3));
        loadFails(f, "tensor 'b'", "data_offsets [8, 16]", "run past the end of the data", "13 bytes", "truncated");

        Files.write(f, Arrays.copyOf(all, 5));
        loadFails(f, "5 bytes", "too few");
        Files.write(f, Arrays.copyOf(all, 20)); // the header itself is cut
        loadFails(f, "header length", "runs past the end of the file");
    }

    @Test
    void headerLengthsThatCannotBeRight() throws IOException {
        Path f = dir.resolve("h.safetensors");
        Files.write(f, withLength(1000, "{}"));
        loadFails(f, "header length 1000", "runs past the end of the file (10 bytes");
        Files.write(f, withLength(-1, "{}"));
        loadFails(f, "header length 18446744073709551615", "runs past the end");
        Files.write(f, withLength(0, ""));
        loadFails(f, "header length 0", "too short");
        // A header over the format's 100 MB limit, in a sparse file so the test writes almost nothing.
        long n = Safetensors.MAX_HEADER_BYTES + 8;
        Files.write(f, withLength(n, ""));
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(8 + n);
        }
        loadFails(f, "header length " + n, "more than the 100000000 bytes");
        metadataFails(f, "more than the 100000000 bytes");
    }

    @Test
    void offsetsThatDoNotTileTheData() throws IOException {
        Spec overlap = new Spec();
        overlap.raw("a", "F32", "[2]", 0, 8);
        overlap.raw("b", "F32", "[2]", 4, 12);
        overlap.data = new byte[12];
        loadFails(overlap.write(dir.resolve("o.safetensors")), "tensor 'b'", "data_offsets [4, 12] overlap tensor 'a' at [0, 8]");

        Spec gap = new Spec();
        gap.raw("a", "F32", "[1]", 0, 4);
        gap.raw("b", "F32", "[1]", 8, 12);
        gap.data = new byte[12];
        loadFails(gap.write(dir.resolve("g.safetensors")), "tensor 'b'", "leave bytes 4 to 8 of the data unused");

        Spec late = new Spec();
        late.raw("a", "U8", "[4]", 2, 6);
        late.data = new byte[6];
        loadFails(late.write(dir.resolve("l.safetensors")), "tensor 'a'", "first tensor must start at 0");

        Spec tail = new Spec();
        tail.raw("a", "U8", "[2]", 0, 2);
        tail.data = new byte[5];
        loadFails(tail.write(dir.resolve("tail.safetensors")), "3 bytes after the last tensor's data belong to no tensor");

        Spec size = new Spec();
        size.raw("w", "F32", "[2, 3]", 0, 20);
        size.data = new byte[20];
        loadFails(size.write(dir.resolve("s.safetensors")), "tensor 'w'", "data_offsets [0, 20] hold 20 bytes but shape [2, 3] of F32 needs 24");

        Spec backwards = new Spec();
        backwards.raw("w", "U8", "[0]", 4, 0);
        backwards.data = new byte[4];
        loadFails(backwards.write(dir.resolve("b.safetensors")), "tensor 'w'", "end before they begin");

        Spec negative = new Spec();
        negative.raw("w", "U8", "[-1]", 0, 0);
        loadFails(negative.write(dir.resolve("n.safetensors")), "tensor 'w'", "\"shape\" [-1] must hold non-negative integers");

        Spec three = new Spec();
        three.entries.add("\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}");
        three.data = new byte[1];
        loadFails(three.write(dir.resolve("3.safetensors")), "tensor 'w'", "\"data_offsets\" has 3 numbers, expected 2");
    }

    @Test
    void headersThatAreNotWhatTheFormatSays() throws IOException {
        Path f = dir.resolve("j.safetensors");
        Files.write(f, withLength(16, "{\"a\": {\"dtype\": "));
        loadFails(f, "header is not valid JSON", "expected a value");
        Files.write(f, withLength(8, "[1, 2]  "));
        loadFails(f, "header is not a JSON object");
        byte[] latin1 = withLength(8, "{\"\u00e9\":1}  ".replace("\u00e9", "X"));
        latin1[10] = (byte) 0xE9; // a lone Latin-1 byte is not UTF-8
        Files.write(f, latin1);
        loadFails(f, "not valid UTF-8");

        Spec meta = new Spec();
        meta.metadata = "{\"epoch\": 3}";
        Path m = meta.write(dir.resolve("m.safetensors"));
        loadFails(m, "\"__metadata__\" value of \"epoch\" is a number, expected a string");
        metadataFails(m, "value of \"epoch\"");

        Spec dup = new Spec();
        dup.entries.add("\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}");
        dup.entries.add("\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}");
        loadFails(dup.write(dir.resolve("dup.safetensors")), "duplicate key \"w\"");

        Spec noDtype = new Spec();
        noDtype.entries.add("\"w\":{\"shape\":[0],\"data_offsets\":[0,0]}");
        loadFails(noDtype.write(dir.resolve("nd.safetensors")), "tensor 'w'", "\"dtype\" is missing or null");
    }

    @Test
    void dtypesJtinyCannotHoldAreNamed() throws IOException {
        Spec f8 = new Spec();
        f8.raw("scales", "F8_E4M3", "[2]", 0, 2);
        f8.data = new byte[2];
        Path p = f8.write(dir.resolve("f8.safetensors"));
        loadFails(p, "tensor 'scales'", "dtype F8_E4M3 cannot be read", "F16, BF16");
        assertTrue(Safetensors.metadata(p).isEmpty(), "the header of such a file can still be read");

        Spec unknown = new Spec();
        unknown.raw("q", "Q4_K", "[2]", 0, 2);
        unknown.data = new byte[2];
        loadFails(unknown.write(dir.resolve("q.safetensors")), "tensor 'q'", "unknown dtype \"Q4_K\"");

        Spec big = new Spec();
        big.tensor("ids", "U64", new int[]{3}, leI64(1, Long.MAX_VALUE, Long.MIN_VALUE));
        loadFails(big.write(dir.resolve("big.safetensors")), "tensor 'ids'", "value 9223372036854775808 at index 2 does not fit in int64");

        Spec u64 = new Spec();
        u64.tensor("n", "U64", new int[]{1}, leI64(-1));
        loadFails(u64.write(dir.resolve("u64.safetensors")), "tensor 'n'", "value 18446744073709551615 at index 0 does not fit");
    }

    // ================================================================ helpers

    /**
     * float16 bit patterns: ±0, ±1, the largest, the smallest subnormal and normal, the largest subnormal, ±infinity
     * and a quiet NaN with a payload.
     */
    private static final short[] HALF_BITS = {0x0000, (short) 0x8000, 0x3C00, (short) 0xBC00, 0x7BFF, 0x0001, 0x0400,
            0x03FF, (short) 0x8001, 0x7C00, (short) 0xFC00, 0x7E55};
    /** The same for bfloat16 (the float32 exponent range: subnormals down to 2^-133). */
    private static final short[] BRAIN_BITS = {0x0000, (short) 0x8000, 0x3F80, (short) 0xC049, 0x7F7F, 0x0001, 0x0080,
            0x007F, (short) 0x8001, 0x7F80, (short) 0xFF80, 0x7FC5};

    private static void expect(Tensor t, DType dtype, int[] shape, double... values) {
        assertEquals(dtype, t.dtype());
        assertArrayEquals(shape, t.shape());
        assertArrayEquals(values, t.toDoubleArray(), 0.0);
    }

    private static void expectLongs(Tensor t, DType dtype, int[] shape, long... values) {
        assertEquals(dtype, t.dtype());
        assertArrayEquals(shape, t.shape());
        assertArrayEquals(values, t.toLongArray());
    }

    /** Each value exactly: a float's bits (as a double, which holds every float dtype exactly), an integer's value. */
    private static long[] bits(Tensor t) {
        if (!t.dtype().isFloat()) return t.toLongArray();
        return Arrays.stream(t.toDoubleArray()).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    private static void fails(Executable body, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message should contain \"" + f + "\": " + e.getMessage());
    }

    /** Loading fails with a message naming the file and containing every fragment. */
    private static void loadFails(Path f, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.load(f));
        assertTrue(e.getMessage().startsWith("safetensors: " + f + ": "), "message should name the file: " + e.getMessage());
        for (String s : fragments) assertTrue(e.getMessage().contains(s), "message should contain \"" + s + "\": " + e.getMessage());
    }

    private static void metadataFails(Path f, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.metadata(f));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    /** An 8-byte little-endian length followed by {@code header} as UTF-8 (the length need not match). */
    private static byte[] withLength(long length, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(h).array();
    }

    /**
     * A safetensors file assembled from the format's description, independently of {@link Safetensors}: JSON entries
     * as text, data appended in the order tensors are added, the header padded with spaces to a multiple of 8.
     */
    private static final class Spec {
        final List<String> entries = new java.util.ArrayList<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        String metadata;
        byte[] data;

        void tensor(String name, String dtype, int[] shape, byte[] littleEndian) {
            int begin = out.size();
            out.writeBytes(littleEndian);
            raw(name, dtype, Arrays.toString(shape), begin, out.size());
        }

        void raw(String name, String dtype, String shape, long begin, long end) {
            entries.add("\n  \"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": [" + begin + ", " + end + "]}");
        }

        Path write(Path f) throws IOException {
            List<String> all = new java.util.ArrayList<>(entries);
            if (metadata != null) all.add("\n  \"__metadata__\": " + metadata);
            byte[] json = ("{" + String.join(",", all) + "\n}").getBytes(StandardCharsets.UTF_8);
            int padded = (json.length + 7) / 8 * 8;
            byte[] body = data != null ? data : out.toByteArray();
            ByteBuffer b = ByteBuffer.allocate(8 + padded + body.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(padded).put(json);
            for (int i = json.length; i < padded; i++) b.put((byte) ' ');
            b.put(body);
            Files.write(f, b.array());
            return f;
        }
    }

    private static byte[] le16(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) b.putShort((short) v);
        return b.array();
    }

    private static byte[] le16(short[] bits) {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : bits) b.putShort(v);
        return b.array();
    }

    private static byte[] leI32(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putInt(x);
        return b.array();
    }

    private static byte[] leF32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private static byte[] leI64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) b.putLong(x);
        return b.array();
    }

    private static byte[] leF64(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putDouble(x);
        return b.array();
    }
}
