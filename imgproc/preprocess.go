package imgproc

import (
	"fmt"
	"image"
	"math"
)

// Sizes of MNIST's recipe.
const (
	Size = 28 // side of the output image
	Box  = 20 // side of the box the digit is fitted into
)

// MNIST's geometry and stroke width, measured on the 10,000 test digits with
// the same functions used here (see TestMNISTStatistics).
const (
	// centreX, centreY is where MNIST digits have their centre of mass,
	// in pixel-index coordinates of the 28x28 image.
	centreX, centreY = 14.0, 14.0
	// strokeRatio is the median stroke width (strokeWidth on the binarised
	// digit) over the long side of its bounding box.
	strokeRatio = 0.126
)

// Preprocess turns one image of a single handwritten digit into a 28x28
// MNIST-style input: white ink (255) on black (0), fitted into 20x20 and
// centred by its centre of mass. It returns an error wrapping ErrNoInk when
// the image holds nothing that looks like ink. When there are several
// separate marks, the biggest one is kept with what lies close to it; use
// Segment for numbers.
func Preprocess(img image.Image) (*image.Gray, error) {
	a, err := analyse(img)
	if err != nil {
		return nil, err
	}
	defer a.release()
	keep, box := a.mainGroup()
	if keep == nil {
		return nil, fmt.Errorf("%w: only specks or lines", ErrNoInk)
	}
	return a.render(keep, box)
}

// Pixels returns g's pixels scaled to [0,1], row by row: the model input.
func Pixels(g *image.Gray) []float32 {
	b := g.Bounds()
	out := make([]float32, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for _, v := range g.Pix[g.PixOffset(b.Min.X, y) : g.PixOffset(b.Min.X, y)+b.Dx()] {
			out = append(out, float32(v)/255)
		}
	}
	return out
}

// analysis is an image reduced to ink: what every later step works on.
type analysis struct {
	ink    plane // ink strength at working resolution, 0 background .. 1
	f      int   // one working pixel is f x f source pixels
	origin image.Point
	floor  float32 // noise floor of ink
	thresh float32 // binarisation threshold of ink
	labels []int32 // component of each working pixel, 0 = background
	comps  []component
}

// component is one 8-connected piece of binarised ink; its label is its
// index + 1.
type component struct {
	area int
	mass float64         // summed ink
	box  image.Rectangle // working pixels
	line bool            // a ruled line or other page-wide stroke
}

// analyse runs the steps that do not depend on which ink is kept.
func analyse(img image.Image) (*analysis, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("%w: %dx%d", ErrEmpty, b.Dx(), b.Dy())
	}
	if longest := max(b.Dx(), b.Dy()); longest <= workingSide && min(b.Dx(), b.Dy()) >= coarseMinSide {
		// Read straight at half resolution, and at full only if that
		// analysis is not taken: no full-resolution planes for most
		// uploads.
		half, f := lumaPlane(img, (longest+1)/2)
		a := analyseCoarse(half, f, b.Min)
		floats.put(half.p) // the analysis keeps its own planes
		if a != nil {
			return a, nil
		}
		lum, f := lumaPlane(img, workingSide)
		defer floats.put(lum.p)
		return analyseLum(lum, f, b.Min, false)
	}
	lum, f := lumaPlane(img, workingSide)
	defer floats.put(lum.p)
	if min(lum.w, lum.h) >= coarseMinSide {
		if a := analyseCoarse(pool(lum, 2), 2*f, b.Min); a != nil {
			return a, nil
		}
	}
	return analyseLum(lum, f, b.Min, false)
}

// release gives the analysis's planes back to scratch memory, once
// nothing reads them: the glyphs rendered from it are their own memory.
func (a *analysis) release() {
	floats.put(a.ink.p)
	int32s.put(a.labels)
	a.ink.p, a.labels = nil, nil
}

// Limits of the half-resolution analysis (analyseCoarse).
const (
	coarseMinSide   = 64      // least working short side worth halving
	coarseMinStroke = 3.0     // least stroke width, in half-resolution pixels
	coarseMinDigit  = 2 * Box // least long side of the digit, in half-resolution pixels
)

// analyseCoarse analyses lum, the working plane at half resolution (f
// source pixels per value), and returns the analysis if that is as good as
// the full one, else nil. Most uploads are
// an evenly lit canvas, scan or crop whose digit is much larger than the
// 20x20 box it is fitted into, with strokes several pixels wide: halving
// costs the fit nothing and the analysis a quarter of the work. Uneven
// light (which needs the finer background), thin strokes (which averaging
// would break) and small digits go to full resolution.
func analyseCoarse(lum plane, f int, origin image.Point) *analysis {
	a, err := analyseLum(lum, f, origin, true)
	if err != nil || a == nil {
		return nil
	}
	// The digit as Preprocess would take it, with its separate pieces
	// (the bar of a 5).
	if keep, box := a.mainGroup(); keep == nil || max(box.Dx(), box.Dy()) < coarseMinDigit {
		return nil
	}
	// The stroke width of the digit's big pieces, as mainStrokeWidth.
	if bigPiecesWidth(a.labels, a.comps, a.ink.w, a.ink.h) < coarseMinStroke {
		return nil
	}
	return a
}

// analyseLum runs the analysis on lum, whose values average f x f source
// pixels, origin being the source's top left corner. With evenOnly it
// returns nil and no error for an image that is not evenly lit.
func analyseLum(lum plane, f int, origin image.Point, evenOnly bool) (*analysis, error) {
	flattenSurround(lum)
	dark, ok := polarity(lum)
	if !ok {
		return nil, fmt.Errorf("%w: the image is uniform", ErrNoInk)
	}
	radius := backgroundRadius
	if evenlyLit(lum, dark) {
		radius = math.MaxInt
	} else if evenOnly {
		return nil, nil
	}
	a, err := inkAnalysis(lum, dark, radius, f, origin)
	// A tight crop of a heavy digit runs along the border for so long
	// that it looks unevenly lit, and a background window narrower than
	// its strokes turns them into specks, or erases them where they are
	// as wide as the crop. Paper at one level, taken as the background
	// everywhere, gives the strokes back. Small images (where lighting
	// cannot vary much) and fragmented results are tried both ways.
	if err == nil && radius != math.MaxInt && (fragmented(a.comps) || min(lum.w, lum.h) < smallSide) {
		if b, err := inkAnalysis(lum, dark, math.MaxInt, f, origin); err == nil && !fragmented(b.comps) &&
			(fragmented(a.comps) || biggestMass(b.comps) >= 1.5*biggestMass(a.comps)) {
			return b, nil
		}
	}
	return a, err
}

// smallSide is the short side, in working pixels, below which an image
// is analysed with a global background as well as a local one.
const smallSide = 160

// biggestMass returns the ink of the heaviest component that is not a line.
func biggestMass(comps []component) float64 {
	var m float64
	for _, c := range comps {
		if !c.line {
			m = max(m, c.mass)
		}
	}
	return m
}

// inkAnalysis runs the steps after polarity with a background window of
// the given radius (math.MaxInt: one level for the whole image).
func inkAnalysis(lum plane, dark bool, radius, f int, origin image.Point) (*analysis, error) {
	ink := inkMap(lum, dark, radius)
	floor, thresh, sigma, ok := threshold(ink)
	if !ok {
		return nil, fmt.Errorf("%w: no contrast above the noise", ErrNoInk)
	}
	// Strokes as wide as the background window (a tight crop of a marker
	// digit) would be taken for background: widen the window and redo.
	// A global window (radius MaxInt) is as wide as it gets.
	if radius != math.MaxInt {
		if r := windowFor(ink, thresh); r > radius {
			ink = inkMap(lum, dark, r)
			if floor, thresh, sigma, ok = threshold(ink); !ok {
				return nil, fmt.Errorf("%w: no contrast above the noise", ErrNoInk)
			}
		}
	}
	// The coarse background blurs a sharp shadow's edge over a grid cell,
	// leaving a band of false ink. Where the page is not evenly lit, open
	// the image again at full resolution with a window three strokes wide:
	// it follows the shadow's edge and still removes every stroke.
	if radius != math.MaxInt {
		side := max(7, int(math.Ceil(3*mainStrokeWidth(ink, thresh))))
		if side < (2*radius+1)*grid(ink.w, ink.h) {
			ink = inkMapFine(lum, dark, side/2)
			if floor, thresh, sigma, ok = threshold(ink); !ok {
				return nil, fmt.Errorf("%w: no contrast above the noise", ErrNoInk)
			}
		}
	}
	// A dim phone photo's sensor noise, amplified by the grey paper's
	// normalisation, speckles thick strokes with pixels under both
	// thresholds: the digit falls into dozens of pieces around hundreds
	// of pinholes, and reads as a texture. Averaging 3x3 cuts such noise
	// two- to threefold (JPEG correlates neighbours a little) and leaves
	// strokes wider than the window as they were; the width is measured
	// after, as the speckles hide it before. Specks and textures, which
	// averaging barely dims, are left as they are.
	if sigma > noisy {
		smooth := boxBlur3(ink)
		if f, t, after, ok := threshold(smooth); ok && after < 0.6*sigma && mainStrokeWidth(smooth, t) >= 3 {
			ink, floor, thresh = smooth, f, t
		}
	}
	removeRuledLines(ink, thresh, faintLevel(floor, thresh))
	labels, comps := components(ink, thresh)
	// Rulings first, so that no faint bridge joins a digit to one; then
	// again on what the bridges and faint strokes made.
	markLines(comps, ink.w, ink.h)
	comps = keepFaintStrokes(ink, floor, thresh, labels, comps)
	markLines(comps, ink.w, ink.h)
	return &analysis{ink: ink, f: f, origin: origin, floor: floor, thresh: thresh, labels: labels, comps: comps}, nil
}

// fragmented reports whether ink fell apart into specks: no piece holds a
// quarter of it, and there are many pieces.
func fragmented(comps []component) bool {
	var total, biggest float64
	n := 0
	for _, c := range comps {
		if c.line {
			continue
		}
		total += c.mass
		biggest = max(biggest, c.mass)
		n++
	}
	return n >= 20 && biggest*4 < total
}

// grid returns the cell size of the coarse grid used for background
// estimation: about 48 cells on the short side.
func grid(w, h int) int { return max(1, min(w, h)/48) }
