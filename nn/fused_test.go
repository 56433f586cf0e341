package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"digitnet/nn/internal/matmul"
)

// TestConvPoolMatchesLayers checks the fused conv+ReLU+pool op against the
// two layers run one after the other, forward and backward.
func TestConvPoolMatchesLayers(t *testing.T) {
	padded := Spec{Input: [3]int{28, 28, 1}, Layers: []LayerSpec{
		{Kind: KindConv2D, Filters: 8, Size: 3, Pad: Padding{1, 1, 1, 1}, Activation: ActReLU},
		{Kind: KindMaxPool2D, Size: 2},
		{Kind: KindConv2D, Filters: 16, Size: 3, Stride: 2, Pad: Padding{0, 1, 0, 1}, Activation: ActReLU},
		{Kind: KindMaxPool2D, Size: 2},
		{Kind: KindFlatten},
		{Kind: KindDense, Units: 10, Activation: ActSoftmax},
	}}
	for _, spec := range []Spec{Tutorial(), padded} {
		t.Run(spec.String(), func(t *testing.T) { checkConvPool(t, spec) })
	}
}

func checkConvPool(t *testing.T, spec Spec) {
	m, err := New(spec, 9)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range m.Params { // biases of both signs exercise the ReLU
		m.Params[i] += float32(rng.Float64()*0.2 - 0.1)
	}
	fused := m.newWorker(true)
	plain := &worker{}
	for _, p := range m.plans {
		plain.ops = append(plain.ops, newOp(p, matmul.GemmSerial))
	}
	if _, ok := fused.ops[0].(*convPool); !ok {
		t.Fatalf("first op is %T, want *convPool", fused.ops[0])
	}
	const n = 3
	x := randSlice(rng, n*784, 1)
	for _, o := range fused.ops {
		if cp, ok := o.(*convPool); ok && cp.usesWinograd() && !cp.conv.spec.plain() {
			t.Errorf("%s would take the Winograd path, which reads unpadded inputs", cp.conv.spec)
		}
	}
	a := append([]float32(nil), m.forward(fused, x, n)...)
	b := m.forward(plain, x, n)
	assertClose(t, "logits", a, b)

	dyA := randSlice(rng, n*10, 1)
	dyB := append([]float32(nil), dyA...)
	gA := make([]float32, len(m.Params))
	gB := make([]float32, len(m.Params))
	for i := len(m.plans) - 1; i >= 0; i-- {
		lp, lo, hi := m.layerParams(i), m.offset[i], m.offset[i+1]
		dyA = fused.ops[i].backward(lp, gA[lo:hi], dyA, n, true)
		dyB = plain.ops[i].backward(lp, gB[lo:hi], dyB, n, true)
	}
	assertClose(t, "input gradient", dyA, dyB)
	assertClose(t, "parameter gradients", gA, gB)
}

func assertClose(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: lengths %d and %d", what, len(a), len(b))
	}
	var worst float64
	for i := range a {
		d := math.Abs(float64(a[i] - b[i]))
		worst = max(worst, d/max(1e-3, math.Abs(float64(b[i]))))
	}
	if worst > 1e-4 {
		t.Errorf("%s: fused and plain differ by up to %.2e (relative)", what, worst)
	}
}
