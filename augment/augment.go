package augment

import (
	"math"
	"math/rand/v2"
)

// Options sets how strongly Apply varies an image. Each random parameter is
// drawn uniformly from its range on every call. The zero Options changes
// nothing: Apply then copies src.
type Options struct {
	// MaxShift is the largest shift in pixels, drawn for x and y separately
	// from [-MaxShift, MaxShift].
	MaxShift float64
	// MaxRotate is the largest rotation in degrees, either way.
	MaxRotate float64
	// MinScale and MaxScale bound the zoom factor; 0 means 1, and the two
	// are swapped if MinScale > MaxScale.
	MinScale, MaxScale float64
	// MaxShear is the largest horizontal slant, as the x shift per pixel of
	// y (0.15 is about 8.5 degrees), either way.
	MaxShear float64
	// Elastic is the probability of an elastic distortion, whose
	// displacement fields are uniform noise blurred by a Gaussian of
	// standard deviation ElasticSigma pixels and scaled by ElasticAlpha.
	// Simard et al. used alpha 34 and sigma 4; a larger sigma gives smoother,
	// gentler bends.
	Elastic, ElasticAlpha, ElasticSigma float64
	// Morph is the probability of changing the stroke width with [Morph]:
	// half the time thickening by an amount in [0.3, 1], half the time
	// thinning by an amount in [0.3, 0.5] (thinning more erases thin strokes).
	Morph float64
	// Gamma is the largest |ln k| for the tone curve of [Gamma], applied to
	// every image when positive: 0.3 draws k from about [0.74, 1.35].
	Gamma float64
}

// Default is a moderate setting for training the MNIST CNN for real uploads:
// strong enough to cover slanted, rotated, bigger or smaller and thicker or
// thinner handwriting, mild enough that every digit stays readable (see the
// -grid flag of the package tests).
var Default = Options{
	MaxShift:     2.5,
	MaxRotate:    12,
	MinScale:     0.88,
	MaxScale:     1.12,
	MaxShear:     0.15,
	Elastic:      0.5,
	ElasticAlpha: 34,
	ElasticSigma: 5,
	Morph:        0.3,
	Gamma:        0.3,
}

// Ranges of Morph amounts; see Options.Morph.
const (
	minThicken, maxThicken = 0.3, 1
	minThin, maxThin       = 0.3, 0.5
)

// Augmenter applies random variations drawn from its Options. It holds
// scratch buffers, so it is not safe for concurrent use: give each goroutine
// its own (they are cheap, about 20 KB) and its own *rand.Rand.
type Augmenter struct {
	opt      Options
	minScale float64
	maxScale float64
	el       *elastic // nil when Elastic is off
	dx, dy   [Pixels]float32
	buf      [Pixels]float32
}

// New returns an Augmenter for opt. It precomputes the Gaussian kernel of
// the elastic distortion.
func New(opt Options) *Augmenter {
	a := &Augmenter{opt: opt, minScale: opt.MinScale, maxScale: opt.MaxScale}
	if !(a.minScale > 0) {
		a.minScale = 1
	}
	if !(a.maxScale > 0) {
		a.maxScale = 1
	}
	if a.minScale > a.maxScale {
		a.minScale, a.maxScale = a.maxScale, a.minScale
	}
	if opt.Elastic > 0 && opt.ElasticAlpha != 0 {
		a.el = newElastic(opt.ElasticSigma)
	}
	return a
}

// Options returns the options a was made with.
func (a *Augmenter) Options() Options { return a.opt }

// Apply writes to dst a random variation of src drawn from r: stroke width
// first (with probability Options.Morph), then the affine map and elastic
// distortion in one bilinear resampling, then the tone curve. dst and src
// must be distinct slices of Pixels values; Apply panics otherwise. The
// output is in [0,1] whatever the input and options (NaN counts as 0).
// Apply does not allocate.
func (a *Augmenter) Apply(dst, src []float32, r *rand.Rand) {
	checkLen(dst, src)
	o := &a.opt
	in := src
	if o.Morph > 0 && r.Float64() < o.Morph {
		var amount float64
		if r.Uint64()&1 == 0 {
			amount = uniform(r, minThicken, maxThicken)
		} else {
			amount = -uniform(r, minThin, maxThin)
		}
		Morph(a.buf[:], src, float32(amount))
		in = a.buf[:]
	}

	var shiftX, shiftY, deg, shear float64
	scale := a.minScale
	if o.MaxShift != 0 {
		shiftX = uniform(r, -o.MaxShift, o.MaxShift)
		shiftY = uniform(r, -o.MaxShift, o.MaxShift)
	}
	if o.MaxRotate != 0 {
		deg = uniform(r, -o.MaxRotate, o.MaxRotate)
	}
	if a.maxScale != a.minScale {
		scale = uniform(r, a.minScale, a.maxScale)
	}
	if o.MaxShear != 0 {
		shear = uniform(r, -o.MaxShear, o.MaxShear)
	}
	t := NewTransform(shiftX, shiftY, deg, scale, shear)

	var dx, dy []float32
	if a.el != nil && r.Float64() < o.Elastic {
		dx, dy = a.dx[:], a.dy[:]
		a.el.fields(dx, dy, r, float32(o.ElasticAlpha))
	}
	Warp(dst, in, t, dx, dy)

	if o.Gamma != 0 {
		Gamma(dst, float32(math.Exp(uniform(r, -o.Gamma, o.Gamma))))
	} else {
		for i, v := range dst {
			if !(v > 0) { // also NaN
				v = 0
			}
			dst[i] = min(v, 1)
		}
	}
}

func uniform(r *rand.Rand, lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}
