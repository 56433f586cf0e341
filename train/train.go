package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"digitnet/augment"
	"digitnet/mnist"
	"digitnet/nn"
)

// Config is a training recipe. The zero values of Epochs, Batch and Adam
// mean the Keras tutorial's 5, 32 and Keras' Adam.
type Config struct {
	Epochs int
	Batch  int
	Adam   nn.Adam
	// Seed drives the initial weights (when the caller builds the model
	// with it), the shuffling and the augmentation.
	Seed uint64
	// Limit, when positive, trains on the first Limit images only.
	Limit int
	// Augment, when not nil, distorts every training image afresh each
	// epoch (shifts, rotations, elastic distortion, stroke width).
	Augment *augment.Options
	// Shards splits each batch between goroutines (nn.DefaultShards() if 0).
	Shards int
	// Schedule shapes the learning rate over training: ScheduleConstant
	// (the tutorial's, and the default) or ScheduleCosine, which decays it
	// from Adam.LR to zero along a half cosine, step by step.
	Schedule string
	// Mix adds images from these sources to every epoch, shuffled with
	// MNIST's: styles MNIST lacks, non-digits for outlier exposure. Limit
	// does not apply to them. Images labelled nn.NoClass count as wrong in
	// the running accuracy.
	Mix []Source
	// Extra, when not nil, adds these images (a person's samples, say) to
	// every epoch, each ExtraRepeat times (DefaultFineTuneRepeat if 0), so
	// that a few hundred weigh against 60,000.
	Extra       *mnist.Set
	ExtraRepeat int
}

// Learning-rate schedules.
const (
	ScheduleConstant = "constant"
	ScheduleCosine   = "cosine"
)

func (c Config) withDefaults() Config {
	if c.Epochs == 0 {
		c.Epochs = 5
	}
	if c.Batch == 0 {
		c.Batch = 32
	}
	if c.Adam == (nn.Adam{}) {
		c.Adam = nn.KerasAdam
	}
	if c.Schedule == "" {
		c.Schedule = ScheduleConstant
	}
	return c
}

// Progress is reported after each batch.
type Progress struct {
	Epoch, Epochs int // Epoch counts from 1
	Done, Total   int // images done in this epoch, of Total
	// Loss and Accuracy are running means over the epoch so far.
	Loss, Accuracy float64
	Elapsed        time.Duration // since the epoch began
	// RunElapsed is the time since Fit began, including the epoch
	// callbacks' work (such as measuring each epoch).
	RunElapsed time.Duration
}

// RunETA estimates the time left until the whole run ends, from the pace
// of the run so far.
func (p Progress) RunETA() time.Duration {
	done := (p.Epoch-1)*p.Total + p.Done
	if done <= 0 || p.RunElapsed <= 0 {
		return 0
	}
	left := p.Epochs*p.Total - done
	return time.Duration(float64(p.RunElapsed) * float64(left) / float64(done))
}

// ImagesPerSec is the epoch's throughput so far.
func (p Progress) ImagesPerSec() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// EpochResult summarises one finished epoch.
type EpochResult struct {
	Epoch          int
	Images         int
	Loss, Accuracy float64
	Duration       time.Duration
}

// Fit trains m on set with cfg, calling progress (if not nil) after each
// batch and epoch after each epoch. Cancelling ctx stops it after the batch
// in progress and returns ctx.Err(); m then holds the weights of the last
// completed step.
func Fit(ctx context.Context, m *nn.Model, set *mnist.Set, cfg Config, progress func(Progress), epoch func(EpochResult)) error {
	cfg = cfg.withDefaults()
	in := m.InputShape()
	if in.Size() != set.Rows*set.Cols || in.C != 1 {
		return fmt.Errorf("train: model takes %dx%dx%d inputs, data has %dx%d images", in.H, in.W, in.C, set.Rows, set.Cols)
	}
	n := set.N
	if cfg.Limit > 0 && cfg.Limit < n {
		n = cfg.Limit
	}
	if cfg.Extra != nil {
		var err error
		if set, err = withExtra(set, n, cfg.Extra, cfg.ExtraRepeat); err != nil {
			return err
		}
		n = set.N
	}
	mnistN := n
	for _, x := range cfg.Mix {
		n += x.Len()
	}
	if cfg.Epochs < 0 || cfg.Batch <= 0 || n == 0 {
		return fmt.Errorf("train: nothing to do: %d epochs, batch %d, %d images", cfg.Epochs, cfg.Batch, n)
	}
	if cfg.Schedule != ScheduleConstant && cfg.Schedule != ScheduleCosine {
		return fmt.Errorf("train: unknown learning-rate schedule %q", cfg.Schedule)
	}
	stepsPerEpoch := (n + cfg.Batch - 1) / cfg.Batch
	totalSteps := float64(cfg.Epochs * stepsPerEpoch)
	step := 0
	size := in.Size()
	tr := nn.NewTrainer(m, cfg.Adam, cfg.Shards)
	x := make([]float32, cfg.Batch*size)
	labels := make([]uint8, cfg.Batch)
	order := make([]int, n)
	prep := newPreparer(set, mnistN, cfg)
	runStart := time.Now()
	for e := 1; e <= cfg.Epochs; e++ {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(e)))
		for i := range order {
			order[i] = i
		}
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		start := time.Now()
		var lossSum float64
		var correct int
		for done := 0; done < n; {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := min(cfg.Batch, n-done)
			prep.batch(x, labels, order[done:done+b], e)
			if cfg.Schedule == ScheduleCosine {
				tr.SetLR(cfg.Adam.LR * 0.5 * (1 + math.Cos(math.Pi*float64(step)/totalSteps)))
			}
			step++
			loss, right, err := tr.Step(x, labels, b)
			if err != nil {
				return fmt.Errorf("train: epoch %d: %w", e, err)
			}
			lossSum += loss * float64(b)
			correct += right
			done += b
			if progress != nil {
				progress(Progress{Epoch: e, Epochs: cfg.Epochs, Done: done, Total: n,
					Loss: lossSum / float64(done), Accuracy: float64(correct) / float64(done),
					Elapsed: time.Since(start), RunElapsed: time.Since(runStart)})
			}
		}
		if epoch != nil {
			epoch(EpochResult{Epoch: e, Images: n, Loss: lossSum / float64(n), Accuracy: float64(correct) / float64(n), Duration: time.Since(start)})
		}
	}
	return nil
}

// preparer turns a batch of image indices into model inputs, distorting
// them when augmentation is on. Augmentation costs about as much per image
// as a training step's arithmetic on one core, so it runs on every core.
type preparer struct {
	set    *mnist.Set
	n      int // MNIST images in an epoch; ids from n on are extras'
	extra  []Source
	seed   uint64
	aug    []*augmenter // one per goroutine; nil without augmentation
	plainR []*augmenter // without augmentation: the extras' generators
}

type augmenter struct {
	aug   *augment.Augmenter
	src   *rand.PCG
	rng   *rand.Rand
	plain []float32
}

func newPreparer(set *mnist.Set, n int, cfg Config) *preparer {
	p := &preparer{set: set, n: n, extra: cfg.Mix, seed: cfg.Seed}
	for range runtime.GOMAXPROCS(0) {
		src := rand.NewPCG(0, 0)
		a := &augmenter{src: src, rng: rand.New(src), plain: make([]float32, set.Rows*set.Cols)}
		if cfg.Augment != nil {
			a.aug = augment.New(*cfg.Augment)
			p.aug = append(p.aug, a)
		} else if len(cfg.Mix) > 0 {
			p.plainR = append(p.plainR, a)
		}
	}
	return p
}

// image writes image id of an epoch, undistorted, into dst and returns
// its label; r is seeded for the image.
func (p *preparer) image(dst []float32, id int, r *rand.Rand) uint8 {
	if id < p.n {
		nn.ScalePixels(dst, p.set.Image(id))
		return p.set.Labels[id]
	}
	id -= p.n
	for _, x := range p.extra {
		if id < x.Len() {
			return x.Image(dst, id, r)
		}
		id -= x.Len()
	}
	panic("train: image id beyond the epoch")
}

// batch fills x and labels with the images idx. Each image's distortion is
// drawn from a stream seeded by (seed, epoch, image index), so the result
// does not depend on the batch split or on the number of goroutines.
func (p *preparer) batch(x []float32, labels []uint8, idx []int, epoch int) {
	size := p.set.Rows * p.set.Cols
	workers := p.aug
	if workers == nil {
		workers = p.plainR
	}
	if workers == nil { // the tutorial's: MNIST as it is
		for i, id := range idx {
			labels[i] = p.set.Labels[id]
			nn.ScalePixels(x[i*size:(i+1)*size], p.set.Image(id))
		}
		return
	}
	var wg sync.WaitGroup
	parts := len(workers)
	for w, a := range workers {
		lo, hi := w*len(idx)/parts, (w+1)*len(idx)/parts
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				id := idx[i]
				a.src.Seed(p.seed, uint64(epoch)<<32|uint64(id))
				if a.aug == nil {
					labels[i] = p.image(x[i*size:(i+1)*size], id, a.rng)
					continue
				}
				labels[i] = p.image(a.plain, id, a.rng)
				a.aug.Apply(x[i*size:(i+1)*size], a.plain, a.rng)
			}
		})
	}
	wg.Wait()
}
