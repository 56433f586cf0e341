package onnx

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"digitnet/nn"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// roundTripSpecs are networks Write must export and Read must read back
// as the same network.
var roundTripSpecs = map[string]nn.Spec{
	"tutorial": nn.Tutorial(),
	// The embedded model's: a Deskew node and its function.
	"deskewed": nn.Tutorial().Deskewed(),
	// ONNX stores the normalisation in float32, as nn computes it.
	"padded": {Input: [3]int{28, 28, 1}, Layers: []nn.LayerSpec{
		{Kind: nn.KindNormalize, Scale: float64(float32(1 / 0.3081)), Shift: float64(float32(-0.1307 / 0.3081))},
		{Kind: nn.KindConv2D, Filters: 4, Size: 3, Pad: nn.Padding{Top: 1, Bottom: 1, Left: 1, Right: 1}, Activation: nn.ActReLU},
		{Kind: nn.KindConv2D, Filters: 6, Size: 3, Stride: 2, Pad: nn.Padding{Bottom: 1, Right: 1}},
		{Kind: nn.KindMaxPool2D, Size: 2},
		{Kind: nn.KindReLU},
		{Kind: nn.KindFlatten},
		{Kind: nn.KindDense, Units: 12, Activation: nn.ActReLU},
		{Kind: nn.KindDense, Units: 10, Activation: nn.ActSoftmax},
	}},
	"mlp": {Input: [3]int{28, 28, 1}, Layers: []nn.LayerSpec{
		{Kind: nn.KindFlatten},
		{Kind: nn.KindDense, Units: 16, Activation: nn.ActReLU},
		{Kind: nn.KindDense, Units: 10, Activation: nn.ActSoftmax},
	}},
	"colour": {Input: [3]int{8, 6, 3}, Layers: []nn.LayerSpec{
		{Kind: nn.KindConv2D, Filters: 5, Size: 3, Activation: nn.ActReLU},
		{Kind: nn.KindFlatten},
		{Kind: nn.KindDense, Units: 4, Activation: nn.ActSoftmax},
	}},
}

// randomModel builds spec with random weights and biases.
func randomModel(t testing.TB, spec nn.Spec, seed uint64) *nn.Model {
	t.Helper()
	m, err := nn.New(spec, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range m.Params {
		m.Params[i] += float32(rng.Float64()*0.2 - 0.1)
	}
	return m
}

// TestRoundTrip exports models and reads them back: the same layers, and
// the same probabilities. The channel-ordered (C, H, W) flatten of ONNX and
// nn's (H, W, C) must cancel out, as must the kernel layouts.
func TestRoundTrip(t *testing.T) {
	for name, spec := range roundTripSpecs {
		t.Run(name, func(t *testing.T) {
			m := randomModel(t, spec, 3)
			var buf bytes.Buffer
			if err := Write(&buf, m, map[string]string{"b": "2", "a": "1"}); err != nil {
				t.Fatal(err)
			}
			back, info, err := Read(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := back.Spec().String(), spec.String(); got != want {
				t.Errorf("spec changed:\n got %s\nwant %s", got, want)
			}
			if info.Metadata["a"] != "1" || info.Metadata["b"] != "2" || info.Opset != Opset || info.Producer != "digitnet" {
				t.Errorf("info %+v", info)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 5
			x := make([]float32, n*m.InputShape().Size())
			for i := range x {
				x[i] = rng.Float32()
			}
			p1 := make([]float32, n*m.Classes())
			p2 := make([]float32, n*m.Classes())
			if err := m.Predict(x, n, p1); err != nil {
				t.Fatal(err)
			}
			if err := back.Predict(x, n, p2); err != nil {
				t.Fatal(err)
			}
			for i := range p1 {
				if math.Abs(float64(p1[i]-p2[i])) > 1e-6 {
					t.Fatalf("probability %d: %g exported and read back, %g before", i, p2[i], p1[i])
				}
			}
		})
	}
}

// TestWriteGolden pins the exported bytes of tiny models: a change to the
// writer shows up as a diff to review (go test -update rewrites them).
func TestWriteGolden(t *testing.T) {
	tiny := nn.Spec{Input: [3]int{4, 4, 1}, Layers: []nn.LayerSpec{
		{Kind: nn.KindNormalize, Scale: 2, Shift: -1},
		{Kind: nn.KindConv2D, Filters: 2, Size: 3, Pad: nn.Padding{Top: 1, Bottom: 1, Left: 1, Right: 1}, Activation: nn.ActReLU},
		{Kind: nn.KindMaxPool2D, Size: 2},
		{Kind: nn.KindFlatten},
		{Kind: nn.KindDense, Units: 3, Activation: nn.ActSoftmax},
	}}
	deskewed := nn.Spec{Input: [3]int{4, 4, 1}, Layers: tiny.Layers[1:]}.Deskewed()
	for golden, spec := range map[string]nn.Spec{"tiny.golden.onnx": tiny, "tiny-deskew.golden.onnx": deskewed} {
		m, err := nn.New(spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range m.Params {
			m.Params[i] = float32(i%7) / 8
		}
		var buf bytes.Buffer
		if err := Write(&buf, m, map[string]string{"test_accuracy": "0.99"}); err != nil {
			t.Fatal(err)
		}
		golden = filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("export of %s differs from %s (%d bytes, golden %d); run go test -update and review", spec, golden, buf.Len(), len(want))
		}
	}
}
