// Package matmul is digitnet's single entry point for dense float32 matrix
// multiplication. Every heavy product in the engine goes through Gemm, so a
// faster kernel replaces the arithmetic of every layer at once.
package matmul

// Gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where op(A)
// is m×k and op(B) is k×n.
//
// If transA is false, A is stored m×k with row stride lda (lda ≥ k);
// otherwise A is stored k×m (lda ≥ m) and op(A) = Aᵀ. Likewise for B: k×n
// with ldb ≥ n, or n×k with ldb ≥ k when transB. C is m×n with ldc ≥ n.
// When beta is 0, C is not read (so it may hold NaNs or garbage).
func Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmNaive(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// gemmNaive is the reference: the plain triple loop.
func gemmNaive(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = s
			} else {
				c[i*ldc+j] = beta*c[i*ldc+j] + s
			}
		}
	}
}
