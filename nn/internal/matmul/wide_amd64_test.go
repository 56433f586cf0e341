//go:build amd64 && gc && !purego

package matmul

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWideMatchesTiles holds each one-row wide kernel to the tiles of its
// kernel, bit for bit: a dense layer gives one image the same outputs
// whichever path runs.
func TestWideMatchesTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const ldb = 131
	tested := 0
	for _, kn := range kernels {
		if kn.wide == nil {
			continue
		}
		tested++
		for _, k := range []int{1, 2, 3, 4, 5, 9, 229, 1600} {
			for _, beta := range []float32{0, 1, 0.5, -2} {
				a := make([]float32, 2*k)
				b := make([]float32, k*ldb)
				c := make([]float32, kn.wideN)
				for _, s := range [][]float32{a, b, c} {
					for i := range s {
						s[i] = rng.Float32()*2 - 1
					}
				}
				wide, tiles := slices.Clone(c), slices.Clone(c)
				kn.wide(k, a, 2, b, ldb, wide, beta)
				for q := range kn.wideN / kn.nr {
					kn.tile(1, kn.nr, k, a, 2, b[kn.nr*q:], ldb, tiles[kn.nr*q:], kn.wideN, beta)
				}
				if !slices.Equal(wide, tiles) {
					t.Errorf("%s, k %d, beta %g: wide kernel differs from the tiles", kn.name, k, beta)
				}
			}
		}
	}
	if useAVX2 && tested == 0 {
		t.Error("no wide kernel on a CPU with AVX2")
	}
}
