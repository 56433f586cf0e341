package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"digitnet/nn/internal/matmul"
)

// lossOf is the scalar Σ y·r used to check a single layer: its gradient with
// respect to y is r.
func lossOf(y, r []float32) float64 {
	var s float64
	for i := range r {
		s += float64(y[i]) * float64(r[i])
	}
	return s
}

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32((rng.Float64()*2 - 1) * scale)
	}
	return s
}

// checkClose compares an analytic gradient with a numeric one and reports
// the largest difference, as llm.c's check_tensor does.
func checkClose(t *testing.T, name string, got, want []float64) {
	t.Helper()
	var maxDiff, maxRef float64
	for i := range got {
		maxDiff = max(maxDiff, math.Abs(got[i]-want[i]))
		maxRef = max(maxRef, math.Abs(want[i]))
	}
	t.Logf("%s: max |analytic-numeric| = %.2e (max |grad| %.2e, %d values)", name, maxDiff, maxRef, len(got))
	if maxDiff > 2e-2*max(maxRef, 1e-1) {
		t.Errorf("%s: gradient mismatch: max diff %.3e vs scale %.3e", name, maxDiff, maxRef)
		for i := range got {
			if math.Abs(got[i]-want[i]) > 2e-2*max(maxRef, 1e-1) {
				t.Logf("  [%d] analytic %.6f numeric %.6f", i, got[i], want[i])
				break
			}
		}
	}
}

// TestLayerGradients checks every layer's backward pass against central
// finite differences of its forward pass, for the input and each parameter.
func TestLayerGradients(t *testing.T) {
	tests := []struct {
		spec LayerSpec
		in   Shape
	}{
		{LayerSpec{Kind: KindConv2D, Filters: 3, Size: 3}, Shape{6, 5, 2}},
		{LayerSpec{Kind: KindConv2D, Filters: 4, Size: 2, Activation: ActReLU}, Shape{5, 5, 3}},
		{LayerSpec{Kind: KindConv2D, Filters: 2, Size: 3, Activation: ActReLU}, Shape{7, 7, 1}},
		// Large enough that each image is lowered in its own chunk.
		{LayerSpec{Kind: KindConv2D, Filters: 3, Size: 3, Activation: ActReLU}, Shape{30, 30, 16}},
		// Keras "same" with stride 2 pads 0 before and 1 after; ONNX pads
		// may be anything below the kernel size.
		{LayerSpec{Kind: KindConv2D, Filters: 3, Size: 3, Stride: 2, Pad: Padding{Bottom: 1, Right: 1}}, Shape{6, 6, 2}},
		{LayerSpec{Kind: KindConv2D, Filters: 2, Size: 3, Pad: Padding{1, 1, 1, 1}, Activation: ActReLU}, Shape{5, 4, 1}},
		{LayerSpec{Kind: KindConv2D, Filters: 2, Size: 4, Stride: 3, Pad: Padding{2, 1, 3, 0}}, Shape{7, 8, 3}},
		{LayerSpec{Kind: KindNormalize, Scale: 1 / 0.3081, Shift: -0.1307 / 0.3081}, Shape{4, 4, 1}},
		{LayerSpec{Kind: KindMaxPool2D, Size: 2}, Shape{5, 6, 3}},
		{LayerSpec{Kind: KindMaxPool2D, Size: 3}, Shape{6, 7, 2}},
		{LayerSpec{Kind: KindDense, Units: 5}, Shape{1, 1, 7}},
		{LayerSpec{Kind: KindDense, Units: 6, Activation: ActReLU}, Shape{1, 1, 9}},
		{LayerSpec{Kind: KindReLU}, Shape{3, 4, 2}},
		{LayerSpec{Kind: KindFlatten}, Shape{3, 4, 2}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%dx%dx%d", tt.spec, tt.in.H, tt.in.W, tt.in.C), func(t *testing.T) {
			spec := Spec{Input: [3]int{tt.in.H, tt.in.W, tt.in.C}, Layers: []LayerSpec{tt.spec}}
			// plan insists on a final softmax; check just this layer's plan.
			spec.Layers = append(spec.Layers, LayerSpec{Kind: KindFlatten}, LayerSpec{Kind: KindDense, Units: 2, Activation: ActSoftmax})
			if tt.spec.Kind == KindFlatten || tt.spec.Kind == KindDense {
				spec.Layers = append([]LayerSpec{{Kind: KindFlatten}}, spec.Layers...)
			}
			plans, err := plan(spec)
			if err != nil {
				t.Fatal(err)
			}
			var p layerPlan
			for _, pl := range plans {
				if pl.spec == tt.spec {
					p = pl
					break
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 2
			x := randSlice(rng, n*p.in.Size(), 1)
			if p.spec.Kind == KindMaxPool2D {
				// Distinct values 0.01 apart keep the maximum of each
				// window where it is within the finite-difference step.
				for i, j := range rng.Perm(len(x)) {
					x[i] = float32(j)*0.01 - 1
				}
			}
			params := randSlice(rng, kernelLen(p)+biasLen(p), 0.5)
			r := randSlice(rng, n*p.out.Size(), 1)

			o := newOp(p, matmul.Gemm)
			y := o.forward(params, x, n)
			dy := append([]float32(nil), r...)
			grads := make([]float32, len(params))
			dx := append([]float32(nil), o.backward(params, grads, dy, n, true)...)

			// Large tensors are checked at 300 random places.
			checked := func(n int) []int {
				if n <= 300 {
					idx := make([]int, n)
					for i := range idx {
						idx[i] = i
					}
					return idx
				}
				return rng.Perm(n)[:300]
			}
			numeric := func(v []float32, idx []int) []float64 {
				const eps = 1e-3
				out := make([]float64, len(idx))
				for o, i := range idx {
					orig := v[i]
					v[i] = orig + eps
					lp := lossOf(newOp(p, matmul.Gemm).forward(params, x, n), r)
					v[i] = orig - eps
					lm := lossOf(newOp(p, matmul.Gemm).forward(params, x, n), r)
					v[i] = orig
					out[o] = (lp - lm) / (2 * eps)
				}
				return out
			}
			pick := func(v []float32, idx []int) []float64 {
				out := make([]float64, len(idx))
				for o, i := range idx {
					out[o] = float64(v[i])
				}
				return out
			}
			_ = y
			xi := checked(len(x))
			checkClose(t, "input", pick(dx, xi), numeric(x, xi))
			if len(params) > 0 {
				pi := checked(len(params))
				checkClose(t, "params", pick(grads, pi), numeric(params, pi))
			}
		})
	}
}

// TestModelGradient checks the whole backward pass, including the fused
// softmax cross-entropy, against finite differences of the mean loss.
func TestModelGradient(t *testing.T) {
	specs := []Spec{
		{Input: [3]int{8, 8, 1}, Layers: []LayerSpec{
			{Kind: KindConv2D, Filters: 3, Size: 3, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindConv2D, Filters: 4, Size: 2, Activation: ActReLU},
			{Kind: KindFlatten},
			{Kind: KindDense, Units: 6, Activation: ActReLU},
			{Kind: KindDense, Units: 3, Activation: ActSoftmax},
		}},
		// An imported model's layers: normalisation, "same" padding and a
		// stride, a padded conv fused with its pool.
		{Input: [3]int{8, 8, 1}, Layers: []LayerSpec{
			{Kind: KindNormalize, Scale: 1 / 0.3081, Shift: -0.1307 / 0.3081},
			{Kind: KindConv2D, Filters: 3, Size: 3, Pad: Padding{1, 1, 1, 1}, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindConv2D, Filters: 4, Size: 3, Stride: 2, Pad: Padding{0, 1, 0, 1}, Activation: ActReLU},
			{Kind: KindFlatten},
			{Kind: KindDense, Units: 3, Activation: ActSoftmax},
		}},
		// The embedded model's front: a deskew, which has no gradient of
		// its own, before the tutorial's layers.
		Spec{Input: [3]int{8, 8, 1}, Layers: []LayerSpec{
			{Kind: KindConv2D, Filters: 3, Size: 3, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindFlatten},
			{Kind: KindDense, Units: 3, Activation: ActSoftmax},
		}}.Deskewed(),
	}
	for _, spec := range specs {
		t.Run(spec.String(), func(t *testing.T) { checkModelGradient(t, spec) })
	}
}

func checkModelGradient(t *testing.T, spec Spec) {
	m, err := New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	in := m.InputShape().Size()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range m.Params { // non-zero biases exercise their gradients
		m.Params[i] += float32(rng.Float64()*0.2 - 0.1)
	}
	const n = 5
	x := randSlice(rng, n*in, 1)
	// NoClass: the target is uniform over the classes (outlier exposure).
	labels := []uint8{0, 2, 1, 1, NoClass}

	meanLoss := func() float64 {
		probs := make([]float32, n*3)
		if err := m.Predict(x, n, probs); err != nil {
			t.Fatal(err)
		}
		var l float64
		for i := 0; i < n; i++ {
			if labels[i] == NoClass {
				for j := range 3 {
					l -= math.Log(float64(probs[i*3+j])) / 3
				}
				continue
			}
			l -= math.Log(float64(probs[i*3+int(labels[i])]))
		}
		return l / n
	}
	tr := NewTrainer(m, KerasAdam, 2)
	// Two shards of unequal size must add up to the full batch gradient.
	for s, sh := range tr.shards {
		lo, hi := s*n/2, (s+1)*n/2
		sh.run(m, x[lo*in:hi*in], labels[lo:hi], hi-lo, n)
	}
	analytic := make([]float64, len(m.Params))
	for _, sh := range tr.shards {
		for i, g := range sh.grads {
			analytic[i] += float64(g)
		}
	}
	numeric := make([]float64, len(m.Params))
	const eps = 1e-3
	for i := range m.Params {
		orig := m.Params[i]
		m.Params[i] = orig + eps
		lp := meanLoss()
		m.Params[i] = orig - eps
		lm := meanLoss()
		m.Params[i] = orig
		numeric[i] = (lp - lm) / (2 * eps)
	}
	for _, ts := range m.Tensors() {
		off := offsetOf(m, ts.Data)
		checkClose(t, ts.Name, analytic[off:off+len(ts.Data)], numeric[off:off+len(ts.Data)])
	}
}

// offsetOf finds where a tensor view starts in the model's flat buffer.
func offsetOf(m *Model, view []float32) int {
	for i := range m.Params {
		if &m.Params[i] == &view[0] {
			return i
		}
	}
	panic("view not in Params")
}
