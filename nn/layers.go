package nn

import "digitnet/nn/internal/vec"

// An op is one layer's computation for one worker. It owns its output and
// input-gradient buffers and keeps what backward needs from forward, so a
// worker's ops are used by one goroutine at a time and allocate nothing once
// their buffers have grown to the largest batch seen.
type op interface {
	// forward reads n samples from x and returns the output. p holds the
	// layer's parameters (kernel then bias).
	forward(p, x []float32, n int) []float32
	// backward takes the gradient of the loss with respect to the last
	// output (it may overwrite dy), writes the parameter gradients into g
	// (laid out like p) and returns the input gradient when needDX.
	backward(p, g, dy []float32, n int, needDX bool) []float32
}

// gemmFunc is matmul.Gemm's signature. Workers that run beside each other
// use matmul.GemmSerial, so each core runs one worker and results do not
// depend on scheduling; a lone worker lets Gemm use every core.
type gemmFunc func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// grow returns buf resized to n values, reusing its memory when it can.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

func newOp(p layerPlan, gemm gemmFunc) op {
	relu := p.spec.Activation == ActReLU
	switch p.spec.Kind {
	case KindConv2D:
		return &conv2d{spec: p.spec, in: p.in, out: p.out, k: p.spec.Size, relu: relu, gemm: gemm}
	case KindMaxPool2D:
		return &maxPool{in: p.in, out: p.out, s: p.spec.Size}
	case KindDense:
		return &dense{in: p.in.Size(), out: p.out.Size(), relu: relu, gemm: gemm}
	case KindReLU:
		return &reluOp{}
	case KindFlatten:
		return identity{}
	case KindDeskew:
		return &deskew{in: p.in}
	case KindNormalize:
		return &normalize{scale: float32(p.spec.Scale), shift: float32(p.spec.Shift)}
	}
	panic("nn: unplanned layer kind " + p.spec.Kind) // plan rejects unknown kinds
}

// conv2d is a convolution, unpadded and moving by 1 unless its spec says
// otherwise. It lowers the input to a patch matrix (im2col) so the work is
// a GEMM: cols (N·OH·OW, K) times kernel (K, F). The patches are lowered a
// few images at a time and used at once, so the patch matrix stays in the
// L2 cache instead of taking a round trip through memory; the backward pass
// lowers them again, which costs less than keeping them.
type conv2d struct {
	spec    LayerSpec // for the stride and padding
	in, out Shape
	k       int
	relu    bool
	gemm    gemmFunc

	x     []float32 // the last input, (N, H, W, C); not owned
	cols  []float32 // (chunk*OH*OW, K) patches of a chunk of images
	y     []float32 // (N, OH, OW, F)
	dcols []float32 // (chunk*OH*OW, K)
	dx    []float32 // (N, H, W, C)
}

// chunkValues bounds a chunk's patch matrix: 384 KiB of float32, which
// leaves room in a 1 MiB L2 for the kernel panel and the output rows.
const chunkValues = 96 << 10

// chunk is how many images are lowered at a time.
func (c *conv2d) chunk() int {
	return max(1, chunkValues/(c.out.H*c.out.W*c.k*c.k*c.in.C))
}

// products writes y = x * kernel (no bias), (N·OH·OW, F).
func (c *conv2d) products(y, x, w []float32, n int) {
	K, F, per := c.k*c.k*c.in.C, c.out.C, c.out.H*c.out.W
	c.x = x
	ch := c.chunk()
	c.cols = grow(c.cols, min(ch, n)*per*K)
	for b0 := 0; b0 < n; b0 += ch {
		b1 := min(n, b0+ch)
		rows := (b1 - b0) * per
		c.im2col(c.cols, x[b0*c.in.Size():], b1-b0)
		c.gemm(false, false, rows, F, K, c.cols, K, w, F, 0, y[b0*per*F:], F)
	}
}

// productsBackward takes dz, the gradient at the products, writes the
// kernel gradient dw = colsᵀ·dz and, if needDX, returns the input gradient
// dx = col2im(dz·kernelᵀ).
func (c *conv2d) productsBackward(dw, dz, w []float32, n int, needDX bool) []float32 {
	K, F, per := c.k*c.k*c.in.C, c.out.C, c.out.H*c.out.W
	ch := c.chunk()
	if needDX {
		c.dcols = grow(c.dcols, min(ch, n)*per*K)
		c.dx = grow(c.dx, n*c.in.Size())
	}
	for b0 := 0; b0 < n; b0 += ch {
		b1 := min(n, b0+ch)
		rows := (b1 - b0) * per
		c.im2col(c.cols, c.x[b0*c.in.Size():], b1-b0)
		beta := float32(1)
		if b0 == 0 {
			beta = 0
		}
		c.gemm(true, false, K, F, rows, c.cols, K, dz[b0*per*F:], F, beta, dw, F)
		if needDX {
			c.gemm(false, true, rows, K, F, dz[b0*per*F:], F, w, F, 0, c.dcols, K)
			c.col2im(c.dx[b0*c.in.Size():], c.dcols, b1-b0)
		}
	}
	if !needDX {
		return nil
	}
	return c.dx
}

func (c *conv2d) forward(p, x []float32, n int) []float32 {
	nw := c.k * c.k * c.in.C * c.out.C
	c.y = grow(c.y, n*c.out.Size())
	c.products(c.y, x, p[:nw], n)
	vec.AddBias(c.y, p[nw:nw+c.out.C], c.relu)
	return c.y
}

func (c *conv2d) backward(p, g, dy []float32, n int, needDX bool) []float32 {
	nw := c.k * c.k * c.in.C * c.out.C
	biasBackward(g[nw:nw+c.out.C], dy, c.y, c.relu)
	return c.productsBackward(g[:nw], dy, p[:nw], n, needDX)
}

// biasBackward masks dy where a ReLU output y was 0 (if relu) and writes
// the bias gradient db = Σ over rows of dy.
func biasBackward(db, dy, y []float32, relu bool) {
	if relu {
		vec.MaskReLU(dy[:len(y)], y)
	}
	clear(db)
	vec.ColSums(db, dy[:len(y)])
}

// im2col lowers n images of x into cols, taking the general path only for
// a padded or strided convolution.
func (c *conv2d) im2col(cols, x []float32, n int) {
	if c.spec.plain() {
		im2col(cols, x, n, c.in, c.out, c.k)
		return
	}
	im2colPadded(cols, x, n, c.in, c.out, c.k, c.spec.stride(), c.spec.Pad)
}

// col2im is im2col's adjoint, as im2col picks it.
func (c *conv2d) col2im(dx, cols []float32, n int) {
	if c.spec.plain() {
		col2im(dx, cols, n, c.in, c.out, c.k)
		return
	}
	col2imPadded(dx, cols, n, c.in, c.out, c.k, c.spec.stride(), c.spec.Pad)
}

// im2col copies each k×k patch of x into a row of cols. In NHWC a patch row
// (k pixels of C channels) is contiguous, so each patch is k copies.
func im2col(cols, x []float32, n int, in, out Shape, k int) {
	span := k * in.C
	K := k * span
	if k == 3 && in.C == 1 {
		im2col3x3(cols, x, n, in, out)
		return
	}
	row := 0
	for b := 0; b < n; b++ {
		img := x[b*in.Size() : (b+1)*in.Size()]
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				dst := cols[row*K : row*K+K]
				for ky := 0; ky < k; ky++ {
					src := ((oy+ky)*in.W + ox) * in.C
					copy(dst[ky*span:ky*span+span], img[src:src+span])
				}
				row++
			}
		}
	}
}

// im2col3x3 is im2col for a 3x3 kernel on one channel (the first layer of
// an MNIST CNN), where each patch row is only three values: calling copy
// for them cost more than the copying.
func im2col3x3(cols, x []float32, n int, in, out Shape) {
	row := 0
	for b := 0; b < n; b++ {
		img := x[b*in.Size() : (b+1)*in.Size()]
		for oy := 0; oy < out.H; oy++ {
			r0 := img[oy*in.W : oy*in.W+out.W+2]
			r1 := img[(oy+1)*in.W : (oy+1)*in.W+out.W+2]
			r2 := img[(oy+2)*in.W : (oy+2)*in.W+out.W+2]
			dst := cols[row*9 : (row+out.W)*9]
			for ox := 0; ox < out.W; ox++ {
				d := dst[ox*9 : ox*9+9 : ox*9+9]
				a, b, c := r0[ox:ox+3:ox+3], r1[ox:ox+3:ox+3], r2[ox:ox+3:ox+3]
				d[0], d[1], d[2] = a[0], a[1], a[2]
				d[3], d[4], d[5] = b[0], b[1], b[2]
				d[6], d[7], d[8] = c[0], c[1], c[2]
			}
			row += out.W
		}
	}
}

// col2im is the adjoint of im2col: it sums each patch row back into dx.
func col2im(dx, cols []float32, n int, in, out Shape, k int) {
	clear(dx[:n*in.Size()])
	span := k * in.C
	K := k * span
	for b := 0; b < n; b++ {
		img := dx[b*in.Size() : (b+1)*in.Size()]
		rows := cols[b*out.H*out.W*K:]
		for oy := 0; oy < out.H; oy++ {
			// Patches k columns apart do not overlap in dx, so visiting
			// the columns in that order keeps each addition from waiting
			// on the store of the one before.
			for first := 0; first < min(k, out.W); first++ {
				for ox := first; ox < out.W; ox += k {
					src := rows[(oy*out.W+ox)*K : (oy*out.W+ox+1)*K]
					for ky := 0; ky < k; ky++ {
						at := ((oy+ky)*in.W + ox) * in.C
						vec.Add(img[at:at+span], src[ky*span:(ky+1)*span])
					}
				}
			}
		}
	}
}

// patchRows calls fn for each row of each k×k patch of a convolution moving
// by stride over x padded with zeros by pad: the patch row's index in cols
// (r, counting k per patch), the source pixel range [lo, hi) of the row
// within its k pixels, and the offset in x of the pixel at kx = 0 (which
// may lie outside the image when lo > 0). A row wholly in the padding has
// lo = hi = 0. Whatever the stride, a patch row's pixels are k neighbours,
// contiguous in NHWC.
func patchRows(n int, in, out Shape, k, stride int, pad Padding, fn func(r, lo, hi, at int)) {
	r := 0
	for b := 0; b < n; b++ {
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				ix := ox*stride - pad.Left
				lo, hi := max(0, -ix), min(k, in.W-ix)
				for ky := 0; ky < k; ky++ {
					iy := oy*stride - pad.Top + ky
					if iy < 0 || iy >= in.H || lo >= hi {
						fn(r, 0, 0, 0)
					} else {
						fn(r, lo, hi, ((b*in.H+iy)*in.W+ix)*in.C)
					}
					r++
				}
			}
		}
	}
}

// im2colPadded is im2col for a convolution with padding or a stride: the
// patches' values outside the image are zeros.
func im2colPadded(cols, x []float32, n int, in, out Shape, k, stride int, pad Padding) {
	span := k * in.C
	patchRows(n, in, out, k, stride, pad, func(r, lo, hi, at int) {
		dst := cols[r*span : (r+1)*span]
		clear(dst[:lo*in.C])
		copy(dst[lo*in.C:hi*in.C], x[at+lo*in.C:at+hi*in.C])
		clear(dst[hi*in.C:])
	})
}

// col2imPadded is im2colPadded's adjoint: it sums each patch row back into
// dx, dropping the parts that fell in the padding.
func col2imPadded(dx, cols []float32, n int, in, out Shape, k, stride int, pad Padding) {
	clear(dx[:n*in.Size()])
	span := k * in.C
	patchRows(n, in, out, k, stride, pad, func(r, lo, hi, at int) {
		if lo < hi {
			vec.Add(dx[at+lo*in.C:at+hi*in.C], cols[r*span+lo*in.C:r*span+hi*in.C])
		}
	})
}

// maxPool takes the maximum of each s×s window with stride s, dropping
// rows and columns that do not fill a window (as Keras' "valid" padding).
// The forward pass keeps no record of where each maximum was (inference
// does not need one); the backward pass finds it again by comparing the
// window with the output, and routes the gradient to the first match.
type maxPool struct {
	in, out Shape
	s       int

	x  []float32 // the last input, (N, H, W, C); not owned
	y  []float32 // (N, OH, OW, C)
	dx []float32 // (N, H, W, C)
}

func (mp *maxPool) forward(_, x []float32, n int) []float32 {
	in, out, s, C := mp.in, mp.out, mp.s, mp.in.C
	mp.x = x
	mp.y = grow(mp.y, n*out.Size())
	if s == 2 {
		for b := 0; b < n; b++ {
			vec.MaxPool2x2(mp.y[b*out.Size():(b+1)*out.Size()], x[b*in.Size():(b+1)*in.Size()], in.H, in.W, C)
		}
		return mp.y
	}
	o := 0
	for b := 0; b < n; b++ {
		base := b * in.Size()
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				y := mp.y[o : o+C]
				first := base + ((oy*s)*in.W+ox*s)*C
				copy(y, x[first:first+C])
				for dy := 0; dy < s; dy++ {
					for dx := 0; dx < s; dx++ {
						i := base + ((oy*s+dy)*in.W+ox*s+dx)*C
						for ch, v := range x[i : i+C] {
							y[ch] = max(y[ch], v)
						}
					}
				}
				o += C
			}
		}
	}
	return mp.y
}

func (mp *maxPool) backward(_, _, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	mp.dx = grow(mp.dx, n*mp.in.Size())
	mp.route(mp.dx, dy, n)
	return mp.dx
}

// route sets dst (shaped like the last input) to the gradient of the
// input: each output gradient g[o] at the position of the output's maximum
// in its window, 0 elsewhere.
func (mp *maxPool) route(dst, g []float32, n int) {
	in, out, s, C := mp.in, mp.out, mp.s, mp.in.C
	dst = dst[:n*in.Size()]
	if s == 2 {
		if in.H%2 != 0 || in.W%2 != 0 {
			clear(dst) // Unpool2x2 leaves the dropped row or column alone
		}
		for b := 0; b < n; b++ {
			vec.Unpool2x2(dst[b*in.Size():(b+1)*in.Size()], mp.x[b*in.Size():(b+1)*in.Size()],
				mp.y[b*out.Size():(b+1)*out.Size()], g[b*out.Size():(b+1)*out.Size()], in.H, in.W, C)
		}
		return
	}
	clear(dst)
	o := 0
	for b := 0; b < n; b++ {
		base := b * in.Size()
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				first := base + ((oy*s)*in.W+ox*s)*C
				for ch := 0; ch < C; ch++ {
					want := mp.y[o+ch]
				window:
					for dy := 0; dy < s; dy++ {
						for dx := 0; dx < s; dx++ {
							i := first + (dy*in.W+dx)*C + ch
							if mp.x[i] == want {
								dst[i] += g[o+ch]
								break window
							}
						}
					}
				}
				o += C
			}
		}
	}
}

// dense is a fully connected layer: y = x·W + b with W of shape (in, out).
type dense struct {
	in, out int
	relu    bool
	gemm    gemmFunc

	x  []float32 // the last input, (N, in); not owned
	y  []float32 // (N, out)
	dx []float32 // (N, in)
}

func (d *dense) forward(p, x []float32, n int) []float32 {
	nw := d.in * d.out
	d.x = x
	d.y = grow(d.y, n*d.out)
	d.gemm(false, false, n, d.out, d.in, x, d.in, p[:nw], d.out, 0, d.y, d.out)
	vec.AddBias(d.y, p[nw:nw+d.out], d.relu)
	return d.y
}

func (d *dense) backward(p, g, dy []float32, n int, needDX bool) []float32 {
	nw := d.in * d.out
	biasBackward(g[nw:nw+d.out], dy, d.y, d.relu)
	d.gemm(true, false, d.in, d.out, n, d.x, d.in, dy, d.out, 0, g[:nw], d.out)
	if !needDX {
		return nil
	}
	d.dx = grow(d.dx, n*d.in)
	d.gemm(false, true, n, d.in, d.out, dy, d.out, p[:nw], d.out, 0, d.dx, d.in)
	return d.dx
}

// reluOp is a standalone ReLU layer.
type reluOp struct {
	y []float32
}

func (r *reluOp) forward(_, x []float32, n int) []float32 {
	r.y = grow(r.y, len(x))
	for i, v := range x {
		r.y[i] = max(v, 0)
	}
	return r.y
}

func (r *reluOp) backward(_, _, dy []float32, n int, needDX bool) []float32 {
	vec.MaskReLU(dy[:len(r.y)], r.y)
	return dy
}

// normalize computes x*scale + shift: an imported model's input
// normalisation. It has no parameters; training leaves the constants alone.
type normalize struct {
	scale, shift float32
	y            []float32
}

func (z *normalize) forward(_, x []float32, n int) []float32 {
	z.y = grow(z.y, len(x))
	for i, v := range x {
		z.y[i] = v*z.scale + z.shift
	}
	return z.y
}

func (z *normalize) backward(_, _, dy []float32, n int, needDX bool) []float32 {
	if !needDX {
		return nil
	}
	for i := range dy[:len(z.y)] {
		dy[i] *= z.scale
	}
	return dy[:len(z.y)]
}

// identity passes data through unchanged. It is Flatten, which changes only
// the shape (NHWC data is already flat in H, W, C order), and it stands in
// for a layer whose work a fused op has taken over.
type identity struct{}

func (identity) forward(_, x []float32, n int) []float32 { return x }

func (identity) backward(_, _, dy []float32, n int, needDX bool) []float32 { return dy }
