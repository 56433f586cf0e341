// Step lumaPlane: the decoded image as one luma plane at working
// resolution, transparency composited over a contrasting background.

package imgproc

import (
	"image"
	"image/color"

	"digitnet/imgproc/internal/luma"
)

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
	lum := scratchPlane(ww, wh) // premultiplied luma sums; analyse gives it back
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
		t := &luma.Tables
		return func(y int, lum, alpha []float32) bool {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := m.Pix[off : off+4*len(lum)]
			alpha = alpha[:len(lum)]
			all := uint8(255) // AND of the alphas: 255 when all are
			for x := range lum {
				p := row[4*x : 4*x+4 : 4*x+4]
				lum[x] = t.R[p[0]] + t.G[p[1]] + t.B[p[2]]
				alpha[x] = t.K[p[3]]
				all &= p[3]
			}
			return all == 255
		}
	case *image.NRGBA:
		t := &luma.Tables
		return func(y int, lum, alpha []float32) bool {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := m.Pix[off : off+4*len(lum)]
			alpha = alpha[:len(lum)]
			all := uint8(255)
			for x := range lum {
				p := row[4*x : 4*x+4 : 4*x+4]
				a := t.K[p[3]]
				lum[x] = (t.R[p[0]] + t.G[p[1]] + t.B[p[2]]) * a
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
// leaving out zero as it was, when a pixel of the pair is not opaque.
// Fusing the steps saves the intermediate rows, and package luma sums
// eight blocks at once and checks alpha on the way: together, nine
// tenths of lumaPlane's time.
// Other images and factors get nil.
func rgbaPairs(img image.Image, f int) func(y int, out []float32) bool {
	m, ok := img.(*image.RGBA)
	if !ok || f != 2 || !fuseRGBAPairs {
		return nil
	}
	b := m.Bounds()
	w := b.Dx()
	t := &luma.Tables
	return func(y int, out []float32) bool {
		o0 := m.PixOffset(b.Min.X, b.Min.Y+y)
		o1 := o0 + m.Stride
		r0, r1 := m.Pix[o0:o0+4*w], m.Pix[o1:o1+4*w]
		// As lumaPlane: each row's pair is summed, then added to the sum
		// so far (0 for the first row, and 0 + s is s).
		if !luma.SumPairs(out[:w/2], r0, r1) || !luma.Opaque(r0[8*(w/2):], r1[8*(w/2):]) {
			clear(out) // as it was: only this pair of rows writes it
			return false
		}
		if w%2 == 1 { // a last column of one pixel
			p, q := r0[4*w-4:], r1[4*w-4:]
			out[w/2] = (t.R[p[0]] + t.G[p[1]] + t.B[p[2]]) + (t.R[q[0]] + t.G[q[1]] + t.B[q[2]])
		}
		return true
	}
}

// fuseRGBAPairs is false only in the test that holds the fused rows to the
// unfused ones, bit for bit.
var fuseRGBAPairs = true

// lumaAlpha returns the premultiplied Rec. 601 luma and the alpha of c.
func lumaAlpha(c color.Color) (float32, float32) {
	r, g, b, a := c.RGBA()
	const k = 1.0 / 0xffff
	return (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) * k, float32(a) * k
}
