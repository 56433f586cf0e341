package nn

// convPool is a conv2d with ReLU followed by a max pool, run as one op.
// Because the bias is constant over a pooling window and ReLU is monotone,
//
//	pool(relu(conv(x) + b)) = relu(pool(conv(x)) + b),
//
// so the bias and ReLU are applied to the pooled output, a quarter of the
// convolution's, and the backward pass masks and sums the pooled gradient
// instead of the full one. The two layers keep their own parameters and
// shapes; the model swaps the pair for this op and a pass-through.
type convPool struct {
	conv *conv2d // with relu false: it leaves raw products in conv.y
	pool *maxPool

	y  []float32 // (N, PH, PW, F): relu(pool + b)
	dz []float32 // (N*OH*OW, F): gradient at the convolution output
}

func newConvPool(c *conv2d, p *maxPool) *convPool {
	c.relu = false
	return &convPool{conv: c, pool: p}
}

func (cp *convPool) forward(p, x []float32, n int) []float32 {
	c := cp.conv
	K := c.k * c.k * c.in.C
	m := n * c.out.H * c.out.W
	F := c.out.C
	c.cols = grow(c.cols, m*K)
	c.y = grow(c.y, m*F)
	im2col(c.cols, x, n, c.in, c.out, c.k)
	c.gemm(false, false, m, F, K, c.cols, K, p[:K*F], F, 0, c.y, F)
	pooled := cp.pool.forward(nil, c.y, n)
	cp.y = grow(cp.y, len(pooled))
	bias := p[K*F : K*F+F]
	for i := 0; i < len(pooled); i += F {
		src := pooled[i : i+F]
		dst := cp.y[i : i+F]
		dst = dst[:len(bias)]
		src = src[:len(bias)]
		for j, b := range bias {
			dst[j] = max(src[j]+b, 0)
		}
	}
	return cp.y
}

func (cp *convPool) backward(p, g, dy []float32, n int, needDX bool) []float32 {
	c := cp.conv
	K := c.k * c.k * c.in.C
	m := n * c.out.H * c.out.W
	F := c.out.C
	nw := K * F
	db := g[nw : nw+F]
	clear(db)
	for i := 0; i < len(cp.y); i += F {
		y := cp.y[i : i+F]
		d := dy[i : i+F]
		d = d[:len(y)]
		db := db[:len(y)]
		for j, v := range y {
			if v <= 0 {
				d[j] = 0
			}
			db[j] += d[j]
		}
	}
	cp.dz = grow(cp.dz, m*F)
	clear(cp.dz)
	for o, i := range cp.pool.arg[:len(cp.y)] {
		cp.dz[i] += dy[o]
	}
	c.gemm(true, false, K, F, m, c.cols, K, cp.dz, F, 0, g[:nw], F)
	if !needDX {
		return nil
	}
	c.dcols = grow(c.dcols, m*K)
	c.gemm(false, true, m, K, F, cp.dz, F, p[:nw], F, 0, c.dcols, K)
	c.dx = grow(c.dx, n*c.in.Size())
	col2im(c.dx, c.dcols, n, c.in, c.out, c.k)
	return c.dx
}

// passThrough stands in for a layer whose work another op has taken over.
type passThrough struct{}

func (passThrough) forward(_, x []float32, n int) []float32 { return x }

func (passThrough) backward(_, _, dy []float32, n int, needDX bool) []float32 { return dy }
