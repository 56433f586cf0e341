package imgproc

import (
	"fmt"
	"image"
	"math"
	"slices"
)

// components labels the 8-connected components of ink > t. The flood
// fill keeps coordinates on its stack, not indices: dividing an index back
// into x and y for each pixel cost more than the rest of the fill.
func components(ink plane, t float32) ([]int32, []component) {
	w, h := ink.w, ink.h
	labels := make([]int32, w*h)
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
// left unflagged: a tight crop of a thin 1 is all there is.
func markLines(comps []component, w, h int) {
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

// strokeWidth estimates the mean stroke width of a binary shape as
// 2*area/edges, where edges counts 4-neighbour ink/background pairs: a
// stroke of width w and length L has area wL and two sides of L, each
// costing on average 4/pi edges per unit length over all directions.
func strokeWidth(mask []bool, w, h int) float64 {
	var area, edges int
	for y := range h {
		for x := range w {
			if !mask[y*w+x] {
				continue
			}
			area++
			if x == 0 || !mask[y*w+x-1] {
				edges++
			}
			if x == w-1 || !mask[y*w+x+1] {
				edges++
			}
			if y == 0 || !mask[(y-1)*w+x] {
				edges++
			}
			if y == h-1 || !mask[(y+1)*w+x] {
				edges++
			}
		}
	}
	if edges == 0 {
		return 0
	}
	return 2 * float64(area) / float64(edges) * 4 / math.Pi
}

// render makes the 28x28 image of the kept components inside box (working
// pixels).
func (a *analysis) render(keep []bool, box image.Rectangle) (*image.Gray, error) {
	long := float64(max(box.Dx(), box.Dy()))
	want := strokeRatio * long

	// The shape at the working resolution, with room to grow.
	mask, mw, mh := a.mask(keep, box, 0)
	have := strokeWidth(mask, mw, mh)
	grow := 0.0
	if have < 0.7*want {
		grow = (want - have) / 2
	}
	pad := int(math.Ceil(grow)) + 2
	r := box.Inset(-pad)
	mask, mw, mh = a.mask(keep, box, pad)
	g := a.grey(keep, r, mask)
	g = normaliseStroke(g, mask, have, want)
	return fitCentre(g)
}

// mask returns which pixels of box grown by pad belong to kept components.
func (a *analysis) mask(keep []bool, box image.Rectangle, pad int) ([]bool, int, int) {
	r := box.Inset(-pad)
	w, h := r.Dx(), r.Dy()
	m := make([]bool, w*h)
	// Only inside box (and the plane): a glyph split off a wider component
	// must not take its neighbour's half.
	in := box.Intersect(image.Rect(0, 0, a.ink.w, a.ink.h))
	for y := in.Min.Y; y < in.Max.Y; y++ {
		labels := a.labels[y*a.ink.w : (y+1)*a.ink.w]
		row := m[(y-r.Min.Y)*w : (y-r.Min.Y+1)*w]
		for x := in.Min.X; x < in.Max.X; x++ {
			row[x-r.Min.X] = keep[labels[x]]
		}
	}
	return m, w, h
}

// grey returns the anti-aliased ink of the kept components over r:
// stretched so that the noise floor is 0 and the middle of the strokes is
// 1, and limited to one pixel around the kept components, so specks, lines
// and neighbouring digits stay out.
func (a *analysis) grey(keep []bool, r image.Rectangle, mask []bool) plane {
	w, h := r.Dx(), r.Dy()
	var vals []float32
	for i, m := range mask {
		if m {
			x, y := r.Min.X+i%w, r.Min.Y+i/w
			vals = append(vals, a.ink.p[y*a.ink.w+x])
		}
	}
	lo := a.floor
	hi := a.thresh + 0.05
	if len(vals) > 0 {
		hi = max(hi, kth(vals, len(vals)/2))
	}
	// near: the mask dilated by one pixel, as a row pass and a column pass.
	across := make([]bool, len(mask))
	for y := range h {
		row, out := mask[y*w:(y+1)*w], across[y*w:(y+1)*w]
		for x, m := range row {
			out[x] = m || (x > 0 && row[x-1]) || (x < w-1 && row[x+1])
		}
	}
	g := newPlane(w, h)
	for y := range h {
		for x := range w {
			i := y*w + x
			near := across[i] || (y > 0 && across[i-w]) || (y < h-1 && across[i+w])
			ix, iy := r.Min.X+x, r.Min.Y+y
			if !near || ix < 0 || iy < 0 || ix >= a.ink.w || iy >= a.ink.h {
				continue
			}
			v := a.ink.p[iy*a.ink.w+ix]
			g.p[y*w+x] = min(1, max(0, (v-lo)/(hi-lo)))
		}
	}
	return g
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

// fitCentre scales the ink of g into a Box x Box square, preserving the
// aspect ratio and averaging areas (anti-aliasing), and places it in a
// Size x Size image with its centre of mass at MNIST's.
func fitCentre(g plane) (*image.Gray, error) {
	x0, y0, x1, y1 := g.w, g.h, -1, -1
	for y := range g.h {
		for x := range g.w {
			if g.p[y*g.w+x] > 0.02 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return nil, fmt.Errorf("%w: nothing left after cleaning", ErrNoInk)
	}
	bw, bh := x1-x0+1, y1-y0+1
	sub := newPlane(bw, bh)
	for y := range bh {
		copy(sub.p[y*bw:(y+1)*bw], g.p[(y0+y)*g.w+x0:])
	}
	sc := float64(Box) / float64(max(bw, bh))
	ow := max(1, min(Box, int(math.Round(float64(bw)*sc))))
	oh := max(1, min(Box, int(math.Round(float64(bh)*sc))))
	s := resample(sub, ow, oh)
	var sum, sx, sy float64
	for y := range oh {
		for x := range ow {
			v := float64(s.p[y*ow+x])
			sum += v
			sx += v * float64(x)
			sy += v * float64(y)
		}
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: nothing left after scaling", ErrNoInk)
	}
	ox := min(max(int(math.Round(centreX-sx/sum)), 0), Size-ow)
	oy := min(max(int(math.Round(centreY-sy/sum)), 0), Size-oh)
	out := image.NewGray(image.Rect(0, 0, Size, Size))
	for y := range oh {
		for x := range ow {
			out.Pix[(oy+y)*Size+ox+x] = uint8(math.Round(float64(min(1, max(0, s.p[y*ow+x])) * 255)))
		}
	}
	return out, nil
}

// tap is one source sample and its weight.
type tap struct {
	i int
	w float32
}

// resampleTaps returns, for each of m outputs covering n inputs, the
// weights of the inputs: the exact overlap of the output pixel's footprint
// when shrinking (area averaging, as MNIST's anti-aliasing), linear
// interpolation when enlarging.
func resampleTaps(n, m int) [][]tap {
	s := float64(n) / float64(m)
	taps := make([][]tap, m)
	for i := range m {
		if s <= 1 {
			c := (float64(i)+0.5)*s - 0.5
			j := math.Floor(c)
			fr := float32(c - j)
			j0, j1 := min(max(int(j), 0), n-1), min(max(int(j)+1, 0), n-1)
			taps[i] = []tap{{j0, 1 - fr}, {j1, fr}}
			continue
		}
		a, b := float64(i)*s, float64(i+1)*s
		for j := int(a); j < n && float64(j) < b; j++ {
			if o := min(b, float64(j+1)) - max(a, float64(j)); o > 0 {
				taps[i] = append(taps[i], tap{j, float32(o / s)})
			}
		}
	}
	return taps
}

// resample scales src to w x h (separably: rows, then columns).
func resample(src plane, w, h int) plane {
	tx, ty := resampleTaps(src.w, w), resampleTaps(src.h, h)
	tmp := newPlane(w, src.h)
	for y := range src.h {
		row := src.p[y*src.w : (y+1)*src.w]
		for x, ts := range tx {
			var v float32
			for _, t := range ts {
				v += row[t.i] * t.w
			}
			tmp.p[y*w+x] = v
		}
	}
	out := newPlane(w, h)
	for y, ts := range ty {
		for x := range w {
			var v float32
			for _, t := range ts {
				v += tmp.p[t.i*w+x] * t.w
			}
			out.p[y*w+x] = v
		}
	}
	return out
}
