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
	nn.ScalePixels(dst, s.set.Image(id))
	augment.Restyle(dst, s.set.Labels[id], r)
	return s.set.Labels[id]
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
	nn.ScalePixels(src[:], s.set.Image(id))
	augment.RestrokeRandom(dst, src[:], r)
	return s.set.Labels[id]
}

// Bank is a fixed set of prepared images with their labels, drawn once
// before training: what is too slow to draw afresh every epoch, because
// imgproc prepares each image as it would an upload. Augmentation varies
// them from epoch to epoch.
type Bank struct {
	images [][784]byte
	labels []uint8
}

func (b *Bank) Len() int { return len(b.images) }

func (b *Bank) Image(dst []float32, i int, _ *rand.Rand) uint8 {
	nn.ScalePixels(dst, b.images[i][:])
	return b.labels[i]
}

// newBank draws n images with draw, each from its own stream of (seed,
// stream, i), prepares them with imgproc.Preprocess, on every core. The
// bank is the same for a seed whatever the number of cores. An image with
// no ink is drawn again from the same stream, up to ten times.
func newBank(n int, seed, stream uint64, what string, draw func(r *rand.Rand, i int) (*image.Gray, uint8)) (*Bank, error) {
	b := &Bank{images: make([][784]byte, n), labels: make([]uint8, n)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				r := rand.New(rand.NewPCG(seed, stream<<32|uint64(i)))
				for try := 0; ; try++ {
					img, label := draw(r, i)
					g, err := imgproc.Preprocess(img)
					if err == nil {
						copy(b.images[i][:], g.Pix)
						b.labels[i] = label
						break
					}
					if try == 10 {
						errs[i] = fmt.Errorf("train: %s %d: %w", what, i, err)
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
	return b, nil
}

// NewOutliers returns a bank of n non-digits (augment.Outlier) labelled
// nn.NoClass: outlier exposure.
func NewOutliers(n int, seed uint64) (*Bank, error) {
	return newBank(n, seed, 0x6f75746c, "outlier", func(r *rand.Rand, i int) (*image.Gray, uint8) {
		return augment.Outlier(r, i), nn.NoClass
	})
}

// NewRendered returns a bank of n MNIST training digits from set drawn as
// an upload would show them, 40 to 220 pixels tall, dark on light: the
// round trip through preparation every upload makes, which MNIST's own
// images never made.
func NewRendered(set *mnist.Set, n int, seed uint64) (*Bank, error) {
	return newBank(n, seed, 0x72656e64, "rendered digit", func(r *rand.Rand, _ int) (*image.Gray, uint8) {
		id := r.IntN(set.N)
		return upload(set.Image(id), r), set.Labels[id]
	})
}

// NewRenderedStyles returns a bank of n digits in the styles MNIST lacks
// (augment.StyleDigits, by weight), drawn large and prepared as uploads.
func NewRenderedStyles(n int, seed uint64) (*Bank, error) {
	return newBank(n, seed, 0x7374796c, "rendered style", func(r *rand.Rand, i int) (*image.Gray, uint8) {
		k := augment.WeightedStyle(i)
		w := augment.RandomWriter(r)
		side := 64 + r.IntN(160)
		return onPaper(w.DrawLarge(r, augment.StyleGlyph(r, k), side), side, r), augment.StyleDigits[k].Digit
	})
}

// onPaper turns ink coverage (n x n) into dark ink on light paper with a
// little noise.
func onPaper(ink []float32, n int, r *rand.Rand) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, n, n))
	paper := 0.75 + 0.23*r.Float64()
	dark := 0.05 + 0.3*r.Float64()
	noise := 0.03 * r.Float64()
	for i, a := range ink {
		l := paper + (dark-paper)*float64(a) + noise*r.NormFloat64()
		img.Pix[i] = uint8(255 * min(1, max(0, l)))
	}
	return img
}

// upload draws an MNIST digit (white on black) enlarged on paper: a soft
// edge of random sharpness, a margin.
func upload(d []byte, r *rand.Rand) *image.Gray {
	scale := 1.4 + r.Float64()*6.5
	size := int(28 * scale)
	margin := int(scale * (2 + r.Float64()*8))
	n := size + 2*margin
	sharp := 4 + 10*r.Float64()    // steepness of the edge
	level := 0.3 + 0.3*r.Float64() // where the edge lies
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x > 27 || y > 27 {
			return 0
		}
		return float64(d[y*28+x]) / 255
	}
	ink := make([]float32, n*n)
	for y := range n {
		for x := range n {
			u, v := (float64(x-margin)+0.5)/scale-0.5, (float64(y-margin)+0.5)/scale-0.5
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			fx, fy := u-float64(x0), v-float64(y0)
			s := (at(x0, y0)*(1-fx)+at(x0+1, y0)*fx)*(1-fy) + (at(x0, y0+1)*(1-fx)+at(x0+1, y0+1)*fx)*fy
			ink[y*n+x] = float32(1 / (1 + math.Exp(-sharp*(s-level))))
		}
	}
	return onPaper(ink, n, r)
}
