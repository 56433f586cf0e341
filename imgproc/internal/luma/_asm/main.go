// Command asm generates the amd64 kernel of package luma with avo. It is a
// separate module so avo never reaches digitnet's go.mod.
//
// Run it through go generate in imgproc/internal/luma:
//
//	cd _asm && go run . -out ../pairs_amd64.s -stubs ../pairs_amd64_stubs.go -pkg luma
//
// The kernel must give the table-driven Go of ../pairs.go bit for bit, so
// it does the same float32 operations in the same order: each table entry
// is float32(c) * float32(v), which VCVTDQ2PS and VMULPS compute exactly
// so, and every sum is one IEEE addition, whichever instruction does it.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Rec. 601 luma weights over 255, rounded to float32 as Go rounds the
// untyped constants of ../pairs.go.
var weights = [3]float32{0.299 / 255, 0.587 / 255, 0.114 / 255}

func main() {
	ConstraintExpr("amd64,gc,!purego")
	genSumPairs()
	Generate()
}

// genSumPairs emits sumPairsAVX2(dst *float32, row0, row1 *byte, n int)
// uint32, which sets 8n values of dst, each the luma sum of a 2x2 block
// of RGBA pixels: dst[i] = (L(row0[2i]) + L(row0[2i+1])) + (L(row1[2i]) +
// L(row1[2i+1])), L(p) = (R[p.r] + G[p.g]) + B[p.b]. It returns the AND
// of all the pixels read, whose top byte is 255 when all are opaque: the
// check costs one instruction per vector already loaded, where a separate
// pass would read the rows again.
//
// One step reads 16 pixels of each row as two vectors of 8 dwords. The
// channels are masked and shifted out of the dwords, converted and
// weighted; VHADDPS adds neighbouring pixels (within 128-bit lanes, so the
// pair sums come out with their middle quadwords swapped), the two rows'
// pair sums are added, and VPERMQ puts the quadwords back in order.
func genSumPairs() {
	w := GLOBL("lumaWeights", RODATA|NOPTR)
	for i, v := range weights {
		DATA(4*i, F32(v))
	}
	DATA(12, U32(0xff))

	TEXT("sumPairsAVX2", NOSPLIT, "func(dst *float32, row0, row1 *byte, n int) uint32")
	Pragma("noescape")
	Doc("sumPairsAVX2 sets dst[0:8n] to the luma sums of the 2x2 blocks of 16n RGBA pixels of row0 over row1, and returns the AND of those pixels.")
	dst := Load(Param("dst"), GP64())
	row0 := Load(Param("row0"), GP64())
	row1 := Load(Param("row1"), GP64())
	n := Load(Param("n"), GP64())

	wr, wg, wb, mask := YMM(), YMM(), YMM(), YMM()
	VBROADCASTSS(w.Offset(0), wr)
	VBROADCASTSS(w.Offset(4), wg)
	VBROADCASTSS(w.Offset(8), wb)
	VPBROADCASTD(w.Offset(12), mask)
	all := YMM() // the AND of every pixel read
	VPCMPEQD(all, all, all)

	// lum returns the luma of the 8 pixels at m.
	lum := func(m Mem) VecVirtual {
		px, c, l, t := YMM(), YMM(), YMM(), YMM()
		VMOVDQU(m, px)
		VPAND(px, all, all)
		VPAND(mask, px, c)
		VCVTDQ2PS(c, l)
		VMULPS(wr, l, l)
		VPSRLD(U8(8), px, c)
		VPAND(mask, c, c)
		VCVTDQ2PS(c, t)
		VMULPS(wg, t, t)
		VADDPS(t, l, l)
		VPSRLD(U8(16), px, c)
		VPAND(mask, c, c)
		VCVTDQ2PS(c, t)
		VMULPS(wb, t, t)
		VADDPS(t, l, l)
		return l
	}

	Label("pairs_loop")
	TESTQ(n, n)
	JZ(LabelRef("pairs_done"))
	a0, a1 := lum(Mem{Base: row0}), lum(Mem{Base: row0, Disp: 32})
	b0, b1 := lum(Mem{Base: row1}), lum(Mem{Base: row1, Disp: 32})
	VHADDPS(a1, a0, a0) // row 0 pairs 0 1 4 5 | 2 3 6 7
	VHADDPS(b1, b0, b0) // row 1 likewise
	VADDPS(b0, a0, a0)
	VPERMQ(U8(0xd8), a0, a0) // quadwords 0 2 1 3: pairs 0..7
	VMOVUPS(a0, Mem{Base: dst})
	ADDQ(U8(64), row0)
	ADDQ(U8(64), row1)
	ADDQ(U8(32), dst)
	DECQ(n)
	JMP(LabelRef("pairs_loop"))

	Label("pairs_done")
	hi := XMM()
	VEXTRACTI128(U8(1), all, hi)
	VPAND(hi, all.AsX(), hi)
	VPSHUFD(U8(0x4e), hi, all.AsX()) // swap the quadwords
	VPAND(all.AsX(), hi, hi)
	VPSHUFD(U8(0xb1), hi, all.AsX()) // swap the dwords of each
	VPAND(all.AsX(), hi, hi)
	r := GP32()
	VMOVD(hi, r)
	Store(r, ReturnIndex(0))
	VZEROUPPER()
	RET()
}
