package imgproc

import (
	"image"
	"slices"
)

// joinOpenFours joins the two strokes of an open 4 written with a gap
// between them: an "L" whose bar points at a tall stem just to its right.
// Apart, they were read as a number ("61", "11"). The L's bar is what
// tells it from a digit beside a 1: the right edge of the left piece is a
// short run of rows low in it, level with the middle of the stem, and the
// stem is a narrow stroke that reaches below the L.
func (a *analysis) joinOpenFours(gs []group) []group {
	slices.SortFunc(gs, func(p, q group) int { return p.box.Min.X - q.box.Min.X })
	for i := 0; i+1 < len(gs); i++ {
		l, r := gs[i].box, gs[i+1].box
		h := r.Dy()
		if r.Dx()*10 > h*4 || h*10 < l.Dy()*9 || (r.Max.Y-l.Max.Y)*10 < h || (r.Min.X-l.Max.X)*100 > h*15 {
			continue
		}
		lo, hi := a.rightEdgeRows(gs[i])
		if hi < lo || (hi-lo)*10 > l.Dy()*3 || (lo+hi-2*l.Min.Y)*10 < l.Dy()*10 {
			continue // the right edge is not a bar low in the piece
		}
		if mid := (lo + hi) / 2; (mid-r.Min.Y)*100 < h*25 || (mid-r.Min.Y)*100 > h*85 {
			continue // the bar is not level with the stem's middle
		}
		gs[i].members = append(gs[i].members, gs[i+1].members...)
		gs[i].box = l.Union(r)
		gs[i].area += gs[i+1].area
		gs = slices.Delete(gs, i+1, i+2)
	}
	return gs
}

// rightEdgeRows returns the first and last rows holding the group's ink in
// the rightmost sixth of its box (hi < lo when there is none).
func (a *analysis) rightEdgeRows(g group) (lo, hi int) {
	in := make([]bool, len(a.comps)+1)
	for _, i := range g.members {
		in[i+1] = true
	}
	b := g.box
	edge := image.Rect(b.Max.X-max(1, b.Dx()/6), b.Min.Y, b.Max.X, b.Max.Y)
	lo, hi = b.Max.Y, b.Min.Y-1
	for y := edge.Min.Y; y < edge.Max.Y; y++ {
		for x := edge.Min.X; x < edge.Max.X; x++ {
			if in[a.labels[y*a.ink.w+x]] {
				lo, hi = min(lo, y), max(hi, y)
				break
			}
		}
	}
	return lo, hi
}
