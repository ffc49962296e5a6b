// Writes the protocol buffers wire format: just enough to save a TensorProto that other ONNX tools read.
package dev.jtiny.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Appends fields to a growing message: keys, varints, fixed-width numbers and length-delimited values. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long v) {
        key(field, ProtoReader.VARINT);
        rawVarint(v);
        return this;
    }

    ProtoWriter bytes(int field, byte[] b) {
        key(field, ProtoReader.LEN);
        rawVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter string(int field, String s) { return bytes(field, s.getBytes(StandardCharsets.UTF_8)); }

    ProtoWriter message(int field, ProtoWriter m) { return bytes(field, m.toByteArray()); }

    ProtoWriter fixed32(int field, int v) {
        key(field, ProtoReader.FIXED32);
        rawFixed32(v);
        return this;
    }

    ProtoWriter fixed64(int field, long v) {
        key(field, ProtoReader.FIXED64);
        rawFixed32((int) v);
        rawFixed32((int) (v >>> 32));
        return this;
    }

    /** A packed repeated varint field (int64, int32, bool, enum): one length-delimited value holding them all. */
    ProtoWriter packedVarints(int field, long... values) {
        ProtoWriter body = new ProtoWriter();
        for (long v : values) body.rawVarint(v);
        return bytes(field, body.toByteArray());
    }

    /** A packed repeated float field. */
    ProtoWriter packedFloats(int field, float... values) {
        ProtoWriter body = new ProtoWriter();
        for (float v : values) body.rawFixed32(Float.floatToRawIntBits(v));
        return bytes(field, body.toByteArray());
    }

    /** A field copied as read: its key, then {@code value} exactly as it was on the wire (length prefix included). */
    ProtoWriter rawField(int field, int wireType, byte[] value) {
        key(field, wireType);
        out.writeBytes(value);
        return this;
    }

    byte[] toByteArray() { return out.toByteArray(); }

    private void key(int field, int wireType) { rawVarint((long) field << 3 | wireType); }

    private void rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void rawFixed32(int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
