// Package onnx reads ONNX models (https://onnx.ai/onnx/repo-docs/IR.html)
// into nn and writes nn models as ONNX, so that a PyTorch model exported
// with torch.onnx.export runs in digitnet and digitnet's models run in
// onnxruntime, browsers and phones.
//
// Read follows the chain of operators from the one image input to the one
// output: Conv, Relu, MaxPool, Flatten or Reshape (including the
// Shape → Gather → Unsqueeze → Concat → Reshape that x.view(x.size(0), -1)
// exports with a dynamic batch), Gemm or MatMul+Add, Softmax, LogSoftmax or
// none, Dropout and Identity, and Sub, Div, Mul, Add by constants (an input
// normalisation folded into the model). ONNX's NCHW layouts become nn's:
// kernels (F, C, KH, KW) → (KH, KW, C, F), and the rows of a dense layer
// after a (C, H, W) flatten are reordered to nn's (H, W, C). Anything else
// is an error naming the node, never a silently different model.
//
// Write emits opset 13 with a dynamic batch. The protobuf wire format is
// read and written by proto.go, for the nine message types needed.
package onnx
