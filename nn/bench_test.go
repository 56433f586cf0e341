package nn

import (
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
