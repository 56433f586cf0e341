// Command asm generates the amd64 GEMM micro-kernels of package matmul with
// avo. It is a separate module so avo never reaches digitnet's go.mod.
//
// Run it through go generate in internal/matmul:
//
//	cd _asm && go run . -out ../gemm_amd64.s -stubs ../gemm_amd64_stubs.go -pkg matmul
//
// Every kernel computes one register tile of C from packed panels:
//
//	C[r][j] = acc[r][j] + beta*C[r][j]   (C not read when beta is +0)
//	acc[r][j] = sum over p < k of a[p*lda+r] * b[p*ldb+j]
//
// for r < rows (the rows variant) and the columns selected by mask (AVX-512)
// or all NR columns (AVX2); tileGo in ../kernel_go.go is the same loop in Go.
// The strides are arguments so the kernels read packed panels (lda = MR,
// ldb = NR) as well as panels of a transposed A or a plain B in place.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

const (
	avx512MR = 14 // rows of the AVX-512 tile: 28 zmm accumulators
	avx512NR = 32 // columns: two zmm registers
	avx2MR   = 6  // rows of the AVX2 tile: 12 ymm accumulators
	avx2NR   = 16 // columns: two ymm registers
	unroll   = 4  // k steps per loop iteration
	betaOne  = 0x3f800000
)

func main() {
	ConstraintExpr("amd64,gc,!purego")
	for rows := 1; rows <= avx512MR; rows++ {
		genAVX512(rows)
	}
	for rows := 1; rows <= avx2MR; rows++ {
		genAVX2(rows)
	}
	Generate()
}

// betaMode branches on the bit pattern of beta: +0 jumps to overwrite, 1.0
// to add, anything else falls through to the scaling path. The Go caller
// turns -0 into +0 so "beta == 0" matches Go's float comparison.
func betaMode(prefix string) {
	bits := GP32()
	MOVL(paramAddr("beta"), bits)
	TESTL(bits, bits)
	JZ(LabelRef(prefix + "_overwrite"))
	CMPL(bits, U32(betaOne))
	JE(LabelRef(prefix + "_add"))
}

func genAVX512(rows int) {
	name := fmt.Sprintf("gemmAVX512x%d", rows)
	TEXT(name, NOSPLIT, "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32, mask uint32)")
	Doc(fmt.Sprintf("%s computes a %dx%d tile of C, columns chosen by mask (bit j", name, rows, avx512NR),
		"for column j), from A and B panels whose k steps are lda and ldb elements apart.",
		"See tileGo in kernel_go.go for the loop it computes.")
	Pragma("noescape")

	k, a, lda, b, ldb := loadPanels()
	mask := Load(Param("mask"), GP32())
	KMOVW(mask, K1)
	SHRL(U8(16), mask)
	KMOVW(mask, K2)

	acc := make([][2]VecVirtual, rows)
	for r := range acc {
		for h := 0; h < 2; h++ {
			acc[r][h] = ZMM()
			VPXORD(acc[r][h], acc[r][h], acc[r][h])
		}
	}

	// One k step. The B loads are masked like the stores, so a B panel read
	// in place from an unpacked matrix never reads past its last column.
	step := func() {
		b0, b1 := ZMM(), ZMM()
		VMOVUPS_Z(Mem{Base: b}, K1, b0)
		VMOVUPS_Z(Mem{Base: b, Disp: 64}, K2, b1)
		for r := 0; r < rows; r++ {
			m := Mem{Base: a, Disp: r * 4}
			VFMADD231PS_BCST(m, b0, acc[r][0])
			VFMADD231PS_BCST(m, b1, acc[r][1])
		}
		ADDQ(lda, a)
		ADDQ(ldb, b)
	}
	kLoop(name, k, step)

	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	betaMode(name)

	// Scale: C = acc + beta*C.
	beta := ZMM()
	VBROADCASTSS(paramAddr("beta"), beta)
	for r := 0; r < rows; r++ {
		for h := 0; h < 2; h++ {
			kk := []Op{K1, K2}[h]
			t := ZMM()
			VMOVUPS_Z(Mem{Base: c, Disp: 64 * h}, kk, t)
			VFMADD231PS(t, beta, acc[r][h])
			VMOVUPS(acc[r][h], kk, Mem{Base: c, Disp: 64 * h})
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}
	JMP(LabelRef(name + "_done"))

	// Add: C = acc + C.
	Label(name + "_add")
	for r := 0; r < rows; r++ {
		for h := 0; h < 2; h++ {
			kk := []Op{K1, K2}[h]
			t := ZMM()
			VMOVUPS_Z(Mem{Base: c, Disp: 64 * h}, kk, t)
			VADDPS(t, acc[r][h], acc[r][h])
			VMOVUPS(acc[r][h], kk, Mem{Base: c, Disp: 64 * h})
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}
	JMP(LabelRef(name + "_done"))

	// Overwrite: C = acc, C never read.
	Label(name + "_overwrite")
	for r := 0; r < rows; r++ {
		for h := 0; h < 2; h++ {
			kk := []Op{K1, K2}[h]
			VMOVUPS(acc[r][h], kk, Mem{Base: c, Disp: 64 * h})
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func genAVX2(rows int) {
	name := fmt.Sprintf("gemmAVX2x%d", rows)
	TEXT(name, NOSPLIT, "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32)")
	Doc(fmt.Sprintf("%s computes a full %dx%d tile of C from A and B panels whose", name, rows, avx2NR),
		"k steps are lda and ldb elements apart.",
		"See tileGo in kernel_go.go for the loop it computes.")
	Pragma("noescape")

	k, a, lda, b, ldb := loadPanels()

	acc := make([][2]VecVirtual, rows)
	for r := range acc {
		for h := 0; h < 2; h++ {
			acc[r][h] = YMM()
			VXORPS(acc[r][h], acc[r][h], acc[r][h])
		}
	}

	step := func() {
		b0, b1 := YMM(), YMM()
		VMOVUPS(Mem{Base: b}, b0)
		VMOVUPS(Mem{Base: b, Disp: 32}, b1)
		for r := 0; r < rows; r++ {
			t := YMM()
			VBROADCASTSS(Mem{Base: a, Disp: r * 4}, t)
			VFMADD231PS(t, b0, acc[r][0])
			VFMADD231PS(t, b1, acc[r][1])
		}
		ADDQ(lda, a)
		ADDQ(ldb, b)
	}
	kLoop(name, k, step)

	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	betaMode(name)

	beta := YMM()
	VBROADCASTSS(paramAddr("beta"), beta)
	for r := 0; r < rows; r++ {
		for h := 0; h < 2; h++ {
			m := Mem{Base: c, Disp: 32 * h}
			VFMADD231PS(m, beta, acc[r][h])
			VMOVUPS(acc[r][h], m)
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}
	JMP(LabelRef(name + "_done"))

	Label(name + "_add")
	for r := 0; r < rows; r++ {
		for h := 0; h < 2; h++ {
			m := Mem{Base: c, Disp: 32 * h}
			VADDPS(m, acc[r][h], acc[r][h])
			VMOVUPS(acc[r][h], m)
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}
	JMP(LabelRef(name + "_done"))

	Label(name + "_overwrite")
	for r := 0; r < rows; r++ {
		for h := 0; h < 2; h++ {
			VMOVUPS(acc[r][h], Mem{Base: c, Disp: 32 * h})
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// paramAddr is the frame address of a scalar argument, for instructions that
// take it straight from memory.
func paramAddr(name string) Mem {
	p, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return p.Addr
}

// loadPanels loads the k count and the panel pointers, with the k-step
// strides turned into bytes.
func loadPanels() (k, a, lda, b, ldb Register) {
	k = Load(Param("k"), GP64())
	a = Load(Param("a"), GP64())
	lda = Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	b = Load(Param("b"), GP64())
	ldb = Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	return k, a, lda, b, ldb
}

// kLoop runs step k times, unrolled.
func kLoop(name string, k Register, step func()) {
	Label(name + "_loop")
	CMPQ(k, U8(unroll))
	JL(LabelRef(name + "_tail"))
	for u := 0; u < unroll; u++ {
		step()
	}
	SUBQ(U8(unroll), k)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))
	step()
	DECQ(k)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_store")
}
