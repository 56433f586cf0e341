package models

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"digitnet/nn"
	"digitnet/safetensors"
)

// The metadata keys of a digitnet safetensors file.
const (
	// keyFormat names the file layout; parsing refuses other values.
	keyFormat = "format"
	// keyArchitecture holds the nn.Spec as JSON (see nn.MarshalSpec).
	keyArchitecture = "architecture"
	keyInput        = "input"
	keyTestAccuracy = "test_accuracy"
	keyTraining     = "training"
	keySHA256       = "sha256"
)

// formatVersion is the value of keyFormat that this package writes.
const formatVersion = "digitnet/1"

// Encode writes m as a digitnet safetensors file. It stores the SHA-256 of
// the weights as they are now, whatever m.Meta.SHA256 says.
func (m *Model) Encode(w io.Writer) error {
	meta := m.metadata()
	meta[keyFormat] = formatVersion
	meta[keyArchitecture] = nn.MarshalSpec(m.Net.Spec())
	var ts []safetensors.Tensor
	for _, t := range m.Net.Tensors() {
		ts = append(ts, safetensors.F32(t.Name, t.Shape, t.Data))
	}
	if err := safetensors.Write(w, ts, meta); err != nil {
		return fmt.Errorf("models: write safetensors: %w", err)
	}
	return nil
}

// metadata gives m's metadata as the strings a file stores: the SHA-256
// of the weights as they are now, and what Meta knows of the input, test
// accuracy and training. ONNX exports store the same keys.
func (m *Model) metadata() map[string]string {
	meta := map[string]string{keySHA256: WeightsSHA256(m.Net.Params)}
	if m.Meta.Input != (Input{}) {
		meta[keyInput] = mustJSON(m.Meta.Input)
	}
	if m.Meta.TestAccuracy > 0 {
		meta[keyTestAccuracy] = strconv.FormatFloat(m.Meta.TestAccuracy, 'f', 4, 64)
	}
	if m.Meta.Training != nil {
		meta[keyTraining] = mustJSON(m.Meta.Training)
	}
	return meta
}

// setMetadata is metadata's inverse: it checks a stored SHA-256 against
// the weights and fills m.Meta from the other keys, ignoring keys it does
// not know.
func (m *Model) setMetadata(meta map[string]string) error {
	m.Meta.SHA256 = WeightsSHA256(m.Net.Params)
	if stored := meta[keySHA256]; stored != "" && stored != m.Meta.SHA256 {
		return fmt.Errorf("the weights are damaged: their SHA-256 is %s, the file says %s", m.Meta.SHA256, stored)
	}
	if s := meta[keyInput]; s != "" {
		if err := json.Unmarshal([]byte(s), &m.Meta.Input); err != nil {
			return fmt.Errorf("metadata %q: %w", keyInput, err)
		}
	}
	if s := meta[keyTestAccuracy]; s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0 && v <= 1) {
			return fmt.Errorf("metadata %q is %q, want a fraction from 0 to 1", keyTestAccuracy, s)
		}
		m.Meta.TestAccuracy = v
	}
	if s := meta[keyTraining]; s != "" {
		m.Meta.Training = new(Training)
		if err := json.Unmarshal([]byte(s), m.Meta.Training); err != nil {
			return fmt.Errorf("metadata %q: %w", keyTraining, err)
		}
	}
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the metadata types hold only numbers, strings and times
	}
	return string(b)
}

// isSafetensors reports whether data starts like a safetensors file: a
// little-endian header length that fits, then a JSON object.
func isSafetensors(data []byte) bool {
	if len(data) < 9 {
		return false
	}
	n := uint64(data[0]) | uint64(data[1])<<8 | uint64(data[2])<<16 | uint64(data[3])<<24 |
		uint64(data[4])<<32 | uint64(data[5])<<40 | uint64(data[6])<<48 | uint64(data[7])<<56
	return n <= uint64(len(data)-8) && data[8] == '{'
}

// parseSafetensors reads a digitnet safetensors file. It checks the format,
// the architecture and every tensor's name, dtype and shape, rejects extra
// tensors and non-finite weights, and checks the stored SHA-256, so a
// foreign or damaged file gives an error rather than a model that computes
// nonsense.
func parseSafetensors(data []byte) (*Model, error) {
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, err
	}
	if got := f.Metadata[keyFormat]; got != formatVersion {
		if got == "" {
			return nil, fmt.Errorf("a safetensors file, but not a digitnet model: it has no %q metadata", keyFormat)
		}
		return nil, fmt.Errorf("model format %q is not supported (this build reads %q)", got, formatVersion)
	}
	spec, err := nn.UnmarshalSpec(f.Metadata[keyArchitecture])
	if err != nil {
		return nil, err
	}
	// Check the size before allocating, so a hostile architecture cannot
	// ask for more memory than the file backs.
	count, err := spec.ParamCount()
	if err != nil {
		return nil, err
	}
	if 4*count > len(data) {
		return nil, fmt.Errorf("architecture %s needs %d parameters, the file holds only %d bytes", spec, count, len(data))
	}
	net, err := nn.Build(spec)
	if err != nil {
		return nil, err
	}
	want := net.Tensors()
	if len(f.Tensors) != len(want) {
		return nil, fmt.Errorf("the file has %d tensors, architecture %s needs %d", len(f.Tensors), spec, len(want))
	}
	for _, t := range want {
		ft, ok := f.Tensor(t.Name)
		if !ok {
			return nil, fmt.Errorf("the file lacks tensor %q", t.Name)
		}
		if !slices.Equal(ft.Shape, t.Shape) {
			return nil, fmt.Errorf("tensor %q has shape %v, the architecture needs %v", t.Name, ft.Shape, t.Shape)
		}
		vals, err := ft.Float32s()
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		for i, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("tensor %q holds a non-finite value at %d", t.Name, i)
			}
		}
		copy(t.Data, vals)
	}
	m := &Model{Net: net, Meta: Meta{Format: "safetensors"}}
	if err := m.setMetadata(f.Metadata); err != nil {
		return nil, err
	}
	return m, nil
}
