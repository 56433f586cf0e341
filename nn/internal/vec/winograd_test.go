package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestWinogradConvolves checks the three transforms together against the
// definition: for a 4x4 block d and a 3x3 kernel g, Aᵀ[(G g Gᵀ)⊙(Bᵀ d B)]A
// is the 2x2 valid correlation of d with g, here pooled to its maximum.
// Each channel has its own d and g; the strides leave gaps between vectors.
func TestWinogradConvolves(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range []int{1, 5, 16, 17, 32, 64} {
			rowStride, pixStride := 7*n+3, n+2
			x := newGuarded(rng, 3*rowStride+3*pixStride+n, uniform)
			w := newGuarded(rng, 8*(n+1)+n, uniform)
			us := n + 5
			u := newGuarded(rng, 15*us+n, uniform)
			v := newGuarded(rng, 15*us+n, uniform)
			WinogradInput(u.data(), us, x.data(), rowStride, pixStride, n)
			WinogradKernel(v.data(), us, w.data(), n+1, n)
			m := newGuarded(rng, 15*us+n, uniform)
			for xi := range 16 {
				for c := range n {
					m.data()[xi*us+c] = u.data()[xi*us+c] * v.data()[xi*us+c]
				}
			}
			dst := newGuarded(rng, n, uniform)
			WinogradOutputMax(dst.data(), m.data(), us)
			for _, g := range []*guarded{x, w, u, v, m, dst} {
				g.checkGuards(t, fmt.Sprintf("n %d", n))
			}
			for c := range n {
				want := directMax(x.data()[c:], rowStride, pixStride, w.data()[c:], n+1)
				if got := dst.data()[c]; !near(got, want, 1, 1e-5) {
					t.Fatalf("n %d channel %d: got %v, want %v", n, c, got, want)
				}
			}
		}
	})
}

// TestWinogradKernelsMatchGo holds each implementation's transforms to the
// Go loops that define them, value for value, with zeros of both signs and
// infinities among the inputs of the linear ones.
func TestWinogradKernelsMatchGo(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range lengths() {
			if n == 0 || n > 100 {
				continue
			}
			st := n + 3
			x := newGuarded(rng, 3*st*4+3*st+n, mixed)
			got := newGuarded(rng, 15*st+n, uniform)
			want := got.clone()
			WinogradInput(got.data(), st, x.data(), 4*st, st, n)
			winogradInputGo(want.data(), st, x.data(), 4*st, st, n)
			compare(t, "input", n, got, want)

			got = newGuarded(rng, 15*st+n, uniform)
			want = got.clone()
			WinogradKernel(got.data(), st, x.data(), st, n)
			winogradKernelGo(want.data(), st, x.data(), st, n)
			compare(t, "kernel", n, got, want)

			// Infinities would make NaNs, which VMAXPS and Go's max treat
			// differently (see the package doc).
			m := newGuarded(rng, 15*st+n, uniform)
			got = newGuarded(rng, n, uniform)
			want = got.clone()
			WinogradOutputMax(got.data(), m.data(), st)
			winogradOutputMaxGo(want.data(), m.data(), st)
			compare(t, "output", n, got, want)
		}
	})
}

func compare(t *testing.T, what string, n int, got, want *guarded) {
	t.Helper()
	got.checkGuards(t, what)
	for i := range got.data() {
		if g, w := got.data()[i], want.data()[i]; !same(g, w) {
			t.Fatalf("%s, n %d: value %d is %v, want %v", what, n, i, g, w)
		}
	}
}

// TestWinogradConv1 checks the fused single-channel path against the
// direct 3x3 correlation, max-pooled, and each implementation against the
// Go loop value for value.
func TestWinogradConv1(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range []int{1, 7, 16, 17, 32, 40} {
			const rowStride = 9
			x := newGuarded(rng, 3*rowStride+4, uniform)
			w := newGuarded(rng, 9*n, uniform)
			vs := n + 3
			v := newGuarded(rng, 15*vs+n, uniform)
			WinogradKernel(v.data(), vs, w.data(), n, n)
			got := newGuarded(rng, n, uniform)
			want := got.clone()
			WinogradConv1Max(got.data(), x.data(), rowStride, v.data(), vs)
			winogradConv1MaxGo(want.data(), x.data(), rowStride, v.data(), vs)
			compare(t, "conv1", n, got, want)
			x.checkGuards(t, "x")
			v.checkGuards(t, "v")
			for f := range n {
				best := directMax(x.data(), rowStride, 1, w.data()[f:], n)
				if g := got.data()[f]; !near(g, best, 1, 1e-5) {
					t.Fatalf("n %d, channel %d: got %v, want %v", n, f, g, best)
				}
			}
		}
	})
}

// directMax is the definition the Winograd transforms are held to: the
// maximum of the 2x2 valid correlation of the 4x4 block at x (pixel (r, c)
// at x[r*rowStride+c*pixStride]) with the 3x3 kernel at w (tap (ky, kx) at
// w[(3*ky+kx)*wStride]), summed in float64.
func directMax(x []float32, rowStride, pixStride int, w []float32, wStride int) float32 {
	var best float32
	for oy := range 2 {
		for ox := range 2 {
			var s float64
			for ky := range 3 {
				for kx := range 3 {
					s += float64(x[(oy+ky)*rowStride+(ox+kx)*pixStride]) * float64(w[(3*ky+kx)*wStride])
				}
			}
			if oy+ox == 0 || float32(s) > best {
				best = float32(s)
			}
		}
	}
	return best
}
