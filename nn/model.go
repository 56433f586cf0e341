package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"digitnet/nn/internal/matmul"
)

// Tensor is a named view of some of a model's parameters.
type Tensor struct {
	// Name is "<layer>.kernel" or "<layer>.bias", e.g. "conv1.kernel".
	Name string
	// Shape is (KH, KW, C, F) for a conv kernel, (in, out) for a dense
	// kernel and (F) or (out) for a bias: the Keras layouts.
	Shape []int
	// Data aliases the model's flat parameter buffer.
	Data []float32
}

// Model is a network built from a Spec. Its parameters live in one flat
// buffer, Params, that Tensors cuts into named views.
//
// Predict is safe for concurrent use; training and loading replace
// parameters and must not run at the same time as Predict.
type Model struct {
	spec   Spec
	plans  []layerPlan
	offset []int // offset[i] is where layer i's parameters start in Params; offset[len] = len(Params)

	// Params holds every parameter: for each layer with weights, its kernel
	// then its bias.
	Params []float32

	workers sync.Pool // of *worker whose products may use every core
	serial  sync.Pool // of *worker that stays on its goroutine (small or parallel Predict)
}

// New builds a model for spec with Glorot-uniform kernels and zero biases,
// drawn from a PCG generator seeded with seed.
func New(spec Spec, seed uint64) (*Model, error) {
	m, err := build(spec)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6469676974))
	for i, p := range m.plans {
		kernel := m.layerParams(i)
		if len(kernel) == 0 {
			continue
		}
		var fanIn, fanOut int
		switch p.spec.Kind {
		case KindConv2D:
			// Keras counts the receptive field in both fans.
			rf := p.spec.Size * p.spec.Size
			fanIn, fanOut = rf*p.in.C, rf*p.out.C
		case KindDense:
			fanIn, fanOut = p.in.Size(), p.out.Size()
		}
		limit := math.Sqrt(6 / float64(fanIn+fanOut))
		kernel = kernel[:kernelLen(p)]
		for j := range kernel {
			kernel[j] = float32((rng.Float64()*2 - 1) * limit)
		}
		// Biases (the rest of the layer's slice) stay zero.
	}
	return m, nil
}

// Build allocates a model for spec with every parameter zero, for loaders
// that fill Params (or Tensors) from a file.
func Build(spec Spec) (*Model, error) { return build(spec) }

// build allocates a model for spec with zero parameters.
func build(spec Spec) (*Model, error) {
	plans, err := plan(spec)
	if err != nil {
		return nil, err
	}
	m := &Model{spec: spec, plans: plans}
	m.offset = make([]int, len(plans)+1)
	for i, p := range plans {
		m.offset[i+1] = m.offset[i] + kernelLen(p) + biasLen(p)
	}
	m.Params = make([]float32, m.offset[len(plans)])
	return m, nil
}

func kernelLen(p layerPlan) int {
	switch p.spec.Kind {
	case KindConv2D:
		return p.spec.Size * p.spec.Size * p.in.C * p.out.C
	case KindDense:
		return p.in.Size() * p.out.Size()
	}
	return 0
}

func biasLen(p layerPlan) int {
	if kernelLen(p) == 0 {
		return 0
	}
	return p.out.C
}

// layerParams returns layer i's slice of Params (kernel then bias).
func (m *Model) layerParams(i int) []float32 {
	return m.Params[m.offset[i]:m.offset[i+1]]
}

// Spec returns the model's architecture.
func (m *Model) Spec() Spec { return m.spec }

// InputShape is the shape of one input sample.
func (m *Model) InputShape() Shape { return m.plans[0].in }

// Classes is the number of outputs.
func (m *Model) Classes() int { return m.plans[len(m.plans)-1].out.Size() }

// Tensors returns the named parameter tensors in layer order.
func (m *Model) Tensors() []Tensor {
	var ts []Tensor
	for i, p := range m.plans {
		kl := kernelLen(p)
		if kl == 0 {
			continue
		}
		ps := m.layerParams(i)
		var shape []int
		if p.spec.Kind == KindConv2D {
			shape = []int{p.spec.Size, p.spec.Size, p.in.C, p.out.C}
		} else {
			shape = []int{p.in.Size(), p.out.Size()}
		}
		ts = append(ts,
			Tensor{Name: p.name + ".kernel", Shape: shape, Data: ps[:kl]},
			Tensor{Name: p.name + ".bias", Shape: []int{p.out.C}, Data: ps[kl:]})
	}
	return ts
}

// worker holds one goroutine's ops and buffers.
type worker struct {
	ops []op
}

// newWorker makes a worker; a serial one never hands work to other
// goroutines (see gemmFunc).
func (m *Model) newWorker(serial bool) *worker {
	gemm := gemmFunc(matmul.Gemm)
	if serial {
		gemm = matmul.GemmSerial
	}
	w := &worker{ops: make([]op, len(m.plans))}
	for i, p := range m.plans {
		w.ops[i] = newOp(p, gemm)
	}
	// Fuse each conv2d+ReLU that feeds a max pool (see convPool).
	for i := 0; i+1 < len(w.ops); i++ {
		c, ok1 := w.ops[i].(*conv2d)
		mp, ok2 := w.ops[i+1].(*maxPool)
		if ok1 && ok2 && c.relu {
			w.ops[i], w.ops[i+1] = newConvPool(c, mp), identity{}
		}
	}
	return w
}

// forward runs n samples through every layer and returns the logits
// (n × Classes), owned by the worker.
func (m *Model) forward(w *worker, x []float32, n int) []float32 {
	h := x[:n*m.InputShape().Size()]
	for i, o := range w.ops {
		h = o.forward(m.layerParams(i), h, n)
	}
	return h
}

// smallParallel is the smallest batch whose products are worth splitting
// between cores.
const smallParallel = 16

// predictChunk bounds the samples one worker handles at a time, so that
// the im2col buffers stay a few megabytes whatever the caller's batch.
const predictChunk = 128

// Predict writes the class probabilities of n samples (x is n × InputShape,
// values as at training time) into probs (n × Classes). Large batches are
// split across GOMAXPROCS goroutines.
func (m *Model) Predict(x []float32, n int, probs []float32) error {
	in, classes := m.InputShape().Size(), m.Classes()
	if n < 0 || len(x) < n*in || len(probs) < n*classes {
		return fmt.Errorf("nn: predict %d samples: have %d inputs and %d outputs, need %d and %d",
			n, len(x), len(probs), n*in, n*classes)
	}
	if n <= predictChunk {
		// The common case, one image or a few: no goroutines, no
		// allocation. Below smallParallel images, waking another core for
		// a share of each product costs more than it saves (measured when
		// one image took 54 µs alone: 71 µs split).
		if n > 0 {
			m.predictChunk(x, n, probs, n < smallParallel)
		}
		return nil
	}
	chunks := (n + predictChunk - 1) / predictChunk
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(chunks, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
				lo, hi := c*predictChunk, min(n, (c+1)*predictChunk)
				m.predictChunk(x[lo*in:hi*in], hi-lo, probs[lo*classes:hi*classes], true)
			}
		})
	}
	wg.Wait()
	return nil
}

// predictChunk runs n samples on a pooled worker, serial or not.
func (m *Model) predictChunk(x []float32, n int, probs []float32, serial bool) {
	pool := &m.workers
	if serial {
		pool = &m.serial
	}
	w, _ := pool.Get().(*worker)
	if w == nil {
		w = m.newWorker(serial)
		for _, o := range w.ops {
			if cp, ok := o.(*convPool); ok {
				cp.infer = true
			}
		}
	}
	logits := m.forward(w, x, n)
	softmax(probs, logits, n, m.Classes())
	pool.Put(w)
}

// Argmax returns the index of the largest value in p, the first on ties:
// the predicted class of one row of Predict's output.
func Argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// softmax writes the row-wise softmax of logits (n × k) into p, subtracting
// each row's maximum first so exp cannot overflow.
func softmax(p, logits []float32, n, k int) {
	for i := 0; i < n; i++ {
		row := logits[i*k : i*k+k]
		out := p[i*k : i*k+k]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v - mx))
			out[j] = float32(e)
			sum += e
		}
		for j := range out {
			out[j] = float32(float64(out[j]) / sum)
		}
	}
}

// Kernel names the GEMM micro-kernel this CPU runs ("avx512", "avx2" or
// "go"), for benchmarks and version reports.
func Kernel() string { return matmul.Kernel() }
