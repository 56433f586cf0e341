// Package models reads and writes digitnet's model files and holds the
// model embedded in the binary.
//
// A model file holds a network (an nn.Spec and its parameters) and what is
// known about it (Meta: the input it takes, its test accuracy, how it was
// trained, a SHA-256 of its weights). digitnet writes safetensors files
// (https://github.com/huggingface/safetensors): one F32 tensor per
// nn.Model.Tensors entry, named and shaped as there, with the metadata as
// strings under "__metadata__". Load and Parse tell the format from the
// file's first bytes, not its name.
//
// Package nn is the engine only and knows nothing of files; this package is
// where every format meets it.
package models
