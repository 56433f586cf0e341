// Package nn is digitnet's small neural-network engine: float32 tensors in
// NHWC layout, the layers of a small CNN (Conv2D with optional padding and
// stride, MaxPool2D, Flatten, Dense, ReLU, and a constant input
// normalisation for imported models), softmax with categorical
// cross-entropy, Glorot-uniform initialisation and Adam with Keras
// semantics.
//
// A model is data: a Spec lists its layers, and New builds a Model whose
// parameters live in one flat []float32 with a named view per tensor (as in
// Karpathy's llm.c). Every heavy product goes through matmul.Gemm.
// Prediction runs each 3x3 convolution that feeds a 2x2 max pool as
// Winograd F(2x2, 3x3) where the CPU has the vector transforms (see
// winograd.go); training keeps the direct products. Padded or strided
// convolutions, which only imported models have, take a general im2col and
// never the Winograd path.
//
// Shapes use these letters throughout:
//
//	N  batch size (samples in a call)
//	H, W, C  height, width and channels of a sample (NHWC, channels last)
//	F  filters (output channels) of a convolution
//	K  length of one convolution patch: KH*KW*C
//
// The layouts match Keras: a convolution kernel is (KH, KW, C, F), a dense
// kernel is (in, out), and Flatten flattens H, W, C in that order.
package nn
