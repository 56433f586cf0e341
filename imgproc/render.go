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
	across := bools.get(len(mask))
	defer bools.put(across)
	for y := range h {
		row, out := mask[y*w:(y+1)*w], across[y*w:(y+1)*w]
		for x, m := range row {
			out[x] = m || (x > 0 && row[x-1]) || (x < w-1 && row[x+1])
		}
	}
	g := scratchPlane(w, h) // render gives it back
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
