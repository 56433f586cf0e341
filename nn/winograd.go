package nn

import "digitnet/nn/internal/vec"

// Inference runs a 3x3 convolution followed by a 2x2 max pool with
// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", CVPR 2016): each 2x2 block
// of outputs comes from a 4x4 block of input with 16 multiplies per input
// and output channel instead of 36. The blocks are exactly the pool's
// windows, so the outputs a 2x2 pool drops (the last row and column of an
// odd-sized map: conv2's 11x11 pools to 5x5) are never computed, and the
// output transform takes the window's maximum at once. For conv2 that is
// 0.82 M multiply-adds per image instead of 2.23 M. A single-channel input
// (conv1) is convolved block by block in one pass, without a matrix
// product.
//
// The transforms are exact in real arithmetic; in float32 the results
// differ from the direct products by rounding (about 1e-6 relative), which
// is why training, whose gradient checks compare against the direct
// definition, keeps the im2col path.
//
// With ξ = 4i+j indexing the 16 points of a 4x4 transformed block:
//
//	V = G g Gᵀ   kernels   G  = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
//	U = Bᵀ d B   inputs    Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	M_ξ = U_ξ · V_ξ        16 products of (tiles × C) by (C × F)
//	Y = Aᵀ M A   outputs   Aᵀ = [1 1 1 0; 0 1 -1 -1]

// winograd holds the buffers of one convPool's Winograd forward pass.
type winograd struct {
	v []float32 // (16, C, F), padded: transformed kernels
	u []float32 // (16, tiles, C): transformed input blocks
	m []float32 // (16, tiles, F): their products
}

// usesWinograd reports whether the inference forward of cp runs as
// Winograd F(2x2, 3x3).
func (cp *convPool) usesWinograd() bool { return winogradFits(cp.conv.spec, cp.pool.s) }

// winogradFits reports whether a convolution with ReLU pooled by s x s
// windows runs as Winograd F(2x2, 3x3) when predicting: a 3x3 kernel moving
// by 1 over an unpadded input (the blocks below read the input directly),
// s = 2, on a CPU where package vec has the transforms as vector code (in
// Go they cost about what they save), or when winogradAlways is set.
func winogradFits(conv LayerSpec, s int) bool {
	return conv.Size == 3 && conv.plain() && s == 2 && (vec.WinogradFast() || winogradAlways)
}

// winogradAlways makes Predict take the Winograd path with vec's Go
// transforms too, so that tests cover it on every CPU and under purego.
var winogradAlways = false

// forward writes into dst (n, PH, PW, F) the 2x2 max pool of the products
// of x (n, H, W, C) with the 3x3 kernel w, (9*C, F) as im2col orders it.
// The kernels are transformed on every call, a few µs, so that Predict
// never uses a stale copy of parameters someone changed.
func (wg *winograd) forward(dst, x, w []float32, n int, in Shape, F int, ph, pw int, gemm gemmFunc) {
	C := in.C
	if C == 1 {
		// One input channel (conv1): a product of one column would waste
		// the matrix kernel, so each block is done whole in one pass.
		wg.v = grow(wg.v, 16*F)
		vec.WinogradKernel(wg.v, F, w, F, F)
		eachBlock(x, 0, n, in, ph, pw, func(t int, block []float32) {
			vec.WinogradConv1Max(dst[t*F:(t+1)*F], block, in.W, wg.v, F)
		})
		return
	}
	// The 16 transformed kernels are a few KiB apart; at a multiple of
	// 4 KiB (conv2's are 8 KiB) their rows would share L1 sets. For each
	// point (ky, kx), the kernel's (c, f) values are contiguous, so one
	// call transforms all of them.
	vs := C*F + 16
	wg.v = grow(wg.v, 16*vs)
	vec.WinogradKernel(wg.v, vs, w, C*F, C*F)
	// A few images at a time keep the transformed blocks and their
	// products in L2, as im2col's chunks do.
	per := ph * pw
	ch := max(1, min(n, winogradChunk/(16*per*max(C, F))))
	wg.u = grow(wg.u, 16*ch*per*C)
	wg.m = grow(wg.m, 16*ch*per*F)
	for b0 := 0; b0 < n; b0 += ch {
		b1 := min(n, b0+ch)
		tiles := (b1 - b0) * per
		eachBlock(x, b0, b1, in, ph, pw, func(t int, block []float32) {
			vec.WinogradInput(wg.u[t*C:], tiles*C, block, in.W*C, C, C)
		})
		for xi := range 16 {
			gemm(false, false, tiles, F, C, wg.u[xi*tiles*C:], C, wg.v[xi*vs:], F, 0, wg.m[xi*tiles*F:], F)
		}
		out := dst[b0*per*F:]
		for t := range tiles {
			vec.WinogradOutputMax(out[t*F:(t+1)*F], wg.m[t*F:], tiles*F)
		}
	}
}

// eachBlock calls fn with the index t (0 for image b0's first) and the top
// left pixel of each 4x4 input block of images b0 to b1-1 of x, the blocks
// of an image row by row, ph x pw of them 2 pixels apart.
func eachBlock(x []float32, b0, b1 int, in Shape, ph, pw int, fn func(t int, block []float32)) {
	t := 0
	for b := b0; b < b1; b++ {
		img := x[b*in.Size() : (b+1)*in.Size()]
		for py := range ph {
			for px := range pw {
				fn(t, img[(2*py*in.W+2*px)*in.C:])
				t++
			}
		}
	}
}

// winogradChunk bounds the values of one chunk's transformed blocks (or
// their products): 256 KiB of float32, so both fit in L2 beside the
// kernels.
const winogradChunk = 64 << 10
