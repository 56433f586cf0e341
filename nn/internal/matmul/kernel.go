package matmul

import "sync/atomic"

// kernel describes one micro-kernel and the cache blocking that suits it.
type kernel struct {
	name   string
	mr, nr int // register tile: rows of packed A panels, columns of packed B panels
	kc     int // largest k block: an nr×kc B panel stays in L1
	mc     int // rows of A packed per block (multiple of mr): mc×kc stays in L2
	nc     int // columns of B packed per block (multiple of nr)
	// With a row-major A read in place (tileR), the unpacked A block is
	// best kept small enough to stay in L1 across the B panels.
	rowKC, rowMC int

	// maskedB: tile reads only cols columns of B, so an unpacked B can be
	// read in place up to its last column; otherwise tile reads all nr.
	maskedB bool
	// packOnly: pack except for a single-row product (the Go kernel's
	// strided loop is slower than packing).
	packOnly bool

	// tile computes the rows×cols top-left block of one register tile,
	//
	//	C[r*ldc+j] = sum over p < k of a[p*lda+r]*b[p*ldb+j] + beta*C[r*ldc+j]
	//
	// with 1 ≤ rows ≤ mr, 1 ≤ cols ≤ nr and k ≥ 1. C is not read when beta is
	// +0. Packed panels have lda = mr and ldb = nr; a transposed A or a plain
	// B can be read in place with their own strides. c starts at the tile's
	// top-left element.
	tile func(rows, cols, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32)

	// packBT, if not nil, replaces packB for a transposed B.
	packBT func(kc, nc int, b []float32, ldb int, dst []float32)

	// wide, if not nil, computes one row and wideN columns of C with A and
	// B read in place (A(0, p) = a[p*lda], B(p, j) = b[p*ldb+j]), exactly
	// as tile would for wideN/nr tiles of one row, only faster.
	wide  func(k int, a []float32, lda int, b []float32, ldb int, c []float32, beta float32)
	wideN int

	// tileR, if not nil, is tile with A row-major, a[r*lda+p], so a plain A
	// can be read in place.
	tileR func(rows, cols, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32)
}

// goKernel is the portable fallback, present on every platform.
var goKernel = &kernel{name: "go", mr: goMR, nr: goNR, kc: 256, mc: 128, nc: 1024, rowKC: 256, rowMC: 128, packOnly: true, tile: tileGo}

// kernels lists the kernels this machine can run, best first; the last is
// always goKernel.
var kernels = append(archKernels(), goKernel)

// active is the kernel Gemm uses; tests swap it to cover every kernel.
var active atomic.Pointer[kernel]

func init() { active.Store(kernels[0]) }

// Kernel names the micro-kernel Gemm uses on this machine: "avx512",
// "avx2" or "go".
func Kernel() string { return active.Load().name }
