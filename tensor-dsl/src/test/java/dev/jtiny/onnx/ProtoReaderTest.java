// The wire-format reader on hand-built bytes: varints, fixed widths, length-delimited, packed and unpacked repeats.
package dev.jtiny.onnx;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtoReaderTest {
    private static byte[] bytes(int... b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) r[i] = (byte) b[i];
        return r;
    }

    @Test void varints() {
        // field 1 = 150 (the protobuf guide's example: 08 96 01), field 2 = -1 as int64 (ten bytes), field 3 = 0
        ProtoReader r = new ProtoReader(bytes(0x08, 0x96, 0x01, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x18, 0x00));
        assertTrue(r.next());
        assertEquals(1, r.field());
        assertEquals(ProtoReader.VARINT, r.wireType());
        assertEquals(150, r.readVarint());
        assertTrue(r.next());
        assertEquals(2, r.field());
        assertEquals(-1L, r.readVarint());
        assertTrue(r.next());
        assertEquals(0, r.readVarint());
        assertFalse(r.next());
    }

    @Test void fixedWidths() {
        // field 2 fixed32 1.5f (0x3FC00000), field 3 fixed64 -2.0 (0xC000000000000000)
        ProtoReader r = new ProtoReader(bytes(0x15, 0x00, 0x00, 0xC0, 0x3F, 0x19, 0, 0, 0, 0, 0, 0, 0, 0xC0));
        assertTrue(r.next());
        assertEquals(ProtoReader.FIXED32, r.wireType());
        assertEquals(1.5f, r.readFloat());
        assertTrue(r.next());
        assertEquals(ProtoReader.FIXED64, r.wireType());
        assertEquals(-2.0, r.readDouble());
        assertFalse(r.next());
    }

    @Test void lengthDelimitedStringsAndNestedMessages() {
        // field 1 "hi", field 2 = message { field 1 = 7 }, then field 3 = 5
        ProtoReader r = new ProtoReader(bytes(0x0A, 0x02, 'h', 'i', 0x12, 0x02, 0x08, 0x07, 0x18, 0x05));
        assertTrue(r.next());
        assertEquals("hi", r.readString());
        assertTrue(r.next());
        ProtoReader m = r.readMessage();
        assertTrue(m.next());
        assertEquals(1, m.field());
        assertEquals(7, m.readVarint());
        assertFalse(m.next());
        assertTrue(r.next());
        assertEquals(3, r.field());
        assertEquals(5, r.readVarint());
    }

    @Test void repeatedNumbersPackedAndUnpacked() {
        // field 4 packed [3, 270, 86942] (the guide's example), then the same field unpacked twice: 1, 2
        ProtoReader r = new ProtoReader(bytes(0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05, 0x20, 0x01, 0x20, 0x02));
        List<Long> got = new ArrayList<>();
        while (r.next()) {
            assertEquals(4, r.field());
            r.readVarints(got::add);
        }
        assertEquals(List.of(3L, 270L, 86942L, 1L, 2L), got);

        // packed floats [1, -0.5] and one unpacked 2
        ProtoReader f = new ProtoReader(bytes(0x3A, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xBF, 0x3D, 0, 0, 0, 0x40));
        List<Double> fl = new ArrayList<>();
        while (f.next()) f.readFloats(fl::add);
        assertEquals(List.of(1.0, -0.5, 2.0), fl);

        // packed doubles [0.25]
        ProtoReader d = new ProtoReader(bytes(0x52, 0x08, 0, 0, 0, 0, 0, 0, 0xD0, 0x3F));
        List<Double> dl = new ArrayList<>();
        while (d.next()) d.readDoubles(dl::add);
        assertEquals(List.of(0.25), dl);
    }

    @Test void skipsUnknownFieldsOfEveryWireType() {
        byte[] b = bytes(0x08, 0x01,                       // 1: varint
                0x11, 1, 2, 3, 4, 5, 6, 7, 8,              // 2: fixed64
                0x1A, 0x03, 9, 9, 9,                       // 3: bytes
                0x25, 1, 2, 3, 4,                          // 4: fixed32
                0x2B, 0x08, 0x01, 0x2C,                    // 5: group holding field 1, then its end
                0x30, 0x2A);                               // 6: varint 42
        ProtoReader r = new ProtoReader(b);
        long last = -1;
        while (r.next()) {
            if (r.field() == 6) last = r.readVarint();
            else r.skip();
        }
        assertEquals(42, last);
    }

    @Test void malformedInputNamesTheOffset() {
        OnnxException e = assertThrows(OnnxException.class, () -> { ProtoReader r = new ProtoReader(bytes(0x0A, 0x05, 'a')); r.next(); r.readString(); });
        assertTrue(e.getMessage().contains("byte 1") && e.getMessage().contains("runs past the end"), e.getMessage());
        assertThrows(OnnxException.class, () -> { ProtoReader r = new ProtoReader(bytes(0x08, 0x80)); r.next(); r.readVarint(); });
        assertThrows(OnnxException.class, () -> new ProtoReader(bytes(0x0F)).next()); // wire type 7
        OnnxException wrongType = assertThrows(OnnxException.class, () -> { ProtoReader r = new ProtoReader(bytes(0x08, 0x01)); r.next(); r.readString(); });
        assertTrue(wrongType.getMessage().contains("wire type 0"), wrongType.getMessage());
    }

    @Test void writerAndReaderAgree() {
        byte[] b = new ProtoWriter().varint(1, -5).string(2, "é").fixed32(3, Float.floatToRawIntBits(0.1f)).fixed64(4, Double.doubleToRawLongBits(1e300))
                .packedVarints(5, 1, 300, -2).packedFloats(6, 1.25f, -3f).toByteArray();
        ProtoReader r = new ProtoReader(b);
        assertTrue(r.next()); assertEquals(-5, r.readVarint());
        assertTrue(r.next()); assertEquals("é", r.readString());
        assertTrue(r.next()); assertEquals(0.1f, r.readFloat());
        assertTrue(r.next()); assertEquals(1e300, r.readDouble());
        assertTrue(r.next()); List<Long> v = new ArrayList<>(); r.readVarints(v::add); assertEquals(List.of(1L, 300L, -2L), v);
        assertTrue(r.next()); List<Double> f = new ArrayList<>(); r.readFloats(f::add); assertEquals(List.of(1.25, -3.0), f);
        assertFalse(r.next());
        assertArrayEquals(new byte[]{0x08, 0x01}, new ProtoWriter().varint(1, 1).toByteArray());
    }
}
