// Command asm generates the amd64 GEMM micro-kernels of package matmul with
// avo. It is a separate module so avo never reaches digitnet's go.mod.
//
// Run it through go generate in nn/internal/matmul:
//
//	cd _asm && go run . -out ../gemm_amd64.s -stubs ../gemm_amd64_stubs.go -pkg matmul
//
// Every kernel computes one register tile of C:
//
//	C[r][j] = acc[r][j] + beta*C[r][j]   (C not read when beta is +0)
//	acc[r][j] = sum over p < k of A(r, p) * b[p*ldb+j]
//
// for r < rows (one function per rows value, so edge tiles cost no wasted
// work) and the columns selected by mask (AVX-512) or all NR columns (AVX2).
// The panel kernels (gemmAVX512x*, gemmAVX2x*) take A(r, p) = a[p*lda+r]:
// a packed panel (lda = MR) or a transposed A read in place. The row kernels
// (gemmAVX512Rx*, gemmAVX2Rx*) take A(r, p) = a[r*lda+p]: a plain row-major
// A read in place, which saves packing when each A row meets few B panels.
// tileGo in ../kernel_go.go is the same loop in Go.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

const (
	unroll  = 4 // k steps per loop iteration
	betaOne = 0x3f800000
)

// isa describes one instruction set's register tile.
type isa struct {
	name   string
	mr, nr int // tile: nr columns are two vector registers
	vbytes int // bytes per vector register
	masked bool
	vec    func() VecVirtual
}

var (
	avx512 = isa{name: "AVX512", mr: 14, nr: 32, vbytes: 64, masked: true, vec: ZMM}
	avx2   = isa{name: "AVX2", mr: 6, nr: 16, vbytes: 32, vec: YMM}
)

func main() {
	ConstraintExpr("amd64,gc,!purego")
	for _, is := range []isa{avx512, avx2} {
		for rows := 1; rows <= is.mr; rows++ {
			gen(is, rows, false)
		}
		for rows := 1; rows <= is.mr; rows++ {
			gen(is, rows, true)
		}
	}
	genPackBT()
	genWide(avx512)
	genWide(avx2)
	Generate()
}

// genPackBT generates the packing of one B panel from a transposed B:
// 32 rows of B (columns of op(B)) gathered one k step at a time.
func genPackBT() {
	TEXT("packBTAVX512", NOSPLIT, "func(dst, src *float32, k int, idx *int32, mask uint32)")
	Doc("packBTAVX512 sets dst[p*32+j] = src[idx[j]+p] for the j whose bit is set",
		"in mask and 0 for the others, for p < k: one packed B panel gathered from",
		"a transposed B (idx[j] = j*ldb). See packB in pack.go.")
	Pragma("noescape")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	k := Load(Param("k"), GP64())
	idx := Load(Param("idx"), GP64())
	lo := Load(Param("mask"), GP32())
	hi := GP32()
	MOVL(lo, hi)
	SHRL(U8(16), hi)
	i0, i1 := ZMM(), ZMM()
	VMOVDQU32(Mem{Base: idx}, i0)
	VMOVDQU32(Mem{Base: idx, Disp: 64}, i1)
	TESTQ(k, k)
	JZ(LabelRef("packBT_done"))
	Label("packBT_loop")
	z0, z1 := ZMM(), ZMM()
	VPXORD(z0, z0, z0)
	VPXORD(z1, z1, z1)
	KMOVW(lo, K1) // the gather clears its mask as it goes
	KMOVW(hi, K2)
	VGATHERDPS(Mem{Base: src, Index: i0, Scale: 4}, K1, z0)
	VGATHERDPS(Mem{Base: src, Index: i1, Scale: 4}, K2, z1)
	VMOVUPS(z0, Mem{Base: dst})
	VMOVUPS(z1, Mem{Base: dst, Disp: 64})
	ADDQ(U8(4), src)
	ADDQ(U32(128), dst)
	DECQ(k)
	JNZ(LabelRef("packBT_loop"))
	Label("packBT_done")
	VZEROUPPER()
	RET()
}

func gen(is isa, rows int, rowMajor bool) {
	kind, layout := "", "A(r, p) = a[p*lda+r]"
	if rowMajor {
		kind, layout = "R", "A(r, p) = a[r*lda+p]"
	}
	name := fmt.Sprintf("gemm%s%sx%d", is.name, kind, rows)
	sig := "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32)"
	cols := fmt.Sprintf("all %d columns", is.nr)
	if is.masked {
		sig = "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32, mask uint32)"
		cols = "the columns whose bits are set in mask"
	}
	TEXT(name, NOSPLIT, sig)
	Doc(fmt.Sprintf("%s computes rows 0..%d and %s of a tile of C", name, rows-1, cols),
		fmt.Sprintf("with %s and B(p, j) = b[p*ldb+j].", layout),
		"See tileGo in kernel_go.go for the loop it computes.")
	Pragma("noescape")

	k := Load(Param("k"), GP64())
	b := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	if is.masked {
		mask := Load(Param("mask"), GP32())
		KMOVW(mask, K1)
		SHRL(U8(16), mask)
		KMOVW(mask, K2)
	}
	aAddr, aNext := aOperands(rows, rowMajor)

	acc := make([][2]VecVirtual, rows)
	for r := range acc {
		for h := 0; h < 2; h++ {
			acc[r][h] = is.vec()
			if is.masked {
				VPXORD(acc[r][h], acc[r][h], acc[r][h])
			} else {
				VXORPS(acc[r][h], acc[r][h], acc[r][h])
			}
		}
	}

	// One k step. AVX-512 masks the B loads like the stores, so a B panel
	// read in place never reads past the matrix's last column.
	step := func() {
		bv := [2]VecVirtual{is.vec(), is.vec()}
		for h := range bv {
			m := Mem{Base: b, Disp: h * is.vbytes}
			if is.masked {
				VMOVUPS_Z(m, []Op{K1, K2}[h], bv[h])
			} else {
				VMOVUPS(m, bv[h])
			}
		}
		// Broadcasting into a register and feeding two register FMAs
		// measured about 10% faster on Zen 5 than two FMAs with an embedded
		// {1to16} memory broadcast each.
		for r := 0; r < rows; r++ {
			t := is.vec()
			VBROADCASTSS(aAddr(r), t)
			VFMADD231PS(t, bv[0], acc[r][0])
			VFMADD231PS(t, bv[1], acc[r][1])
		}
		aNext()
		ADDQ(ldb, b)
	}

	kLoop(name, k, step)
	Label(name + "_store")
	store(is, name, acc)
	VZEROUPPER()
	RET()
}

// kLoop emits the loop over k steps: unroll steps at a time, then one at a
// time, then a jump to name_store.
func kLoop(name string, k Register, step func()) {
	Label(name + "_loop")
	CMPQ(k, U8(unroll))
	JL(LabelRef(name + "_tail"))
	for range unroll {
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
}

// wideRegs is the number of accumulators of the one-row wide kernels:
// 128 columns of C with AVX-512, 64 with AVX2.
const wideRegs = 8

// genWide generates gemm<ISA>Wx1, a one-row tile wideRegs vectors wide
// with A read in place (A(0, p) = a[p*lda]) and B too (B(p, j) =
// b[p*ldb+j]): a vector times a matrix, as the dense layers do for one
// image. The narrow kernel keeps two accumulators, so each k step waits
// for the FMA latency of the one before; eight keep the FMA units busy and
// read B's rows as fast as the loads allow. Each element of C gets the
// same operations in the same order as from gemm<ISA>x1, so the results
// are identical.
func genWide(is isa) {
	name := "gemm" + is.name + "Wx1"
	cols := wideRegs * is.vbytes / 4
	TEXT(name, NOSPLIT, "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, beta float32)")
	Doc(fmt.Sprintf("%s computes row 0 and %d columns of a tile of C", name, cols), "with A(0, p) = a[p*lda] and B(p, j) = b[p*ldb+j].")
	Pragma("noescape")
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	b := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	acc := make([]VecVirtual, wideRegs)
	for i := range acc {
		acc[i] = is.vec()
		if is.masked {
			VPXORD(acc[i], acc[i], acc[i])
		} else {
			VXORPS(acc[i], acc[i], acc[i])
		}
	}
	step := func() {
		t := is.vec()
		VBROADCASTSS(Mem{Base: a}, t)
		for i := range acc {
			VFMADD231PS(Mem{Base: b, Disp: is.vbytes * i}, t, acc[i])
		}
		ADDQ(lda, a)
		ADDQ(ldb, b)
	}
	kLoop(name, k, step)

	// C as for the narrow kernels: overwrite, add or scale.
	Label(name + "_store")
	c := Load(Param("c"), GP64())
	storeRows(name, [][]VecVirtual{acc}, is.vbytes, make([]Op, wideRegs), c, nil, is.vec)
	VZEROUPPER()
	RET()
}

// aOperands loads A and returns the address of row r's element at the
// current k step and the code that advances to the next step.
func aOperands(rows int, rowMajor bool) (addr func(r int) Mem, next func()) {
	a := Load(Param("a"), GP64())
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	if !rowMajor {
		return func(r int) Mem { return Mem{Base: a, Disp: 4 * r} },
			func() { ADDQ(lda, a) }
	}
	// Row r is at a + r*lda: a few base pointers a + b*lda plus lda scaled
	// by 1, 2, 4 or 8 reach every row.
	offs := rowBases(rows)
	base := map[int]Register{0: a}
	for _, o := range offs[1:] {
		p := GP64()
		IMUL3Q(U32(o), lda, p) // p = lda*o
		ADDQ(a, p)
		base[o] = p
	}
	return func(r int) Mem {
			for _, o := range offs {
				switch d := r - o; d {
				case 0:
					return Mem{Base: base[o]}
				case 1, 2, 4, 8:
					return Mem{Base: base[o], Index: lda, Scale: uint8(d)}
				}
			}
			panic(fmt.Sprintf("row %d unreachable from bases %v", r, offs))
		}, func() {
			for _, o := range offs {
				ADDQ(U8(4), base[o])
			}
		}
}

// rowBases finds the fewest base rows (0 first) from which every row below
// rows is reachable by adding 0, 1, 2, 4 or 8.
func rowBases(rows int) []int {
	covers := func(set []int) bool {
		for r := 0; r < rows; r++ {
			ok := false
			for _, o := range set {
				switch r - o {
				case 0, 1, 2, 4, 8:
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
		return true
	}
	var best []int
	var search func(set []int, from, size int) bool
	search = func(set []int, from, size int) bool {
		if len(set) == size {
			if covers(set) {
				best = append([]int(nil), set...)
				return true
			}
			return false
		}
		for o := from; o < rows; o++ {
			if search(append(set, o), o+1, size) {
				return true
			}
		}
		return false
	}
	for size := 1; ; size++ {
		if search([]int{0}, 1, size) {
			return best
		}
	}
}

// store writes the accumulators to C, branching on the bit pattern of beta:
// +0 overwrites without reading C, 1.0 adds, anything else scales. The Go
// caller turns -0 into +0 so "beta == 0" matches Go's float comparison.
func store(is isa, name string, acc [][2]VecVirtual) {
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	rows := make([][]VecVirtual, len(acc))
	for r := range acc {
		rows[r] = acc[r][:]
	}
	masks := []Op{nil, nil}
	if is.masked {
		masks = []Op{K1, K2}
	}
	storeRows(name, rows, is.vbytes, masks, c, ldc, is.vec)
}

// storeRows is store for rows of accumulators, row r at c + r*ldc, its
// vector h at byte h*vbytes, loaded and stored under masks[h] (nil for a
// whole vector); newVec makes a temporary register.
func storeRows(name string, rows [][]VecVirtual, vbytes int, masks []Op, c, ldc Register, newVec func() VecVirtual) {
	bits := GP32()
	MOVL(paramAddr("beta"), bits)
	TESTL(bits, bits)
	JZ(LabelRef(name + "_overwrite"))
	CMPL(bits, U32(betaOne))
	JE(LabelRef(name + "_add"))

	rowsLoop := func(body func(v VecVirtual, h int, m Mem)) {
		for r, row := range rows {
			for h, v := range row {
				body(v, h, Mem{Base: c, Disp: h * vbytes})
			}
			if r+1 < len(rows) {
				ADDQ(ldc, c)
			}
		}
	}
	save := func(v VecVirtual, h int, m Mem) {
		if masks[h] != nil {
			VMOVUPS(v, masks[h], m)
		} else {
			VMOVUPS(v, m)
		}
	}
	load := func(h int, m Mem) VecVirtual {
		t := newVec()
		if masks[h] != nil {
			VMOVUPS_Z(m, masks[h], t)
		} else {
			VMOVUPS(m, t)
		}
		return t
	}

	// Scale: C = acc + beta*C.
	beta := newVec()
	VBROADCASTSS(paramAddr("beta"), beta)
	rowsLoop(func(v VecVirtual, h int, m Mem) {
		VFMADD231PS(load(h, m), beta, v)
		save(v, h, m)
	})
	JMP(LabelRef(name + "_done"))

	Label(name + "_add")
	rowsLoop(func(v VecVirtual, h int, m Mem) {
		VADDPS(load(h, m), v, v)
		save(v, h, m)
	})
	JMP(LabelRef(name + "_done"))

	Label(name + "_overwrite")
	rowsLoop(save)

	Label(name + "_done")
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
