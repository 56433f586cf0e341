package vec

import "math"

// The pure-Go loops: the fallback off amd64 or with -tags purego, the
// tails the AVX2 kernels leave, and the definition of what each assembly
// kernel computes.

func max4Go(dst, a, b, c, d []float32) {
	a, b, c, d = a[:len(dst)], b[:len(dst)], c[:len(dst)], d[:len(dst)]
	for i := range dst {
		dst[i] = max(max(a[i], b[i]), max(c[i], d[i]))
	}
}

// maxPoolGo pools channels [c0, c) of an input of width w and c channels
// into oh×ow outputs; c0 > 0 finishes what a kernel for whole vectors left.
func maxPoolGo(dst, src []float32, oh, ow, c, w, c0 int) {
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			i0 := (2*oy*w + 2*ox) * c
			i1 := i0 + w*c
			o := (oy*ow + ox) * c
			max4Go(dst[o+c0:o+c], src[i0+c0:i0+c], src[i0+c+c0:i0+2*c], src[i1+c0:i1+c], src[i1+c+c0:i1+2*c])
		}
	}
}

// addBiasGo adds bias to the first len(bias) values of each ld-long row of
// y, for rows rows.
func addBiasGo(y []float32, ld, rows int, bias []float32, relu bool) {
	for i := 0; i < rows; i++ {
		row := y[i*ld : i*ld+len(bias)]
		if relu {
			for j, b := range bias {
				row[j] = max(row[j]+b, 0)
			}
		} else {
			for j, b := range bias {
				row[j] += b
			}
		}
	}
}

func maskReLUGo(d, y []float32) {
	d = d[:len(y)]
	for i, v := range y {
		if v <= 0 {
			d[i] = 0
		}
	}
}

func addGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// colSumsGo adds to dst[j] the values src[i*ld+j] for i < rows.
func colSumsGo(dst, src []float32, ld, rows int) {
	for i := 0; i < rows; i++ {
		row := src[i*ld : i*ld+len(dst)]
		for j, v := range row {
			dst[j] += v
		}
	}
}

func adamGo(w, g, m, v []float32, b1, b2, lr, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		// The kernels round each product before adding it. Go may fuse
		// x*y + z into one FMA (arm64 always, amd64 with GOAMD64=v3), which
		// rounds once; the explicit conversions keep the products rounded,
		// so every platform takes the same steps as the kernels.
		mi := float32(b1*m[i]) + float32((1-b1)*gi)
		vi := float32(b2*v[i]) + float32((1-b2)*gi*gi)
		m[i], v[i] = mi, vi
		w[i] -= lr * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

// route4Go sends each g[i] to the first of the four window positions whose
// input x equals the pooled value y[i], writing 0 to the other three.
func route4Go(d00, d01, d10, d11, x00, x01, x10, x11, y, g []float32) {
	n := len(y)
	d00, d01, d10, d11 = d00[:n], d01[:n], d10[:n], d11[:n]
	x00, x01, x10, g = x00[:n], x01[:n], x10[:n], g[:n] // x11 is not read: the max is there when it is not in the other three
	for i, v := range y {
		var a, b, c, d float32
		switch {
		case x00[i] == v:
			a = g[i]
		case x01[i] == v:
			b = g[i]
		case x10[i] == v:
			c = g[i]
		default:
			d = g[i]
		}
		d00[i], d01[i], d10[i], d11[i] = a, b, c, d
	}
}

// unpoolGo is Unpool2x2 for channels [c0, c).
func unpoolGo(dst, src, y, g []float32, oh, ow, c, w, c0 int) {
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			i0 := (2*oy*w + 2*ox) * c
			i1 := i0 + w*c
			o := (oy*ow + ox) * c
			route4Go(dst[i0+c0:i0+c], dst[i0+c+c0:i0+2*c], dst[i1+c0:i1+c], dst[i1+c+c0:i1+2*c],
				src[i0+c0:i0+c], src[i0+c+c0:i0+2*c], src[i1+c0:i1+c], src[i1+c+c0:i1+2*c],
				y[o+c0:o+c], g[o+c0:o+c])
		}
	}
}
