//go:build amd64 && gc && !purego

package vec

import "golang.org/x/sys/cpu"

// The AVX-512 kernels use only AVX512F (zmm arithmetic, opmask loads and
// stores, KORTESTW); the AVX2 ones only AVX. x/sys/cpu also checks that the
// OS saves the zmm/ymm state.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2
)

// Widths baked into _asm/main.go: the column-block kernels hold up to 8
// vector registers of columns.
const (
	blockAVX512 = 8 * 16
	blockAVX2   = 8 * 8
)

func implName() string {
	switch {
	case useAVX512:
		return "avx512"
	case useAVX2:
		return "avx2"
	}
	return "go"
}

// lanes is the AVX-512 mask of the first k <= 16 lanes.
func lanes(k int) uint16 { return uint16(uint32(1)<<k - 1) }

// tail16 is the AVX-512 mask of the last n%16 lanes.
func tail16(n int) uint16 { return lanes(n % 16) }

// Apart from max4, which checks for itself, the callers in vec.go pass
// non-empty slices of the right lengths, so
// &x[0] is safe and the kernels stay inside them.

// max4 is called per pixel, so Max4 inlines to a call of it and the
// AVX-512 path is short.
func max4(dst, a, b, c, d []float32) {
	a, b, c, d = a[:len(dst)], b[:len(dst)], c[:len(dst)], d[:len(dst)]
	if len(dst) == 0 {
		return
	}
	if useAVX512 {
		max4AVX512(&dst[0], &a[0], &b[0], &c[0], &d[0], len(dst), tail16(len(dst)))
		return
	}
	max4Other(dst, a, b, c, d)
}

func max4Other(dst, a, b, c, d []float32) {
	n := len(dst)
	if !useAVX2 {
		max4Go(dst, a, b, c, d)
		return
	}
	n8 := n &^ 7
	if n8 > 0 {
		max4AVX2(&dst[0], &a[0], &b[0], &c[0], &d[0], n8)
	}
	if n8 < n {
		max4Go(dst[n8:], a[n8:], b[n8:], c[n8:], d[n8:])
	}
}

func maxPool(dst, src []float32, oh, ow, c, w int) {
	switch {
	case useAVX512:
		maxPoolAVX512(&dst[0], &src[0], oh, ow, c, w, tail16(c))
	case useAVX2 && c >= 8:
		maxPoolAVX2(&dst[0], &src[0], oh, ow, c, w)
		if c%8 != 0 {
			maxPoolGo(dst, src, oh, ow, c, w, c&^7)
		}
	default:
		maxPoolGo(dst, src, oh, ow, c, w, 0)
	}
}

// period is lcm(n, lanes) when n is not a multiple of lanes and the lcm is
// at most most floats, else 0. Rows of such a narrow n share vectors, and
// a masked store followed by a masked load of the same vector stalls (the
// load cannot be forwarded from the store), so the column-block kernels
// walk y or src as rows of period floats instead, with the bias or the sums
// repeated period/n times.
func period(n, lanes, most int) int {
	if n%lanes == 0 {
		return 0
	}
	a, b := n, lanes
	for b != 0 {
		a, b = b, a%b
	}
	if p := n / a * lanes; p <= most {
		return p
	}
	return 0
}

func addBias(y, bias []float32, relu bool) {
	n := len(bias)
	switch {
	case len(y) < 16:
		// Go is as fast as a call here, and it avoids the masked-store
		// stall when y was just written by a masked store.
		addBiasGo(y, n, len(y)/n, bias, relu)
	case useAVX512:
		if p := period(n, 16, blockAVX512); p > 0 && len(y) >= p {
			var t [blockAVX512]float32
			for k := 0; k < p; k += n {
				copy(t[k:k+n], bias)
			}
			big := len(y) / p * p
			addBiasAVX512(p/16, &y[0], p, big/p, &t[0], relu, 0xffff)
			if y = y[big:]; len(y) == 0 {
				return
			}
		}
		rows := len(y) / n
		for j0 := 0; j0 < n; j0 += blockAVX512 {
			cols := min(blockAVX512, n-j0)
			r := (cols + 15) / 16
			addBiasAVX512(r, &y[j0], n, rows, &bias[j0], relu, lanes(cols-(r-1)*16))
		}
	case useAVX2:
		if p := period(n, 8, blockAVX2); p > 0 && len(y) >= p {
			var t [blockAVX2]float32
			for k := 0; k < p; k += n {
				copy(t[k:k+n], bias)
			}
			big := len(y) / p * p
			addBiasAVX2(p/8, &y[0], p, big/p, &t[0], relu)
			if y = y[big:]; len(y) == 0 {
				return
			}
		}
		rows := len(y) / n
		full := n &^ 7
		for j0 := 0; j0 < full; j0 += blockAVX2 {
			cols := min(blockAVX2, full-j0)
			addBiasAVX2(cols/8, &y[j0], n, rows, &bias[j0], relu)
		}
		if full < n {
			addBiasGo(y[full:], n, rows, bias[full:], relu)
		}
	default:
		addBiasGo(y, n, len(y)/n, bias, relu)
	}
}

func maskReLU(d, y []float32) {
	n := len(y)
	switch {
	case useAVX512:
		maskReLUAVX512(&d[0], &y[0], n, tail16(n))
	case useAVX2:
		n8 := n &^ 7
		if n8 > 0 {
			maskReLUAVX2(&d[0], &y[0], n8)
		}
		if n8 < n {
			maskReLUGo(d[n8:], y[n8:])
		}
	default:
		maskReLUGo(d, y)
	}
}

func add(dst, src []float32) {
	n := len(dst)
	switch {
	case useAVX512:
		addAVX512(&dst[0], &src[0], n, tail16(n))
	case useAVX2:
		n8 := n &^ 7
		if n8 > 0 {
			addAVX2(&dst[0], &src[0], n8)
		}
		if n8 < n {
			addGo(dst[n8:], src[n8:])
		}
	default:
		addGo(dst, src)
	}
}

func colSums(dst, src []float32) {
	n := len(dst)
	switch {
	case useAVX512:
		if p := period(n, 16, blockAVX512); p > 0 && len(src) >= p {
			var t [blockAVX512]float32
			big := len(src) / p * p
			colSumsAVX512(p/16, &t[0], &src[0], p, big/p, 0xffff)
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
			colSumsAVX512(r, &dst[j0], &src[j0], n, rows, lanes(cols-(r-1)*16))
		}
	case useAVX2:
		if p := period(n, 8, blockAVX2); p > 0 && len(src) >= p {
			var t [blockAVX2]float32
			big := len(src) / p * p
			colSumsAVX2(p/8, &t[0], &src[0], p, big/p)
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
			colSumsAVX2(cols/8, &dst[j0], &src[j0], n, rows)
		}
		if full < n {
			colSumsGo(dst[full:], src[full:], n, rows)
		}
	default:
		colSumsGo(dst, src, n, len(src)/n)
	}
}

func adam(w, g, m, v []float32, b1, b2, lr, eps float32) {
	n := len(w)
	switch {
	case useAVX512:
		adamAVX512(&w[0], &g[0], &m[0], &v[0], b1, b2, 1-b1, 1-b2, lr, eps, n, tail16(n))
	case useAVX2:
		n8 := n &^ 7
		if n8 > 0 {
			adamAVX2(&w[0], &g[0], &m[0], &v[0], b1, b2, 1-b1, 1-b2, lr, eps, n8)
		}
		if n8 < n {
			adamGo(w[n8:], g[n8:], m[n8:], v[n8:], b1, b2, lr, eps)
		}
	default:
		adamGo(w, g, m, v, b1, b2, lr, eps)
	}
}

// addBiasAVX512 calls the r-register kernel. Direct calls, unlike a table of
// func values, keep the stubs' noescape promise.
func addBiasAVX512(r int, y *float32, ld, rows int, bias *float32, relu bool, tail uint16) {
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

// addBiasAVX2 calls the r-register kernel.
func addBiasAVX2(r int, y *float32, ld, rows int, bias *float32, relu bool) {
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

// colSumsAVX512 calls the r-register kernel.
func colSumsAVX512(r int, dst, src *float32, ld, rows int, tail uint16) {
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

// colSumsAVX2 calls the r-register kernel.
func colSumsAVX2(r int, dst, src *float32, ld, rows int) {
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

func unpool(dst, src, y, g []float32, oh, ow, c, w int) {
	if !useAVX512 && (!useAVX2 || c < 8) {
		unpoolGo(dst, src, y, g, oh, ow, c, w, 0)
		return
	}
	c8 := c &^ 7
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			i0 := (2*oy*w + 2*ox) * c
			i1 := i0 + w*c
			o := (oy*ow + ox) * c
			if useAVX512 {
				route4AVX512(&dst[i0], &dst[i0+c], &dst[i1], &dst[i1+c], &src[i0], &src[i0+c], &src[i1], &src[i1+c],
					&y[o], &g[o], c, tail16(c))
				continue
			}
			route4AVX2(&dst[i0], &dst[i0+c], &dst[i1], &dst[i1+c], &src[i0], &src[i0+c], &src[i1], &src[i1+c],
				&y[o], &g[o], c8)
		}
	}
	if !useAVX512 && c8 < c {
		unpoolGo(dst, src, y, g, oh, ow, c, w, c8)
	}
}

// The Winograd transforms run one vector of 16 channels per call.

func winogradInput(u []float32, us int, x []float32, xs, cs, n int) {
	if !useAVX512 {
		winogradInputGo(u, us, x, xs, cs, n)
		return
	}
	for c := 0; c < n; c += 16 {
		winogradInputAVX512(&u[c], us, &x[c], xs, cs, lanes(min(16, n-c)))
	}
}

func winogradOutputMax(dst, m []float32, ms int) {
	if !useAVX512 {
		winogradOutputMaxGo(dst, m, ms)
		return
	}
	for c := 0; c < len(dst); c += 16 {
		winogradOutputMaxAVX512(&dst[c], &m[c], ms, lanes(min(16, len(dst)-c)))
	}
}

func winogradKernel(v []float32, vs int, w []float32, ws, n int) {
	if !useAVX512 {
		winogradKernelGo(v, vs, w, ws, n)
		return
	}
	for c := 0; c < n; c += 16 {
		winogradKernelAVX512(&v[c], vs, &w[c], ws, lanes(min(16, n-c)))
	}
}

func winogradConv1Max(dst, x []float32, xs int, v []float32, vs int) {
	if !useAVX512 {
		winogradConv1MaxGo(dst, x, xs, v, vs)
		return
	}
	n := len(dst)
	last := lanes(n - (n-1)/16*16) // the lanes of the last chunk: 1 to 16
	winogradConv1MaxAVX512(&dst[0], &x[0], xs, &v[0], vs, (n+15)/16, last)
}
