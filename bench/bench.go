// Package bench measures digitnet's engine on the machine it runs on:
// training and inference throughput of the tutorial CNN, the arithmetic rate
// they reach and how it compares with the CPU's peak. It backs
// `digitnet bench`; bench/compare.sh sets the figures beside PyTorch's.
package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/cpu"

	"digitnet/nn"
)

// Report holds the measured figures. Rates are medians over Rounds runs.
type Report struct {
	Kernel  string `json:"kernel"`
	Threads int    `json:"threads"`
	CPU     string `json:"cpu"`

	TrainImagesPerSec float64 `json:"train_images_per_sec"` // batch 32, Adam step included
	EpochSeconds      float64 `json:"epoch_seconds"`        // 60,000 images at that rate
	InferBatch1000    float64 `json:"infer_batch1000_images_per_sec"`
	InferBatch1US     float64 `json:"infer_batch1_us"` // one image, microseconds
	InferBatch1Allocs float64 `json:"infer_batch1_allocs"`

	TrainGFLOPS float64 `json:"train_gflops"`
	// InferGFLOPS is the arithmetic Predict performs at batch 1000;
	// InferDirectGFLOPS counts the multiply-adds of the direct convolutions
	// instead, which Winograd replaces by fewer (Predict's per image are
	// InferMACs, the direct ones DirectMACs).
	InferGFLOPS       float64 `json:"gflops"`
	InferDirectGFLOPS float64 `json:"direct_equivalent_gflops"`
	InferMACs         int     `json:"infer_multiply_adds"`
	DirectMACs        int     `json:"direct_multiply_adds"`
	PeakGFLOPS        float64 `json:"peak_gflops"`
	PeakHow           string  `json:"peak_how"`
	PeakRSSMiB        float64 `json:"peak_rss_mib"`
}

// Options sets what and how long to measure.
type Options struct {
	Rounds     int // runs per figure; the median is reported (default 5)
	TrainSteps int // batch-32 steps per training run (default 100)
	// Model is the network to measure, which must take 28x28x1 images;
	// nil means the tutorial's with random weights. Training changes its
	// weights.
	Model *nn.Model
}

// Run measures a model (the tutorial's by default) on MNIST-like random
// inputs (the arithmetic does not depend on the values).
func Run(opt Options) (Report, error) {
	if opt.Rounds <= 0 {
		opt.Rounds = 5
	}
	if opt.TrainSteps <= 0 {
		opt.TrainSteps = 100
	}
	m := opt.Model
	if m == nil {
		var err error
		if m, err = nn.New(nn.Tutorial(), 1); err != nil {
			return Report{}, err
		}
	}
	if in := m.InputShape(); in != (nn.Shape{H: 28, W: 28, C: 1}) {
		return Report{}, fmt.Errorf("bench: the model takes %dx%dx%d inputs; bench feeds 28x28x1 images", in.H, in.W, in.C)
	}
	spec := m.Spec()
	fwdMACs, trainMACs, err := spec.MultiplyAdds()
	if err != nil {
		return Report{}, err
	}
	inferMACs, err := spec.PredictMultiplyAdds()
	if err != nil {
		return Report{}, err
	}
	r := Report{Kernel: nn.Kernel(), Threads: runtime.GOMAXPROCS(0), CPU: cpuName(), InferMACs: inferMACs, DirectMACs: fwdMACs}

	const batch = 32
	x, labels := inputs(1000)
	for i := range labels {
		labels[i] %= uint8(m.Classes())
	}
	tr := nn.NewTrainer(m, nn.KerasAdam, 0)
	step := func(i int) error {
		lo := (i * batch) % (1000 - batch)
		_, _, err := tr.Step(x[lo*784:], labels[lo:], batch)
		return err
	}
	for i := range 10 { // warm up buffers and caches
		if err := step(i); err != nil {
			return Report{}, err
		}
	}
	r.TrainImagesPerSec = median(opt.Rounds, func() float64 {
		start := time.Now()
		for i := range opt.TrainSteps {
			step(i)
		}
		return float64(opt.TrainSteps*batch) / time.Since(start).Seconds()
	})
	r.EpochSeconds = 60000 / r.TrainImagesPerSec
	r.TrainGFLOPS = r.TrainImagesPerSec * 2 * float64(trainMACs) / 1e9

	probs := make([]float32, 1000*10)
	m.Predict(x, 1000, probs)
	r.InferBatch1000 = median(opt.Rounds, func() float64 {
		start := time.Now()
		m.Predict(x, 1000, probs)
		return 1000 / time.Since(start).Seconds()
	})
	r.InferGFLOPS = r.InferBatch1000 * 2 * float64(inferMACs) / 1e9
	r.InferDirectGFLOPS = r.InferBatch1000 * 2 * float64(fwdMACs) / 1e9

	const singles = 2000
	r.InferBatch1US = median(opt.Rounds, func() float64 {
		start := time.Now()
		for i := range singles {
			m.Predict(x[(i%1000)*784:], 1, probs)
		}
		return float64(time.Since(start).Microseconds()) / singles
	})
	r.InferBatch1Allocs = allocsPerRun(100, func() { m.Predict(x, 1, probs) })

	r.PeakGFLOPS, r.PeakHow = peak()
	r.PeakRSSMiB = peakRSS()
	return r, nil
}

// inputs makes n MNIST-like images: mostly background, some ink.
func inputs(n int) ([]float32, []uint8) {
	rng := rand.New(rand.NewPCG(1, 2))
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

func median(rounds int, f func() float64) float64 {
	v := make([]float64, rounds)
	for i := range v {
		v[i] = f()
	}
	slices.Sort(v)
	return v[rounds/2]
}

func allocsPerRun(runs int, f func()) float64 {
	var before, after runtime.MemStats
	f()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs)
}

// peak estimates the CPU's float32 peak: cores × clock × SIMD lanes × 2
// (a fused multiply-add is two operations) × 2 FMA units per core (true of
// current x86 cores; an estimate elsewhere). The clock is the highest
// "cpu MHz" in /proc/cpuinfo, a snapshot that may be below the boost clock.
func peak() (float64, string) {
	lanes, what := 4, "SSE/NEON (4 lanes)"
	switch {
	case cpu.X86.HasAVX512F:
		lanes, what = 16, "AVX-512 (16 lanes)"
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		lanes, what = 8, "AVX2+FMA (8 lanes)"
	}
	mhz := cpuMHz()
	if mhz == 0 {
		return 0, "unknown clock (no cpu MHz in /proc/cpuinfo)"
	}
	cores := runtime.GOMAXPROCS(0)
	p := float64(cores) * mhz / 1e3 * float64(lanes) * 2 * 2
	return p, fmt.Sprintf("%d cores × %.2f GHz × %s × 2 (FMA) × 2 FMA units", cores, mhz/1e3, what)
}

func cpuMHz() float64 {
	var best float64
	scanCPUInfo(func(k, v string) {
		if k == "cpu MHz" {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f > best {
				best = f
			}
		}
	})
	return best
}

func cpuName() string {
	name := runtime.GOARCH
	scanCPUInfo(func(k, v string) {
		if k == "model name" {
			name = v
		}
	})
	return name
}

func scanCPUInfo(f func(key, value string)) {
	file, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			f(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
}

// peakRSS is the process's high-water resident memory, in MiB.
func peakRSS() float64 {
	_, peak := Memory()
	return float64(peak) / (1 << 20)
}

// Memory returns the process's resident memory and its high-water mark
// (VmRSS and VmHWM from /proc/self/status), in bytes; zeros off Linux.
func Memory() (rss, peak int64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, v, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}
