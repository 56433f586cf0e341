//go:build amd64 && gc && !purego

package vec

// avx512Impl runs every kernel, Winograd's included, as AVX-512 assembly;
// masked loads and stores take the tails, so no Go loop finishes them.
var avx512Impl = &impl{
	name:         "avx512",
	winogradFast: true,
	max4:         avx512Max4,
	maxPool:      avx512MaxPool,
	unpool:       avx512Unpool,
	addBias:      avx512AddBias,
	maskReLU:     avx512MaskReLU,
	add:          avx512Add,
	colSums:      avx512ColSums,
	adam:         avx512Adam,

	winogradInput:     avx512WinogradInput,
	winogradOutputMax: avx512WinogradOutputMax,
	winogradKernel:    avx512WinogradKernel,
	winogradConv1Max:  avx512WinogradConv1Max,
}

func avx512Max4(dst, a, b, c, d []float32) {
	max4AVX512(&dst[0], &a[0], &b[0], &c[0], &d[0], len(dst), tail16(len(dst)))
}

func avx512MaxPool(dst, src []float32, oh, ow, c, w int) {
	maxPoolAVX512(&dst[0], &src[0], oh, ow, c, w, tail16(c))
}

func avx512Unpool(dst, src, y, g []float32, oh, ow, c, w int) {
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			i0 := (2*oy*w + 2*ox) * c
			i1 := i0 + w*c
			o := (oy*ow + ox) * c
			route4AVX512(&dst[i0], &dst[i0+c], &dst[i1], &dst[i1+c], &src[i0], &src[i0+c], &src[i1], &src[i1+c],
				&y[o], &g[o], c, tail16(c))
		}
	}
}

func avx512AddBias(y, bias []float32, relu bool) {
	n := len(bias)
	if len(y) < 16 {
		// Go is as fast as a call here, and it avoids the masked-store
		// stall when y was just written by a masked store.
		addBiasGo(y, n, len(y)/n, bias, relu)
		return
	}
	if p := period(n, 16, blockAVX512); p > 0 && len(y) >= p {
		var t [blockAVX512]float32
		for k := 0; k < p; k += n {
			copy(t[k:k+n], bias)
		}
		big := len(y) / p * p
		addBiasBlockAVX512(p/16, &y[0], p, big/p, &t[0], relu, 0xffff)
		if y = y[big:]; len(y) == 0 {
			return
		}
	}
	rows := len(y) / n
	for j0 := 0; j0 < n; j0 += blockAVX512 {
		cols := min(blockAVX512, n-j0)
		r := (cols + 15) / 16
		addBiasBlockAVX512(r, &y[j0], n, rows, &bias[j0], relu, lanes(cols-(r-1)*16))
	}
}

func avx512MaskReLU(d, y []float32) {
	maskReLUAVX512(&d[0], &y[0], len(y), tail16(len(y)))
}

func avx512Add(dst, src []float32) {
	addAVX512(&dst[0], &src[0], len(dst), tail16(len(dst)))
}

func avx512ColSums(dst, src []float32) {
	n := len(dst)
	if p := period(n, 16, blockAVX512); p > 0 && len(src) >= p {
		var t [blockAVX512]float32
		big := len(src) / p * p
		colSumsBlockAVX512(p/16, &t[0], &src[0], p, big/p, 0xffff)
		for k := 0; k < p; k += n {
			addGo(dst, t[k:k+n])
		}
		if src = src[big:]; len(src) == 0 {
			return
		}
	}
	rows := len(src) / n
	for j0 := 0; j0 < n; j0 += blockAVX512 {
		cols := min(blockAVX512, n-j0)
		r := (cols + 15) / 16
		colSumsBlockAVX512(r, &dst[j0], &src[j0], n, rows, lanes(cols-(r-1)*16))
	}
}

func avx512Adam(w, g, m, v []float32, b1, b2, lr, eps float32) {
	n := len(w)
	adamAVX512(&w[0], &g[0], &m[0], &v[0], b1, b2, 1-b1, 1-b2, lr, eps, n, tail16(n))
}

// The Winograd transforms run one vector of 16 channels per call.

func avx512WinogradInput(u []float32, us int, x []float32, xs, cs, n int) {
	for c := 0; c < n; c += 16 {
		winogradInputAVX512(&u[c], us, &x[c], xs, cs, lanes(min(16, n-c)))
	}
}

func avx512WinogradOutputMax(dst, m []float32, ms int) {
	for c := 0; c < len(dst); c += 16 {
		winogradOutputMaxAVX512(&dst[c], &m[c], ms, lanes(min(16, len(dst)-c)))
	}
}

func avx512WinogradKernel(v []float32, vs int, w []float32, ws, n int) {
	for c := 0; c < n; c += 16 {
		winogradKernelAVX512(&v[c], vs, &w[c], ws, lanes(min(16, n-c)))
	}
}

func avx512WinogradConv1Max(dst, x []float32, xs int, v []float32, vs int) {
	n := len(dst)
	last := lanes(n - (n-1)/16*16) // the lanes of the last chunk: 1 to 16
	winogradConv1MaxAVX512(&dst[0], &x[0], xs, &v[0], vs, (n+15)/16, last)
}

// addBiasBlockAVX512 calls the r-register kernel. Direct calls, unlike a
// table of func values, keep the stubs' noescape promise.
func addBiasBlockAVX512(r int, y *float32, ld, rows int, bias *float32, relu bool, tail uint16) {
	switch r {
	case 1:
		addBiasAVX512x1(y, ld, rows, bias, relu, tail)
	case 2:
		addBiasAVX512x2(y, ld, rows, bias, relu, tail)
	case 3:
		addBiasAVX512x3(y, ld, rows, bias, relu, tail)
	case 4:
		addBiasAVX512x4(y, ld, rows, bias, relu, tail)
	case 5:
		addBiasAVX512x5(y, ld, rows, bias, relu, tail)
	case 6:
		addBiasAVX512x6(y, ld, rows, bias, relu, tail)
	case 7:
		addBiasAVX512x7(y, ld, rows, bias, relu, tail)
	default:
		addBiasAVX512x8(y, ld, rows, bias, relu, tail)
	}
}

// colSumsBlockAVX512 calls the r-register kernel.
func colSumsBlockAVX512(r int, dst, src *float32, ld, rows int, tail uint16) {
	switch r {
	case 1:
		colSumsAVX512x1(dst, src, ld, rows, tail)
	case 2:
		colSumsAVX512x2(dst, src, ld, rows, tail)
	case 3:
		colSumsAVX512x3(dst, src, ld, rows, tail)
	case 4:
		colSumsAVX512x4(dst, src, ld, rows, tail)
	case 5:
		colSumsAVX512x5(dst, src, ld, rows, tail)
	case 6:
		colSumsAVX512x6(dst, src, ld, rows, tail)
	case 7:
		colSumsAVX512x7(dst, src, ld, rows, tail)
	default:
		colSumsAVX512x8(dst, src, ld, rows, tail)
	}
}
