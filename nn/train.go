package nn

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"digitnet/nn/internal/vec"
)

// Adam holds the optimiser's settings. The update follows Keras:
//
//	m ← β1·m + (1-β1)·g
//	v ← β2·v + (1-β2)·g²
//	w ← w - lr·√(1-β2ᵗ)/(1-β1ᵗ) · m / (√v + ε)
//
// with ε added to the uncorrected √v (Keras' "epsilon hat"), which differs
// slightly from PyTorch's placement of ε.
type Adam struct {
	LR, Beta1, Beta2, Epsilon float64
}

// KerasAdam is Keras' default: lr 1e-3, β 0.9/0.999, ε 1e-7.
var KerasAdam = Adam{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}

// DefaultShards is how many parts a training batch is split into when
// NewTrainer is given 0: one per core, up to 8. The shards run on separate
// goroutines and their gradients are summed in shard order, so a seed gives
// the same model run after run on machines with the same shard count and
// matmul kernel.
func DefaultShards() int { return min(runtime.GOMAXPROCS(0), 8) }

// NoClass is the label of a training sample that belongs to none of the
// classes: its target is the uniform distribution over them, so the model
// learns to answer "any of them, equally" for it. Hendrycks, Mazeika and
// Dietterich, "Deep Anomaly Detection with Outlier Exposure" (ICLR 2019),
// train on such outliers so that a low top probability flags inputs unlike
// any class.
const NoClass = 255

// Trainer updates a model's parameters by minibatch gradient descent on the
// softmax cross-entropy loss. It is not safe for concurrent use.
type Trainer struct {
	m      *Model
	opt    Adam
	step   int
	mom    []float32 // Adam's first moment, like Params
	vel    []float32 // Adam's second moment, like Params
	shards []*shard
}

// shard is one part of a batch: a worker and its own gradient buffer.
type shard struct {
	w      *worker
	grads  []float32 // like Params
	dlogit []float32
	loss   float64
	right  int
}

// NewTrainer returns a trainer for m. shards ≤ 0 means DefaultShards().
func NewTrainer(m *Model, opt Adam, shards int) *Trainer {
	if shards <= 0 {
		shards = DefaultShards()
	}
	t := &Trainer{m: m, opt: opt,
		mom: make([]float32, len(m.Params)),
		vel: make([]float32, len(m.Params)),
	}
	for range shards {
		t.shards = append(t.shards, &shard{w: m.newWorker(true), grads: make([]float32, len(m.Params))})
	}
	return t
}

// SetLR changes the learning rate for the following steps, for schedules.
func (t *Trainer) SetLR(lr float64) { t.opt.LR = lr }

// Step trains on one batch of n samples (x is n × InputShape, labels n class
// indices or NoClass) and returns the batch's mean loss and how many samples
// the model classified correctly before the update (a NoClass sample never
// counts as correct).
func (t *Trainer) Step(x []float32, labels []uint8, n int) (loss float64, correct int, err error) {
	m := t.m
	in := m.InputShape().Size()
	if n <= 0 || len(x) < n*in || len(labels) < n {
		return 0, 0, fmt.Errorf("nn: train step on %d samples with %d inputs and %d labels", n, len(x), len(labels))
	}
	for _, l := range labels[:n] {
		if int(l) >= m.Classes() && l != NoClass {
			return 0, 0, fmt.Errorf("nn: label %d out of range for %d classes", l, m.Classes())
		}
	}
	used := min(n, len(t.shards))
	var wg sync.WaitGroup
	for s := range used {
		lo, hi := s*n/used, (s+1)*n/used
		wg.Go(func() { t.shards[s].run(m, x[lo*in:hi*in], labels[lo:hi], hi-lo, n) })
	}
	wg.Wait()
	for _, sh := range t.shards[:used] {
		loss += sh.loss
		correct += sh.right
	}
	t.update(used)
	return loss / float64(n), correct, nil
}

// run computes the forward and backward pass of the shard's samples. The
// gradient is of the whole batch's mean loss, so shards simply add up.
func (s *shard) run(m *Model, x []float32, labels []uint8, n, batch int) {
	logits := m.forward(s.w, x, n)
	k := m.Classes()
	s.dlogit = grow(s.dlogit, n*k)
	softmax(s.dlogit, logits, n, k)
	s.loss, s.right = 0, 0
	for i := 0; i < n; i++ {
		p := s.dlogit[i*k : i*k+k]
		if labels[i] == NoClass {
			// Cross-entropy against the uniform target: the mean of
			// -log p over the classes; d/d logits = softmax - 1/k.
			for j := range p {
				s.loss -= math.Log(max(float64(p[j]), 1e-7)) / float64(k)
				p[j] = (p[j] - 1/float32(k)) / float32(batch)
			}
			continue
		}
		if Argmax(p) == int(labels[i]) {
			s.right++
		}
		// The log of a probability that underflowed to 0 is bounded as
		// Keras bounds it (clip to ε = 1e-7).
		s.loss -= math.Log(max(float64(p[labels[i]]), 1e-7))
		// d(mean CE)/d logits = (softmax - onehot) / batch.
		p[labels[i]] -= 1
		for j := range p {
			p[j] /= float32(batch)
		}
	}
	dy := s.dlogit
	for i := len(s.w.ops) - 1; i >= 0; i-- {
		// Layers before the first with parameters (a deskew, an imported
		// model's normalize) need no gradient, so neither does its input.
		needDX := m.offset[i] > 0
		dy = s.w.ops[i].backward(m.layerParams(i), s.grads[m.offset[i]:m.offset[i+1]], dy, n, needDX)
		if !needDX {
			break
		}
	}
}

// update sums the shards' gradients and applies one Adam step. The
// parameters are split between goroutines by range.
func (t *Trainer) update(used int) {
	t.step++
	o := t.opt
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	lr := float32(o.LR * math.Sqrt(1-math.Pow(o.Beta2, float64(t.step))) / (1 - math.Pow(o.Beta1, float64(t.step))))
	eps := float32(o.Epsilon)
	p := t.m.Params
	parts := len(t.shards)
	var wg sync.WaitGroup
	for part := range parts {
		lo, hi := part*len(p)/parts, (part+1)*len(p)/parts
		wg.Go(func() {
			g := t.shards[0].grads[lo:hi]
			for _, sh := range t.shards[1:used] {
				vec.Add(g, sh.grads[lo:hi])
			}
			vec.Adam(p[lo:hi], g, t.mom[lo:hi], t.vel[lo:hi], b1, b2, lr, eps)
		})
	}
	wg.Wait()
}
