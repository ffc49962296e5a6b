// The one exception type of the ONNX frontend: a malformed file, or a model that uses what jtiny does not support.
package dev.jtiny.onnx;

/** Says what is wrong in the user's terms: the file and byte offset, or the node, its op type, domain and opset. */
public class OnnxException extends RuntimeException {
    public OnnxException(String message) { super(message); }
    public OnnxException(String message, Throwable cause) { super(message, cause); }
}
