package matmul

import "sync/atomic"

// kernel describes one micro-kernel and the cache blocking that suits it.
type kernel struct {
	name   string
	mr, nr int // register tile: rows of packed A panels, columns of packed B panels
	kc     int // largest k block: an nr×kc B panel stays in L1
	mc     int // rows of A packed per block (multiple of mr): mc×kc stays in L2
	nc     int // columns of B packed per block (multiple of nr)

	// tile computes the rows×cols top-left block of one register tile,
	//
	//	C[r*ldc+j] = sum over p < k of a[p*mr+r]*b[p*nr+j] + beta*C[r*ldc+j]
	//
	// from packed panels a (k×mr) and b (k×nr), with 1 ≤ rows ≤ mr,
	// 1 ≤ cols ≤ nr and k ≥ 1. C is not read when beta is +0. c starts at the
	// tile's top-left element and must hold (rows-1)*ldc+cols elements.
	tile func(rows, cols, k int, a, b, c []float32, ldc int, beta float32)
}

// goKernel is the portable fallback, present on every platform.
var goKernel = &kernel{name: "go", mr: goMR, nr: goNR, kc: 256, mc: 128, nc: 1024, tile: tileGo}

// kernels lists the kernels this machine can run, best first; the last is
// always goKernel.
var kernels = append(archKernels(), goKernel)

// active is the kernel Gemm uses; tests swap it to cover every kernel.
var active atomic.Pointer[kernel]

func init() { active.Store(kernels[0]) }

// Kernel names the micro-kernel Gemm uses on this machine: "avx512",
// "avx2" or "go".
func Kernel() string { return active.Load().name }
