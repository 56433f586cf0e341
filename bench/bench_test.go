package bench_test

import (
	"testing"

	"digitnet/bench"
)

// TestRun runs a minimal measurement and checks every figure is filled in:
// compare.sh reads them by name.
func TestRun(t *testing.T) {
	r, err := bench.Run(bench.Options{Rounds: 1, TrainSteps: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kernel == "" || r.Threads < 1 || r.TrainImagesPerSec <= 0 || r.InferBatch1000 <= 0 ||
		r.InferBatch1US <= 0 || r.TrainGFLOPS <= 0 || r.InferGFLOPS <= 0 || r.PeakRSSMiB <= 0 {
		t.Errorf("incomplete report: %+v", r)
	}
	if r.PeakGFLOPS > 0 && r.PeakHow == "" {
		t.Error("peak without an explanation")
	}
}
