package main

import (
	"context"
	"encoding/json"
	"fmt"

	"digitnet/bench"
)

const benchSynopsis = `usage: digitnet bench [flags]

Measures the tutorial CNN on this machine with random inputs: training
images/s (batch 32, Adam), inference images/s at batch 1000, the latency of
one image, the arithmetic rate reached and its fraction of the CPU's float32
peak (cores × clock × SIMD lanes × 2 per FMA × 2 FMA units), the kernel in
use and peak memory. Prediction runs the 3x3 convolutions as Winograd
F(2x2, 3x3) where the CPU has AVX-512: fewer multiply-adds than the direct
convolutions; both rates are shown. Figures are medians of --rounds runs; run it on an
otherwise idle machine. --model measures a model file instead (any format
digitnet reads, e.g. a Keras .h5), training a copy of it.`

func runBench(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("bench", benchSynopsis, e)
	asJSON := fs.Bool("json", false, "print one JSON object")
	rounds := fs.Int("rounds", 5, "runs per figure (the median is reported)")
	steps := fs.Int("steps", 100, "training steps per run")
	modelPath := fs.String("model", "", "model file to measure (default: the tutorial's CNN with random weights)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("bench", "unexpected argument %q", fs.Arg(0))
	}
	if *rounds <= 0 || *steps <= 0 {
		return usagef("bench", "--rounds and --steps must be positive")
	}
	if err := checkPath("bench", "model", *modelPath, false); err != nil {
		return err
	}
	opt := bench.Options{Rounds: *rounds, TrainSteps: *steps}
	if *modelPath != "" {
		m, err := loadModel(*modelPath)
		if err != nil {
			return err
		}
		opt.Model = m.Net
	}
	var r bench.Report
	err := untilDone(ctx, "the benchmark did not finish", func() (err error) {
		r, err = bench.Run(opt)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	fmt.Fprintf(e.stdout, `cpu        %s, %d threads, kernel %s
training   %.0f images/s (batch 32)  = %.1f s per 60,000-image epoch  %.1f GFLOPS
inference  %.0f images/s (batch 1000)  %.1f GFLOPS (%.2f M multiply-adds per image; %.1f GFLOPS counting the direct convolutions' %.2f M)
one image  %.1f µs  (%.0f allocations)
peak       %.0f GFLOPS = %s
           training reaches %.0f%%, inference %.0f%% of it
memory     %.0f MiB peak RSS
`, r.CPU, r.Threads, r.Kernel, r.TrainImagesPerSec, r.EpochSeconds, r.TrainGFLOPS,
		r.InferBatch1000, r.InferGFLOPS, float64(r.InferMACs)/1e6, r.InferDirectGFLOPS, float64(r.DirectMACs)/1e6, r.InferBatch1US, r.InferBatch1Allocs,
		r.PeakGFLOPS, r.PeakHow, 100*r.TrainGFLOPS/r.PeakGFLOPS, 100*r.InferGFLOPS/r.PeakGFLOPS, r.PeakRSSMiB)
	return nil
}
