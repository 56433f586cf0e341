package train

import (
	"fmt"
	"image"
	"math"
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
// (augment.StyleDigits), each as often as its weight says.
type Styles struct{ N int }

func (s Styles) Len() int { return s.N }

func (s Styles) Image(dst []float32, i int, r *rand.Rand) uint8 {
	return augment.StyleDigit(dst, r, augment.WeightedStyle(i))
}

// Restyled gives n MNIST training digits per epoch with a style's marks
// added (augment.Restyle): flags and bases on 1s (half of them), bars
// across 7s and slashes through 0s (a quarter each).
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
	ids := s.ids[[4]int{0, 0, 1, 2}[i%4]]
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

// Restroked gives n MNIST training digits per epoch redrawn along their
// skeleton with another pen width (augment.Restroke): the strokes a thin
// pen leaves once preparation has widened them.
type Restroked struct {
	set *mnist.Set
	n   int
}

// NewRestroked returns n restroked digits per epoch drawn from set.
func NewRestroked(set *mnist.Set, n int) *Restroked { return &Restroked{set: set, n: n} }

func (s *Restroked) Len() int { return s.n }

func (s *Restroked) Image(dst []float32, i int, r *rand.Rand) uint8 {
	id := r.IntN(s.set.N)
	var src [784]float32
	toFloat(src[:], s.set.Image(id))
	augment.RestrokeRandom(dst, src[:], r)
	return s.set.Labels[id]
}

// Rendered is a fixed bank of MNIST training digits drawn as an upload
// would show them, 40 to 220 pixels tall, dark on light, and prepared by
// imgproc: the round trip every upload makes, which MNIST's own images
// never made.
type Rendered struct {
	bank   [][784]byte
	labels []uint8
}

// NewRendered draws n digits from set and prepares them, on every core.
// The bank is the same for a seed whatever the number of cores.
func NewRendered(set *mnist.Set, n int, seed uint64) (*Rendered, error) {
	b := &Rendered{bank: make([][784]byte, n), labels: make([]uint8, n)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				r := rand.New(rand.NewPCG(seed, 0x72656e64<<32|uint64(i)))
				id := r.IntN(set.N)
				g, err := imgproc.Preprocess(upload(set.Image(id), r))
				if err != nil {
					errs[i] = fmt.Errorf("train: rendered digit %d (MNIST %d): %w", i, id, err)
					continue
				}
				copy(b.bank[i][:], g.Pix)
				b.labels[i] = set.Labels[id]
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
	return b, nil
}

func (b *Rendered) Len() int { return len(b.bank) }

func (b *Rendered) Image(dst []float32, i int, _ *rand.Rand) uint8 {
	toFloat(dst, b.bank[i][:])
	return b.labels[i]
}

// upload draws an MNIST digit (white on black) enlarged on paper: dark ink,
// a soft edge of random sharpness, a little noise, a margin.
func upload(d []byte, r *rand.Rand) *image.Gray {
	scale := 1.4 + r.Float64()*6.5
	size := int(28 * scale)
	margin := int(scale * (2 + r.Float64()*8))
	n := size + 2*margin
	img := image.NewGray(image.Rect(0, 0, n, n))
	paper := 0.75 + 0.23*r.Float64()
	ink := 0.05 + 0.3*r.Float64()
	sharp := 4 + 10*r.Float64()    // steepness of the edge
	level := 0.3 + 0.3*r.Float64() // where the edge lies
	noise := 0.03 * r.Float64()
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x > 27 || y > 27 {
			return 0
		}
		return float64(d[y*28+x]) / 255
	}
	for y := range n {
		for x := range n {
			u, v := (float64(x-margin)+0.5)/scale-0.5, (float64(y-margin)+0.5)/scale-0.5
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			fx, fy := u-float64(x0), v-float64(y0)
			s := (at(x0, y0)*(1-fx)+at(x0+1, y0)*fx)*(1-fy) + (at(x0, y0+1)*(1-fx)+at(x0+1, y0+1)*fx)*fy
			c := 1 / (1 + math.Exp(-sharp*(s-level)))
			l := paper + (ink-paper)*c + noise*r.NormFloat64()
			img.Pix[y*n+x] = uint8(255 * min(1, max(0, l)))
		}
	}
	return img
}
