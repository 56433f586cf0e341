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
		if a := analyseCoarse(half, f, b.Min); a != nil {
			return a, nil
		}
		lum, f := lumaPlane(img, workingSide)
		return analyseLum(lum, f, b.Min, false)
	}
	lum, f := lumaPlane(img, workingSide)
	if min(lum.w, lum.h) >= coarseMinSide {
		if a := analyseCoarse(pool(lum, 2), 2*f, b.Min); a != nil {
			return a, nil
		}
	}
	return analyseLum(lum, f, b.Min, false)
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
	biggest := 0
	for _, c := range a.comps {
		if !c.line {
			biggest = max(biggest, c.area)
		}
	}
	// The stroke width of the digit's big pieces, as mainStrokeWidth.
	mask := make([]bool, len(a.labels))
	for i, l := range a.labels {
		mask[i] = l > 0 && !a.comps[l-1].line && a.comps[l-1].area*5 >= biggest && a.comps[l-1].area >= 20
	}
	if strokeWidth(mask, a.ink.w, a.ink.h) < coarseMinStroke {
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
	floor, thresh, ok := threshold(ink)
	if !ok {
		return nil, fmt.Errorf("%w: no contrast above the noise", ErrNoInk)
	}
	// Strokes as wide as the background window (a tight crop of a marker
	// digit) would be taken for background: widen the window and redo.
	// A global window (radius MaxInt) is as wide as it gets.
	if radius != math.MaxInt {
		if r := windowFor(ink, thresh); r > radius {
			ink = inkMap(lum, dark, r)
			if floor, thresh, ok = threshold(ink); !ok {
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
			if floor, thresh, ok = threshold(ink); !ok {
				return nil, fmt.Errorf("%w: no contrast above the noise", ErrNoInk)
			}
		}
	}
	removeRuledLines(ink, thresh)
	labels, comps := components(ink, thresh)
	keepFaintStrokes(ink, floor, thresh, labels, comps)
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

// backgroundRadius is the radius, in grid cells, of the background filters:
// their 13-cell window spans a quarter of the short side, wider than any
// pen stroke, narrower than lighting changes.
const backgroundRadius = 6

// polarity reports whether the ink is darker than the background (most
// uploads) or lighter (MNIST itself, chalkboards, dark-mode canvases). ok is
// false for a uniform image.
//
// The border of an upload is mostly background even when the digit touches
// it, so when the border level sits clearly at one end of the image's range
// the ink is at the other. A border split between two levels (a tight crop
// of a heavy digit) is taken as dark ink, like most uploads. Otherwise (a page lit unevenly, a vignette) the
// background is taken as a coarse median, which follows the lighting and
// which ink, a minority in any large window, does not move; ink is then
// whichever side of it holds more strong deviations.
func polarity(lum plane) (dark, ok bool) {
	all := newHistogram(0, 1, 1024)
	all.addAll(lum.p)
	lo, hi := all.quantile(0.0001), all.quantile(0.9999) // a thin digit can be 0.03% of a screenshot
	if hi-lo < 0.05 {
		return false, false
	}
	border := borderHistogram(lum)
	// A border split between two levels is a tight crop of a heavy digit
	// whose strokes run along the edges: nothing there tells ink from
	// paper, so go with what most uploads are, dark ink on light paper.
	if dark := border.fraction(lo, (lo+hi)/2); hi-lo > 0.3 && min(dark, 1-dark) >= 0.3 {
		return true, true
	}
	bg := border.quantile(0.5)
	switch below, above := bg-lo, hi-bg; {
	case below > 0.1 && below > 3*above:
		return true, true
	case above > 0.1 && above > 3*below:
		return false, true
	}
	return localPolarity(lum)
}

// evenlyLit reports whether the border of lum is paper at one level, or
// ink (a tight crop whose strokes run into the border), with little in
// between: an evenly lit canvas, scan or crop, whose background is that one
// level, which no stroke, however wide, can be mistaken for. Uneven
// lighting spreads the border over a range of levels.
func evenlyLit(lum plane, dark bool) bool {
	b := borderHistogram(lum)
	med := b.quantile(0.5)
	paper := b.fraction(med-0.04, med+0.04)
	var ink float64
	if dark {
		lo := b.quantile(0)
		ink = b.fraction(lo, med-0.5*(med-lo))
	} else {
		hi := b.quantile(1)
		ink = b.fraction(med+0.5*(hi-med), hi)
	}
	if paper < 0.4 || paper+ink < 0.75 {
		return false
	}
	// Strokes cross the border in short runs; a shadow or a dark corner
	// lies along it.
	var run, longest int
	for _, v := range perimeter(lum) {
		if v < med-0.04 || v > med+0.04 {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest*100 <= 15*2*(lum.w+lum.h)
}

// perimeter returns the outermost pixels of lum, clockwise from the top
// left corner.
func perimeter(lum plane) []float32 {
	w, h := lum.w, lum.h
	var out []float32
	for x := range w {
		out = append(out, lum.p[x])
	}
	for y := 1; y < h; y++ {
		out = append(out, lum.p[y*w+w-1])
	}
	for x := w - 2; x >= 0 && h > 1; x-- {
		out = append(out, lum.p[(h-1)*w+x])
	}
	for y := h - 2; y >= 1 && w > 1; y-- {
		out = append(out, lum.p[y*w])
	}
	return out
}

// borderHistogram returns the histogram of a frame 2% wide around lum.
func borderHistogram(lum plane) *histogram {
	h := newHistogram(0, 1, 1024)
	frame(lum, max(1, min(lum.w, lum.h)/50), h.add)
	return h
}

// frame calls fn with every value of pl within t pixels of its edge, once
// each, visiting only those.
func frame(pl plane, t int, fn func(v float32)) {
	for y := range pl.h {
		row := pl.p[y*pl.w : (y+1)*pl.w]
		if y < t || y >= pl.h-t || 2*t >= pl.w {
			for _, v := range row {
				fn(v)
			}
			continue
		}
		for _, v := range row[:t] {
			fn(v)
		}
		for _, v := range row[pl.w-t:] {
			fn(v)
		}
	}
}

// localPolarity decides polarity against a coarse median background.
func localPolarity(lum plane) (dark, ok bool) {
	b := grid(lum.w, lum.h)
	bg := upsample(medianFilter(pool(lum, b), backgroundRadius), b, lum.w, lum.h)
	h := newHistogram(-1, 1, 2048)
	for i, v := range lum.p {
		h.add(v - bg.p[i])
	}
	med := h.quantile(0.5)
	ad := newHistogram(0, 1, 1024)
	for i, v := range lum.p {
		ad.add(float32(math.Abs(float64(v - bg.p[i] - med))))
	}
	delta := max(0.05, 3*1.4826*ad.quantile(0.5))
	var darkMass, lightMass float64
	for i, v := range lum.p {
		d := v - bg.p[i] - med
		if d < -delta {
			darkMass += float64((d + delta) * (d + delta))
		} else if d > delta {
			lightMass += float64((d - delta) * (d - delta))
		}
	}
	if darkMass == 0 && lightMass == 0 {
		return false, false
	}
	return darkMass >= lightMass, true
}

// windowFor returns the background filter radius, in grid cells, that
// spans 2.5 times the stroke width of ink > t, if that is more than the
// default.
func windowFor(ink plane, t float32) int {
	mask := make([]bool, len(ink.p))
	for i, v := range ink.p {
		mask[i] = v > t
	}
	side := 2.5 * strokeWidth(mask, ink.w, ink.h) / float64(grid(ink.w, ink.h))
	return max(backgroundRadius, int(math.Ceil((side-1)/2)))
}

// inkMap returns ink strength: 0 on the background, near 1 on full-contrast
// ink. The background is a morphological opening of the ink-positive image
// on the coarse grid, which removes anything narrower than the window (the
// strokes) and keeps lighting gradients, tinted paper and large shapes.
// Dividing by the background's own brightness undoes multiplicative
// lighting: a stroke in a shadowed corner counts as much as one in the light.
func inkMap(lum plane, dark bool, radius int) plane {
	v := inkPositive(lum, dark)
	b := grid(v.w, v.h)
	g := v // read only below
	if b > 1 {
		g = pool(v, b)
	}
	if radius >= max(g.w, g.h) {
		// A global window (an evenly lit image): the opening is the
		// darkest cell everywhere, so skip the filters and the upsampling,
		// which would only copy that one value.
		bg := minOf(g.p)
		d := max(0.15, 1-bg)
		for i := range v.p {
			v.p[i] = (v.p[i] - bg) / d
		}
		return v
	}
	g = rankFilter(rankFilter(g, radius, minf), radius, maxf)
	bg := upsample(g, b, v.w, v.h)
	for i := range v.p {
		v.p[i] = (v.p[i] - bg.p[i]) / max(0.15, 1-bg.p[i])
	}
	return v
}

// inkPositive returns lum with ink bright: inverted when the ink is dark.
func inkPositive(lum plane, dark bool) plane {
	v := newPlane(lum.w, lum.h)
	for i, l := range lum.p {
		if dark {
			v.p[i] = 1 - l
		} else {
			v.p[i] = l
		}
	}
	return v
}

// inkMapFine is inkMap with the opening done at full resolution with a
// (2r+1)^2 window.
func inkMapFine(lum plane, dark bool, r int) plane {
	v := inkPositive(lum, dark)
	bg := rankFilter(rankFilter(v, r, minf), r, maxf)
	for i := range v.p {
		v.p[i] = (v.p[i] - bg.p[i]) / max(0.15, 1-bg.p[i])
	}
	return v
}

// mainStrokeWidth estimates the stroke width of ink > t over the big
// components that are not ruled lines (specks and lines would pull it down).
func mainStrokeWidth(ink plane, t float32) float64 {
	labels, comps := components(ink, t)
	markLines(comps, ink.w, ink.h)
	biggest := 0
	for _, c := range comps {
		if !c.line {
			biggest = max(biggest, c.area)
		}
	}
	mask := make([]bool, len(labels))
	for i, l := range labels {
		mask[i] = l > 0 && !comps[l-1].line && comps[l-1].area*5 >= biggest && comps[l-1].area >= 20
	}
	return strokeWidth(mask, ink.w, ink.h)
}

// minContrast is the weakest ink accepted: a pencil line on paper is about
// 0.3; JPEG noise on a blank page stays below 0.1.
const minContrast = 0.15

// threshold returns the noise floor of ink and the binarisation threshold:
// Otsu's method over what is above the floor, so that faint ruled lines and
// paper texture fall below it and the strokes above. The floor is a robust
// estimate (median and MAD) from the image border, which is background even
// in a tight crop where ink covers half the pixels. ok is false when
// nothing rises above the floor.
func threshold(ink plane) (floor, t float32, ok bool) {
	border := newHistogram(-1, 1, 2048)
	bt := max(1, min(ink.w, ink.h)/50)
	frame(ink, bt, border.add)
	med := border.quantile(0.5)
	ad := newHistogram(0, 1, 1024)
	frame(ink, bt, func(v float32) { ad.add(float32(math.Abs(float64(v - med)))) })
	floor = med + max(0.05, 4.5*1.4826*ad.quantile(0.5))
	// The top of a histogram of all of ink (same bins as border's): the
	// bin of its largest value.
	top := border.value(border.bin(maxOf(ink.p)))
	if top < max(floor, minContrast) {
		return floor, 0, false
	}
	above := newHistogram(0, 1, 1024)
	for _, v := range ink.p {
		if v > floor {
			above.add(v)
		}
	}
	// The digit is the strongest mark on the page: whatever is much fainter
	// than its strokes (a toolbar, grey UI text, a ruled line that Otsu's
	// split put on the wrong side) is not ink. A 3x3 mean keeps single noisy
	// pixels from setting the scale.
	t = max(floor, above.otsu(floor), 0.35*strongest(ink))
	return floor, t, true
}

// strongest returns the largest 3x3 mean of ink.
func strongest(ink plane) float32 {
	var best float32
	w := ink.w
	for y := 1; y < ink.h-1; y++ {
		for x := 1; x < w-1; x++ {
			if ink.p[y*w+x] <= best {
				continue // the mean cannot beat best
			}
			var s float32
			for dy := -1; dy <= 1; dy++ {
				r := ink.p[(y+dy)*w+x-1 : (y+dy)*w+x+2]
				s += r[0] + r[1] + r[2]
			}
			best = max(best, s/9)
		}
	}
	if ink.w < 3 || ink.h < 3 {
		for _, v := range ink.p {
			best = max(best, v)
		}
	}
	return best
}
