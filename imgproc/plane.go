// The plane type every step works on, and the filters the steps share:
// pooling, upsampling, rank and median filters, order statistics.

package imgproc

import (
	"math"
	"slices"
)

// plane is a float32 image in row-major order; values are in [0,1] unless
// said otherwise.
type plane struct {
	w, h int
	p    []float32
}

func newPlane(w, h int) plane { return plane{w: w, h: h, p: make([]float32, w*h)} }

// scratchPlane is newPlane from scratch memory, for a plane whose owner
// gives it back (floats.put) once nothing reads it.
func scratchPlane(w, h int) plane { return plane{w: w, h: h, p: floats.get(w * h)} }

// pool averages b x b cells (partial cells at the edges average what they
// have).
func pool(pl plane, b int) plane {
	gw, gh := (pl.w+b-1)/b, (pl.h+b-1)/b
	out := newPlane(gw, gh)
	if b == 1 {
		copy(out.p, pl.p)
		return out
	}
	// Cell by cell along each row, adding in the same order as a pixel
	// loop would, without a division per pixel. Halving (the coarse
	// analysis) gets its own loop.
	for y := range pl.h {
		row := pl.p[y*pl.w : (y+1)*pl.w]
		cells := out.p[(y/b)*gw : (y/b+1)*gw]
		cx := 0
		if b == 2 {
			for ; cx < pl.w/2; cx++ {
				cells[cx] = cells[cx] + row[2*cx] + row[2*cx+1]
			}
		}
		for ; cx < gw; cx++ {
			s := cells[cx]
			for _, v := range row[cx*b : min(cx*b+b, pl.w)] {
				s += v
			}
			cells[cx] = s
		}
	}
	for cy := range gh {
		ch := min(b, pl.h-cy*b)
		for cx := range gw {
			out.p[cy*gw+cx] /= float32(ch * min(b, pl.w-cx*b))
		}
	}
	return out
}

// upsample interpolates a pooled plane (cell size b) back to w x h
// bilinearly between cell centres.
func upsample(g plane, b, w, h int) plane {
	out := newPlane(w, h)
	xs := make([]int, w)
	xf := make([]float32, w)
	for x := range w {
		c := (float32(x)+0.5)/float32(b) - 0.5
		i := int(math.Floor(float64(c)))
		xf[x] = c - float32(i)
		xs[x] = i
	}
	clampX := func(i int) int { return min(max(i, 0), g.w-1) }
	for y := range h {
		c := (float32(y)+0.5)/float32(b) - 0.5
		j := int(math.Floor(float64(c)))
		fy := c - float32(j)
		r0 := g.p[min(max(j, 0), g.h-1)*g.w:]
		r1 := g.p[min(max(j+1, 0), g.h-1)*g.w:]
		row := out.p[y*w : (y+1)*w]
		for x := range row {
			i0, i1 := clampX(xs[x]), clampX(xs[x]+1)
			fx := xf[x]
			top := r0[i0] + (r0[i1]-r0[i0])*fx
			bot := r1[i0] + (r1[i1]-r1[i0])*fx
			row[x] = top + (bot-top)*fy
		}
	}
	return out
}

// rankFilter replaces each value by the minimum (take=min) or maximum
// (take=max) over the (2r+1)^2 square around it, clipped at the edges.
// Square windows are separable, and each 1-D pass uses the van Herk /
// Gil-Werman algorithm: three take calls per value whatever r is, where
// the direct loop cost 2r+1 (the filter dominated preprocessing).
func rankFilter(pl plane, r int, take func(a, b float32) float32) plane {
	if r <= 0 {
		out := newPlane(pl.w, pl.h)
		copy(out.p, pl.p)
		return out
	}
	// take is min or max; the loops below use the builtins (see filter).
	isMax := take(0, 1) == 1
	buf := newLine(pl.w, r)
	tmp := newPlane(pl.w, pl.h)
	for y := range pl.h {
		buf.filter(tmp.p[y*pl.w:(y+1)*pl.w], pl.p[y*pl.w:(y+1)*pl.w], r, isMax)
	}
	// The vertical pass runs the same algorithm on whole rows at a time,
	// so every loop walks memory in order.
	w, m := 2*r+1, pl.h+2*r
	row := func(p []float32, y int) []float32 { return p[y*pl.w : (y+1)*pl.w] }
	src := func(y int) []float32 { return row(tmp.p, min(max(y-r, 0), pl.h-1)) }
	g, h := make([]float32, m*pl.w), make([]float32, m*pl.w)
	reduce := func(dst, a, b []float32) {
		b = b[:len(a)]
		dst = dst[:len(a)]
		if isMax {
			for i, v := range a {
				dst[i] = max(v, b[i])
			}
		} else {
			for i, v := range a {
				dst[i] = min(v, b[i])
			}
		}
	}
	for b := 0; b < m; b += w {
		e := min(b+w, m)
		copy(row(g, b), src(b))
		for y := b + 1; y < e; y++ {
			reduce(row(g, y), row(g, y-1), src(y))
		}
		copy(row(h, e-1), src(e-1))
		for y := e - 2; y >= b; y-- {
			reduce(row(h, y), row(h, y+1), src(y))
		}
	}
	out := newPlane(pl.w, pl.h)
	for y := range pl.h {
		reduce(row(out.p, y), row(h, y), row(g, y+w-1))
	}
	return out
}

// line holds the scratch of one van Herk / Gil-Werman pass.
type line struct{ pad, g, h []float32 }

func newLine(n, r int) *line {
	m := n + 2*r
	return &line{make([]float32, m), make([]float32, m), make([]float32, m)}
}

// filter writes to dst the min (or, if isMax, the max) of src over
// windows of 2r+1 values centred on each position, clipped at the ends.
// Clipping equals padding with copies of the end values, since min and max
// ignore repeats. The two cases are spelt out so that each loop uses the
// builtin directly: a call through a func value per comparison cost more
// than the rest of the filter.
func (l *line) filter(dst, src []float32, r int, isMax bool) {
	n, w := len(src), 2*r+1
	m := n + 2*r
	pad, g, h := l.pad[:m], l.g[:m], l.h[:m]
	for i := range pad {
		pad[i] = src[min(max(i-r, 0), n-1)]
	}
	dst = dst[:n]
	// g: running reduction from each block's start; h: from each block's end.
	for b := 0; b < m; b += w {
		e := min(b+w, m)
		g[b], h[e-1] = pad[b], pad[e-1]
		if isMax {
			for i := b + 1; i < e; i++ {
				g[i] = max(g[i-1], pad[i])
			}
			for i := e - 2; i >= b; i-- {
				h[i] = max(h[i+1], pad[i])
			}
		} else {
			for i := b + 1; i < e; i++ {
				g[i] = min(g[i-1], pad[i])
			}
			for i := e - 2; i >= b; i-- {
				h[i] = min(h[i+1], pad[i])
			}
		}
	}
	g = g[w-1 : w-1+n]
	h = h[:n]
	if isMax {
		for x := range dst {
			dst[x] = max(h[x], g[x])
		}
	} else {
		for x := range dst {
			dst[x] = min(h[x], g[x])
		}
	}
}

func minf(a, b float32) float32 { return min(a, b) }
func maxf(a, b float32) float32 { return max(a, b) }

// medianFilter replaces each value by the median over the (2r+1)^2 square
// around it, clipped at the edges. Used on coarse grids only.
func medianFilter(pl plane, r int) plane {
	out := newPlane(pl.w, pl.h)
	buf := make([]float32, 0, (2*r+1)*(2*r+1))
	for y := range pl.h {
		for x := range pl.w {
			buf = buf[:0]
			for j := max(0, y-r); j <= min(pl.h-1, y+r); j++ {
				buf = append(buf, pl.p[j*pl.w+max(0, x-r):j*pl.w+min(pl.w-1, x+r)+1]...)
			}
			slices.Sort(buf)
			out.p[y*pl.w+x] = buf[len(buf)/2]
		}
	}
	return out
}

// boxBlur3 returns the mean of each value's 3x3 square, clipped at the
// edges (a corner averages four values).
func boxBlur3(pl plane) plane {
	w, h := pl.w, pl.h
	rows := newPlane(w, h)
	for y := range h {
		src, dst := pl.p[y*w:(y+1)*w], rows.p[y*w:(y+1)*w]
		for x := range w {
			lo, hi := max(x-1, 0), min(x+1, w-1)
			var s float32
			for _, v := range src[lo : hi+1] {
				s += v
			}
			dst[x] = s / float32(hi-lo+1)
		}
	}
	out := newPlane(w, h)
	for y := range h {
		lo, hi := max(y-1, 0), min(y+1, h-1)
		dst := out.p[y*w : (y+1)*w]
		for yy := lo; yy <= hi; yy++ {
			for x, v := range rows.p[yy*w : (yy+1)*w] {
				dst[x] += v
			}
		}
		n := float32(hi - lo + 1)
		for x := range dst {
			dst[x] /= n
		}
	}
	return out
}

// minOf and maxOf return the least and greatest of a non-empty p. Planes
// hold no NaN, so plain comparisons do, several times faster than
// slices.Min and slices.Max, which must propagate NaN.
func minOf(p []float32) float32 {
	m := p[0]
	for _, v := range p {
		if v < m {
			m = v
		}
	}
	return m
}

func maxOf(p []float32) float32 {
	m := p[0]
	for _, v := range p {
		if v > m {
			m = v
		}
	}
	return m
}

// kth returns the k-th smallest value of p (0-based), which is
// slices.Sorted(p)[k], reordering p: Hoare's selection, linear on average
// where sorting is n log n.
func kth(p []float32, k int) float32 {
	lo, hi := 0, len(p)-1
	for lo < hi {
		// Median of three as pivot keeps sorted input linear.
		mid := lo + (hi-lo)/2
		if p[mid] < p[lo] {
			p[mid], p[lo] = p[lo], p[mid]
		}
		if p[hi] < p[lo] {
			p[hi], p[lo] = p[lo], p[hi]
		}
		if p[hi] < p[mid] {
			p[hi], p[mid] = p[mid], p[hi]
		}
		pivot := p[mid]
		i, j := lo, hi
		for i <= j {
			for p[i] < pivot {
				i++
			}
			for p[j] > pivot {
				j--
			}
			if i <= j {
				p[i], p[j] = p[j], p[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return p[k]
		}
	}
	return p[k]
}
