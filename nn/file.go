package nn

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"digitnet/safetensors"
)

// Model files are safetensors files (https://github.com/huggingface/safetensors):
// one F32 tensor per Tensors() entry, named and shaped as there, and these
// metadata keys:
const (
	// MetaFormat names the file layout; Load refuses other values.
	MetaFormat = "format"
	// MetaArchitecture holds the Spec as JSON (see MarshalSpec).
	MetaArchitecture = "architecture"
)

// FormatVersion is the value of MetaFormat that this package writes.
const FormatVersion = "digitnet/1"

// maxFileSize bounds what Load reads: the tutorial model is under 1 MB.
const maxFileSize = 1 << 30

// Save writes m as a safetensors file with its Spec and Meta as metadata.
func (m *Model) Save(w io.Writer) error {
	meta := map[string]string{}
	for k, v := range m.Meta {
		meta[k] = v
	}
	meta[MetaFormat] = FormatVersion
	meta[MetaArchitecture] = MarshalSpec(m.spec)
	var ts []safetensors.Tensor
	for _, t := range m.Tensors() {
		ts = append(ts, safetensors.F32(t.Name, t.Shape, t.Data))
	}
	if err := safetensors.Write(w, ts, meta); err != nil {
		return fmt.Errorf("nn: save model: %w", err)
	}
	return nil
}

// SaveFile writes m to path atomically: it writes a temporary file in the
// same folder, syncs it and renames it over path, so an interrupted save
// never leaves a half-written or destroyed model.
func (m *Model) SaveFile(path string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("nn: save model %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("nn: save model %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("nn: save model %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("nn: save model %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("nn: save model %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("nn: save model %s: %w", path, err)
	}
	return nil
}

// Parse reads a model from the bytes of a safetensors file written by Save.
// It checks the format, the architecture and every tensor's name, dtype and
// shape, and rejects extra tensors, so a foreign or damaged file gives an
// error rather than a model that computes nonsense.
func Parse(data []byte) (*Model, error) {
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	if got := f.Metadata[MetaFormat]; got != FormatVersion {
		if got == "" {
			return nil, fmt.Errorf("nn: not a digitnet model: no %q metadata", MetaFormat)
		}
		return nil, fmt.Errorf("nn: unsupported model format %q (this build reads %q)", got, FormatVersion)
	}
	spec, err := UnmarshalSpec(f.Metadata[MetaArchitecture])
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
		return nil, fmt.Errorf("nn: architecture %s needs %d parameters, file holds only %d bytes", spec, count, len(data))
	}
	m, err := build(spec)
	if err != nil {
		return nil, err
	}
	want := m.Tensors()
	if len(f.Tensors) != len(want) {
		return nil, fmt.Errorf("nn: model file has %d tensors, architecture %s needs %d", len(f.Tensors), spec, len(want))
	}
	for _, t := range want {
		ft, ok := f.Tensor(t.Name)
		if !ok {
			return nil, fmt.Errorf("nn: model file lacks tensor %q", t.Name)
		}
		if !slices.Equal(ft.Shape, t.Shape) {
			return nil, fmt.Errorf("nn: tensor %q has shape %v, architecture needs %v", t.Name, ft.Shape, t.Shape)
		}
		vals, err := ft.Float32s()
		if err != nil {
			return nil, fmt.Errorf("nn: tensor %q: %w", t.Name, err)
		}
		for i, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("nn: tensor %q holds a non-finite value at %d", t.Name, i)
			}
		}
		copy(t.Data, vals)
	}
	for k, v := range f.Metadata {
		if k != MetaFormat && k != MetaArchitecture {
			m.Meta[k] = v
		}
	}
	return m, nil
}

// Load reads a model file written by SaveFile.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nn: load model: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("nn: load model %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("nn: load model %s: larger than %d bytes", path, maxFileSize)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	return m, nil
}
