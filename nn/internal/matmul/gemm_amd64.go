//go:build amd64 && gc && !purego

package matmul

import "golang.org/x/sys/cpu"

// The AVX-512 code uses only AVX512F instructions (zmm FMA, broadcasts,
// opmask loads and stores, gathers); the AVX2 kernels need FMA3 as well.
// x/sys/cpu also checks that the OS saves the zmm/ymm state.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// Tile shapes baked into _asm/main.go.
const (
	avx512MR = 14
	avx512NR = 32
	avx2MR   = 6
	avx2NR   = 16
)

func archKernels() []*kernel {
	var ks []*kernel
	if useAVX512 {
		// Blocking measured on Zen 5 (48 KiB L1d, 1 MiB L2) for the
		// engine's shapes: a 384-deep slice keeps conv2's k = 288 whole,
		// and 84 rows of a plain A stay in L1 across the B panels.
		ks = append(ks, &kernel{
			name: "avx512", mr: avx512MR, nr: avx512NR,
			kc: 256, mc: 14 * 12, nc: 512, rowKC: 384, rowMC: 14 * 6,
			maskedB: true, tile: tileAVX512, tileR: tileRAVX512, packBT: packBTransAVX512,
			wide: wideAVX512, wideN: 128,
		})
	}
	if useAVX2 {
		ks = append(ks, &kernel{
			name: "avx2", mr: avx2MR, nr: avx2NR,
			kc: 256, mc: 6 * 16, nc: 512, rowKC: 384, rowMC: 6 * 16,
			tile: tileAVX2, tileR: tileRAVX2,
			wide: wideAVX2, wideN: 64,
		})
	}
	return ks
}

// tileAVX512 runs the rows-high assembly kernel; the column mask keeps loads
// and stores inside the tile, so edges need no copy.
func tileAVX512(rows, cols, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32) {
	// Bounds proofs for the memory the assembly touches.
	_ = a[(k-1)*lda+rows-1]
	_ = b[(k-1)*ldb+cols-1]
	_ = c[(rows-1)*ldc+cols-1]
	avx512Rows(rows, k, &a[0], lda, &b[0], ldb, &c[0], ldc, beta, uint32(uint64(1)<<cols-1))
}

// wideAVX512 runs the one-row, 128-column kernel.
func wideAVX512(k int, a []float32, lda int, b []float32, ldb int, c []float32, beta float32) {
	_ = a[(k-1)*lda]
	_ = b[(k-1)*ldb+127]
	_ = c[127]
	gemmAVX512Wx1(k, &a[0], lda, &b[0], ldb, &c[0], beta)
}

// wideAVX2 runs the one-row, 64-column kernel.
func wideAVX2(k int, a []float32, lda int, b []float32, ldb int, c []float32, beta float32) {
	_ = a[(k-1)*lda]
	_ = b[(k-1)*ldb+63]
	_ = c[63]
	gemmAVX2Wx1(k, &a[0], lda, &b[0], ldb, &c[0], beta)
}

// tileRAVX512 is tileAVX512 for a row-major A read in place.
func tileRAVX512(rows, cols, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32) {
	_ = a[(rows-1)*lda+k-1]
	_ = b[(k-1)*ldb+cols-1]
	_ = c[(rows-1)*ldc+cols-1]
	avx512RowsR(rows, k, &a[0], lda, &b[0], ldb, &c[0], ldc, beta, uint32(uint64(1)<<cols-1))
}

// avx512Rows calls the rows-high panel kernel. Direct calls, unlike a table
// of func values, keep the stubs' noescape promise, so scratch tiles stay on
// the stack.
func avx512Rows(rows, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32, mask uint32) {
	switch rows {
	case 1:
		gemmAVX512x1(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 2:
		gemmAVX512x2(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 3:
		gemmAVX512x3(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 4:
		gemmAVX512x4(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 5:
		gemmAVX512x5(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 6:
		gemmAVX512x6(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 7:
		gemmAVX512x7(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 8:
		gemmAVX512x8(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 9:
		gemmAVX512x9(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 10:
		gemmAVX512x10(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 11:
		gemmAVX512x11(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 12:
		gemmAVX512x12(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 13:
		gemmAVX512x13(k, a, lda, b, ldb, c, ldc, beta, mask)
	default:
		gemmAVX512x14(k, a, lda, b, ldb, c, ldc, beta, mask)
	}
}

// avx512RowsR calls the rows-high row-major-A kernel.
func avx512RowsR(rows, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32, mask uint32) {
	switch rows {
	case 1:
		gemmAVX512Rx1(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 2:
		gemmAVX512Rx2(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 3:
		gemmAVX512Rx3(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 4:
		gemmAVX512Rx4(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 5:
		gemmAVX512Rx5(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 6:
		gemmAVX512Rx6(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 7:
		gemmAVX512Rx7(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 8:
		gemmAVX512Rx8(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 9:
		gemmAVX512Rx9(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 10:
		gemmAVX512Rx10(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 11:
		gemmAVX512Rx11(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 12:
		gemmAVX512Rx12(k, a, lda, b, ldb, c, ldc, beta, mask)
	case 13:
		gemmAVX512Rx13(k, a, lda, b, ldb, c, ldc, beta, mask)
	default:
		gemmAVX512Rx14(k, a, lda, b, ldb, c, ldc, beta, mask)
	}
}

// tileAVX2 runs the rows-high assembly kernel, going through a scratch tile
// when fewer than avx2NR columns remain.
func tileAVX2(rows, cols, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32) {
	_ = a[(k-1)*lda+rows-1]
	_ = b[(k-1)*ldb+avx2NR-1] // all avx2NR columns are read: B is packed or wide enough
	_ = c[(rows-1)*ldc+cols-1]
	if cols == avx2NR {
		avx2Rows(rows, k, &a[0], lda, &b[0], ldb, &c[0], ldc, beta)
		return
	}
	var t [avx2MR][avx2NR]float32
	avx2Rows(rows, k, &a[0], lda, &b[0], ldb, &t[0][0], avx2NR, 0)
	for r := 0; r < rows; r++ {
		storeRow(t[r][:cols], c[r*ldc:r*ldc+cols], beta)
	}
}

// tileRAVX2 is tileAVX2 for a row-major A read in place.
func tileRAVX2(rows, cols, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32) {
	_ = a[(rows-1)*lda+k-1]
	_ = b[(k-1)*ldb+avx2NR-1]
	_ = c[(rows-1)*ldc+cols-1]
	if cols == avx2NR {
		avx2RowsR(rows, k, &a[0], lda, &b[0], ldb, &c[0], ldc, beta)
		return
	}
	var t [avx2MR][avx2NR]float32
	avx2RowsR(rows, k, &a[0], lda, &b[0], ldb, &t[0][0], avx2NR, 0)
	for r := 0; r < rows; r++ {
		storeRow(t[r][:cols], c[r*ldc:r*ldc+cols], beta)
	}
}

// avx2Rows calls the rows-high panel kernel (see avx512Rows).
func avx2Rows(rows, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32) {
	switch rows {
	case 1:
		gemmAVX2x1(k, a, lda, b, ldb, c, ldc, beta)
	case 2:
		gemmAVX2x2(k, a, lda, b, ldb, c, ldc, beta)
	case 3:
		gemmAVX2x3(k, a, lda, b, ldb, c, ldc, beta)
	case 4:
		gemmAVX2x4(k, a, lda, b, ldb, c, ldc, beta)
	case 5:
		gemmAVX2x5(k, a, lda, b, ldb, c, ldc, beta)
	default:
		gemmAVX2x6(k, a, lda, b, ldb, c, ldc, beta)
	}
}

// avx2RowsR calls the rows-high row-major-A kernel.
func avx2RowsR(rows, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32) {
	switch rows {
	case 1:
		gemmAVX2Rx1(k, a, lda, b, ldb, c, ldc, beta)
	case 2:
		gemmAVX2Rx2(k, a, lda, b, ldb, c, ldc, beta)
	case 3:
		gemmAVX2Rx3(k, a, lda, b, ldb, c, ldc, beta)
	case 4:
		gemmAVX2Rx4(k, a, lda, b, ldb, c, ldc, beta)
	case 5:
		gemmAVX2Rx5(k, a, lda, b, ldb, c, ldc, beta)
	default:
		gemmAVX2Rx6(k, a, lda, b, ldb, c, ldc, beta)
	}
}

// packBTransAVX512 is packB for a transposed B and nr = 32, gathering each k
// step of a panel with two AVX-512 gathers.
func packBTransAVX512(kc, nc int, b []float32, ldb int, dst []float32) {
	if 32*ldb >= 1<<31 {
		packB(avx512NR, kc, nc, b, ldb, true, dst) // int32 gather offsets would overflow
		return
	}
	var idx [avx512NR]int32
	for j := range idx {
		idx[j] = int32(j * ldb)
	}
	for j0 := 0; j0 < nc; j0 += avx512NR {
		cols := min(avx512NR, nc-j0)
		src := b[j0*ldb : j0*ldb+(cols-1)*ldb+kc] // all the gathers read
		d := dst[j0*kc : j0*kc+avx512NR*kc]
		packBTAVX512(&d[0], &src[0], kc, &idx[0], uint32(uint64(1)<<cols-1))
	}
}
