package imgproc

import (
	"image"
	"image/color"
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

// workingSide is the longest side the heavy steps work at. Larger inputs are
// box-averaged down by an integer factor while being read: a 4000x3000 photo
// becomes 1000x750, where a pen stroke is still 2-3 pixels wide, and a
// 1280x800 screenshot keeps its full resolution for small digits.
const workingSide = 1280

// lumaPlane reads img into a luma plane (Rec. 601, as JPEG's Y), averaging
// f x f source pixels per working pixel, f = ceil(longest side/maxSide).
// Transparent pixels are composited over white, unless most of the image is
// transparent and what is drawn is light (white strokes on a transparent
// canvas): then over black, so that strokes keep their contrast.
func lumaPlane(img image.Image, maxSide int) (pl plane, f int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	f = max(1, (max(w, h)+maxSide-1)/maxSide)
	ww, wh := (w+f-1)/f, (h+f-1)/f
	lum := newPlane(ww, wh) // premultiplied luma sums
	read := rowReader(img)
	if f == 1 {
		return lumaPlane1(lum, read)
	}
	var clear plane // (1 - alpha) sums, made at the first row that is not opaque
	rowL := make([]float32, w)
	rowA := make([]float32, w)
	opaque := true
	pairs := rgbaPairs(img, f)
	for y := 0; y < h; y++ {
		out := lum.p[(y/f)*ww : (y/f+1)*ww]
		if pairs != nil && y%2 == 0 && y+1 < h && pairs(y, out) {
			y++
			continue
		}
		rowOpaque := read(y, rowL, rowA)
		bx := 0
		if f == 2 { // the coarse analysis: pairs, as the loop below adds them
			for ; bx < w/2; bx++ {
				out[bx] += rowL[2*bx] + rowL[2*bx+1]
			}
		}
		for ; bx < ww; bx++ {
			var s float32
			for _, v := range rowL[bx*f : min(bx*f+f, w)] {
				s += v
			}
			out[bx] += s
		}
		if rowOpaque {
			continue
		}
		if opaque {
			opaque = false
			clear = newPlane(ww, wh)
		}
		out = clear.p[(y/f)*ww : (y/f+1)*ww]
		bx = 0
		if f == 2 {
			for ; bx < w/2; bx++ {
				out[bx] += (1 - rowA[2*bx]) + (1 - rowA[2*bx+1])
			}
		}
		for ; bx < ww; bx++ {
			var s float32
			for _, a := range rowA[bx*f : min(bx*f+f, w)] {
				s += 1 - a
			}
			out[bx] += s
		}
	}
	for y := range wh {
		ch := min(f, h-y*f)
		row := lum.p[y*ww : (y+1)*ww]
		whole := w / f // cells of f columns; a last one may have fewer
		divide(row[:whole], ch*f)
		if whole < ww {
			row[whole] /= float32(ch * (w - whole*f))
		}
	}
	if opaque {
		return lum, f
	}
	var transparent int
	var sumL, sumA float64
	for y := range wh {
		ch := min(f, h-y*f)
		for x := range ww {
			n := float32(ch * min(f, w-x*f))
			i := y*ww + x
			clear.p[i] = 1 - clear.p[i]/n // now alpha
			if clear.p[i] < 0.5 {
				transparent++
			}
			sumL += float64(lum.p[i])
			sumA += float64(clear.p[i])
		}
	}
	alpha := clear
	var bg float32 = 1
	if transparent*2 > ww*wh && sumA > 0 && sumL/sumA > 0.5 {
		bg = 0
	}
	for i, a := range alpha.p {
		lum.p[i] += (1 - a) * bg
	}
	return lum, f
}

// divide divides p by n. By a power of two (the cells of the half-resolution
// analysis have 4 pixels), it multiplies by the reciprocal instead, which
// is exact there and several times faster than a division per value.
func divide(p []float32, n int) {
	if n&(n-1) == 0 {
		r := 1 / float32(n)
		for i := range p {
			p[i] *= r
		}
		return
	}
	d := float32(n)
	for i := range p {
		p[i] /= d
	}
}

// lumaPlane1 is lumaPlane at full resolution: rows are read straight
// into the planes, with the same arithmetic as the averaging path.
func lumaPlane1(lum plane, read func(y int, lum, alpha []float32) bool) (plane, int) {
	var clear plane // alpha, made at the first row that is not opaque
	w := lum.w
	var opaqueRows []int
	rowA := make([]float32, w)
	for y := range lum.h {
		if read(y, lum.p[y*w:(y+1)*w], rowA) {
			opaqueRows = append(opaqueRows, y)
			continue
		}
		if clear.p == nil {
			clear = newPlane(lum.w, lum.h)
		}
		for x, a := range rowA {
			clear.p[y*w+x] = 1 - (1 - a) // as 1 - sum(1-a)/1 in lumaPlane
		}
	}
	if clear.p == nil { // opaque
		return lum, 1
	}
	for _, y := range opaqueRows {
		for x := range w {
			clear.p[y*w+x] = 1 // as 1 - 0/1 in lumaPlane
		}
	}
	var transparent int
	var sumL, sumA float64
	for i, a := range clear.p {
		if a < 0.5 {
			transparent++
		}
		sumL += float64(lum.p[i])
		sumA += float64(a)
	}
	var bg float32 = 1
	if transparent*2 > lum.w*lum.h && sumA > 0 && sumL/sumA > 0.5 {
		bg = 0
	}
	for i, a := range clear.p {
		lum.p[i] += (1 - a) * bg
	}
	return lum, 1
}

// rowReader returns a function that fills one source row y (0-based) with
// premultiplied luma and alpha in [0,1] and reports whether the row is fully
// opaque. Common decoder outputs get direct access to their pixels, so a
// 12 MP photo is read in tens of milliseconds, not seconds through At.
func rowReader(img image.Image) func(y int, lum, alpha []float32) bool {
	b := img.Bounds()
	const k = 1.0 / 255
	const r601, g601, b601 = 0.299 * k, 0.587 * k, 0.114 * k
	ones := func(a []float32) {
		for i := range a {
			a[i] = 1
		}
	}
	switch m := img.(type) {
	case *image.YCbCr:
		return func(y int, lum, alpha []float32) bool {
			row := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):]
			for x := range lum {
				lum[x] = float32(row[x]) * k
			}
			ones(alpha)
			return true
		}
	case *image.Gray:
		return func(y int, lum, alpha []float32) bool {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range lum {
				lum[x] = float32(row[x]) * k
			}
			ones(alpha)
			return true
		}
	case *image.RGBA:
		t := &rgbTables
		return func(y int, lum, alpha []float32) bool {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := m.Pix[off : off+4*len(lum)]
			alpha = alpha[:len(lum)]
			all := uint8(255) // AND of the alphas: 255 when all are
			for x := range lum {
				p := row[4*x : 4*x+4 : 4*x+4]
				lum[x] = t.r[p[0]] + t.g[p[1]] + t.b[p[2]]
				alpha[x] = t.k[p[3]]
				all &= p[3]
			}
			return all == 255
		}
	case *image.NRGBA:
		t := &rgbTables
		return func(y int, lum, alpha []float32) bool {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := m.Pix[off : off+4*len(lum)]
			alpha = alpha[:len(lum)]
			all := uint8(255)
			for x := range lum {
				p := row[4*x : 4*x+4 : 4*x+4]
				a := t.k[p[3]]
				lum[x] = (t.r[p[0]] + t.g[p[1]] + t.b[p[2]]) * a
				alpha[x] = a
				all &= p[3]
			}
			return all == 255
		}
	case *image.NYCbCrA:
		return func(y int, lum, alpha []float32) bool {
			row := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):]
			arow := m.A[m.AOffset(b.Min.X, b.Min.Y+y):]
			op := true
			for x := range lum {
				a := float32(arow[x]) * k
				lum[x] = float32(row[x]) * k * a
				alpha[x] = a
				op = op && arow[x] == 255
			}
			return op
		}
	case *image.Gray16:
		return func(y int, lum, alpha []float32) bool {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range lum {
				lum[x] = float32(uint16(row[2*x])<<8|uint16(row[2*x+1])) / 0xffff
			}
			ones(alpha)
			return true
		}
	case *image.NRGBA64:
		return func(y int, lum, alpha []float32) bool {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			op := true
			for x := range lum {
				p := row[8*x : 8*x+8]
				c := func(i int) float32 { return float32(uint16(p[i])<<8|uint16(p[i+1])) / 0xffff }
				a := c(6)
				lum[x] = (0.299*c(0) + 0.587*c(2) + 0.114*c(4)) * a
				alpha[x] = a
				op = op && a == 1
			}
			return op
		}
	case *image.CMYK:
		return func(y int, lum, alpha []float32) bool {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range lum {
				p := row[4*x : 4*x+4]
				w := float32(255-p[3]) * k
				lum[x] = w * (r601*float32(255-p[0]) + g601*float32(255-p[1]) + b601*float32(255-p[2]))
			}
			ones(alpha)
			return true
		}
	case *image.Paletted:
		pl := make([]float32, 256)
		pa := make([]float32, 256)
		for i := range pa {
			pa[i] = 1 // indices beyond the palette read as opaque black
		}
		for i, c := range m.Palette {
			if i >= 256 {
				break
			}
			pl[i], pa[i] = lumaAlpha(c)
		}
		return func(y int, lum, alpha []float32) bool {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			op := true
			for x := range lum {
				lum[x], alpha[x] = pl[row[x]], pa[row[x]]
				op = op && alpha[x] == 1
			}
			return op
		}
	}
	return func(y int, lum, alpha []float32) bool {
		op := true
		for x := range lum {
			lum[x], alpha[x] = lumaAlpha(img.At(b.Min.X+x, b.Min.Y+y))
			op = op && alpha[x] == 1
		}
		return op
	}
}

// rgbaPairs returns, for an *image.RGBA read at f = 2 (the coarse analysis
// of most uploads), a function that sums an opaque pair of source rows y
// and y+1 into the working row out, with the same float32 operations, in
// the same order, as reading the two rows one by one; it reports false,
// leaving out as it was, when a pixel of the pair is not opaque. Fusing
// the steps saves the intermediate rows: a third of lumaPlane's time.
// Other images and factors get nil.
func rgbaPairs(img image.Image, f int) func(y int, out []float32) bool {
	m, ok := img.(*image.RGBA)
	if !ok || f != 2 || !fuseRGBAPairs {
		return nil
	}
	b := m.Bounds()
	w := b.Dx()
	t := &rgbTables
	return func(y int, out []float32) bool {
		o0 := m.PixOffset(b.Min.X, b.Min.Y+y)
		o1 := o0 + m.Stride
		r0, r1 := m.Pix[o0:o0+4*w], m.Pix[o1:o1+4*w]
		all := uint8(255)
		for x := 3; x < 4*w; x += 4 {
			all &= r0[x] & r1[x]
		}
		if all != 255 {
			return false
		}
		out = out[:(w+1)/2]
		for bx := range w / 2 {
			p := r0[8*bx : 8*bx+8 : 8*bx+8]
			q := r1[8*bx : 8*bx+8 : 8*bx+8]
			// As lumaPlane: each row's pair is summed, then added to the
			// sum so far (0 for the first row, and 0 + s is s).
			// (Written out: the compiler does not inline a helper
			// inside this closure.)
			out[bx] = ((t.r[p[0]] + t.g[p[1]] + t.b[p[2]]) + (t.r[p[4]] + t.g[p[5]] + t.b[p[6]])) +
				((t.r[q[0]] + t.g[q[1]] + t.b[q[2]]) + (t.r[q[4]] + t.g[q[5]] + t.b[q[6]]))
		}
		if w%2 == 1 { // a last column of one pixel
			p, q := r0[4*w-4:], r1[4*w-4:]
			out[w/2] = (t.r[p[0]] + t.g[p[1]] + t.b[p[2]]) + (t.r[q[0]] + t.g[q[1]] + t.b[q[2]])
		}
		return true
	}
}

// fuseRGBAPairs is false only in the test that holds the fused rows to the
// unfused ones, bit for bit.
var fuseRGBAPairs = true

// rgbTables holds the terms of Rec. 601 luma and alpha for each 8-bit
// value, the same products the readers would compute, so that a pixel
// costs three loads and two adds instead of four int-to-float conversions
// and multiplies.
var rgbTables = func() (t struct{ r, g, b, k [256]float32 }) {
	const k = 1.0 / 255
	const r601, g601, b601 = 0.299 * k, 0.587 * k, 0.114 * k
	for i := range 256 {
		v := float32(i)
		t.r[i], t.g[i], t.b[i], t.k[i] = r601*v, g601*v, b601*v, v*k
	}
	return t
}()

// lumaAlpha returns the premultiplied Rec. 601 luma and the alpha of c.
func lumaAlpha(c color.Color) (float32, float32) {
	r, g, b, a := c.RGBA()
	const k = 1.0 / 0xffff
	return (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) * k, float32(a) * k
}

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

// histogram is a fixed-range histogram for quantiles and Otsu's method.
type histogram struct {
	lo, hi float32
	scale  float32 // bins per unit
	n      []float64
	total  float64
}

func newHistogram(lo, hi float32, bins int) *histogram {
	return &histogram{lo: lo, hi: hi, scale: float32(bins) / (hi - lo), n: make([]float64, bins)}
}

// bin multiplies by the precomputed scale instead of dividing by hi-lo:
// the same bins when hi-lo is a power of two (every caller uses 1 or 2),
// since dividing by it is then exact.
func (h *histogram) bin(v float32) int {
	i := int((v - h.lo) * h.scale)
	return min(max(i, 0), len(h.n)-1)
}

func (h *histogram) value(i int) float32 {
	return h.lo + (float32(i)+0.5)*(h.hi-h.lo)/float32(len(h.n))
}

func (h *histogram) add(v float32) { h.n[h.bin(v)]++; h.total++ }

// addAll adds every value of p. Adding one by one, a run of values in one
// bin (a page's background) makes each count wait for the store of the
// one before, about 12 cycles a value; four sets of integer counts, merged
// at the end, keep four short chains in flight instead. The counts are the
// same integers, so every quantile and threshold is unchanged.
func (h *histogram) addAll(p []float32) {
	bins := len(h.n)
	c := make([]uint32, 4*bins)
	c0, c1, c2, c3 := c[:bins], c[bins:2*bins], c[2*bins:3*bins], c[3*bins:]
	i := 0
	for ; i+4 <= len(p); i += 4 {
		c0[h.bin(p[i])]++
		c1[h.bin(p[i+1])]++
		c2[h.bin(p[i+2])]++
		c3[h.bin(p[i+3])]++
	}
	for ; i < len(p); i++ {
		c0[h.bin(p[i])]++
	}
	for j := range h.n {
		h.n[j] += float64(c0[j] + c1[j] + c2[j] + c3[j])
	}
	h.total += float64(len(p))
}

// quantile returns the value below which a fraction q of the samples lie.
func (h *histogram) quantile(q float64) float32 {
	want, acc := q*h.total, 0.0
	for i, c := range h.n {
		acc += c
		if acc >= want && c > 0 {
			return h.value(i)
		}
	}
	return h.hi
}

// fraction returns the share of samples between lo and hi.
func (h *histogram) fraction(lo, hi float32) float64 {
	var n float64
	for i := h.bin(lo); i <= h.bin(hi); i++ {
		n += h.n[i]
	}
	return n / max(1, h.total)
}

// otsu returns the threshold that maximises the between-class variance of
// the samples at or above from (Otsu, 1979), or from if there are too few.
func (h *histogram) otsu(from float32) float32 {
	start := h.bin(from)
	var n, sum float64
	for i := start; i < len(h.n); i++ {
		n += h.n[i]
		sum += h.n[i] * float64(h.value(i))
	}
	if n < 2 {
		return from
	}
	best, bestT := -1.0, from
	var n0, s0 float64
	for i := start; i < len(h.n)-1; i++ {
		n0 += h.n[i]
		s0 += h.n[i] * float64(h.value(i))
		n1 := n - n0
		if n0 == 0 || n1 == 0 {
			continue
		}
		m0, m1 := s0/n0, (sum-s0)/n1
		if v := n0 * n1 * (m0 - m1) * (m0 - m1); v > best {
			best, bestT = v, (h.value(i)+h.value(i+1))/2
		}
	}
	return bestT
}

// edt returns, for each pixel, the Euclidean distance to the nearest pixel
// where feature is true (math.MaxFloat32-ish when there is none), by the
// two-pass lower-envelope method of Felzenszwalb and Huttenlocher,
// "Distance Transforms of Sampled Functions" (2012), linear in the pixels.
func edt(feature []bool, w, h int) []float32 {
	const inf = 1e20
	d := make([]float64, w*h)
	for i, f := range feature {
		if !f {
			d[i] = inf
		}
	}
	n := max(w, h)
	f := make([]float64, n)
	out := make([]float64, n)
	v := make([]int, n)
	z := make([]float64, n+1)
	for x := range w {
		for y := range h {
			f[y] = d[y*w+x]
		}
		dt1(f[:h], out[:h], v, z)
		for y := range h {
			d[y*w+x] = out[y]
		}
	}
	for y := range h {
		copy(f, d[y*w:(y+1)*w])
		dt1(f[:w], out[:w], v, z)
		copy(d[y*w:(y+1)*w], out[:w])
	}
	res := make([]float32, w*h)
	for i, s := range d {
		res[i] = float32(math.Sqrt(s))
	}
	return res
}

// dt1 is the 1-D squared distance transform of sampled function f.
func dt1(f, out []float64, v []int, z []float64) {
	n := len(f)
	if n == 0 {
		return
	}
	k := 0
	v[0] = 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		s := parabolaCross(f, q, v[k])
		for s <= z[k] { // z[0] is -Inf, so k stays >= 0
			k--
			s = parabolaCross(f, q, v[k])
		}
		k++
		v[k] = q
		z[k], z[k+1] = s, math.Inf(1)
	}
	k = 0
	for q := range n {
		for z[k+1] < float64(q) {
			k++
		}
		dq := float64(q - v[k])
		out[q] = dq*dq + f[v[k]]
	}
}

// parabolaCross is where the parabolas rooted at q and p intersect.
func parabolaCross(f []float64, q, p int) float64 {
	return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*q-2*p)
}
