package nn

import (
	"fmt"
	"testing"
)

// TestPredictOneAllocatesNothing: reading one image at a time, as a server
// does, makes no garbage once the worker pool is warm, on the path this CPU
// takes and on the Winograd path (taken only where vec's transforms are
// fast, so forced here to cover its calls on every CPU).
func TestPredictOneAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items on purpose under the race detector")
	}
	for _, always := range []bool{false, true} {
		t.Run(fmt.Sprintf("winogradAlways=%v", always), func(t *testing.T) {
			defer func(old bool) { winogradAlways = old }(winogradAlways)
			winogradAlways = always
			m, _ := New(Tutorial(), 1)
			x, _ := benchInput(1)
			probs := make([]float32, 10)
			m.Predict(x, 1, probs)
			if a := testing.AllocsPerRun(100, func() { m.Predict(x, 1, probs) }); a != 0 {
				t.Errorf("Predict of one image: %v allocations, want 0", a)
			}
		})
	}
}

// TestPredictBatchMatchesSingles: splitting a batch into chunks across
// goroutines gives the same probabilities as one image at a time.
func TestPredictBatchMatchesSingles(t *testing.T) {
	m, _ := New(Tutorial(), 2)
	const n = 3*predictChunk + 5
	x, _ := benchInput(n)
	batch := make([]float32, n*10)
	if err := m.Predict(x, n, batch); err != nil {
		t.Fatal(err)
	}
	one := make([]float32, 10)
	for _, i := range []int{0, 1, predictChunk, 2*predictChunk + 7, n - 1} {
		m.Predict(x[i*784:], 1, one)
		assertClose(t, "probabilities", batch[i*10:(i+1)*10], one)
	}
	if err := m.Predict(x, n, batch[:5]); err == nil {
		t.Error("Predict accepted an output slice that is too short")
	}
}
