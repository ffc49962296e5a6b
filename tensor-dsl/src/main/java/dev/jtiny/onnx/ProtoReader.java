// Reads the protocol buffers wire format: the tag/value stream ONNX files are made of, without protobuf-java.
package dev.jtiny.onnx;

import java.nio.charset.StandardCharsets;
import java.util.function.DoubleConsumer;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * A cursor over one message's bytes. A message is a sequence of fields, each a varint key
 * {@code (field number << 3) | wire type} followed by its value: wire type 0 a varint, 1 eight little-endian bytes,
 * 2 a varint length and that many bytes (strings, bytes, nested messages, packed repeated numbers), 5 four
 * little-endian bytes. Nested messages are read as sub-cursors over the same array, never copied.
 *
 * <p>Use: {@code while (r.next()) switch (r.field()) { case 1 -> x = r.readVarint(); default -> r.skip(); }}.
 * Malformed input (truncated values, lengths past the end, unknown wire types) gives an {@link OnnxException}
 * saying at which byte offset.
 */
final class ProtoReader {
    static final int VARINT = 0, FIXED64 = 1, LEN = 2, START_GROUP = 3, END_GROUP = 4, FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int limit;
    private int field, wireType;

    ProtoReader(byte[] buf) { this(buf, 0, buf.length); }

    ProtoReader(byte[] buf, int offset, int limit) {
        if (offset < 0 || limit > buf.length || offset > limit) throw new IllegalArgumentException("bad range " + offset + ".." + limit + " of " + buf.length + " bytes");
        this.buf = buf;
        this.pos = offset;
        this.limit = limit;
    }

    /** Moves to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= limit) return false;
        int at = pos;
        long key = rawVarint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field <= 0 || key >>> 3 > 0x1FFFFFFF) throw malformed(at, "field number " + (key >>> 3));
        if (wireType != VARINT && wireType != FIXED64 && wireType != LEN && wireType != FIXED32
                && wireType != START_GROUP && wireType != END_GROUP) {
            throw malformed(at, "unknown wire type " + wireType + " for field " + field);
        }
        return true;
    }

    int field() { return field; }
    int wireType() { return wireType; }
    int position() { return pos; }

    /** The current field's varint value (int32, int64, uint64, bool, enum). */
    long readVarint() {
        expect(VARINT);
        return rawVarint();
    }

    private long rawVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) throw malformed(pos, "truncated varint");
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) return result;
        }
        throw malformed(pos, "varint longer than 10 bytes");
    }

    int readFixed32() {
        expect(FIXED32);
        return rawFixed32();
    }

    private int rawFixed32() {
        need(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long readFixed64() {
        expect(FIXED64);
        return rawFixed64();
    }

    private long rawFixed64() {
        long lo = rawFixed32() & 0xFFFFFFFFL;
        long hi = rawFixed32() & 0xFFFFFFFFL;
        return lo | hi << 32;
    }

    float readFloat() { return Float.intBitsToFloat(readFixed32()); }
    double readDouble() { return Double.longBitsToDouble(readFixed64()); }

    /** The length of a length-delimited value, checked against the bytes left; the cursor is then at its first byte. */
    private int readLength() {
        expect(LEN);
        int at = pos;
        long n = rawVarint();
        if (n < 0 || n > limit - pos) throw malformed(at, "length " + n + " runs past the end (" + (limit - pos) + " bytes left)");
        return (int) n;
    }

    byte[] readBytes() {
        int n = readLength();
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    String readString() {
        int n = readLength();
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A cursor over the nested message that is this field's value. */
    ProtoReader readMessage() {
        int n = readLength();
        ProtoReader r = new ProtoReader(buf, pos, pos + n);
        pos += n;
        return r;
    }

    /** The backing array and range of a length-delimited value, for callers that read large payloads in place. */
    Slice readSlice() {
        int n = readLength();
        Slice s = new Slice(buf, pos, n);
        pos += n;
        return s;
    }

    record Slice(byte[] array, int offset, int length) {
        byte[] copy() {
            byte[] b = new byte[length];
            System.arraycopy(array, offset, b, 0, length);
            return b;
        }
    }

    // ---- repeated numbers: packed (one LEN field holding all values) or unpacked (one field per value) ----

    /** Varint values of a repeated int64/int32/uint64/bool/enum field, whichever encoding this occurrence uses. */
    void readVarints(LongConsumer out) {
        if (wireType == LEN) {
            int n = readLength();
            int end = pos + n;
            while (pos < end) out.accept(rawVarint());
            if (pos != end) throw malformed(pos, "packed varints overrun their field");
        } else {
            out.accept(readVarint());
        }
    }

    /** Values of a repeated float (fixed32) field. */
    void readFloats(DoubleConsumer out) { readFixed32s(bits -> out.accept(Float.intBitsToFloat(bits))); }

    void readFixed32s(IntConsumer out) {
        if (wireType == LEN) {
            int n = readLength();
            if (n % 4 != 0) throw malformed(pos, "packed fixed32 field of " + n + " bytes");
            int end = pos + n;
            while (pos < end) out.accept(rawFixed32());
        } else {
            out.accept(readFixed32());
        }
    }

    /** Values of a repeated double (fixed64) field. */
    void readDoubles(DoubleConsumer out) { readFixed64s(bits -> out.accept(Double.longBitsToDouble(bits))); }

    void readFixed64s(LongConsumer out) {
        if (wireType == LEN) {
            int n = readLength();
            if (n % 8 != 0) throw malformed(pos, "packed fixed64 field of " + n + " bytes");
            int end = pos + n;
            while (pos < end) out.accept(rawFixed64());
        } else {
            out.accept(readFixed64());
        }
    }

    /** Skips the current field's value (groups included, though ONNX uses none). */
    void skip() {
        switch (wireType) {
            case VARINT -> rawVarint();
            case FIXED64 -> { need(8); pos += 8; }
            case FIXED32 -> { need(4); pos += 4; }
            case LEN -> { int n = readLength(); pos += n; }
            case START_GROUP -> {
                int group = field;
                while (true) {
                    if (!next()) throw malformed(pos, "unterminated group " + group);
                    if (wireType == END_GROUP) {
                        if (field != group) throw malformed(pos, "group " + group + " closed by " + field);
                        break;
                    }
                    skip();
                }
            }
            case END_GROUP -> throw malformed(pos, "unexpected end of group " + field);
            default -> throw malformed(pos, "unknown wire type " + wireType);
        }
    }

    /** Fails unless the current field has wire type {@code w}: a field whose type does not match the schema. */
    void expect(int w) {
        if (wireType != w) throw malformed(pos, "field " + field + " has wire type " + wireType + ", expected " + w);
    }

    private void need(int n) {
        if (limit - pos < n) throw malformed(pos, "truncated value: need " + n + " bytes, " + (limit - pos) + " left");
    }

    private static OnnxException malformed(int at, String what) {
        return new OnnxException("malformed protobuf at byte " + at + ": " + what);
    }
}
