package nn

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
		return &conv2d{in: p.in, out: p.out, k: p.spec.Size, relu: relu, gemm: gemm}
	case KindMaxPool2D:
		return &maxPool{in: p.in, out: p.out, s: p.spec.Size}
	case KindDense:
		return &dense{in: p.in.Size(), out: p.out.Size(), relu: relu, gemm: gemm}
	case KindReLU:
		return &reluOp{}
	case KindFlatten:
		return flatten{}
	}
	panic("nn: unplanned layer kind " + p.spec.Kind) // plan rejects unknown kinds
}

// linearForward computes y = x·W + b (x is m×k, W is k×f), then ReLU if asked.
func linearForward(gemm gemmFunc, y, x, w, b []float32, m, k, f int, relu bool) {
	gemm(false, false, m, f, k, x, k, w, f, 0, y, f)
	b = b[:f]
	for i := 0; i < m; i++ {
		row := y[i*f : i*f+f]
		row = row[:len(b)]
		if relu {
			for j, bj := range b {
				row[j] = max(row[j]+bj, 0)
			}
		} else {
			for j, bj := range b {
				row[j] += bj
			}
		}
	}
}

// linearBackward is the backward pass of linearForward. It masks dy by the
// ReLU (using the saved output y), writes dW = xᵀ·dy and db = Σ dy, and when
// dx is not nil writes dx = dy·Wᵀ.
func linearBackward(gemm gemmFunc, dw, db, dx, dy, x, y, w []float32, m, k, f int, relu bool) {
	if relu {
		for i, v := range y[:m*f] {
			if v <= 0 {
				dy[i] = 0
			}
		}
	}
	gemm(true, false, k, f, m, x, k, dy, f, 0, dw, f)
	clear(db[:f])
	for i := 0; i < m; i++ {
		for j, v := range dy[i*f : i*f+f] {
			db[j] += v
		}
	}
	if dx != nil {
		gemm(false, true, m, k, f, dy, f, w, f, 0, dx, k)
	}
}

// conv2d is a valid (unpadded), stride-1 convolution. It lowers the input to
// a patch matrix (im2col) so the work is one GEMM: cols (N·OH·OW, K) times
// kernel (K, F).
type conv2d struct {
	in, out Shape
	k       int
	relu    bool
	gemm    gemmFunc

	cols  []float32 // (N*OH*OW, K) patches of the last input
	y     []float32 // (N, OH, OW, F)
	dcols []float32 // (N*OH*OW, K)
	dx    []float32 // (N, H, W, C)
}

func (c *conv2d) forward(p, x []float32, n int) []float32 {
	K := c.k * c.k * c.in.C
	m := n * c.out.H * c.out.W
	c.cols = grow(c.cols, m*K)
	c.y = grow(c.y, m*c.out.C)
	im2col(c.cols, x, n, c.in, c.out, c.k)
	linearForward(c.gemm, c.y, c.cols, p[:K*c.out.C], p[K*c.out.C:], m, K, c.out.C, c.relu)
	return c.y
}

func (c *conv2d) backward(p, g, dy []float32, n int, needDX bool) []float32 {
	K := c.k * c.k * c.in.C
	m := n * c.out.H * c.out.W
	nw := K * c.out.C
	var dcols []float32
	if needDX {
		c.dcols = grow(c.dcols, m*K)
		dcols = c.dcols
	}
	linearBackward(c.gemm, g[:nw], g[nw:], dcols, dy, c.cols, c.y, p[:nw], m, K, c.out.C, c.relu)
	if !needDX {
		return nil
	}
	c.dx = grow(c.dx, n*c.in.Size())
	col2im(c.dx, c.dcols, n, c.in, c.out, c.k)
	return c.dx
}

// im2col copies each k×k patch of x into a row of cols. In NHWC a patch row
// (k pixels of C channels) is contiguous, so each patch is k copies.
func im2col(cols, x []float32, n int, in, out Shape, k int) {
	span := k * in.C
	K := k * span
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

// col2im is the adjoint of im2col: it sums each patch row back into dx.
func col2im(dx, cols []float32, n int, in, out Shape, k int) {
	clear(dx[:n*in.Size()])
	span := k * in.C
	K := k * span
	row := 0
	for b := 0; b < n; b++ {
		img := dx[b*in.Size() : (b+1)*in.Size()]
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				src := cols[row*K : row*K+K]
				for ky := 0; ky < k; ky++ {
					dst := img[((oy+ky)*in.W+ox)*in.C:]
					for i, v := range src[ky*span : ky*span+span] {
						dst[i] += v
					}
				}
				row++
			}
		}
	}
}

// maxPool takes the maximum of each s×s window with stride s, dropping
// rows and columns that do not fill a window (as Keras' "valid" padding).
type maxPool struct {
	in, out Shape
	s       int

	arg []int32 // for each output, the index in x of the maximum
	y   []float32
	dx  []float32
}

func (mp *maxPool) forward(_, x []float32, n int) []float32 {
	in, out, s := mp.in, mp.out, mp.s
	mp.y = grow(mp.y, n*out.Size())
	if cap(mp.arg) < n*out.Size() {
		mp.arg = make([]int32, n*out.Size())
	}
	mp.arg = mp.arg[:n*out.Size()]
	C := in.C
	o := 0
	for b := 0; b < n; b++ {
		base := b * in.Size()
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				// Channels are contiguous in NHWC, so the window is s*s
				// runs of C values: compare whole runs, channel by channel.
				y := mp.y[o : o+C]
				arg := mp.arg[o : o+C]
				first := base + ((oy*s)*in.W+ox*s)*C
				copy(y, x[first:first+C])
				for ch := range arg {
					arg[ch] = int32(first + ch)
				}
				for dy := 0; dy < s; dy++ {
					for dx := 0; dx < s; dx++ {
						start := base + ((oy*s+dy)*in.W+ox*s+dx)*C
						run := x[start : start+C]
						run = run[:len(y)]
						for ch, v := range run {
							if v > y[ch] {
								y[ch] = v
								arg[ch] = int32(start + ch)
							}
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
	clear(mp.dx)
	for o, i := range mp.arg[:n*mp.out.Size()] {
		mp.dx[i] += dy[o]
	}
	return mp.dx
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
	d.x = x
	d.y = grow(d.y, n*d.out)
	linearForward(d.gemm, d.y, x, p[:d.in*d.out], p[d.in*d.out:], n, d.in, d.out, d.relu)
	return d.y
}

func (d *dense) backward(p, g, dy []float32, n int, needDX bool) []float32 {
	nw := d.in * d.out
	var dx []float32
	if needDX {
		d.dx = grow(d.dx, n*d.in)
		dx = d.dx
	}
	linearBackward(d.gemm, g[:nw], g[nw:], dx, dy, d.x, d.y, p[:nw], n, d.in, d.out, d.relu)
	return dx
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
	for i, v := range r.y {
		if v <= 0 {
			dy[i] = 0
		}
	}
	return dy
}

// flatten changes only the shape: NHWC data is already flat in H, W, C order.
type flatten struct{}

func (flatten) forward(_, x []float32, n int) []float32 { return x }

func (flatten) backward(_, _, dy []float32, n int, needDX bool) []float32 { return dy }
