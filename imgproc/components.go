package imgproc

import (
	"image"
	"slices"
)

// components labels the 8-connected components of ink > t. The flood
// fill keeps coordinates on its stack, not indices: dividing an index back
// into x and y for each pixel cost more than the rest of the fill.
func components(ink plane, t float32) ([]int32, []component) {
	w, h := ink.w, ink.h
	labels := int32s.get(w * h) // the analysis's labels: release gives them back
	var comps []component
	type point struct{ x, y int }
	var stack []point
	for start, v := range ink.p {
		if v <= t || labels[start] != 0 {
			continue
		}
		id := int32(len(comps) + 1)
		var c component
		x0, y0, x1, y1 := start%w, start/w, start%w, start/w
		labels[start] = id
		stack = append(stack[:0], point{x0, y0})
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p.x, p.y
			c.area++
			c.mass += float64(ink.p[y*w+x])
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			if x > 0 && y > 0 && x < w-1 && y < h-1 {
				// Inside the frame, the eight neighbours in the same
				// order as the loop below, without its bounds.
				for _, d := range [8][2]int{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}} {
					if j := (y+d[1])*w + x + d[0]; labels[j] == 0 && ink.p[j] > t {
						labels[j] = id
						stack = append(stack, point{x + d[0], y + d[1]})
					}
				}
				continue
			}
			for ny := max(y-1, 0); ny <= min(y+1, h-1); ny++ {
				row, lab := ink.p[ny*w:(ny+1)*w], labels[ny*w:(ny+1)*w]
				for nx := max(x-1, 0); nx <= min(x+1, w-1); nx++ {
					if lab[nx] == 0 && row[nx] > t {
						lab[nx] = id
						stack = append(stack, point{nx, ny})
					}
				}
			}
		}
		c.box = image.Rect(x0, y0, x1+1, y1+1)
		comps = append(comps, c)
	}
	return labels, comps
}

// markLines flags components that run across most of the page and are thin:
// ruled lines, a notebook's margin line, the edge of a sheet, a table
// border. A line the threshold broke into pieces counts when its pieces,
// lined up, span the page. A digit's own bar (the top of a 5 or 7) is never
// that long relative to its thickness. If little else was found, lines are
// left unflagged: a tight crop of a thin 1 is all there is. Flags from an
// earlier call are cleared first, so it can run again once components grow.
func markLines(comps []component, w, h int) {
	for i := range comps {
		comps[i].line = false
	}
	mark := func(long func(image.Rectangle) int, thick func(image.Rectangle) int, lo, hi func(image.Rectangle) int, span int) {
		var thin []int
		for i, c := range comps {
			if thick(c.box)*8 <= long(c.box) {
				thin = append(thin, i)
			}
		}
		for _, i := range thin {
			total := 0
			for _, j := range thin { // pieces on the same line
				if min(hi(comps[i].box), hi(comps[j].box)) > max(lo(comps[i].box), lo(comps[j].box)) {
					total += long(comps[j].box)
				}
			}
			if total*100 >= 85*span && thick(comps[i].box)*12 <= total {
				comps[i].line = true
			}
		}
	}
	dx := func(r image.Rectangle) int { return r.Dx() }
	dy := func(r image.Rectangle) int { return r.Dy() }
	mark(dx, dy, func(r image.Rectangle) int { return r.Min.Y }, func(r image.Rectangle) int { return r.Max.Y }, w)
	mark(dy, dx, func(r image.Rectangle) int { return r.Min.X }, func(r image.Rectangle) int { return r.Max.X }, h)
	keepOwnStrokes(comps)
	var lines, other int
	for _, c := range comps {
		if c.line {
			lines = max(lines, c.area)
		} else {
			other += c.area
		}
	}
	if other*10 < lines {
		for i := range comps {
			comps[i].line = false
		}
	}
}

// rectDistance is the gap between two rectangles (0 when they touch or
// overlap), in the chessboard metric.
func rectDistance(a, b image.Rectangle) int {
	dx := max(0, b.Min.X-a.Max.X, a.Min.X-b.Max.X)
	dy := max(0, b.Min.Y-a.Max.Y, a.Min.Y-b.Max.Y)
	return max(dx, dy)
}

// maxCandidates bounds the pieces considered for one digit or one number.
const maxCandidates = 200

// minMass is the least ink (in full-contrast working pixels) taken for a
// digit; anything less is a speck.
const minMass = 4

// mainGroup picks the biggest component and what lies close to it: broken
// pieces of the same digit are near, specks and stray marks are small and
// far. It returns keep indexed by label and the group's box, or nil.
func (a *analysis) mainGroup() ([]bool, image.Rectangle) {
	// Score by ink times contrast, so that a large faint shape loses to a
	// smaller firm one.
	score := func(c component) float64 { return c.mass * c.mass / float64(c.area) }
	best := -1
	for i, c := range a.comps {
		if !c.line && (best < 0 || score(c) > score(a.comps[best])) {
			best = i
		}
	}
	if best < 0 || a.comps[best].mass < minMass {
		return nil, image.Rectangle{}
	}
	keep := make([]bool, len(a.comps)+1)
	keep[best+1] = true
	box, mainArea := a.comps[best].box, a.comps[best].area
	// Only pieces big enough to be kept at any distance are candidates, and
	// at most maxCandidates of them, so that a noisy image's thousands of
	// specks cost linear time.
	var cand []int
	for i, c := range a.comps {
		if i != best && !c.line && c.area*500 >= mainArea {
			cand = append(cand, i)
		}
	}
	if len(cand) > maxCandidates {
		slices.SortFunc(cand, func(i, j int) int { return a.comps[j].area - a.comps[i].area })
		cand = cand[:maxCandidates]
	}
	for changed := true; changed; {
		changed = false
		for _, i := range cand {
			c := a.comps[i]
			if keep[i+1] {
				continue
			}
			d, size := rectDistance(box, c.box), max(box.Dx(), box.Dy())
			if (d*100 <= 15*size && c.area*500 >= mainArea) || (d*10 <= 4*size && c.area*20 >= mainArea) {
				keep[i+1] = true
				box = box.Union(c.box)
				changed = true
			}
		}
	}
	return keep, box
}
