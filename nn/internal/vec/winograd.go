package vec

// The transforms of Winograd's minimal filtering F(2x2, 3x3) (Lavin and
// Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), each
// on n channels at once, stored as vectors of n values at a stride:
//
//	U = Bᵀ d B    Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	V = G g Gᵀ    G  = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
//	Y = Aᵀ M A    Aᵀ = [1 1 1 0; 0 1 -1 -1]
//
// Vector ξ = 4i+j of a 4x4 transformed block is point (i, j).

// WinogradInput writes U = Bᵀ d B of a 4x4 block of pixels d into u, vector
// ξ at u[ξ*uStride:]; pixel (r, c) of d is the n channels at
// x[r*rowStride+c*pixStride:]. It panics if a slice is too short.
func WinogradInput(u []float32, uStride int, x []float32, rowStride, pixStride, n int) {
	if n <= 0 {
		return
	}
	_ = u[15*uStride+n-1]
	_ = x[3*rowStride+3*pixStride+n-1]
	active.Load().winogradInput(u, uStride, x, rowStride, pixStride, n)
}

// WinogradOutputMax writes into dst the maximum of the four outputs Y =
// Aᵀ M A of a transformed block M, vector ξ at m[ξ*mStride:], len(dst)
// values each: a 2x2 block of a convolution's output, max-pooled. It
// panics if m is too short.
func WinogradOutputMax(dst, m []float32, mStride int) {
	if len(dst) == 0 {
		return
	}
	_ = m[15*mStride+len(dst)-1]
	active.Load().winogradOutputMax(dst, m, mStride)
}

// WinogradKernel writes V = G g Gᵀ of a 3x3 kernel g into v, vector ξ at
// v[ξ*vStride:]; g(ky, kx) is the n values at w[(3*ky+kx)*wStride:]. It
// panics if a slice is too short.
func WinogradKernel(v []float32, vStride int, w []float32, wStride, n int) {
	if n <= 0 {
		return
	}
	_ = v[15*vStride+n-1]
	_ = w[8*wStride+n-1]
	active.Load().winogradKernel(v, vStride, w, wStride, n)
}

// WinogradConv1Max writes into dst the 2x2 max pool of the 2x2 outputs of
// a 3x3 convolution of a single-channel 4x4 block, pixel (r, c) at
// x[r*rowStride+c], with len(dst) kernels whose transforms V (as from
// WinogradKernel with n = len(dst)) are at v, vector ξ at v[ξ*vStride:]: the
// transforms and the products in one pass, for conv1, whose one input
// channel leaves nothing for a matrix product to share.
func WinogradConv1Max(dst, x []float32, rowStride int, v []float32, vStride int) {
	if len(dst) == 0 {
		return
	}
	_ = x[3*rowStride+3]
	_ = v[15*vStride+len(dst)-1]
	active.Load().winogradConv1Max(dst, x, rowStride, v, vStride)
}

// WinogradFast reports whether the transforms run as vector code here; in
// Go they cost about as much as the multiplies they save.
func WinogradFast() bool { return active.Load().winogradFast }

func winogradInputGo(u []float32, us int, x []float32, xs, cs, n int) {
	for c := range n {
		var d [4][4]float32
		for i := range 4 {
			for j := range 4 {
				d[i][j] = x[i*xs+j*cs+c]
			}
		}
		var t [4][4]float32 // Bᵀ d
		for j := range 4 {
			t[0][j] = d[0][j] - d[2][j]
			t[1][j] = d[1][j] + d[2][j]
			t[2][j] = d[2][j] - d[1][j]
			t[3][j] = d[1][j] - d[3][j]
		}
		for i := range 4 { // (Bᵀ d) B
			u[(4*i)*us+c] = t[i][0] - t[i][2]
			u[(4*i+1)*us+c] = t[i][1] + t[i][2]
			u[(4*i+2)*us+c] = t[i][2] - t[i][1]
			u[(4*i+3)*us+c] = t[i][1] - t[i][3]
		}
	}
}

func winogradOutputMaxGo(dst, m []float32, ms int) {
	for c := range dst {
		var M [4][4]float32
		for xi := range 16 {
			M[xi/4][xi%4] = m[xi*ms+c]
		}
		var a, b [4]float32 // the rows of Aᵀ M
		for j := range 4 {
			a[j] = M[0][j] + M[1][j] + M[2][j]
			b[j] = M[1][j] - M[2][j] - M[3][j]
		}
		y00, y01 := a[0]+a[1]+a[2], a[1]-a[2]-a[3]
		y10, y11 := b[0]+b[1]+b[2], b[1]-b[2]-b[3]
		dst[c] = max(max(y00, y01), max(y10, y11))
	}
}

func winogradKernelGo(v []float32, vs int, w []float32, ws, n int) {
	for c := range n {
		var g [3][3]float32
		for k := range 9 {
			g[k/3][k%3] = w[k*ws+c]
		}
		var t [4][3]float32 // G g
		for kx := range 3 {
			g0, g1, g2 := g[0][kx], g[1][kx], g[2][kx]
			t[0][kx] = g0
			t[1][kx] = (g0 + g1 + g2) * 0.5
			t[2][kx] = (g0 - g1 + g2) * 0.5
			t[3][kx] = g2
		}
		for i := range 4 { // (G g) Gᵀ
			t0, t1, t2 := t[i][0], t[i][1], t[i][2]
			v[(4*i)*vs+c] = t0
			v[(4*i+1)*vs+c] = (t0 + t1 + t2) * 0.5
			v[(4*i+2)*vs+c] = (t0 - t1 + t2) * 0.5
			v[(4*i+3)*vs+c] = t2
		}
	}
}

func winogradConv1MaxGo(dst, x []float32, xs int, v []float32, vs int) {
	var u [16]float32
	winogradInputGo(u[:], 1, x, xs, 1, 1)
	for f := range dst {
		var m [16]float32
		for xi := range 16 {
			m[xi] = u[xi] * v[xi*vs+f]
		}
		winogradOutputMaxGo(dst[f:f+1], m[:], 1)
	}
}
