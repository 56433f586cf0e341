package imgproc

import (
	"image"
	"math"
)

// render makes the 28x28 image of the kept components inside box (working
// pixels).
func (a *analysis) render(keep []bool, box image.Rectangle) (*image.Gray, error) {
	long := float64(max(box.Dx(), box.Dy()))
	want := strokeRatio * long

	// The shape at the working resolution, with room to grow.
	mask, mw, mh := a.mask(keep, box, 0)
	have := strokeWidth(mask, mw, mh)
	bools.put(mask)
	grow := 0.0
	if have < 0.7*want {
		grow = (want - have) / 2
	}
	pad := int(math.Ceil(grow)) + 2
	r := box.Inset(-pad)
	mask, _, _ = a.mask(keep, box, pad)
	defer bools.put(mask)
	g := a.grey(keep, r, mask)
	defer floats.put(g.p)
	g = normaliseStroke(g, mask, have, want)
	return fitCentre(g)
}

// mask returns which pixels of box grown by pad belong to kept components.
func (a *analysis) mask(keep []bool, box image.Rectangle, pad int) ([]bool, int, int) {
	r := box.Inset(-pad)
	w, h := r.Dx(), r.Dy()
	m := bools.get(w * h)
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
	// The part of r inside the plane: mask is false outside it.
	in := r.Intersect(image.Rect(0, 0, a.ink.w, a.ink.h))
	vals := floats.get(len(mask))[:0]
	defer floats.put(vals)
	for y := in.Min.Y; y < in.Max.Y; y++ {
		m := mask[(y-r.Min.Y)*w+in.Min.X-r.Min.X : (y-r.Min.Y)*w+in.Max.X-r.Min.X]
		ink := a.ink.p[y*a.ink.w+in.Min.X : y*a.ink.w+in.Max.X]
		for x, on := range m {
			if on {
				vals = append(vals, ink[x])
			}
		}
	}
	lo := a.floor
	hi := a.thresh + 0.05
	if len(vals) > 0 {
		hi = max(hi, kth(vals, len(vals)/2))
	}
	// near: the mask dilated by one pixel, as a row pass and a column pass.
	across := bools.get(len(mask))
	defer bools.put(across)
	for y := range h {
		row, out := mask[y*w:(y+1)*w], across[y*w:(y+1)*w]
		for x, m := range row {
			out[x] = m || (x > 0 && row[x-1]) || (x < w-1 && row[x+1])
		}
	}
	g := scratchPlane(w, h) // render gives it back
	for y := in.Min.Y; y < in.Max.Y; y++ {
		gy := y - r.Min.Y
		row := across[gy*w : (gy+1)*w]
		var up, down []bool
		if gy > 0 {
			up = across[(gy-1)*w : gy*w]
		}
		if gy < h-1 {
			down = across[(gy+1)*w : (gy+2)*w]
		}
		ink := a.ink.p[y*a.ink.w : (y+1)*a.ink.w]
		out := g.p[gy*w : (gy+1)*w]
		for x := in.Min.X - r.Min.X; x < in.Max.X-r.Min.X; x++ {
			if row[x] || (up != nil && up[x]) || (down != nil && down[x]) {
				v := ink[r.Min.X+x]
				out[x] = min(1, max(0, (v-lo)/(hi-lo)))
			}
		}
	}
	return g
}
