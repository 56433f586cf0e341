package vec

// Max4 sets dst[i] = max(a[i], b[i], c[i], d[i]) for i < len(dst): the
// 2x2 max pool over four channel runs. For a whole plane, MaxPool2x2 saves
// a call per pixel.
func Max4(dst, a, b, c, d []float32) {
	a, b, c, d = a[:len(dst)], b[:len(dst)], c[:len(dst)], d[:len(dst)]
	if len(dst) == 0 {
		return
	}
	active.Load().max4(dst, a, b, c, d)
}

// MaxPool2x2 sets dst, an (h/2)×(w/2)×c NHWC plane, to the 2x2 stride-2
// max pool of src, an h×w×c NHWC plane; an odd last row or column is
// dropped, as in Keras' "valid" padding. It panics if src holds fewer than
// h*w*c values or dst fewer than (h/2)*(w/2)*c. A batch of n planes can be
// pooled in one call as h = n*h' only when h' is even.
func MaxPool2x2(dst, src []float32, h, w, c int) {
	oh, ow := h/2, w/2
	if oh <= 0 || ow <= 0 || c <= 0 {
		return
	}
	_ = src[h*w*c-1]
	_ = dst[oh*ow*c-1]
	active.Load().maxPool(dst, src, oh, ow, c, w)
}

// Unpool2x2 is the backward pass of MaxPool2x2. src is the plane that was
// pooled and y the pooled plane; for each window and channel it writes the
// gradient g (shaped like y) to dst (shaped like src) at the first position
// of the window (row by row) whose value equals y, and 0 at the window's
// other positions. Rows and columns the pool dropped are not written. It
// panics if a slice is too short.
func Unpool2x2(dst, src, y, g []float32, h, w, c int) {
	oh, ow := h/2, w/2
	if oh <= 0 || ow <= 0 || c <= 0 {
		return
	}
	_ = src[h*w*c-1]
	_ = dst[h*w*c-1]
	_ = y[oh*ow*c-1]
	_ = g[oh*ow*c-1]
	active.Load().unpool(dst, src, y, g, oh, ow, c, w)
}

// AddBias adds bias to each row of y (rows of len(bias)); with relu it then
// clamps at 0. len(y) must be a multiple of len(bias) (it panics if not);
// an empty bias leaves y as it is.
func AddBias(y, bias []float32, relu bool) {
	n := len(bias)
	if n == 0 || len(y) == 0 {
		return
	}
	if len(y)%n != 0 {
		panic("vec: AddBias: len(y) is not a multiple of len(bias)")
	}
	active.Load().addBias(y, bias, relu)
}

// MaskReLU zeroes d[i] where y[i] <= 0: the backward pass of a ReLU whose
// output is y.
func MaskReLU(d, y []float32) {
	d = d[:len(y)]
	if len(y) == 0 {
		return
	}
	active.Load().maskReLU(d, y)
}

// Add sets dst[i] += src[i] for i < len(dst).
func Add(dst, src []float32) {
	src = src[:len(dst)]
	if len(dst) == 0 {
		return
	}
	active.Load().add(dst, src)
}

// ColSums adds to dst[j] the sum over the rows of src, rows of len(dst):
// dst[j] += Σ_i src[i*len(dst)+j], the bias gradient. len(src) must be a
// multiple of len(dst) (it panics if not).
func ColSums(dst, src []float32) {
	n := len(dst)
	if n == 0 || len(src) == 0 {
		return
	}
	if len(src)%n != 0 {
		panic("vec: ColSums: len(src) is not a multiple of len(dst)")
	}
	active.Load().colSums(dst, src)
}

// Adam applies one Adam step to w with gradient g and moments m, v (all of
// equal length):
//
//	m = b1·m + (1-b1)·g;  v = b2·v + (1-b2)·g²;  w -= lr·m/(√v + eps)
func Adam(w, g, m, v []float32, b1, b2, lr, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	if len(w) == 0 {
		return
	}
	active.Load().adam(w, g, m, v, b1, b2, lr, eps)
}
