package augment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// blurFull is the slow reference: the full separable Gaussian blur of noise
// at every pixel, with zero outside the image, times alpha.
func blurFull(noise []float32, sigma, alpha float64) []float64 {
	r := int(math.Ceil(3 * sigma))
	var norm float64
	for i := -r - 2; i <= r+2; i++ {
		norm += math.Exp(-float64(i*i) / (2 * sigma * sigma))
	}
	w := func(d int) float64 {
		if d < -r || d > r {
			return 0
		}
		return math.Exp(-float64(d*d)/(2*sigma*sigma)) / norm
	}
	tmp := make([]float64, Pixels)
	for y := range Size {
		for x := range Size {
			for u := range Size {
				tmp[y*Size+x] += w(u-x) * float64(noise[y*Size+u])
			}
		}
	}
	out := make([]float64, Pixels)
	for y := range Size {
		for x := range Size {
			for v := range Size {
				out[y*Size+x] += w(v-y) * tmp[v*Size+x]
			}
		}
	}
	for i := range out {
		out[i] *= alpha
	}
	return out
}

// TestElasticMatchesFullBlur checks the coarse-grid field against the full
// blur: the interpolation error must be small next to the field's spread,
// and sub-pixel everywhere, so the distorted digits look the same.
func TestElasticMatchesFullBlur(t *testing.T) {
	const alpha = 34
	for _, tc := range []struct {
		sigma  float64
		maxErr float64 // largest error in pixels, at alpha 34
	}{
		{1, 1e-4}, // grid = every pixel: exact
		{3, 0.4},
		{4, 0.3},
		{5, 0.2},
		{6, 0.15},
		{10, 0.1},
	} {
		e := newElastic(tc.sigma)
		r := rand.New(rand.NewPCG(uint64(tc.sigma*10), 3))
		dx, dy := make([]float32, Pixels), make([]float32, Pixels)
		var worst, rms, rmsErr float64
		for range 20 {
			e.fields(dx, dy, r, alpha)
			want := blurFull(e.noise[:Pixels], tc.sigma, alpha)
			for i := range want {
				d := float64(dx[i]) - want[i]
				worst = max(worst, math.Abs(d))
				rmsErr += d * d
				rms += want[i] * want[i]
			}
		}
		rms = math.Sqrt(rms / (20 * Pixels))
		rmsErr = math.Sqrt(rmsErr / (20 * Pixels))
		t.Logf("sigma %v: grid %dx%d, field RMS %.3f px, error RMS %.4f px, worst %.4f px", tc.sigma, e.n, e.n, rms, rmsErr, worst)
		if worst > tc.maxErr || rmsErr > 0.05*rms {
			t.Errorf("sigma %v: error RMS %.4f px (field RMS %.3f px), worst %.4f px: want under 5%% and %v px",
				tc.sigma, rmsErr, rms, worst, tc.maxErr)
		}
	}
}

// TestElasticNoise checks the noise is uniform on [-1,1]: mean 0, variance 1/3.
func TestElasticNoise(t *testing.T) {
	e := newElastic(5)
	r := rand.New(rand.NewPCG(1, 1))
	dx, dy := make([]float32, Pixels), make([]float32, Pixels)
	var sum, sq float64
	const rounds = 50
	for range rounds {
		e.fields(dx, dy, r, 1)
		for _, v := range e.noise {
			if v < -1 || v > 1 {
				t.Fatalf("noise %v outside [-1,1]", v)
			}
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
	}
	n := float64(rounds * len(e.noise))
	if mean, variance := sum/n, sq/n; math.Abs(mean) > 0.01 || math.Abs(variance-1.0/3) > 0.01 {
		t.Errorf("noise mean %.4f variance %.4f, want 0 and 0.3333", mean, variance)
	}
}

func BenchmarkElastic(b *testing.B) {
	e := newElastic(5)
	r := rand.New(rand.NewPCG(1, 1))
	dx, dy := make([]float32, Pixels), make([]float32, Pixels)
	for b.Loop() {
		e.fields(dx, dy, r, 34)
	}
}

func BenchmarkWarp(b *testing.B) {
	src, dst := make([]float32, Pixels), make([]float32, Pixels)
	dx, dy := make([]float32, Pixels), make([]float32, Pixels)
	t := NewTransform(1.3, -0.7, 10, 1.05, 0.1)
	for b.Loop() {
		Warp(dst, src, t, dx, dy)
	}
}

func BenchmarkMorph(b *testing.B) {
	src, dst := make([]float32, Pixels), make([]float32, Pixels)
	for b.Loop() {
		Morph(dst, src, 0.5)
	}
}
