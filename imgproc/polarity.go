package imgproc

import (
	"math"
)

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
	defer all.release()
	all.addAll(lum.p)
	lo, hi := all.quantile(0.0001), all.quantile(0.9999) // a thin digit can be 0.03% of a screenshot
	if hi-lo < 0.05 {
		return false, false
	}
	border := borderHistogram(lum)
	defer border.release()
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
	defer b.release()
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
	defer h.release()
	for i, v := range lum.p {
		h.add(v - bg.p[i])
	}
	med := h.quantile(0.5)
	ad := newHistogram(0, 1, 1024)
	defer ad.release()
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
