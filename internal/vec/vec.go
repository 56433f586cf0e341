// Package vec holds the element-wise float32 loops of the engine that are
// bound by memory rather than arithmetic: pooling, bias and ReLU, gradient
// accumulation and the Adam update. Plain Go does not vectorise them, so
// they are the next cost after the GEMM.
package vec

import "math"

// Max4 sets dst[i] = max(a[i], b[i], c[i], d[i]) for i < len(dst): the
// 2x2 max pool over four channel runs.
func Max4(dst, a, b, c, d []float32) {
	a, b, c, d = a[:len(dst)], b[:len(dst)], c[:len(dst)], d[:len(dst)]
	for i := range dst {
		dst[i] = max(max(a[i], b[i]), max(c[i], d[i]))
	}
}

// AddBias adds bias to each row of y (rows of len(bias)); with relu it then
// clamps at 0. len(y) is a multiple of len(bias).
func AddBias(y, bias []float32, relu bool) {
	for i := 0; i < len(y); i += len(bias) {
		row := y[i : i+len(bias)]
		row = row[:len(bias)]
		if relu {
			for j, b := range bias {
				row[j] = max(row[j]+b, 0)
			}
		} else {
			for j, b := range bias {
				row[j] += b
			}
		}
	}
}

// MaskReLU zeroes d[i] where y[i] <= 0: the backward pass of a ReLU whose
// output is y.
func MaskReLU(d, y []float32) {
	d = d[:len(y)]
	for i, v := range y {
		if v <= 0 {
			d[i] = 0
		}
	}
}

// Add sets dst[i] += src[i] for i < len(dst).
func Add(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// Adam applies one Adam step to w with gradient g and moments m, v (all of
// equal length):
//
//	m = b1·m + (1-b1)·g;  v = b2·v + (1-b2)·g²;  w -= lr·m/(√v + eps)
func Adam(w, g, m, v []float32, b1, b2, lr, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= lr * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}
