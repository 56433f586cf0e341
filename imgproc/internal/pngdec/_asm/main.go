// Command asm generates the amd64 Paeth filter of package pngdec with avo.
// It is a separate module so avo never reaches digitnet's go.mod.
//
// Run it through go generate in imgproc/internal/pngdec:
//
//	cd _asm && go run . -out ../filter_amd64.s -stubs ../filter_amd64_stubs.go -pkg pngdec
//
// The Paeth filter predicts each byte from its left neighbour a, which is
// the previous result, so a row is one long chain of dependent steps. The
// kernel holds one pixel's channels as 16-bit lanes of an xmm register and
// computes them together; each step of the chain is one 1-cycle AVX
// instruction, with the predictor written so that the chain is short:
//
//	pa = |b-c|  pb = |a-c|  pc = |a+b-2c| = |(a-c)+(b-c)|
//	bc = pb <= pc ? b : c   pbc = min(pb, pc)
//	p  = pa <= pbc ? a : bc
//
// which picks as the spec's PaethPredictor does (ties to a, then b). The
// pure-Go paeth in ../filter.go is the reference it is tested against.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64,gc,!purego")
	genPaeth(3)
	genPaeth(4)
	genPaethPair(3)
	genPaethPair(4)
	genRGBToRGBA()
	Generate()
}

// genPaeth emits paethAVX<bpp>(cur, prev *byte, n int), which unfilters the
// first n pixels of a Paeth row in place. Each pixel is read as four bytes,
// so for bpp 3 the caller leaves the row's last pixel out (its fourth byte
// would be past the row); only bpp bytes are written.
func genPaeth(bpp int) {
	name := fmt.Sprintf("paethAVX%d", bpp)
	TEXT(name, NOSPLIT, "func(cur, prev *byte, n int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s unfilters the first n %d-byte pixels of a Paeth-filtered row.", name, bpp))
	cur := Load(Param("cur"), GP64())
	prev := Load(Param("prev"), GP64())
	n := Load(Param("n"), GP64())

	low := lowBytes()
	a, c := XMM(), XMM() // left and above-left, 0 at the row's start
	VPXOR(a, a, a)
	VPXOR(c, c, c)
	t := GP32()

	Label(name + "_loop")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	b, x := XMM(), XMM()
	VMOVD(Mem{Base: prev}, b)
	VPMOVZXBW(b, b)
	VMOVD(Mem{Base: cur}, x)
	VPMOVZXBW(x, x)

	paethStep(a, b, c, x, low)

	out := XMM()
	VPACKUSWB(a, a, out)
	VMOVD(out, t)
	storePixel(t, cur, bpp)
	ADDQ(U8(bpp), cur)
	ADDQ(U8(bpp), prev)
	DECQ(n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_done")
	RET()
}

// lowBytes returns a register with 0x00ff in every 16-bit lane.
func lowBytes() VecVirtual {
	low := XMM()
	VPCMPEQW(low, low, low)
	VPSRLW(U8(8), low, low)
	return low
}

// paethStep emits one step of the Paeth chain on 16-bit lanes: with left
// a, above b, above-left c and filtered bytes x, it sets a to the
// unfiltered bytes, x plus the predictor modulo 256 (low is lowBytes), and
// c to b for the next pixel.
func paethStep(a, b, c, x, low VecVirtual) {
	d, pa := XMM(), XMM() // b-c and |b-c|: off the chain through a
	VPSUBW(c, b, d)
	VPABSW(d, pa)
	e, pb, pc := XMM(), XMM(), XMM()
	VPSUBW(c, a, e) // a-c
	VPABSW(e, pb)
	VPADDW(d, e, pc) // a+b-2c
	VPABSW(pc, pc)

	m, bc, pbc := XMM(), XMM(), XMM()
	VPCMPGTW(pc, pb, m)    // pb > pc
	VPBLENDVB(m, c, b, bc) // pb > pc ? c : b
	VPMINSW(pc, pb, pbc)   // min(pb, pc)
	VPCMPGTW(pbc, pa, m)   // pa > min(pb, pc)
	VPBLENDVB(m, bc, a, m) // the predictor
	VPADDW(m, x, a)        // the byte, plus the predictor,
	VPAND(low, a, a)       // modulo 256
	VMOVDQA(b, c)
}

// storePixel writes the low bpp (3 or 4) bytes of t at base.
func storePixel(t GPVirtual, base Register, bpp int) {
	if bpp == 4 {
		MOVL(t, Mem{Base: base})
		return
	}
	MOVW(t.As16(), Mem{Base: base})
	SHRL(U8(16), t)
	MOVB(t.As8(), Mem{Base: base, Disp: 2})
}

// genPaethPair emits paethPairAVX<bpp>(cur0, cur1, prev *byte, m int),
// which unfilters two Paeth rows at once, cur1 below cur0 below prev: step
// j (1..m) does pixel j of cur0 in the low half of the register and pixel
// j-1 of cur1 in the high half. Pixel j-1 of cur1 needs pixels j-1 and j-2
// of cur0, done by the steps before, so the two chains are independent
// within a step and run side by side: two pixels for about the latency of
// one. The caller has done pixel 0 of cur0 and does what is past m; every
// read is of four bytes at a pixel, so for bpp 3 it keeps m at most the
// pixels of the row minus 2.
func genPaethPair(bpp int) {
	name := fmt.Sprintf("paethPairAVX%d", bpp)
	TEXT(name, NOSPLIT, "func(cur0, cur1, prev *byte, m int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s unfilters pixels 1..m of cur0 and 0..m-1 of cur1, two %d-byte Paeth rows.", name, bpp))
	cur0 := Load(Param("cur0"), GP64())
	cur1 := Load(Param("cur1"), GP64())
	prev := Load(Param("prev"), GP64())
	m := Load(Param("m"), GP64())

	low := lowBytes()
	// r: the last results, cur0 pixel j-1 | cur1 pixel j-2 (0 before the row).
	// c: the above-left neighbours, prev pixel j-1 | cur0 pixel j-2.
	r, c := XMM(), XMM()
	VMOVD(Mem{Base: cur0}, r)
	VPMOVZXBW(r, r)
	VMOVD(Mem{Base: prev}, c)
	VPMOVZXBW(c, c)
	ADDQ(U8(bpp), cur0)
	ADDQ(U8(bpp), prev)
	t := GP32()

	Label(name + "_loop")
	TESTQ(m, m)
	JZ(LabelRef(name + "_done"))
	b, x := XMM(), XMM()
	VMOVD(Mem{Base: prev}, b)
	VPMOVZXBW(b, b)
	VPUNPCKLQDQ(r, b, b) // above: prev pixel j | cur0 pixel j-1
	VMOVD(Mem{Base: cur0}, x)
	VPINSRD(U8(1), Mem{Base: cur1}, x, x)
	VPMOVZXBW(x, x)

	paethStep(r, b, c, x, low)

	out := XMM()
	VPACKUSWB(r, r, out)
	VMOVD(out, t)
	storePixel(t, cur0, bpp)
	VPEXTRD(U8(1), out, t)
	storePixel(t, cur1, bpp)
	ADDQ(U8(bpp), cur0)
	ADDQ(U8(bpp), cur1)
	ADDQ(U8(bpp), prev)
	DECQ(m)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_done")
	RET()
}

// genRGBToRGBA emits rgbToRGBAAVX(dst, src *byte, n int), which widens
// 4n RGB pixels to opaque RGBA with one byte shuffle per four pixels. It
// reads 16 bytes per 12 it uses, so the caller keeps 4 bytes of the source
// row after the last group.
func genRGBToRGBA() {
	shuffle := GLOBL("rgbShuffle", RODATA|NOPTR)
	for i := range 16 {
		v := 0x80 // PSHUFB writes 0 for an index with the top bit set
		if i%4 != 3 {
			v = i/4*3 + i%4
		}
		DATA(i, U8(v))
	}
	alpha := GLOBL("rgbAlpha", RODATA|NOPTR)
	for i := range 4 {
		DATA(4*i, U32(0xff000000))
	}

	TEXT("rgbToRGBAAVX", NOSPLIT, "func(dst, src *byte, n int)")
	Pragma("noescape")
	Doc("rgbToRGBAAVX widens 4n RGB pixels at src to opaque RGBA at dst.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	sh, al := XMM(), XMM()
	VMOVDQU(shuffle, sh)
	VMOVDQU(alpha, al)
	Label("rgb_loop")
	TESTQ(n, n)
	JZ(LabelRef("rgb_done"))
	x := XMM()
	VMOVDQU(Mem{Base: src}, x)
	VPSHUFB(sh, x, x)
	VPOR(al, x, x)
	VMOVDQU(x, Mem{Base: dst})
	ADDQ(U8(12), src)
	ADDQ(U8(16), dst)
	DECQ(n)
	JMP(LabelRef("rgb_loop"))
	Label("rgb_done")
	RET()
}
