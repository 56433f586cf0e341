package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func benchInput(n int) ([]float32, []uint8) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, n*784)
	for i := range x {
		if rng.IntN(5) == 0 {
			x[i] = rng.Float32()
		}
	}
	labels := make([]uint8, n)
	for i := range labels {
		labels[i] = uint8(rng.IntN(10))
	}
	return x, labels
}

// BenchmarkTrainStep measures one Adam step of the tutorial model on a
// batch of 32 (images/s = 32 / time per op).
func BenchmarkTrainStep(b *testing.B) {
	m, _ := New(Tutorial(), 1)
	tr := NewTrainer(m, KerasAdam, 0)
	x, labels := benchInput(32)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Step(x, labels, 32); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(32*float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

func benchmarkPredict(b *testing.B, n int) {
	m, _ := New(Tutorial(), 1)
	x, _ := benchInput(n)
	probs := make([]float32, n*10)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Predict(x, n, probs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

func BenchmarkPredict1(b *testing.B)    { benchmarkPredict(b, 1) }
func BenchmarkPredict1000(b *testing.B) { benchmarkPredict(b, 1000) }

// BenchmarkLayers times each op of the tutorial model's training worker,
// forward and backward, on one shard of 16 images (half a batch of 32 on
// two cores).
func BenchmarkLayers(b *testing.B) {
	m, _ := New(Tutorial(), 1)
	w := m.newWorker(true)
	const n = 16
	x, _ := benchInput(n)
	// Record each op's input and output gradient shape from one pass.
	ins := make([][]float32, len(w.ops))
	h := x
	for i, o := range w.ops {
		ins[i] = h
		h = o.forward(m.layerParams(i), h, n)
	}
	grads := make([]float32, len(m.Params))
	for i, o := range w.ops {
		if _, ok := o.(identity); ok && m.plans[i].spec.Kind != KindFlatten {
			continue // the slot of a pool fused into the conv before it
		}
		name := fmt.Sprintf("%d_%s", i, m.plans[i].spec)
		if _, ok := o.(*convPool); ok {
			name += "+pool"
		}
		p := m.layerParams(i)
		out := o.forward(p, ins[i], n)
		dy := make([]float32, len(out))
		b.Run(name+"/forward", func(b *testing.B) {
			for b.Loop() {
				o.forward(p, ins[i], n)
			}
		})
		b.Run(name+"/backward", func(b *testing.B) {
			g := grads[m.offset[i]:m.offset[i+1]]
			for b.Loop() {
				for j := range dy {
					dy[j] = 0.01
				}
				o.backward(p, g, dy, n, i > 0)
			}
		})
	}
}
