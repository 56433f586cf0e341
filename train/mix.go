package train

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"digitnet/augment"
	"digitnet/imgproc"
	"digitnet/mnist"
	"digitnet/nn"
)

// Source is training data beyond MNIST's, mixed into every epoch and
// shuffled with it. Config.Augment distorts its images as it does MNIST's.
type Source interface {
	// Len is how many images an epoch takes from it.
	Len() int
	// Image writes image i (0 ≤ i < Len) into dst (28x28 values in [0,1],
	// white ink on black, in MNIST's format) and returns its label, a
	// class or nn.NoClass. All randomness comes from r, seeded for the
	// seed, the epoch and the image, so a run is the same however batches
	// are split between goroutines. It is called from several goroutines
	// at once.
	Image(dst []float32, i int, r *rand.Rand) uint8
}

// Styles draws n digits per epoch in the handwriting styles MNIST lacks
// (augment.StyleDigits), each style as often as the others.
type Styles struct{ N int }

func (s Styles) Len() int { return s.N }

func (s Styles) Image(dst []float32, i int, r *rand.Rand) uint8 {
	return augment.StyleDigit(dst, r, i%len(augment.StyleDigits))
}

// Restyled gives n MNIST training digits per epoch with a style's marks
// added (augment.Restyle): flags and bases on 1s, bars across 7s, slashes
// through 0s, a third of each.
type Restyled struct {
	set *mnist.Set
	n   int
	ids [3][]int // indices of the 1s, 7s and 0s
}

// NewRestyled returns n restyled digits per epoch drawn from set.
func NewRestyled(set *mnist.Set, n int) *Restyled {
	r := &Restyled{set: set, n: n}
	for i, l := range set.Labels[:set.N] {
		switch l {
		case 1:
			r.ids[0] = append(r.ids[0], i)
		case 7:
			r.ids[1] = append(r.ids[1], i)
		case 0:
			r.ids[2] = append(r.ids[2], i)
		}
	}
	return r
}

func (s *Restyled) Len() int { return s.n }

func (s *Restyled) Image(dst []float32, i int, r *rand.Rand) uint8 {
	ids := s.ids[i%3]
	if len(ids) == 0 {
		clear(dst)
		return nn.NoClass
	}
	id := ids[r.IntN(len(ids))]
	toFloat(dst, s.set.Image(id))
	augment.Restyle(dst, s.set.Labels[id], r)
	return s.set.Labels[id]
}

// Outliers is a fixed bank of non-digits (augment.Outlier), prepared by
// imgproc as uploads are, labelled nn.NoClass: outlier exposure.
// Augmentation varies them from epoch to epoch.
type Outliers struct {
	bank [][784]byte
}

// NewOutliers draws and prepares n non-digits from seed, on every core.
// The bank is the same for a seed whatever the number of cores.
func NewOutliers(n int, seed uint64) (*Outliers, error) {
	o := &Outliers{bank: make([][784]byte, n)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				r := rand.New(rand.NewPCG(seed, 0x6f75746c<<32|uint64(i)))
				for try := 0; ; try++ {
					g, err := imgproc.Preprocess(augment.Outlier(r, i))
					if err == nil {
						copy(o.bank[i][:], g.Pix)
						break
					}
					if try == 10 {
						errs[i] = fmt.Errorf("train: outlier %d: %w", i, err)
						break
					}
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (o *Outliers) Len() int { return len(o.bank) }

func (o *Outliers) Image(dst []float32, i int, _ *rand.Rand) uint8 {
	toFloat(dst, o.bank[i][:])
	return nn.NoClass
}
