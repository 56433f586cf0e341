package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genWinogradAVX2 emits the Winograd F(2x2, 3x3) transforms and the fused
// conv1 for AVX2, one whole vector of 8 channels per call; the callers do
// the n%8 tail in Go. With 16 vector registers instead of AVX-512's 32,
// the 4x4 blocks are transformed a row at a time (reloading the inputs a
// row needs) and the conv1 block's transform is kept on the stack. Each
// value goes through the same operations in the same order as in the Go
// versions in ../winograd.go, so the results are identical.
func genWinogradAVX2() {
	half := GLOBL("halfavx2", RODATA|NOPTR)
	DATA(0, U32(0x3f000000))

	// multiples returns s, 2s and 3s, for the columns of a 4x4 block.
	multiples := func(s Register) [4]Register {
		s2, s3 := GP64(), GP64()
		LEAQ(Mem{Base: s, Index: s, Scale: 1}, s2)
		LEAQ(Mem{Base: s2, Index: s, Scale: 1}, s3)
		return [4]Register{nil, s, s2, s3}
	}
	at := func(base Register, idx Register, disp int) Mem {
		if idx == nil {
			return Mem{Base: base, Disp: disp}
		}
		return Mem{Base: base, Index: idx, Scale: 1, Disp: disp}
	}
	// rows returns four pointers, base + r*step for r = 0..3.
	rows := func(base, step Register) [4]Register {
		var r [4]Register
		r[0] = base
		for i := 1; i < 4; i++ {
			r[i] = GP64()
			LEAQ(Mem{Base: r[i-1], Index: step, Scale: 1}, r[i])
		}
		return r
	}

	// Input: U = Bᵀ d B.
	TEXT("winogradInputAVX2", NOSPLIT, "func(u *float32, us int, x *float32, xs, cs int)")
	Doc("winogradInputAVX2 is winogradInputGo on 8 channels.")
	Pragma("noescape")
	{
		x := Load(Param("x"), GP64())
		xr := rows(x, stride("xs"))
		cols := multiples(stride("cs"))
		u := Load(Param("u"), GP64())
		us := stride("us")
		first := true
		btdbRows(func(r, j int) VecVirtual {
			d := YMM()
			VMOVUPS(at(xr[r], cols[j], 0), d)
			return d
		}, func(v VecVirtual) {
			if !first {
				ADDQ(us, u)
			}
			first = false
			VMOVUPS(v, Mem{Base: u})
		})
		VZEROUPPER()
		RET()
	}

	// Output: the maximum of Y = Aᵀ M A.
	TEXT("winogradOutputMaxAVX2", NOSPLIT, "func(dst, m *float32, ms int)")
	Doc("winogradOutputMaxAVX2 is winogradOutputMaxGo on 8 channels.")
	Pragma("noescape")
	{
		m := Load(Param("m"), GP64())
		ms := stride("ms")
		cols := multiples(ms)
		ms4 := GP64()
		LEAQ(Mem{Base: ms, Index: ms, Scale: 2}, ms4) // 3ms
		ADDQ(ms, ms4)                                 // 4ms
		mr := rows(m, ms4)
		var a, b [4]VecVirtual // the rows of Aᵀ M
		for j := range 4 {
			var M [4]VecVirtual
			for i := range 4 {
				M[i] = YMM()
				VMOVUPS(at(mr[i], cols[j], 0), M[i])
			}
			a[j], b[j] = atmColumn(M[0], M[1], M[2], M[3])
		}
		y := winogradMaxAMA(a, b)
		dst := Load(Param("dst"), GP64())
		VMOVUPS(y, Mem{Base: dst})
		VZEROUPPER()
		RET()
	}

	// Kernel: V = G g Gᵀ.
	TEXT("winogradKernelAVX2", NOSPLIT, "func(v *float32, vs int, w *float32, ws int)")
	Doc("winogradKernelAVX2 is winogradKernelGo on 8 output channels.")
	Pragma("noescape")
	{
		h := YMM()
		VBROADCASTSS(half, h)
		w := Load(Param("w"), GP64())
		ws := stride("ws")
		var g [3][3]VecVirtual
		for k := range 9 {
			if k > 0 {
				ADDQ(ws, w)
			}
			g[k/3][k%3] = YMM()
			VMOVUPS(Mem{Base: w}, g[k/3][k%3])
		}
		combine := func(p0, p1, p2 VecVirtual, minus bool) VecVirtual { return halfSum(h, p0, p1, p2, minus) }
		v := Load(Param("v"), GP64())
		vs := stride("vs")
		first := true
		put := func(x VecVirtual) {
			if !first {
				ADDQ(vs, v)
			}
			first = false
			VMOVUPS(x, Mem{Base: v})
		}
		for i := range 4 { // row i of (G g) Gᵀ, from row i of G g
			var t [3]VecVirtual
			for kx := range 3 {
				switch i {
				case 0:
					t[kx] = g[0][kx]
				case 1:
					t[kx] = combine(g[0][kx], g[1][kx], g[2][kx], false)
				case 2:
					t[kx] = combine(g[0][kx], g[1][kx], g[2][kx], true)
				case 3:
					t[kx] = g[2][kx]
				}
			}
			put(t[0])
			put(combine(t[0], t[1], t[2], false))
			put(combine(t[0], t[1], t[2], true))
			put(t[2])
		}
		VZEROUPPER()
		RET()
	}

	// Conv1: the input block is broadcast to every lane and transformed,
	// a row at a time, into a stack buffer; each chunk of 8 output
	// channels then multiplies it point by point with their transformed
	// kernels, folding the products into the rows of Aᵀ M as they come.
	TEXT("winogradConv1MaxAVX2", NOSPLIT, "func(dst, x *float32, xs int, v *float32, vs, chunks int)")
	Doc("winogradConv1MaxAVX2 is winogradConv1MaxGo for 8*chunks output channels.")
	Pragma("noescape")
	{
		local := AllocLocal(16 * 32)
		x := Load(Param("x"), GP64())
		xr := rows(x, stride("xs"))
		k := 0
		btdbRows(func(r, j int) VecVirtual {
			d := YMM()
			VBROADCASTSS(Mem{Base: xr[r], Disp: 4 * j}, d)
			return d
		}, func(u VecVirtual) {
			VMOVUPS(u, local.Offset(32*k))
			k++
		})
		dst := Load(Param("dst"), GP64())
		v := Load(Param("v"), GP64())
		chunks := Load(Param("chunks"), GP64())
		vs := stride("vs") // the stride of the 16 transformed kernels
		Label("conv1avx2_chunk")
		q := GP64()
		MOVQ(v, q)
		var a, b [4]VecVirtual
		for i := range 4 {
			for j := range 4 {
				if i+j > 0 {
					ADDQ(vs, q)
				}
				mv := YMM()
				VMOVUPS(local.Offset(32*(4*i+j)), mv)
				VMULPS(Mem{Base: q}, mv, mv)
				foldAM(i, j, mv, &a, &b)
			}
		}
		VMOVUPS(winogradMaxAMA(a, b), Mem{Base: dst})
		ADDQ(U8(32), dst)
		ADDQ(U8(32), v)
		DECQ(chunks)
		JNZ(LabelRef("conv1avx2_chunk"))
		VZEROUPPER()
		RET()
	}
}

// btdbRows emits U = Bᵀ d B a row at a time, in the order of
// winogradInputGo: load(r, j) gives pixel (r, j) of d (loaded again for
// each row that needs it), and emit takes the 16 vectors of U in order.
func btdbRows(load func(r, j int) VecVirtual, emit func(VecVirtual)) {
	for i := range 4 {
		var t [4]VecVirtual // row i of Bᵀ d
		for j := range 4 {
			t[j] = YMM()
			switch i {
			case 0: // d0 - d2
				d0, d2 := load(0, j), load(2, j)
				VSUBPS(d2, d0, t[j])
			case 1: // d1 + d2
				d1, d2 := load(1, j), load(2, j)
				VADDPS(d2, d1, t[j])
			case 2: // d2 - d1
				d1, d2 := load(1, j), load(2, j)
				VSUBPS(d1, d2, t[j])
			case 3: // d1 - d3
				d1, d3 := load(1, j), load(3, j)
				VSUBPS(d3, d1, t[j])
			}
		}
		for _, v := range btdbRow(t) {
			emit(v)
		}
	}
}
