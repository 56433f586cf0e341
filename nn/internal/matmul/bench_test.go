package matmul

import (
	"math/rand/v2"
	"testing"
)

// benchShapes are the products of training the tutorial CNN at batch 32 and
// of inference at batch 1 and 1000.
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"conv1_fwd_b32", false, false, 32 * 26 * 26, 32, 9},
	{"conv2_fwd_b32", false, false, 32 * 11 * 11, 64, 288},
	{"conv2_dW_b32", true, false, 288, 64, 32 * 11 * 11},
	{"conv2_dX_b32", false, true, 32 * 11 * 11, 288, 64},
	{"conv1_dW_b32", true, false, 9, 32, 32 * 26 * 26},
	{"dense1_fwd_b32", false, false, 32, 128, 1600},
	{"dense1_dW_b32", true, false, 1600, 128, 32},
	{"dense1_dX_b32", false, true, 32, 1600, 128},
	{"dense2_fwd_b32", false, false, 32, 10, 128},
	{"conv2_fwd_b1", false, false, 121, 64, 288},
	{"dense1_fwd_b1", false, false, 1, 128, 1600},
	{"conv2_fwd_b1000", false, false, 121000, 64, 288},
	// nn lowers conv layers a chunk of images at a time (2 for conv2, 16 for
	// conv1) so the patch matrix stays in L2: these are its real calls.
	{"conv2_fwd_chunk2", false, false, 2 * 121, 64, 288},
	{"conv2_dW_chunk2", true, false, 288, 64, 2 * 121},
	{"conv2_dX_chunk2", false, true, 2 * 121, 288, 64},
	{"conv1_fwd_chunk16", false, false, 16 * 676, 32, 9},
	{"conv1_dW_chunk16", true, false, 9, 32, 16 * 676},
	// The same products with W stored out×in, as PyTorch does.
	{"conv2_fwd_Wt_b32", false, true, 32 * 11 * 11, 64, 288},
	{"conv2_dW_Wt_b32", true, false, 64, 288, 32 * 11 * 11},
	{"conv2_dX_Wt_b32", false, false, 32 * 11 * 11, 288, 64},
	{"dense1_fwd_Wt_b32", false, true, 32, 128, 1600},
	{"dense1_dW_Wt_b32", true, false, 128, 1600, 32},
}

func BenchmarkGemm(b *testing.B) {
	for _, name := range kernelNames() {
		b.Run(name, func(b *testing.B) {
			defer setKernel(name)()
			for _, s := range benchShapes {
				b.Run(s.name, func(b *testing.B) {
					rng := rand.New(rand.NewPCG(1, 1))
					a := make([]float32, s.m*s.k)
					bm := make([]float32, s.k*s.n)
					c := make([]float32, s.m*s.n)
					for i := range a {
						a[i] = uniform(rng)
					}
					for i := range bm {
						bm[i] = uniform(rng)
					}
					lda, ldb := s.k, s.n
					if s.transA {
						lda = s.m
					}
					if s.transB {
						ldb = s.k
					}
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						Gemm(s.transA, s.transB, s.m, s.n, s.k, a, lda, bm, ldb, 0, c, s.n)
					}
					flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			}
		})
	}
}
