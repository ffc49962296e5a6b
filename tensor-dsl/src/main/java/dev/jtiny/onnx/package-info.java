/**
 * ONNX models on jtiny: {@link dev.jtiny.onnx.OnnxModel} loads a {@code .onnx} file and runs its graph as ordinary
 * lazy Tensor ops, so a model fuses into few kernels and runs on any jtiny device.
 *
 * <pre>{@code
 * OnnxModel model = OnnxModel.load(Path.of("resnet50.onnx"));
 * model.inputs();                                   // [data: float[N,3,224,224]]
 * Tensor logits = model.run(image).get("logits");   // positional, or run(Map.of("data", image))
 * Tensor x = OnnxTensors.read(Path.of("input_0.pb"));
 * }</pre>
 *
 * <p>How it is built: {@code ProtoReader} reads the protobuf wire format (no protobuf library), {@code OnnxProto}
 * turns it into records by onnx.proto's field numbers, {@code OnnxTensors} converts TensorProtos (raw, typed fields
 * and external data), and each operator family ({@code ElementwiseOps}, {@code ShapeOps}, {@code NnOps},
 * {@code ReduceOps}, {@code Resize}, {@code ScatterGatherOps}, {@code SequenceOps}, {@code GradientOp},
 * {@code ControlFlowOps}, {@code QuantizeOps}, {@code RecurrentOps}) compiles a node at load time into a step of Tensor ops; {@code CompiledGraph} runs the
 * steps, for the main graph and for If, Loop and Scan subgraphs alike. Loading fails, naming the node, its op type, domain and opset, on
 * anything jtiny does not implement: an operator, an attribute (even one it does not know), an attribute value, an
 * opset newer than 22, a string tensor.
 *
 * <p>Not supported (each fails at load): string tensors (StringNormalizer, ...), integer-arithmetic
 * quantized operators (QLinearConv, MatMulInteger, ...; QuantizeLinear and DequantizeLinear are supported), the
 * ai.onnx.ml domain, sparse tensors, random generators, and a few others; see
 * {@link dev.jtiny.onnx.OnnxModel#supportedOperators()} for what is.
 */
package dev.jtiny.onnx;
