package augment

import (
	"math"
	"math/rand/v2"
)

// elastic makes Simard-style displacement fields: uniform noise in [-1,1]
// per pixel, blurred by a Gaussian of standard deviation sigma, times alpha.
//
// The blur is the expensive part (28*28 pixels times about 6*sigma taps, in
// two passes, for two fields), so it is only evaluated on a coarse grid of
// n x n points spaced no more than sigma apart, and the field is then
// interpolated bilinearly between them. A Gaussian of standard deviation
// sigma keeps almost nothing at wavelengths shorter than sigma, so the
// interpolation error is small next to the field itself (the tests check
// it against the full blur); it cuts the cost about fourfold at sigma 4..6.
// Noise outside the image counts as zero, so the distortion fades towards
// the border, where MNIST digits have no ink.
type elastic struct {
	n      int                    // grid points per side, up to maxGrid
	w      [maxGrid][Size]float32 // w[k][x]: Gaussian weight of pixel x for grid point k
	lo, hi [maxGrid]int           // w[k][x] is zero outside lo[k] <= x <= hi[k]
	idx    [Size][4]int           // pixel i is interpolated from grid points idx[i][0..3] ...
	cw     [Size][4]float32       // ... with Catmull-Rom weights cw[i][0..3]

	noise [2 * Pixels]float32        // x then y noise
	tmp   [Size * maxGrid]float32    // tmp[y*n+k]: row y blurred at grid column k
	grid  [maxGrid * maxGrid]float32 // grid[j*n+k]: field at grid point (k, j)
	row   [maxGrid]float32
}

// maxGrid is the most grid points per side: one per pixel plus one beyond
// each border, so that cubic interpolation has all four neighbours.
const maxGrid = Size + 2

// minSigma keeps the kernel from degenerating; below it the field is close
// to white noise anyway.
const minSigma = 0.5

func newElastic(sigma float64) *elastic {
	e := new(elastic)
	sigma = max(sigma, minSigma)
	// Grid points (k-1)*step for k = 0..n-1 span the image plus one step
	// beyond each border, with step no more than sigma.
	intervals := min(Size-1, int(math.Ceil((Size-1)/sigma)))
	e.n = intervals + 3
	step := float64(Size-1) / float64(intervals)
	radius := math.Ceil(3 * sigma)
	for k := range e.n {
		g := float64(k-1) * step
		// Normalise by the sum over the whole integer lattice, so a grid point
		// between pixels gets the same total weight as one on a pixel.
		var sum float64
		for i := math.Floor(g - radius - 2); i <= math.Ceil(g+radius+2); i++ {
			sum += math.Exp(-(i - g) * (i - g) / (2 * sigma * sigma))
		}
		e.lo[k] = max(0, int(math.Ceil(g-radius)))
		e.hi[k] = min(Size-1, int(math.Floor(g+radius)))
		for x := e.lo[k]; x <= e.hi[k]; x++ {
			d := float64(x) - g
			e.w[k][x] = float32(math.Exp(-d*d/(2*sigma*sigma)) / sum)
		}
	}
	for i := range Size {
		u := float64(i)/step + 1 // in grid index units
		k := min(int(u), intervals)
		t := u - float64(k)
		t2, t3 := t*t, t*t*t
		w := [4]float64{(-t3 + 2*t2 - t) / 2, (3*t3 - 5*t2 + 2) / 2, (-3*t3 + 4*t2 + t) / 2, (t3 - t2) / 2}
		for m := range 4 {
			e.idx[i][m] = k - 1 + m
			e.cw[i][m] = float32(w[m])
		}
	}
	return e
}

// fields draws fresh noise from r and writes alpha times the smoothed
// displacement fields to dx and dy.
func (e *elastic) fields(dx, dy []float32, r *rand.Rand, alpha float32) {
	// Four 16-bit draws per Uint64: the noise needs no more resolution, and
	// this takes a quarter of the generator calls.
	const scale = 2.0 / 0xffff
	for i := 0; i < len(e.noise); i += 4 {
		u := r.Uint64()
		e.noise[i] = float32(u&0xffff)*scale - 1
		e.noise[i+1] = float32(u>>16&0xffff)*scale - 1
		e.noise[i+2] = float32(u>>32&0xffff)*scale - 1
		e.noise[i+3] = float32(u>>48)*scale - 1
	}
	e.smooth(dx, e.noise[:Pixels], alpha)
	e.smooth(dy, e.noise[Pixels:], alpha)
}

// smooth writes to dst alpha times noise blurred by the Gaussian, evaluated
// on the coarse grid and interpolated bilinearly in between.
func (e *elastic) smooth(dst, noise []float32, alpha float32) {
	n := e.n
	// Horizontal pass: every row, at the grid columns only.
	for y := range Size {
		src := noise[y*Size : y*Size+Size]
		out := e.tmp[y*n : y*n+n]
		for k := range out {
			if e.lo[k] > e.hi[k] {
				out[k] = 0
				continue
			}
			w := e.w[k][e.lo[k] : e.hi[k]+1]
			s := src[e.lo[k] : e.hi[k]+1]
			var acc float32
			for x, v := range s {
				acc += w[x] * v
			}
			out[k] = acc
		}
	}
	// Vertical pass: at the grid rows only.
	for j := range n {
		out := e.grid[j*n : j*n+n]
		clear(out)
		for y := e.lo[j]; y <= e.hi[j]; y++ {
			wy := e.w[j][y] * alpha
			in := e.tmp[y*n : y*n+n]
			for k, v := range in {
				out[k] += wy * v
			}
		}
	}
	// Cubic interpolation back to every pixel.
	row := e.row[:n]
	for y := range Size {
		j, w := &e.idx[y], &e.cw[y]
		a := e.grid[j[0]*n : j[0]*n+n]
		b := e.grid[j[1]*n : j[1]*n+n]
		c := e.grid[j[2]*n : j[2]*n+n]
		d := e.grid[j[3]*n : j[3]*n+n]
		for k := range row {
			row[k] = w[0]*a[k] + w[1]*b[k] + w[2]*c[k] + w[3]*d[k]
		}
		out := dst[y*Size : y*Size+Size]
		for x := range out {
			k, w := &e.idx[x], &e.cw[x]
			out[x] = w[0]*row[k[0]] + w[1]*row[k[1]] + w[2]*row[k[2]] + w[3]*row[k[3]]
		}
	}
}
