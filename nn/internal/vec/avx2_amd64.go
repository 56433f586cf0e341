//go:build amd64 && gc && !purego

package vec

// avx2Impl runs the element-wise kernels and the Winograd transforms as
// AVX2 assembly over whole vectors of 8 and finishes the tails in Go.
var avx2Impl = &impl{
	name:         "avx2",
	winogradFast: true,
	max4:         avx2Max4,
	maxPool:      avx2MaxPool,
	unpool:       avx2Unpool,
	addBias:      avx2AddBias,
	maskReLU:     avx2MaskReLU,
	add:          avx2Add,
	colSums:      avx2ColSums,
	adam:         avx2Adam,

	winogradInput:     avx2WinogradInput,
	winogradOutputMax: avx2WinogradOutputMax,
	winogradKernel:    avx2WinogradKernel,
	winogradConv1Max:  avx2WinogradConv1Max,
}

// The Winograd transforms run one vector of 8 channels per call; the last
// n%8 channels go through the Go loops, which compute the same values.

func avx2WinogradInput(u []float32, us int, x []float32, xs, cs, n int) {
	n8 := n &^ 7
	for c := 0; c < n8; c += 8 {
		winogradInputAVX2(&u[c], us, &x[c], xs, cs)
	}
	if n8 < n {
		winogradInputGo(u[n8:], us, x[n8:], xs, cs, n-n8)
	}
}

func avx2WinogradOutputMax(dst, m []float32, ms int) {
	n8 := len(dst) &^ 7
	for c := 0; c < n8; c += 8 {
		winogradOutputMaxAVX2(&dst[c], &m[c], ms)
	}
	if n8 < len(dst) {
		winogradOutputMaxGo(dst[n8:], m[n8:], ms)
	}
}

func avx2WinogradKernel(v []float32, vs int, w []float32, ws, n int) {
	n8 := n &^ 7
	for c := 0; c < n8; c += 8 {
		winogradKernelAVX2(&v[c], vs, &w[c], ws)
	}
	if n8 < n {
		winogradKernelGo(v[n8:], vs, w[n8:], ws, n-n8)
	}
}

func avx2WinogradConv1Max(dst, x []float32, xs int, v []float32, vs int) {
	n8 := len(dst) &^ 7
	if n8 > 0 {
		winogradConv1MaxAVX2(&dst[0], &x[0], xs, &v[0], vs, n8/8)
	}
	if n8 < len(dst) {
		winogradConv1MaxGo(dst[n8:], x, xs, v[n8:], vs)
	}
}

func avx2Max4(dst, a, b, c, d []float32) {
	n := len(dst)
	n8 := n &^ 7
	if n8 > 0 {
		max4AVX2(&dst[0], &a[0], &b[0], &c[0], &d[0], n8)
	}
	if n8 < n {
		max4Go(dst[n8:], a[n8:], b[n8:], c[n8:], d[n8:])
	}
}

func avx2MaxPool(dst, src []float32, oh, ow, c, w int) {
	if c < 8 {
		maxPoolGo(dst, src, oh, ow, c, w, 0)
		return
	}
	maxPoolAVX2(&dst[0], &src[0], oh, ow, c, w)
	if c%8 != 0 {
		maxPoolGo(dst, src, oh, ow, c, w, c&^7)
	}
}

func avx2Unpool(dst, src, y, g []float32, oh, ow, c, w int) {
	if c < 8 {
		unpoolGo(dst, src, y, g, oh, ow, c, w, 0)
		return
	}
	c8 := c &^ 7
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			i0 := (2*oy*w + 2*ox) * c
			i1 := i0 + w*c
			o := (oy*ow + ox) * c
			route4AVX2(&dst[i0], &dst[i0+c], &dst[i1], &dst[i1+c], &src[i0], &src[i0+c], &src[i1], &src[i1+c],
				&y[o], &g[o], c8)
		}
	}
	if c8 < c {
		unpoolGo(dst, src, y, g, oh, ow, c, w, c8)
	}
}

func avx2AddBias(y, bias []float32, relu bool) {
	n := len(bias)
	if len(y) < 16 {
		// Go is as fast as a call here.
		addBiasGo(y, n, len(y)/n, bias, relu)
		return
	}
	if p := period(n, 8, blockAVX2); p > 0 && len(y) >= p {
		var t [blockAVX2]float32
		for k := 0; k < p; k += n {
			copy(t[k:k+n], bias)
		}
		big := len(y) / p * p
		addBiasBlockAVX2(p/8, &y[0], p, big/p, &t[0], relu)
		if y = y[big:]; len(y) == 0 {
			return
		}
	}
	rows := len(y) / n
	full := n &^ 7
	for j0 := 0; j0 < full; j0 += blockAVX2 {
		cols := min(blockAVX2, full-j0)
		addBiasBlockAVX2(cols/8, &y[j0], n, rows, &bias[j0], relu)
	}
	if full < n {
		addBiasGo(y[full:], n, rows, bias[full:], relu)
	}
}

func avx2MaskReLU(d, y []float32) {
	n := len(y)
	n8 := n &^ 7
	if n8 > 0 {
		maskReLUAVX2(&d[0], &y[0], n8)
	}
	if n8 < n {
		maskReLUGo(d[n8:], y[n8:])
	}
}

func avx2Add(dst, src []float32) {
	n := len(dst)
	n8 := n &^ 7
	if n8 > 0 {
		addAVX2(&dst[0], &src[0], n8)
	}
	if n8 < n {
		addGo(dst[n8:], src[n8:])
	}
}

func avx2ColSums(dst, src []float32) {
	n := len(dst)
	if p := period(n, 8, blockAVX2); p > 0 && len(src) >= p {
		var t [blockAVX2]float32
		big := len(src) / p * p
		colSumsBlockAVX2(p/8, &t[0], &src[0], p, big/p)
		for k := 0; k < p; k += n {
			addGo(dst, t[k:k+n])
		}
		if src = src[big:]; len(src) == 0 {
			return
		}
	}
	rows := len(src) / n
	full := n &^ 7
	for j0 := 0; j0 < full; j0 += blockAVX2 {
		cols := min(blockAVX2, full-j0)
		colSumsBlockAVX2(cols/8, &dst[j0], &src[j0], n, rows)
	}
	if full < n {
		colSumsGo(dst[full:], src[full:], n, rows)
	}
}

func avx2Adam(w, g, m, v []float32, b1, b2, lr, eps float32) {
	n := len(w)
	n8 := n &^ 7
	if n8 > 0 {
		adamAVX2(&w[0], &g[0], &m[0], &v[0], b1, b2, 1-b1, 1-b2, lr, eps, n8)
	}
	if n8 < n {
		adamGo(w[n8:], g[n8:], m[n8:], v[n8:], b1, b2, lr, eps)
	}
}

// addBiasBlockAVX2 calls the r-register kernel.
func addBiasBlockAVX2(r int, y *float32, ld, rows int, bias *float32, relu bool) {
	switch r {
	case 1:
		addBiasAVX2x1(y, ld, rows, bias, relu)
	case 2:
		addBiasAVX2x2(y, ld, rows, bias, relu)
	case 3:
		addBiasAVX2x3(y, ld, rows, bias, relu)
	case 4:
		addBiasAVX2x4(y, ld, rows, bias, relu)
	case 5:
		addBiasAVX2x5(y, ld, rows, bias, relu)
	case 6:
		addBiasAVX2x6(y, ld, rows, bias, relu)
	case 7:
		addBiasAVX2x7(y, ld, rows, bias, relu)
	default:
		addBiasAVX2x8(y, ld, rows, bias, relu)
	}
}

// colSumsBlockAVX2 calls the r-register kernel.
func colSumsBlockAVX2(r int, dst, src *float32, ld, rows int) {
	switch r {
	case 1:
		colSumsAVX2x1(dst, src, ld, rows)
	case 2:
		colSumsAVX2x2(dst, src, ld, rows)
	case 3:
		colSumsAVX2x3(dst, src, ld, rows)
	case 4:
		colSumsAVX2x4(dst, src, ld, rows)
	case 5:
		colSumsAVX2x5(dst, src, ld, rows)
	case 6:
		colSumsAVX2x6(dst, src, ld, rows)
	case 7:
		colSumsAVX2x7(dst, src, ld, rows)
	default:
		colSumsAVX2x8(dst, src, ld, rows)
	}
}
