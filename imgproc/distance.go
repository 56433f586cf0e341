// The Euclidean distance transform, for the normaliseStroke step.

package imgproc

import "math"

// edt returns, for each pixel, the Euclidean distance to the nearest pixel
// where feature is true (math.MaxFloat32-ish when there is none), by the
// two-pass lower-envelope method of Felzenszwalb and Huttenlocher,
// "Distance Transforms of Sampled Functions" (2012), linear in the pixels.
func edt(feature []bool, w, h int) []float32 {
	const inf = 1e20
	d := make([]float64, w*h)
	for i, f := range feature {
		if !f {
			d[i] = inf
		}
	}
	n := max(w, h)
	f := make([]float64, n)
	out := make([]float64, n)
	v := make([]int, n)
	z := make([]float64, n+1)
	for x := range w {
		for y := range h {
			f[y] = d[y*w+x]
		}
		dt1(f[:h], out[:h], v, z)
		for y := range h {
			d[y*w+x] = out[y]
		}
	}
	for y := range h {
		copy(f, d[y*w:(y+1)*w])
		dt1(f[:w], out[:w], v, z)
		copy(d[y*w:(y+1)*w], out[:w])
	}
	res := make([]float32, w*h)
	for i, s := range d {
		res[i] = float32(math.Sqrt(s))
	}
	return res
}

// dt1 is the 1-D squared distance transform of sampled function f.
func dt1(f, out []float64, v []int, z []float64) {
	n := len(f)
	if n == 0 {
		return
	}
	k := 0
	v[0] = 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		s := parabolaCross(f, q, v[k])
		for s <= z[k] { // z[0] is -Inf, so k stays >= 0
			k--
			s = parabolaCross(f, q, v[k])
		}
		k++
		v[k] = q
		z[k], z[k+1] = s, math.Inf(1)
	}
	k = 0
	for q := range n {
		for z[k+1] < float64(q) {
			k++
		}
		dq := float64(q - v[k])
		out[q] = dq*dq + f[v[k]]
	}
}

// parabolaCross is where the parabolas rooted at q and p intersect.
func parabolaCross(f []float64, q, p int) float64 {
	return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*q-2*p)
}
