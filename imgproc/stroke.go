package imgproc

import (
	"math"
)

// strokeWidth estimates the mean stroke width of a binary shape as
// 2*area/edges, where edges counts 4-neighbour ink/background pairs: a
// stroke of width w and length L has area wL and two sides of L, each
// costing on average 4/pi edges per unit length over all directions.
func strokeWidth(mask []bool, w, h int) float64 {
	return widthOf(shapeEdges(mask, w, h, w, true))
}

// widthOf is strokeWidth's estimate from a shape's area and edges.
func widthOf(area, edges int) float64 {
	if edges == 0 {
		return 0
	}
	return 2 * float64(area) / float64(edges) * 4 / math.Pi
}

// shapeEdges returns the area and the 4-neighbour ink/background pairs of
// the shape of the values equal to in of a w x h window of p, whose rows
// are stride apart: a mask (in true), or one component of a label plane
// (in its label), read where it is without copying it into a mask.
func shapeEdges[T comparable](p []T, w, h, stride int, in T) (area, edges int) {
	// Every ink/background pair is a change of value along a row or a
	// column, with the outside counted as background: counting changes
	// row by row and between rows needs no neighbour tests per pixel.
	for y := range h {
		row := p[y*stride : y*stride+w]
		var above []T // nil for the first row: background above it
		if y > 0 {
			above = p[(y-1)*stride : (y-1)*stride+w]
		}
		prev := false
		for x, v := range row {
			m := v == in
			if m {
				area++
			}
			if m != prev {
				edges++
			}
			if m != (above != nil && above[x] == in) {
				edges++
			}
			prev = m
		}
		if prev {
			edges++
		}
	}
	if h > 0 { // the last row against the background below
		for _, v := range p[(h-1)*stride : (h-1)*stride+w] {
			if v == in {
				edges++
			}
		}
	}
	return area, edges
}

// normaliseStroke makes strokes of width have about as wide as MNIST's
// (want, in the same pixels): thin pen lines on a big canvas are grown by
// the missing width with an anti-aliased edge, and very heavy marker strokes
// thinned, using the distance to the shape (or to the background).
func normaliseStroke(g plane, mask []bool, have, want float64) plane {
	switch {
	case have < 0.7*want:
		r := float32(want-have) / 2
		d := edt(mask, g.w, g.h)
		for i, di := range d {
			g.p[i] = max(g.p[i], min(1, max(0, r+0.5-di)))
		}
	case have > 2.2*want:
		r := float32(have-1.6*want) / 2
		bg := make([]bool, len(mask))
		for i, m := range mask {
			bg[i] = !m
		}
		d := edt(bg, g.w, g.h)
		for i, di := range d {
			if !mask[i] {
				g.p[i] = 0
			} else {
				g.p[i] *= min(1, max(0, di-r))
			}
		}
	}
	return g
}
