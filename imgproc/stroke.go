package imgproc

import (
	"math"
)

// strokeWidth estimates the mean stroke width of a binary shape as
// 2*area/edges, where edges counts 4-neighbour ink/background pairs: a
// stroke of width w and length L has area wL and two sides of L, each
// costing on average 4/pi edges per unit length over all directions.
func strokeWidth(mask []bool, w, h int) float64 {
	// Every ink/background pair is a change of value along a row or a
	// column, with the outside counted as background: counting changes
	// row by row and between rows needs no neighbour tests per pixel.
	var area, edges int
	above := make([]bool, w) // the row above; all background before the first
	for y := range h {
		row := mask[y*w : y*w+w]
		prev := false
		for x, m := range row {
			if m {
				area++
			}
			if m != prev {
				edges++
			}
			if m != above[x] {
				edges++
			}
			prev = m
		}
		if prev {
			edges++
		}
		above = row
	}
	for _, m := range above { // the last row against the background below
		if m {
			edges++
		}
	}
	if edges == 0 {
		return 0
	}
	return 2 * float64(area) / float64(edges) * 4 / math.Pi
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
