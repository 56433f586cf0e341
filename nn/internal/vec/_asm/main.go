// Command asm generates the amd64 kernels of package vec with avo. It is a
// separate module so avo never reaches digitnet's go.mod.
//
// Run it through go generate in nn/internal/vec:
//
//	cd _asm && go run . -out ../vec_amd64.s -stubs ../vec_amd64_stubs.go -pkg vec
//
// Two shapes of kernel come out:
//
//   - element-wise loops over n floats (max4, add, maskReLU, adam): four
//     vectors per iteration, then one, then (AVX-512) one masked vector for
//     the n%16 tail, whose mask the caller passes; the AVX2 ones take n as a
//     multiple of 8 and leave the tail to Go;
//   - column-block loops over rows of a strided matrix (addBias, colSums):
//     one function per number of vector registers a block of columns needs,
//     so the bias or the column sums stay in registers across all rows; on
//     AVX-512 the last register is masked.
//
// maxPool walks a whole NHWC plane. The pure-Go versions in ../vec_go.go
// are the loops every kernel computes.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa describes one instruction set.
type isa struct {
	name   string
	lanes  int // float32 per vector register
	masked bool
	vec    func() VecVirtual
	maxR   int // most vector registers in a column block
}

var (
	avx512 = isa{name: "AVX512", lanes: 16, masked: true, vec: ZMM, maxR: 8}
	avx2   = isa{name: "AVX2", lanes: 8, vec: YMM, maxR: 8}
)

func (is isa) bytes() int { return 4 * is.lanes }

// zero clears v (VXORPS on zmm needs AVX512DQ, VPXORD only AVX512F).
func (is isa) zero(v VecVirtual) {
	if is.masked {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

// load reads one vector at m; with a mask, lanes outside it read as 0 and
// their memory is not touched.
func load(m Mem, mask Op) VecVirtual {
	v := cur.vec()
	if mask != nil {
		VMOVUPS_Z(m, mask, v)
	} else {
		VMOVUPS(m, v)
	}
	return v
}

// store writes v at m, only the lanes in mask when it is not nil.
func store(v VecVirtual, m Mem, mask Op) {
	if mask != nil {
		VMOVUPS(v, mask, m)
	} else {
		VMOVUPS(v, m)
	}
}

// cur is the instruction set being generated.
var cur isa

func main() {
	ConstraintExpr("amd64,gc,!purego")
	for _, is := range []isa{avx512, avx2} {
		cur = is
		genMax4(is)
		genAdd(is)
		genMaskReLU(is)
		genAdam(is)
		for r := 1; r <= is.maxR; r++ {
			genAddBias(is, r)
		}
		for r := 1; r <= is.maxR; r++ {
			genColSums(is, r)
		}
		genMaxPool(is)
		genRoute4(is)
	}
	cur = avx512
	genWinograd()
	genWinogradConv1()
	cur = avx2
	genWinogradAVX2()
	Generate()
}

// elementwise emits the loop over n elements of the pointer parameters ptrs.
// body computes one vector at byte offset disp, with mask nil for whole
// vectors and K1 for the AVX-512 tail.
func elementwise(is isa, name string, ptrs []string, body func(p []GPVirtual, disp int, mask Op)) {
	p := make([]GPVirtual, len(ptrs))
	for i, s := range ptrs {
		p[i] = GP64()
		Load(Param(s), p[i])
	}
	n := Load(Param("n"), GP64())
	if is.masked {
		t := Load(Param("tail"), GP32())
		KMOVW(t, K1)
	}
	advance := func(bytes int) {
		for _, r := range p {
			ADDQ(U32(bytes), r)
		}
	}
	Label(name + "_loop4")
	CMPQ(n, U8(4*is.lanes))
	JL(LabelRef(name + "_loop1"))
	for u := 0; u < 4; u++ {
		body(p, u*is.bytes(), nil)
	}
	advance(4 * is.bytes())
	SUBQ(U8(4*is.lanes), n)
	JMP(LabelRef(name + "_loop4"))

	Label(name + "_loop1")
	CMPQ(n, U8(is.lanes))
	JL(LabelRef(name + "_tail"))
	body(p, 0, nil)
	advance(is.bytes())
	SUBQ(U8(is.lanes), n)
	JMP(LabelRef(name + "_loop1"))

	Label(name + "_tail")
	if is.masked {
		KORTESTW(K1, K1)
		JZ(LabelRef(name + "_done"))
		body(p, 0, K1)
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func elemSig(is isa, params string) string {
	if is.masked {
		return "func(" + params + ", n int, tail uint16)"
	}
	return "func(" + params + ", n int)"
}

func elemDoc(is isa, name, what, ref string) {
	n := "n a multiple of 8"
	if is.masked {
		n = "tail = 1<<(n%16) - 1"
	}
	Doc(fmt.Sprintf("%s %s for i < n, %s.", name, what, n),
		"See "+ref+" in vec_go.go for the loop it computes.")
	Pragma("noescape")
}

func genMax4(is isa) {
	name := "max4" + is.name
	TEXT(name, NOSPLIT, elemSig(is, "dst, a, b, c, d *float32"))
	elemDoc(is, name, "sets dst[i] = max(a[i], b[i], c[i], d[i])", "max4Go")
	elementwise(is, name, []string{"dst", "a", "b", "c", "d"}, func(p []GPVirtual, disp int, mask Op) {
		x := make([]VecVirtual, 4)
		for i := range x {
			x[i] = load(Mem{Base: p[i+1], Disp: disp}, mask)
		}
		VMAXPS(x[1], x[0], x[0])
		VMAXPS(x[3], x[2], x[2])
		VMAXPS(x[2], x[0], x[0])
		store(x[0], Mem{Base: p[0], Disp: disp}, mask)
	})
}

func genAdd(is isa) {
	name := "add" + is.name
	TEXT(name, NOSPLIT, elemSig(is, "dst, src *float32"))
	elemDoc(is, name, "sets dst[i] += src[i]", "addGo")
	elementwise(is, name, []string{"dst", "src"}, func(p []GPVirtual, disp int, mask Op) {
		d := load(Mem{Base: p[0], Disp: disp}, mask)
		s := load(Mem{Base: p[1], Disp: disp}, mask)
		VADDPS(s, d, d)
		store(d, Mem{Base: p[0], Disp: disp}, mask)
	})
}

// leOQ is the VCMPPS predicate "less or equal, ordered, quiet": false for
// NaN, like Go's <=.
const leOQ = 0x12

func genMaskReLU(is isa) {
	name := "maskReLU" + is.name
	TEXT(name, NOSPLIT, elemSig(is, "d, y *float32"))
	elemDoc(is, name, "zeroes d[i] where y[i] <= 0", "maskReLUGo")
	z := is.vec()
	is.zero(z)
	elementwise(is, name, []string{"d", "y"}, func(p []GPVirtual, disp int, mask Op) {
		y := load(Mem{Base: p[1], Disp: disp}, mask)
		if is.masked {
			// Store zeros through the comparison mask: d is not even read.
			k := K()
			if mask != nil {
				VCMPPS(U8(leOQ), z, y, mask, k)
			} else {
				VCMPPS(U8(leOQ), z, y, k)
			}
			VMOVUPS(z, k, Mem{Base: p[0], Disp: disp})
			return
		}
		m := is.vec()
		VCMPPS(U8(leOQ), z, y, m)
		d := load(Mem{Base: p[0], Disp: disp}, nil)
		VANDNPS(d, m, d) // d &^ m
		store(d, Mem{Base: p[0], Disp: disp}, nil)
	})
}

func genAdam(is isa) {
	name := "adam" + is.name
	TEXT(name, NOSPLIT, elemSig(is, "w, grad, m, v *float32, b1, b2, omb1, omb2, lr, eps float32"))
	elemDoc(is, name, "applies one Adam step (omb1 = 1-b1, omb2 = 1-b2)", "adamGo")
	Comment("The operations and their order are those of adamGo, without FMA,",
		"so each result is rounded exactly as in Go.")
	c := map[string]VecVirtual{}
	for _, s := range []string{"b1", "b2", "omb1", "omb2", "lr", "eps"} {
		x := Load(Param(s), XMM())
		c[s] = is.vec()
		VBROADCASTSS(x, c[s])
	}
	elementwise(is, name, []string{"w", "grad", "m", "v"}, func(p []GPVirtual, disp int, mask Op) {
		at := func(i int) Mem { return Mem{Base: p[i], Disp: disp} }
		g := load(at(1), mask)
		m := load(at(2), mask)
		v := load(at(3), mask)
		t := is.vec()
		VMULPS(c["b1"], m, m)
		VMULPS(c["omb1"], g, t)
		VADDPS(t, m, m) // mi = b1*m + (1-b1)*g
		VMULPS(c["b2"], v, v)
		VMULPS(c["omb2"], g, t)
		VMULPS(g, t, t)
		VADDPS(t, v, v) // vi = b2*v + (1-b2)*g*g
		store(m, at(2), mask)
		store(v, at(3), mask)
		VSQRTPS(v, v)
		VADDPS(c["eps"], v, v)
		VMULPS(c["lr"], m, m)
		VDIVPS(v, m, m) // lr*mi / (sqrt(vi)+eps)
		w := load(at(0), mask)
		VSUBPS(m, w, w)
		store(w, at(0), mask)
	})
}

// blockCols describes the columns of an r-register column block.
func blockCols(is isa, r int) string {
	if is.masked {
		return fmt.Sprintf("columns 0..%d (the last 16 masked by tail)", r*is.lanes-1)
	}
	return fmt.Sprintf("columns 0..%d", r*is.lanes-1)
}

func blockSig(is isa, params string) string {
	if is.masked {
		return "func(" + params + ", tail uint16)"
	}
	return "func(" + params + ")"
}

func genAddBias(is isa, r int) {
	name := fmt.Sprintf("addBias%sx%d", is.name, r)
	TEXT(name, NOSPLIT, blockSig(is, "y *float32, ld, rows int, bias *float32, relu bool"))
	Doc(fmt.Sprintf("%s adds bias to %s", name, blockCols(is, r)),
		"of each of rows rows of y (stride ld floats), then with relu clamps at 0.",
		"See addBiasGo in vec_go.go for the loop it computes.")
	Pragma("noescape")
	y := Load(Param("y"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	rows := Load(Param("rows"), GP64())
	bias := Load(Param("bias"), GP64())
	if is.masked {
		t := Load(Param("tail"), GP32())
		KMOVW(t, K1)
	}
	maskOf := func(i int) Op {
		if is.masked && i == r-1 {
			return K1
		}
		return nil
	}
	b := make([]VecVirtual, r)
	for i := range b {
		b[i] = load(Mem{Base: bias, Disp: i * is.bytes()}, maskOf(i))
	}
	z := is.vec()
	is.zero(z)
	relu := Load(Param("relu"), GP32())
	loop := func(suffix string, clamp bool) {
		Label(name + suffix)
		TESTQ(rows, rows)
		JZ(LabelRef(name + "_done"))
		for i := range b {
			m := Mem{Base: y, Disp: i * is.bytes()}
			v := load(m, maskOf(i))
			VADDPS(b[i], v, v)
			if clamp {
				// y+b is the second source, returned when it is NaN, so
				// NaN stays NaN as in Go; -0 stays -0 (Go gives +0).
				VMAXPS(v, z, v)
			}
			store(v, m, maskOf(i))
		}
		ADDQ(ld, y)
		DECQ(rows)
		JMP(LabelRef(name + suffix))
	}
	TESTL(relu, relu)
	JNZ(LabelRef(name + "_relu"))
	loop("_plain", false)
	loop("_relu", true)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func genColSums(is isa, r int) {
	name := fmt.Sprintf("colSums%sx%d", is.name, r)
	TEXT(name, NOSPLIT, blockSig(is, "dst, src *float32, ld, rows int"))
	// Two accumulators per register (even and odd rows) hide the add
	// latency when the block is narrow.
	phases := 2
	if !is.masked && r > 4 {
		phases = 1 // 16 ymm registers
	}
	order := "in row order"
	if phases > 1 {
		order = fmt.Sprintf("rows i%%%d == k summed apart for each k", phases)
	}
	Doc(fmt.Sprintf("%s adds to dst the sums over rows rows of src (stride ld floats)", name),
		fmt.Sprintf("of %s, %s.", blockCols(is, r), order),
		"See colSumsGo in vec_go.go for the loop it computes (in another order).")
	Pragma("noescape")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	rows := Load(Param("rows"), GP64())
	if is.masked {
		t := Load(Param("tail"), GP32())
		KMOVW(t, K1)
	}
	maskOf := func(i int) Op {
		if is.masked && i == r-1 {
			return K1
		}
		return nil
	}
	acc := make([][]VecVirtual, phases)
	for ph := range acc {
		acc[ph] = make([]VecVirtual, r)
		for i := range acc[ph] {
			if ph == 0 {
				acc[ph][i] = load(Mem{Base: dst, Disp: i * is.bytes()}, maskOf(i))
			} else {
				acc[ph][i] = is.vec()
				is.zero(acc[ph][i])
			}
		}
	}
	addRow := func(ph int) {
		for i := 0; i < r; i++ {
			m := Mem{Base: src, Disp: i * is.bytes()}
			if mk := maskOf(i); mk != nil {
				v := load(m, mk)
				VADDPS(v, acc[ph][i], acc[ph][i])
			} else {
				VADDPS(m, acc[ph][i], acc[ph][i])
			}
		}
		ADDQ(ld, src)
	}
	Label(name + "_loop")
	CMPQ(rows, U8(phases))
	JL(LabelRef(name + "_tail"))
	for ph := 0; ph < phases; ph++ {
		addRow(ph)
	}
	SUBQ(U8(phases), rows)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_tail")
	if phases > 1 {
		TESTQ(rows, rows)
		JZ(LabelRef(name + "_store"))
		addRow(0)
		Label(name + "_store")
		for i := 0; i < r; i++ {
			VADDPS(acc[1][i], acc[0][i], acc[0][i])
		}
	}
	for i := 0; i < r; i++ {
		store(acc[0][i], Mem{Base: dst, Disp: i * is.bytes()}, maskOf(i))
	}
	VZEROUPPER()
	RET()
}

func genMaxPool(is isa) {
	name := "maxPool" + is.name
	TEXT(name, NOSPLIT, blockSig(is, "dst, src *float32, oh, ow, c, w int"))
	cdoc := "c a multiple of 8"
	if is.masked {
		cdoc = "tail masking the last c%16 channels"
	}
	Doc(fmt.Sprintf("%s computes the 2x2 stride-2 max pool of the NHWC plane src", name),
		"(input width w, c channels) into dst, oh×ow×c, with "+cdoc+".",
		"See maxPoolGo in vec_go.go for the loop it computes.")
	Pragma("noescape")
	o, p0 := GP64(), GP64()
	Load(Param("dst"), o)
	Load(Param("src"), p0)
	oh := Load(Param("oh"), GP64())
	ow := Load(Param("ow"), GP64())
	cb := Load(Param("c"), GP64())
	w := Load(Param("w"), GP64())
	SHLQ(U8(2), cb) // bytes per pixel
	// skip: bytes from the end of one output row's inputs to the start of
	// the next: two input rows minus the 2*ow pixels walked.
	IMULQ(cb, w) // input row bytes
	p1 := GP64()
	LEAQ(Mem{Base: p0, Index: w, Scale: 1}, p1)
	skip := GP64()
	MOVQ(ow, skip)
	IMULQ(cb, skip)
	NEGQ(skip)
	LEAQ(Mem{Base: skip, Index: w, Scale: 1}, skip)
	SHLQ(U8(1), skip)
	jend := GP64()
	MOVQ(cb, jend)
	ANDQ(I32(-is.bytes()), jend) // bytes of whole vectors per pixel
	if is.masked {
		t := Load(Param("tail"), GP32())
		KMOVW(t, K1)
	}
	p0c, p1c := GP64(), GP64()
	LEAQ(Mem{Base: p0, Index: cb, Scale: 1}, p0c)
	LEAQ(Mem{Base: p1, Index: cb, Scale: 1}, p1c)
	j, ox := GP64(), GP64()

	pixel := func(mask Op) {
		at := func(base GPVirtual) Mem { return Mem{Base: base, Index: j, Scale: 1} }
		a := load(at(p0), mask)
		b := load(at(p0c), mask)
		c := load(at(p1), mask)
		d := load(at(p1c), mask)
		VMAXPS(b, a, a)
		VMAXPS(d, c, c)
		VMAXPS(c, a, a)
		store(a, at(o), mask)
	}

	Label(name + "_row")
	TESTQ(oh, oh)
	JZ(LabelRef(name + "_done"))
	MOVQ(ow, ox)
	Label(name + "_pixel")
	TESTQ(ox, ox)
	JZ(LabelRef(name + "_next"))
	XORQ(j, j)
	Label(name + "_vec")
	CMPQ(j, jend)
	JAE(LabelRef(name + "_vtail"))
	pixel(nil)
	ADDQ(U8(is.bytes()), j)
	JMP(LabelRef(name + "_vec"))
	Label(name + "_vtail")
	if is.masked {
		KORTESTW(K1, K1)
		JZ(LabelRef(name + "_pnext"))
		pixel(K1)
	}
	Label(name + "_pnext")
	ADDQ(cb, o)
	for _, p := range []GPVirtual{p0, p0c, p1, p1c} {
		LEAQ(Mem{Base: p, Index: cb, Scale: 2}, p)
	}
	DECQ(ox)
	JMP(LabelRef(name + "_pixel"))
	Label(name + "_next")
	for _, p := range []GPVirtual{p0, p0c, p1, p1c} {
		ADDQ(skip, p)
	}
	DECQ(oh)
	JMP(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// eqOQ is the VCMPPS predicate "equal, ordered, quiet": false for NaN,
// like Go's ==.
const eqOQ = 0x00

func genRoute4(is isa) {
	name := "route4" + is.name
	TEXT(name, NOSPLIT, elemSig(is, "d00, d01, d10, d11, x00, x01, x10, x11, y, grad *float32"))
	elemDoc(is, name, "writes g[i] to the first of d00, d01, d10, d11 whose x equals y[i], and 0 to the others,", "route4Go")
	elementwise(is, name, []string{"d00", "d01", "d10", "d11", "x00", "x01", "x10", "x11", "y", "grad"}, func(p []GPVirtual, disp int, mask Op) {
		at := func(i int) Mem { return Mem{Base: p[i], Disp: disp} }
		y := load(at(8), mask)
		g := load(at(9), mask)
		if is.masked {
			// kFirst[i] marks where x[i] is the first match; the last
			// position takes what none of the others took.
			k := []Op{K(), K(), K(), K()}
			taken := K()
			for i := 0; i < 3; i++ {
				VCMPPS(U8(eqOQ), at(4+i), y, k[i])
				if i > 0 {
					KANDNW(k[i], taken, k[i]) // k &^ taken
					KORW(taken, k[i], taken)
				} else {
					KMOVW(k[0], taken)
				}
			}
			KNOTW(taken, k[3])
			for i := 0; i < 4; i++ {
				out := is.vec()
				is.zero(out)
				VMOVUPS(g, k[i], out) // merge: g where k, else the zeros
				store(out, at(i), mask)
			}
			return
		}
		m := []VecVirtual{is.vec(), is.vec(), is.vec()}
		taken := is.vec()
		for i := 0; i < 3; i++ {
			VCMPPS(U8(eqOQ), at(4+i), y, m[i])
			if i > 0 {
				VANDNPS(m[i], taken, m[i]) // m &^ taken
				VORPS(taken, m[i], taken)
			} else {
				VMOVAPS(m[0], taken)
			}
		}
		for i := 0; i < 3; i++ {
			out := is.vec()
			VANDPS(g, m[i], out)
			store(out, at(i), nil)
		}
		out := is.vec()
		VANDNPS(g, taken, out) // g &^ taken
		store(out, at(3), nil)
	})
}

// genWinograd emits the AVX-512 transforms of Winograd F(2x2, 3x3), each on
// one vector of up to 16 channels (the lanes in mask), strides in floats.
// The order of operations is that of the Go versions in ../vec_go.go, so
// the results are identical.
func genWinograd() {
	// half is 0.5 in every lane, for the kernel transform.
	half := GLOBL("half", RODATA|NOPTR)
	DATA(0, U32(0x3f000000))

	setMask := func() {
		m := Load(Param("mask"), GP32())
		KMOVW(m, K1)
	}
	// loadSeq loads n vectors from p, p+stride, p+2*stride, ...
	loadSeq := func(n int, p, st Register) []VecVirtual {
		vs := make([]VecVirtual, n)
		for i := range vs {
			if i > 0 {
				ADDQ(st, p)
			}
			vs[i] = ZMM()
			VMOVUPS_Z(Mem{Base: p}, K1, vs[i])
		}
		return vs
	}
	// storeSeq stores vs at p, p+stride, p+2*stride, ...
	storeSeq := func(vs []VecVirtual, p, st Register) {
		for i, v := range vs {
			if i > 0 {
				ADDQ(st, p)
			}
			VMOVUPS(v, K1, Mem{Base: p})
		}
	}

	// Input: U = Bᵀ d B.
	TEXT("winogradInputAVX512", NOSPLIT, "func(u *float32, us int, x *float32, xs, cs int, mask uint16)")
	Doc("winogradInputAVX512 is winogradInputGo on one vector of channels.")
	Pragma("noescape")
	{
		setMask()
		x := Load(Param("x"), GP64())
		xs, cs := stride("xs"), stride("cs")
		cs2, cs3 := GP64(), GP64()
		LEAQ(Mem{Base: cs, Index: cs, Scale: 1}, cs2)
		LEAQ(Mem{Base: cs2, Index: cs, Scale: 1}, cs3)
		var d [4][4]VecVirtual
		for i := range 4 {
			if i > 0 {
				ADDQ(xs, x)
			}
			for j, idx := range []Register{nil, cs, cs2, cs3} {
				d[i][j] = ZMM()
				m := Mem{Base: x}
				if idx != nil {
					m = Mem{Base: x, Index: idx, Scale: 1}
				}
				VMOVUPS_Z(m, K1, d[i][j])
			}
		}
		var out []VecVirtual
		for _, row := range winogradBtdB(d) {
			out = append(out, row[:]...)
		}
		u := Load(Param("u"), GP64())
		storeSeq(out, u, stride("us"))
		VZEROUPPER()
		RET()
	}

	// Output: the maximum of Y = Aᵀ M A.
	TEXT("winogradOutputMaxAVX512", NOSPLIT, "func(dst, m *float32, ms int, mask uint16)")
	Doc("winogradOutputMaxAVX512 is winogradOutputMaxGo on one vector of channels.")
	Pragma("noescape")
	{
		setMask()
		m := Load(Param("m"), GP64())
		var M [4][4]VecVirtual
		for xi, v := range loadSeq(16, m, stride("ms")) {
			M[xi/4][xi%4] = v
		}
		var a, b [4]VecVirtual // the rows of Aᵀ M
		for j := range 4 {
			a[j], b[j] = atmColumn(M[0][j], M[1][j], M[2][j], M[3][j])
		}
		y := winogradMaxAMA(a, b)
		dst := Load(Param("dst"), GP64())
		VMOVUPS(y, K1, Mem{Base: dst})
		VZEROUPPER()
		RET()
	}

	// Kernel: V = G g Gᵀ.
	TEXT("winogradKernelAVX512", NOSPLIT, "func(v *float32, vs int, w *float32, ws int, mask uint16)")
	Doc("winogradKernelAVX512 is winogradKernelGo on one vector of output channels.")
	Pragma("noescape")
	{
		setMask()
		h := ZMM()
		VBROADCASTSS(half, h)
		w := Load(Param("w"), GP64())
		var g [3][3]VecVirtual
		for k, v := range loadSeq(9, w, stride("ws")) {
			g[k/3][k%3] = v
		}
		combine := func(p0, p1, p2 VecVirtual, minus bool) VecVirtual { return halfSum(h, p0, p1, p2, minus) }
		var t [4][3]VecVirtual // G g
		for kx := range 3 {
			t[0][kx] = g[0][kx]
			t[1][kx] = combine(g[0][kx], g[1][kx], g[2][kx], false)
			t[2][kx] = combine(g[0][kx], g[1][kx], g[2][kx], true)
			t[3][kx] = g[2][kx]
		}
		var out []VecVirtual
		for i := range 4 { // (G g) Gᵀ
			out = append(out, t[i][0],
				combine(t[i][0], t[i][1], t[i][2], false),
				combine(t[i][0], t[i][1], t[i][2], true),
				t[i][2])
		}
		v := Load(Param("v"), GP64())
		storeSeq(out, v, stride("vs"))
		VZEROUPPER()
		RET()
	}
}

// winogradBtdB emits U = Bᵀ d B of a 4x4 block of vectors, in the order of
// winogradInputGo.
func winogradBtdB(d [4][4]VecVirtual) (u [4][4]VecVirtual) {
	var t [4][4]VecVirtual // Bᵀ d
	for j := range 4 {
		for i := range 4 {
			t[i][j] = cur.vec()
		}
		VSUBPS(d[2][j], d[0][j], t[0][j])
		VADDPS(d[2][j], d[1][j], t[1][j])
		VSUBPS(d[1][j], d[2][j], t[2][j])
		VSUBPS(d[3][j], d[1][j], t[3][j])
	}
	for i := range 4 {
		u[i] = btdbRow(t[i])
	}
	return u
}

// btdbRow emits row i of U = (Bᵀ d) B from t, row i of Bᵀ d.
func btdbRow(t [4]VecVirtual) [4]VecVirtual {
	u := [4]VecVirtual{cur.vec(), cur.vec(), cur.vec(), cur.vec()}
	VSUBPS(t[2], t[0], u[0])
	VADDPS(t[2], t[1], u[1])
	VSUBPS(t[1], t[2], u[2])
	VSUBPS(t[3], t[1], u[3])
	return u
}

// atmColumn emits column j of the two rows of Aᵀ M from column j of M:
// a = M0 + M1 + M2, b = M1 - M2 - M3.
func atmColumn(m0, m1, m2, m3 VecVirtual) (a, b VecVirtual) {
	a, b = cur.vec(), cur.vec()
	VADDPS(m1, m0, a)
	VADDPS(m2, a, a)
	VSUBPS(m2, m1, b)
	VSUBPS(m3, b, b)
	return a, b
}

// halfSum emits ((p0 ± p1) + p2) * h, h holding ½: a row or column of
// V = G g Gᵀ.
func halfSum(h, p0, p1, p2 VecVirtual, minus bool) VecVirtual {
	r := cur.vec()
	if minus {
		VSUBPS(p1, p0, r)
	} else {
		VADDPS(p1, p0, r)
	}
	VADDPS(p2, r, r)
	VMULPS(h, r, r)
	return r
}

// stride loads the int parameter name, a stride in floats, as bytes.
func stride(name string) Register {
	r := Load(Param(name), GP64())
	SHLQ(U8(2), r)
	return r
}

// winogradMaxAMA emits the maximum of the four outputs Y = (Aᵀ M) A, given
// a and b, the two rows of Aᵀ M, in the order of winogradOutputMaxGo.
func winogradMaxAMA(a, b [4]VecVirtual) VecVirtual {
	ys := make([]VecVirtual, 4)
	for r, row := range [][4]VecVirtual{a, b} {
		y0, y1 := cur.vec(), cur.vec()
		VADDPS(row[1], row[0], y0)
		VADDPS(row[2], y0, y0)
		VSUBPS(row[2], row[1], y1)
		VSUBPS(row[3], y1, y1)
		ys[2*r], ys[2*r+1] = y0, y1
	}
	VMAXPS(ys[1], ys[0], ys[0])
	VMAXPS(ys[3], ys[2], ys[2])
	VMAXPS(ys[2], ys[0], ys[0])
	return ys[0]
}

// foldAM folds mv, point (i, j) of M = U ⊙ V, into a and b, the rows of
// Aᵀ M, as the points come: a = M0 + M1 + M2, b = M1 - M2 - M3, in the
// order of winogradOutputMaxGo.
func foldAM(i, j int, mv VecVirtual, a, b *[4]VecVirtual) {
	switch i {
	case 0:
		a[j] = mv
	case 1:
		b[j] = cur.vec()
		VADDPS(mv, a[j], a[j])
		VMOVAPS(mv, b[j])
	case 2:
		VADDPS(mv, a[j], a[j])
		VSUBPS(mv, b[j], b[j])
	case 3:
		VSUBPS(mv, b[j], b[j])
	}
}

// genWinogradConv1 emits the whole Winograd F(2x2, 3x3) convolution and
// 2x2 max pool of one block of a single-channel input (conv1): the 4x4
// input block is broadcast to every lane and transformed there, each point
// multiplied by the transformed kernels of 16 output channels at a time,
// and the output transform and maximum taken, in the order of
// winogradConv1MaxGo.
func genWinogradConv1() {
	TEXT("winogradConv1MaxAVX512", NOSPLIT, "func(dst, x *float32, xs int, v *float32, vs, chunks int, mask uint16)")
	Doc("winogradConv1MaxAVX512 is winogradConv1MaxGo for 16*chunks output channels, the last chunk's lanes in mask.")
	Pragma("noescape")
	x := Load(Param("x"), GP64())
	xs := Load(Param("xs"), GP64())
	SHLQ(U8(2), xs)
	dst := Load(Param("dst"), GP64())
	v := Load(Param("v"), GP64())
	chunks := Load(Param("chunks"), GP64())
	vs := Load(Param("vs"), GP64()) // the stride of the 16 transformed kernels
	SHLQ(U8(2), vs)
	full := GP32()
	MOVL(U32(0xffff), full)
	KMOVW(full, K2)
	m := Load(Param("mask"), GP32())
	KMOVW(m, K3)

	var d [4][4]VecVirtual
	p := GP64()
	MOVQ(x, p)
	for i := range 4 {
		if i > 0 {
			ADDQ(xs, p)
		}
		for j := range 4 {
			d[i][j] = ZMM()
			VBROADCASTSS(Mem{Base: p, Disp: 4 * j}, d[i][j])
		}
	}
	u := winogradBtdB(d) // the same in every lane

	// Each chunk of 16 output channels: M = U ⊙ V a row at a time, folded
	// into the rows a and b of Aᵀ M as they come.
	Label("conv1_chunk")
	KMOVW(K2, K1) // every lane, or the mask on the last chunk
	CMPQ(chunks, U8(1))
	JNE(LabelRef("conv1_body"))
	KMOVW(K3, K1)
	Label("conv1_body")
	q := GP64()
	MOVQ(v, q)
	var a, b [4]VecVirtual
	for i := range 4 {
		for j := range 4 {
			if i+j > 0 {
				ADDQ(vs, q)
			}
			mv := ZMM()
			VMULPS_Z(Mem{Base: q}, u[i][j], K1, mv)
			foldAM(i, j, mv, &a, &b)
		}
	}
	VMOVUPS(winogradMaxAMA(a, b), K1, Mem{Base: dst})
	ADDQ(U8(64), dst)
	ADDQ(U8(64), v)
	DECQ(chunks)
	JNZ(LabelRef("conv1_chunk"))
	VZEROUPPER()
	RET()
}
