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
//	acc[r][j] = sum over p < k of a[p*MR+r] * b[p*NR+j]
//
// for r < rows (the rows variant) and the columns selected by mask (AVX-512)
// or all NR columns (AVX2); tileGo in ../kernel_go.go is the same loop in Go.
// The packed A panel always has the stride MR of the largest variant, so a
// partial panel at the bottom edge of A is read by a smaller-rows kernel
// without repacking.
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
	TEXT(name, NOSPLIT, "func(k int, a, b, c *float32, ldc int, beta float32, mask uint32)")
	Doc(fmt.Sprintf("%s computes a %dx%d tile of C (columns chosen by mask) from", name, rows, avx512NR),
		fmt.Sprintf("a packed A panel with stride %d and a packed B panel with stride %d.", avx512MR, avx512NR),
		"See tileGo in kernel_go.go for the loop it computes.")
	Pragma("noescape")

	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	acc := make([][2]VecVirtual, rows)
	for r := range acc {
		for h := 0; h < 2; h++ {
			acc[r][h] = ZMM()
			VPXORD(acc[r][h], acc[r][h], acc[r][h])
		}
	}

	step := func(u int) {
		b0, b1 := ZMM(), ZMM()
		VMOVUPS(Mem{Base: b, Disp: u * avx512NR * 4}, b0)
		VMOVUPS(Mem{Base: b, Disp: u*avx512NR*4 + 64}, b1)
		for r := 0; r < rows; r++ {
			m := Mem{Base: a, Disp: (u*avx512MR + r) * 4}
			VFMADD231PS_BCST(m, b0, acc[r][0])
			VFMADD231PS_BCST(m, b1, acc[r][1])
		}
	}

	Label(name + "_loop4")
	CMPQ(k, U8(unroll))
	JL(LabelRef(name + "_tail"))
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(unroll*avx512MR*4), a)
	ADDQ(U32(unroll*avx512NR*4), b)
	SUBQ(U8(unroll), k)
	JMP(LabelRef(name + "_loop4"))

	Label(name + "_tail")
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))
	step(0)
	ADDQ(U32(avx512MR*4), a)
	ADDQ(U32(avx512NR*4), b)
	DECQ(k)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_store")
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	mask := Load(Param("mask"), GP32())
	KMOVW(mask, K1)
	SHRL(U8(16), mask)
	KMOVW(mask, K2)
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
	TEXT(name, NOSPLIT, "func(k int, a, b, c *float32, ldc int, beta float32)")
	Doc(fmt.Sprintf("%s computes a full %dx%d tile of C from a packed A panel", name, rows, avx2NR),
		fmt.Sprintf("with stride %d and a packed B panel with stride %d.", avx2MR, avx2NR),
		"See tileGo in kernel_go.go for the loop it computes.")
	Pragma("noescape")

	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	acc := make([][2]VecVirtual, rows)
	for r := range acc {
		for h := 0; h < 2; h++ {
			acc[r][h] = YMM()
			VXORPS(acc[r][h], acc[r][h], acc[r][h])
		}
	}

	step := func(u int) {
		b0, b1 := YMM(), YMM()
		VMOVUPS(Mem{Base: b, Disp: u * avx2NR * 4}, b0)
		VMOVUPS(Mem{Base: b, Disp: u*avx2NR*4 + 32}, b1)
		for r := 0; r < rows; r++ {
			t := YMM()
			VBROADCASTSS(Mem{Base: a, Disp: (u*avx2MR + r) * 4}, t)
			VFMADD231PS(t, b0, acc[r][0])
			VFMADD231PS(t, b1, acc[r][1])
		}
	}

	Label(name + "_loop4")
	CMPQ(k, U8(unroll))
	JL(LabelRef(name + "_tail"))
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(unroll*avx2MR*4), a)
	ADDQ(U32(unroll*avx2NR*4), b)
	SUBQ(U8(unroll), k)
	JMP(LabelRef(name + "_loop4"))

	Label(name + "_tail")
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))
	step(0)
	ADDQ(U32(avx2MR*4), a)
	ADDQ(U32(avx2NR*4), b)
	DECQ(k)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_store")
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
