package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"digitnet/nn/internal/matmul"
	"digitnet/nn/internal/vec"
)

// TestWinogradMatchesDirect runs models whose conv+pool pairs take the
// Winograd path when predicting against the same layers run directly:
// one input channel (conv1's fused path) and several (the matrix path),
// odd and even maps (an odd last row and column the pool drops), channel
// counts that are not multiples of 16, and batches of several images.
// Where vec has no vector transforms, the path runs with its Go ones.
func TestWinogradMatchesDirect(t *testing.T) {
	defer func(old bool) { winogradAlways = old }(winogradAlways)
	winogradAlways = true
	specs := []Spec{Tutorial(), {
		Input: [3]int{15, 12, 3},
		Layers: []LayerSpec{
			{Kind: KindConv2D, Filters: 20, Size: 3, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindConv2D, Filters: 17, Size: 3, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindFlatten},
			{Kind: KindDense, Units: 5, Activation: ActSoftmax},
		},
	}}
	for si, spec := range specs {
		m, err := New(spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, uint64(si)))
		for i := range m.Params { // biases of both signs exercise the ReLU
			m.Params[i] += float32(rng.Float64()*0.2 - 0.1)
		}
		winograd := 0
		for _, o := range m.newWorker(true).ops {
			if cp, ok := o.(*convPool); ok && cp.usesWinograd() {
				winograd++
			}
		}
		if winograd != 2 {
			t.Fatalf("spec %d: %d conv+pool pairs take the Winograd path, want 2", si, winograd)
		}
		plain := &worker{}
		for _, p := range m.plans {
			plain.ops = append(plain.ops, newOp(p, matmul.GemmSerial))
		}
		in := m.InputShape().Size()
		for _, n := range []int{1, 4} {
			t.Run(fmt.Sprintf("spec %d, %d images", si, n), func(t *testing.T) {
				x := randSlice(rng, n*in, 1)
				probs := make([]float32, n*m.Classes())
				if err := m.Predict(x, n, probs); err != nil {
					t.Fatal(err)
				}
				want := make([]float32, n*m.Classes())
				softmax(want, m.forward(plain, x, n), n, m.Classes())
				assertClose(t, "probabilities", probs, want)
			})
		}
	}
}

// TestPredictMultiplyAdds checks the count for the tutorial model: conv1
// and conv2 as Winograd blocks where they run so.
func TestPredictMultiplyAdds(t *testing.T) {
	got, err := Tutorial().PredictMultiplyAdds()
	if err != nil {
		t.Fatal(err)
	}
	direct, _, _ := Tutorial().MultiplyAdds()
	want := direct
	if vec.WinogradFast() {
		want = 13*13*16*1*32 + 5*5*16*32*64 + 1600*128 + 128*10
	}
	if got != want {
		t.Errorf("PredictMultiplyAdds = %d, want %d", got, want)
	}
}
