package nn

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/safetensors"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// tinySpec is a small model whose file is kept as a golden.
func tinySpec() Spec {
	return Spec{Input: [3]int{4, 4, 1}, Layers: []LayerSpec{
		{Kind: KindConv2D, Filters: 2, Size: 2, Activation: ActReLU},
		{Kind: KindMaxPool2D, Size: 2},
		{Kind: KindFlatten},
		{Kind: KindDense, Units: 3, Activation: ActSoftmax},
	}}
}

func tinyModel(t *testing.T) *Model {
	t.Helper()
	m, err := New(tinySpec(), 42)
	if err != nil {
		t.Fatal(err)
	}
	m.Meta["training"] = `{"epochs":0}`
	return m
}

func saved(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoldenFile pins the model file format byte for byte: a change to
// tensor names, layouts, metadata or initialisation shows up here.
func TestGoldenFile(t *testing.T) {
	got := saved(t, tinyModel(t))
	path := filepath.Join("testdata", "tiny.safetensors")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("model file differs from %s (%d vs %d bytes); run go test -update if the change is intended", path, len(got), len(want))
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, spec := range []Spec{tinySpec(), Tutorial()} {
		m, err := New(spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		m.Meta["note"] = "hello"
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := m.SaveFile(path); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.Spec().String() != spec.String() {
			t.Errorf("spec %s, want %s", back.Spec(), spec)
		}
		if !equalFloats(back.Params, m.Params) {
			t.Errorf("parameters differ after round trip")
		}
		if back.Meta["note"] != "hello" {
			t.Errorf("metadata lost: %v", back.Meta)
		}
		// Same inputs, same outputs.
		in := m.InputShape().Size()
		x := make([]float32, 2*in)
		for i := range x {
			x[i] = float32(i%7) / 7
		}
		p1 := make([]float32, 2*m.Classes())
		p2 := make([]float32, 2*m.Classes())
		m.Predict(x, 2, p1)
		back.Predict(x, 2, p2)
		if !equalFloats(p1, p2) {
			t.Errorf("predictions differ after round trip: %v vs %v", p1, p2)
		}
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSaveFileKeepsOldOnFailure checks the atomic write: a failed save
// leaves the previous file intact and no temporary files behind.
func TestSaveFileKeepsOldOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := tinyModel(t)
	m.Meta[MetaFormat] = "x" // ignored: Save always writes its own
	if err := m.SaveFile(filepath.Join(dir, "missing", "m.safetensors")); err == nil {
		t.Fatal("save into a missing folder succeeded")
	}
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after save, want 1", len(entries))
	}
}

func TestParseRejects(t *testing.T) {
	good := tinyModel(t)
	rewrite := func(edit func(ts []safetensors.Tensor, meta map[string]string) ([]safetensors.Tensor, map[string]string)) []byte {
		f, err := safetensors.Parse(saved(t, good))
		if err != nil {
			t.Fatal(err)
		}
		ts, meta := edit(f.Tensors, f.Metadata)
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, ts, meta); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	goodBytes := saved(t, good)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "safetensors"},
		{"truncated", goodBytes[:len(goodBytes)-5], "safetensors"},
		{"text", []byte("hello, this is not a model at all"), "safetensors"},
		{"no format", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			delete(m, MetaFormat)
			return ts, m
		}), "not a digitnet model"},
		{"future format", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			m[MetaFormat] = "digitnet/9"
			return ts, m
		}), "unsupported model format"},
		{"bad architecture", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			m[MetaArchitecture] = `{"input":[4,4,1],"layers":[{"kind":"lstm"}]}`
			return ts, m
		}), "unknown layer kind"},
		{"missing tensor", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			return ts[1:], m
		}), "tensors"},
		{"renamed tensor", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			ts[0].Name = "conv9.kernel"
			return ts, m
		}), "lacks tensor"},
		{"wrong shape", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			for i := range ts {
				if ts[i].Name == "conv1.kernel" {
					ts[i].Shape = []int{2, 2, 2, 1}
				}
			}
			return ts, m
		}), "shape"},
		{"wrong dtype", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			for i := range ts {
				if ts[i].Name == "dense1.bias" {
					ts[i].DType = safetensors.Int32
				}
			}
			return ts, m
		}), "dtype"},
		{"NaN weight", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			for i := range ts {
				if ts[i].Name == "dense1.kernel" {
					copy(ts[i].Data[4:], []byte{0, 0, 0xc0, 0x7f})
				}
			}
			return ts, m
		}), "non-finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	m, err := New(tinySpec(), 1)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	m.Save(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		// Anything accepted must run and save again.
		in := m.InputShape().Size()
		probs := make([]float32, m.Classes())
		if err := m.Predict(make([]float32, in), 1, probs); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := m.Save(&out); err != nil {
			t.Fatal(err)
		}
	})
}
