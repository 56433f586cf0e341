package models

// This file plugs the Keras and ONNX readers (packages keras and onnx) into
// Parse, and writes ONNX exports with the same metadata as our own files.

import (
	"fmt"
	"io"

	"digitnet/models/keras"
	"digitnet/models/onnx"
	"digitnet/nn"
)

// parseKeras reads a Keras .h5 or .keras file.
func parseKeras(data []byte) (*Model, error) {
	net, info, err := keras.Read(data)
	if err != nil {
		return nil, err
	}
	return imported(net, fmt.Sprintf("%s (Keras %s)", info.Format, info.KerasVersion)), nil
}

// parseONNX reads an ONNX file. A file digitnet exported carries its
// metadata (input, accuracy, training, SHA-256 of the weights) among its
// metadata_props, read back as from our own files.
func parseONNX(data []byte) (*Model, error) {
	net, info, err := onnx.Read(data)
	if err != nil {
		return nil, err
	}
	format := "ONNX"
	if info.Producer != "" {
		format += " (" + info.Producer + ")"
	}
	m := imported(net, format)
	if err := m.setMetadata(info.Metadata); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// imported describes a network read from another framework's file. Its
// input is taken to be MNIST's as digitnet prepares it, scaled to [0, 1]:
// what the Keras tutorial (x / 255) and torchvision's ToTensor give.
func imported(net *nn.Model, format string) *Model {
	in := MNISTInput
	s := net.InputShape()
	in.Shape = [3]int{s.H, s.W, s.C}
	return &Model{Net: net, Meta: Meta{Input: in, Format: format, SHA256: WeightsSHA256(net.Params)}}
}

// WriteONNX writes m as an ONNX model (see onnx.Write) whose
// metadata_props hold m's metadata as a digitnet file stores it.
func WriteONNX(w io.Writer, m *Model) error {
	return onnx.Write(w, m.Net, m.metadata())
}
