package imgproc

import (
	"math"
)

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
	v := scratchPlane(lum.w, lum.h) // the analysis's ink: release gives it back
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
	defer int32s.put(labels)
	markLines(comps, ink.w, ink.h)
	return bigPiecesWidth(labels, comps, ink.w, ink.h)
}

// bigPiecesWidth is the stroke width of the components of a w x h
// labelling that are not lines and hold at least a fifth of the biggest
// one's area (and 20 pixels).
func bigPiecesWidth(labels []int32, comps []component, w, h int) float64 {
	biggest := 0
	for _, c := range comps {
		if !c.line {
			biggest = max(biggest, c.area)
		}
	}
	// Decided once per label, not per pixel: label 0 is background.
	big := make([]bool, len(comps)+1)
	for i, c := range comps {
		big[i+1] = !c.line && c.area*5 >= biggest && c.area >= 20
	}
	mask := bools.get(len(labels))
	defer bools.put(mask)
	for i, l := range labels {
		mask[i] = big[l]
	}
	return strokeWidth(mask, w, h)
}
