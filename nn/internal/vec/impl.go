package vec

import "sync/atomic"

// impl is one implementation of every kernel. The exported functions check
// their arguments and call the active one's, so each field may assume
// non-empty slices of the lengths its exported function documents.
type impl struct {
	name string
	// winogradFast: the Winograd transforms run as vector code, so they
	// cost less than the multiplies they save (see WinogradFast).
	winogradFast bool

	max4     func(dst, a, b, c, d []float32)
	maxPool  func(dst, src []float32, oh, ow, c, w int)
	unpool   func(dst, src, y, g []float32, oh, ow, c, w int)
	addBias  func(y, bias []float32, relu bool)
	maskReLU func(d, y []float32)
	add      func(dst, src []float32)
	colSums  func(dst, src []float32)
	adam     func(w, g, m, v []float32, b1, b2, lr, eps float32)

	winogradInput     func(u []float32, us int, x []float32, xs, cs, n int)
	winogradOutputMax func(dst, m []float32, ms int)
	winogradKernel    func(v []float32, vs int, w []float32, ws, n int)
	winogradConv1Max  func(dst, x []float32, xs int, v []float32, vs int)
}

// goImpl is the portable fallback, present on every platform: the loops of
// vec_go.go and winograd.go.
var goImpl = &impl{
	name:     "go",
	max4:     max4Go,
	maxPool:  func(dst, src []float32, oh, ow, c, w int) { maxPoolGo(dst, src, oh, ow, c, w, 0) },
	unpool:   func(dst, src, y, g []float32, oh, ow, c, w int) { unpoolGo(dst, src, y, g, oh, ow, c, w, 0) },
	addBias:  func(y, bias []float32, relu bool) { addBiasGo(y, len(bias), len(y)/len(bias), bias, relu) },
	maskReLU: maskReLUGo,
	add:      addGo,
	colSums:  func(dst, src []float32) { colSumsGo(dst, src, len(dst), len(src)/len(dst)) },
	adam:     adamGo,

	winogradInput:     winogradInputGo,
	winogradOutputMax: winogradOutputMaxGo,
	winogradKernel:    winogradKernelGo,
	winogradConv1Max:  winogradConv1MaxGo,
}

// impls lists the implementations this machine can run, best first; the
// last is always goImpl.
var impls = append(archImpls(), goImpl)

// active is the implementation the exported functions call; tests swap it
// to cover every implementation.
//
// A call through a func value hides its callee from escape analysis, so
// the slices handed to the exported functions count as escaping: a
// caller's stack array would move to the heap. The engine passes only its
// layers' heap buffers, so nothing more is allocated (nn's
// TestPredictOneAllocatesNothing holds it to that). The implementations
// call the assembly stubs directly, keeping the stubs' //go:noescape
// promise for their own temporaries (AddBias's repeated bias, ColSums's
// partial sums), which stay on the stack.
//
// Every call goes through the table, the Winograd kernels that Predict
// calls per 4x4 block (about 220 calls per image) included: the indirect
// call always has the same target, so it is predicted, and it replaces
// the direct call and flag test the per-function switches made. Measured
// with cachegrind over one-image predictions (on AVX2, both the usual
// path and the forced Winograd path): the same instruction count as the
// switches to 0.01%, one more indirect branch per call and about one more
// mispredicted branch per image.
var active atomic.Pointer[impl]

func init() { active.Store(impls[0]) }

// Impl names the implementation in use: "avx512", "avx2" or "go".
func Impl() string { return active.Load().name }
