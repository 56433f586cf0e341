package nn

import "digitnet/nn/internal/vec"

// convPool is a conv2d with ReLU followed by a max pool, run as one op.
// Because the bias is constant over a pooling window and ReLU is monotone,
//
//	pool(relu(conv(x) + b)) = relu(pool(conv(x)) + b),
//
// so the bias and ReLU are applied to the pooled output, a quarter of the
// convolution's, and the backward pass masks and sums the pooled gradient
// instead of the full one. The two layers keep their own parameters and
// shapes; the model swaps the pair for this op and an identity.
type convPool struct {
	conv *conv2d // with relu false: it leaves raw products in conv.y
	pool *maxPool

	y  []float32 // (N, PH, PW, F): relu(pool + b)
	dz []float32 // (N*OH*OW, F): gradient at the convolution output

	// infer marks a worker that only predicts: no backward pass follows,
	// so forward may take the Winograd path (see winograd.go).
	infer bool
	wino  winograd
}

func newConvPool(c *conv2d, p *maxPool) *convPool {
	c.relu = false
	return &convPool{conv: c, pool: p}
}

func (cp *convPool) forward(p, x []float32, n int) []float32 {
	c := cp.conv
	nw := c.k * c.k * c.in.C * c.out.C
	if cp.infer && cp.usesWinograd() {
		out := cp.pool.out
		cp.y = grow(cp.y, n*out.Size())
		cp.wino.forward(cp.y, x, p[:nw], n, c.in, c.out.C, out.H, out.W, c.gemm)
		vec.AddBias(cp.y, p[nw:nw+c.out.C], true)
		return cp.y
	}
	c.y = grow(c.y, n*c.out.Size())
	c.products(c.y, x, p[:nw], n)
	pooled := cp.pool.forward(nil, c.y, n)
	cp.y = grow(cp.y, len(pooled))
	copy(cp.y, pooled)
	vec.AddBias(cp.y, p[nw:nw+c.out.C], true)
	return cp.y
}

func (cp *convPool) backward(p, g, dy []float32, n int, needDX bool) []float32 {
	c := cp.conv
	nw := c.k * c.k * c.in.C * c.out.C
	biasBackward(g[nw:nw+c.out.C], dy, cp.y, true)
	cp.dz = grow(cp.dz, n*c.out.Size())
	cp.pool.route(cp.dz, dy, n)
	return c.productsBackward(g[:nw], cp.dz, p[:nw], n, needDX)
}
