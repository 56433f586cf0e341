//go:build amd64 && gc && !purego

package matmul

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWideMatchesTiles holds the one-row wide kernel to four 32-column
// tiles, bit for bit: a dense layer gives one image the same outputs
// whichever kernel runs. Only the AVX-512 kernel has a wide path; on other
// CPUs the test checks that none is registered.
func TestWideMatchesTiles(t *testing.T) {
	if !useAVX512 {
		for _, kn := range kernels {
			if kn.wide != nil {
				t.Errorf("kernel %s has a wide path without AVX-512", kn.name)
			}
		}
		return
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const ldb = 131
	for _, k := range []int{1, 2, 3, 4, 5, 9, 229, 1600} {
		for _, beta := range []float32{0, 1, 0.5, -2} {
			a := make([]float32, 2*k)
			b := make([]float32, k*ldb)
			c := make([]float32, 128)
			for _, s := range [][]float32{a, b, c} {
				for i := range s {
					s[i] = rng.Float32()*2 - 1
				}
			}
			wide, tiles := slices.Clone(c), slices.Clone(c)
			wideAVX512(k, a, 2, b, ldb, wide, beta)
			for q := range 4 {
				tileAVX512(1, 32, k, a, 2, b[32*q:], ldb, tiles[32*q:], 128, beta)
			}
			if !slices.Equal(wide, tiles) {
				t.Errorf("k %d, beta %g: wide kernel differs from the tiles", k, beta)
			}
		}
	}
}
