package models

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"digitnet/nn"
	"digitnet/safetensors"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// tinySpec is a small model whose file is kept as a golden.
func tinySpec() nn.Spec {
	return nn.Spec{Input: [3]int{4, 4, 1}, Layers: []nn.LayerSpec{
		{Kind: nn.KindConv2D, Filters: 2, Size: 2, Activation: nn.ActReLU},
		{Kind: nn.KindMaxPool2D, Size: 2},
		{Kind: nn.KindFlatten},
		{Kind: nn.KindDense, Units: 3, Activation: nn.ActSoftmax},
	}}
}

func tinyModel(t testing.TB) *Model {
	t.Helper()
	net, err := nn.New(tinySpec(), 42)
	if err != nil {
		t.Fatal(err)
	}
	return &Model{Net: net, Meta: Meta{
		Input:        MNISTInput,
		TestAccuracy: 0.5,
		Training: &Training{Epochs: 1, Batch: 2, LR: 0.001, Schedule: "constant", Seed: 42, Images: 10,
			TestAccuracy: 0.5, Seconds: 1.5, Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Go: "go1.26"},
	}}
}

func encoded(t testing.TB, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoldenFile pins the model file format byte for byte: a change to
// tensor names, layouts, metadata or initialisation shows up here.
func TestGoldenFile(t *testing.T) {
	got := encoded(t, tinyModel(t))
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

func TestWriteLoadRoundTrip(t *testing.T) {
	for _, spec := range []nn.Spec{tinySpec(), nn.Tutorial()} {
		net, err := nn.New(spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		m := &Model{Net: net, Meta: tinyModel(t).Meta}
		tr := *m.Meta.Training
		tr.History = []Epoch{{Epoch: 1, Loss: 0.2, Accuracy: 0.94, TestLoss: 0.06, TestAccuracy: 0.98, Seconds: 3.1, ImagesPerSec: 19300}}
		tr.TestConfusion = [][]int{{1, 0}, {2, 3}}
		m.Meta.Training = &tr
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := WriteFile(path, m); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.Net.Spec().String() != spec.String() {
			t.Errorf("spec %s, want %s", back.Net.Spec(), spec)
		}
		if !equalFloats(back.Net.Params, net.Params) {
			t.Errorf("parameters differ after round trip")
		}
		want := m.Meta
		want.SHA256, want.Format, want.Source = WeightsSHA256(net.Params), "safetensors", path
		if back.Meta.Training == nil || !reflect.DeepEqual(*back.Meta.Training, *want.Training) {
			t.Errorf("training %+v, want %+v", back.Meta.Training, want.Training)
		}
		back.Meta.Training, want.Training = nil, nil
		if back.Meta != want {
			t.Errorf("meta %+v, want %+v", back.Meta, want)
		}
		// Same inputs, same outputs.
		in := net.InputShape().Size()
		x := make([]float32, 2*in)
		for i := range x {
			x[i] = float32(i%7) / 7
		}
		p1 := make([]float32, 2*net.Classes())
		p2 := make([]float32, 2*net.Classes())
		net.Predict(x, 2, p1)
		back.Net.Predict(x, 2, p2)
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

// TestWriteFileKeepsOldOnFailure checks the atomic write: a failed save
// leaves the previous file intact and no temporary files behind, and a
// save removes the stale temporary file of a killed one.
func TestWriteFileKeepsOldOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, tempPattern("m.safetensors")+"123")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	m := tinyModel(t)
	if err := WriteFile(filepath.Join(dir, "missing", "m.safetensors"), m); err == nil {
		t.Fatal("save into a missing folder succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("a failed save changed the old file")
	}
	if err := WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after save, want 1: %v", len(entries), entries)
	}
}

func TestParseRejects(t *testing.T) {
	good := encoded(t, tinyModel(t))
	rewrite := func(edit func(ts []safetensors.Tensor, meta map[string]string) ([]safetensors.Tensor, map[string]string)) []byte {
		f, err := safetensors.Parse(good)
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
	editTensor := func(name string, edit func(*safetensors.Tensor)) []byte {
		return rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			for i := range ts {
				if ts[i].Name == name {
					edit(&ts[i])
				}
			}
			return ts, m
		})
	}
	editMeta := func(edit func(map[string]string)) []byte {
		return rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			edit(m)
			return ts, m
		})
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-3] ^= 0x10 // a bit of dense1.bias's last value
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a digitnet, Keras or ONNX model"},
		{"text", []byte("hello, this is not a model at all"), "not a digitnet, Keras or ONNX model"},
		{"truncated", good[:len(good)-5], "safetensors"},
		{"flipped bit", flipped, "weights are damaged"},
		{"no format", editMeta(func(m map[string]string) { delete(m, keyFormat) }), "not a digitnet model"},
		{"future format", editMeta(func(m map[string]string) { m[keyFormat] = "digitnet/9" }), "not supported"},
		{"bad architecture", editMeta(func(m map[string]string) {
			m[keyArchitecture] = `{"input":[4,4,1],"layers":[{"kind":"lstm"}]}`
		}), "unknown layer kind"},
		{"bad accuracy", editMeta(func(m map[string]string) { m[keyTestAccuracy] = "99" }), "fraction"},
		{"bad training", editMeta(func(m map[string]string) { m[keyTraining] = `{"epochs":"x"}` }), "training"},
		{"missing tensor", rewrite(func(ts []safetensors.Tensor, m map[string]string) ([]safetensors.Tensor, map[string]string) {
			return ts[1:], m
		}), "tensors"},
		{"renamed tensor", editTensor("conv1.kernel", func(t *safetensors.Tensor) { t.Name = "conv9.kernel" }), "lacks tensor"},
		{"wrong shape", editTensor("conv1.kernel", func(t *safetensors.Tensor) { t.Shape = []int{2, 2, 2, 1} }), "shape"},
		{"wrong dtype", editTensor("dense1.bias", func(t *safetensors.Tensor) { t.DType = safetensors.Int32 }), "dtype"},
		{"NaN weight", editTensor("dense1.kernel", func(t *safetensors.Tensor) { copy(t.Data[4:], []byte{0, 0, 0xc0, 0x7f}) }), "non-finite"},
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

func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ path, want string }{
		{dir, "folder"},
		{filepath.Join(dir, "missing"), "no such file"},
		{os.DevNull, "not a regular file"},
	} {
		if _, err := Load(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%s): error %v, want one mentioning %q", tt.path, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(encoded(f, tinyModel(f)))
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		// Anything accepted must run and encode again.
		in := m.Net.InputShape().Size()
		probs := make([]float32, m.Net.Classes())
		if err := m.Net.Predict(make([]float32, in), 1, probs); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := m.Encode(&out); err != nil {
			t.Fatal(err)
		}
	})
}
