package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guard is the sentinel around every slice a test hands to a kernel; a
// kernel that changes it has strayed outside the slice.
const guard = -12345.5

// guardLen is the number of guard values on each side.
const guardLen = 37

// guarded is a slice of n values inside a buffer of guards.
type guarded struct{ buf []float32 }

func newGuarded(rng *rand.Rand, n int, fill func(*rand.Rand) float32) *guarded {
	g := &guarded{make([]float32, guardLen+n+guardLen)}
	for i := range g.buf {
		g.buf[i] = guard
	}
	for i := range g.data() {
		g.data()[i] = fill(rng)
	}
	return g
}

func (g *guarded) data() []float32 { return g.buf[guardLen : len(g.buf)-guardLen] }

func (g *guarded) clone() *guarded {
	return &guarded{append([]float32(nil), g.buf...)}
}

func (g *guarded) checkGuards(t *testing.T, name string) {
	t.Helper()
	for i, v := range g.buf {
		if (i < guardLen || i >= len(g.buf)-guardLen) && v != guard {
			t.Fatalf("%s: guard at buffer index %d overwritten with %v", name, i, v)
		}
	}
}

func uniform(rng *rand.Rand) float32 { return rng.Float32()*2 - 1 }

// mixed is uniform with some zeros of both signs and infinities, the
// ordinary floats the comparisons must get right.
func mixed(rng *rand.Rand) float32 {
	switch rng.IntN(16) {
	case 0:
		return 0
	case 1:
		return float32(math.Copysign(0, -1))
	case 2:
		return float32(math.Inf(1))
	case 3:
		return float32(math.Inf(-1))
	}
	return uniform(rng)
}

// withNaN is uniform with some NaNs.
func withNaN(rng *rand.Rand) float32 {
	if rng.IntN(8) == 0 {
		return float32(math.NaN())
	}
	return mixed(rng)
}

// same reports whether got and want are the same value, NaN equal to NaN
// and -0 equal to +0 (see the package doc).
func same(got, want float32) bool {
	if math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got))
	}
	return got == want
}

// near reports whether got is within rel of want, relative to scale.
func near(got, want, scale float32, rel float64) bool {
	if same(got, want) {
		return true
	}
	return math.Abs(float64(got-want)) <= rel*math.Max(float64(scale), 1e-30)
}

// lengths are the slice lengths every element-wise kernel is checked at:
// all tails, both unrolled loops and odd large sizes.
func lengths() []int {
	var ns []int
	for n := 0; n <= 40; n++ {
		ns = append(ns, n)
	}
	return append(ns, 100, 1000, 4097)
}

// forEachImpl runs f as one subtest per implementation.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, name := range implNames() {
		t.Run(name, func(t *testing.T) {
			defer setImpl(name)()
			if got := Impl(); got != name {
				t.Fatalf("Impl() = %q after setImpl(%q)", got, name)
			}
			f(t)
		})
	}
}

// TestImpls checks the table: the best implementation is active, the list
// follows the CPU flags and ends in Go, and the assembly ones (AVX-512 and
// AVX2) have fast Winograd transforms.
func TestImpls(t *testing.T) {
	names := implNames()
	if got := Impl(); got != names[0] {
		t.Errorf("Impl() = %q, want the best available %q", got, names[0])
	}
	if names[len(names)-1] != "go" {
		t.Errorf("implementations %v do not end in go", names)
	}
	if useAVX512 && names[0] != "avx512" || !useAVX512 && useAVX2 && names[0] != "avx2" {
		t.Errorf("implementations %v disagree with useAVX512=%v useAVX2=%v", names, useAVX512, useAVX2)
	}
	forEachImpl(t, func(t *testing.T) {
		if got, want := WinogradFast(), Impl() != "go"; got != want {
			t.Errorf("WinogradFast() = %v, want %v", got, want)
		}
	})
}

// The references: the plainest loops, independent of vec_go.go.

func refMax4(dst, a, b, c, d []float32) {
	for i := range dst {
		dst[i] = max(a[i], b[i], c[i], d[i])
	}
}

func refAdam(w, g, m, v []float32, b1, b2, lr, eps float32) {
	for i := range w {
		// Products rounded before the sum, as the kernels do: without the
		// conversions a GOAMD64=v3 or arm64 build fuses them into an FMA,
		// and where the two terms nearly cancel the results differ in the
		// sixth digit.
		m[i] = float32(b1*m[i]) + float32((1-b1)*g[i])
		v[i] = float32(b2*v[i]) + float32((1-b2)*g[i]*g[i])
		w[i] -= lr * m[i] / (float32(math.Sqrt(float64(v[i]))) + eps)
	}
}

func TestMax4(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range lengths() {
			in := make([]*guarded, 4)
			for i := range in {
				in[i] = newGuarded(rng, n+rng.IntN(3), mixed) // inputs may be longer
			}
			dst := newGuarded(rng, n, uniform)
			want := make([]float32, n)
			refMax4(want, in[0].data(), in[1].data(), in[2].data(), in[3].data())
			Max4(dst.data(), in[0].data(), in[1].data(), in[2].data(), in[3].data())
			for i, w := range want {
				if got := dst.data()[i]; !same(got, w) {
					t.Fatalf("n=%d: dst[%d] = %v, want %v", n, i, got, w)
				}
			}
			dst.checkGuards(t, fmt.Sprintf("n=%d dst", n))
			for i := range in {
				in[i].checkGuards(t, fmt.Sprintf("n=%d input %d", n, i))
			}
		}
	})
}

// eachPlane calls check with every h×w×c plane of the pooling tests: all
// small sides (odd ones drop a row or column), channel counts around the
// vector widths, and the engine's own planes.
func eachPlane(check func(h, w, c int)) {
	dims := []int{0, 1, 2, 3, 4, 5, 7, 11}
	channels := []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 64}
	for _, h := range dims {
		for _, w := range dims {
			for _, c := range channels {
				check(h, w, c)
			}
		}
	}
	check(26, 26, 32)
	check(11, 11, 64)
}

func TestMaxPool2x2(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		check := func(h, w, c int) {
			t.Helper()
			src := newGuarded(rng, h*w*c, mixed)
			oh, ow := h/2, w/2
			dst := newGuarded(rng, oh*ow*c, uniform)
			orig := src.clone()
			MaxPool2x2(dst.data(), src.data(), h, w, c)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					for ch := 0; ch < c; ch++ {
						at := func(y, x int) float32 { return src.data()[(y*w+x)*c+ch] }
						want := max(at(2*oy, 2*ox), at(2*oy, 2*ox+1), at(2*oy+1, 2*ox), at(2*oy+1, 2*ox+1))
						if got := dst.data()[(oy*ow+ox)*c+ch]; !same(got, want) {
							t.Fatalf("h=%d w=%d c=%d: out (%d,%d,%d) = %v, want %v", h, w, c, oy, ox, ch, got, want)
						}
					}
				}
			}
			dst.checkGuards(t, fmt.Sprintf("h=%d w=%d c=%d dst", h, w, c))
			for i := range orig.buf {
				if src.buf[i] != orig.buf[i] && !math.IsNaN(float64(orig.buf[i])) {
					t.Fatalf("h=%d w=%d c=%d: src changed", h, w, c)
				}
			}
		}
		eachPlane(check)
	})
}

// TestUnpool2x2 checks the backward pass of the pool: each window's
// gradient lands at its first maximum, the other positions become 0, and
// dropped rows and columns are untouched. Values are drawn from a few
// levels so that ties between positions are common.
func TestUnpool2x2(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		levels := func(rng *rand.Rand) float32 { return float32(rng.IntN(4)) }
		check := func(h, w, c int) {
			t.Helper()
			oh, ow := h/2, w/2
			src := newGuarded(rng, h*w*c, levels)
			y := make([]float32, oh*ow*c)
			if oh > 0 && ow > 0 {
				MaxPool2x2(y, src.data(), h, w, c)
			}
			g := newGuarded(rng, oh*ow*c, uniform)
			dst := newGuarded(rng, h*w*c, func(*rand.Rand) float32 { return 99 })
			Unpool2x2(dst.data(), src.data(), y, g.data(), h, w, c)
			for yy := 0; yy < h; yy++ {
				for xx := 0; xx < w; xx++ {
					for ch := 0; ch < c; ch++ {
						got := dst.data()[(yy*w+xx)*c+ch]
						oy, ox := yy/2, xx/2
						if oy >= oh || ox >= ow {
							if got != 99 {
								t.Fatalf("h=%d w=%d c=%d: dropped (%d,%d,%d) written", h, w, c, yy, xx, ch)
							}
							continue
						}
						o := (oy*ow+ox)*c + ch
						first := -1
						for k := 0; k < 4 && first < 0; k++ {
							if src.data()[((2*oy+k/2)*w+2*ox+k%2)*c+ch] == y[o] {
								first = k
							}
						}
						want := float32(0)
						if (yy-2*oy)*2+(xx-2*ox) == first {
							want = g.data()[o]
						}
						if got != want {
							t.Fatalf("h=%d w=%d c=%d: (%d,%d,%d) = %v, want %v", h, w, c, yy, xx, ch, got, want)
						}
					}
				}
			}
			dst.checkGuards(t, fmt.Sprintf("h=%d w=%d c=%d dst", h, w, c))
		}
		eachPlane(check)
	})
}

func TestAddBias(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		var biasLens []int
		for n := 1; n <= 40; n++ {
			biasLens = append(biasLens, n)
		}
		biasLens = append(biasLens, 64, 100, 127, 128, 129, 144, 200, 257)
		for _, n := range biasLens {
			for _, rows := range []int{0, 1, 2, 3, 5, 17} {
				for _, relu := range []bool{false, true} {
					y := newGuarded(rng, rows*n, withNaN)
					bias := newGuarded(rng, n, uniform)
					want := append([]float32(nil), y.data()...)
					for i := range want {
						want[i] += bias.data()[i%n]
						if relu {
							want[i] = max(want[i], 0)
						}
					}
					AddBias(y.data(), bias.data(), relu)
					for i, w := range want {
						if got := y.data()[i]; !same(got, w) {
							t.Fatalf("n=%d rows=%d relu=%v: y[%d] = %v, want %v", n, rows, relu, i, got, w)
						}
					}
					y.checkGuards(t, "y")
					bias.checkGuards(t, "bias")
				}
			}
		}
	})
}

func TestAddBiasPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AddBias with len(y) not a multiple of len(bias) did not panic")
		}
	}()
	AddBias(make([]float32, 5), make([]float32, 2), false)
}

func TestMaskReLU(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range lengths() {
			y := newGuarded(rng, n, withNaN)
			d := newGuarded(rng, n+rng.IntN(3), uniform)
			want := append([]float32(nil), d.data()...)
			for i, v := range y.data() {
				if v <= 0 {
					want[i] = 0
				}
			}
			MaskReLU(d.data(), y.data())
			for i, w := range want {
				if got := d.data()[i]; got != w {
					t.Fatalf("n=%d: d[%d] = %v, want %v (y = %v)", n, i, got, w, y.data()[i])
				}
			}
			d.checkGuards(t, fmt.Sprintf("n=%d d", n))
			y.checkGuards(t, fmt.Sprintf("n=%d y", n))
		}
	})
}

func TestAdd(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, n := range lengths() {
			dst := newGuarded(rng, n, uniform)
			src := newGuarded(rng, n+rng.IntN(3), uniform)
			want := append([]float32(nil), dst.data()...)
			for i := range want {
				want[i] += src.data()[i]
			}
			Add(dst.data(), src.data())
			for i, w := range want {
				if got := dst.data()[i]; got != w {
					t.Fatalf("n=%d: dst[%d] = %v, want %v", n, i, got, w)
				}
			}
			dst.checkGuards(t, fmt.Sprintf("n=%d dst", n))
			src.checkGuards(t, fmt.Sprintf("n=%d src", n))
		}
	})
}

func TestColSums(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		var widths []int
		for n := 1; n <= 40; n++ {
			widths = append(widths, n)
		}
		widths = append(widths, 64, 100, 128, 129, 200, 257)
		for _, n := range widths {
			for _, rows := range []int{0, 1, 2, 3, 4, 5, 8, 33} {
				dst := newGuarded(rng, n, uniform)
				src := newGuarded(rng, rows*n, uniform)
				want := append([]float32(nil), dst.data()...)
				scale := make([]float32, n)
				for i, v := range src.data() {
					want[i%n] += v
					scale[i%n] += float32(math.Abs(float64(v)))
				}
				ColSums(dst.data(), src.data())
				for j, w := range want {
					// Another summation order: within a few roundings of
					// the sum of magnitudes.
					if got := dst.data()[j]; !near(got, w, scale[j]+1, 1e-6*float64(rows+1)) {
						t.Fatalf("n=%d rows=%d: dst[%d] = %v, want %v", n, rows, j, got, w)
					}
				}
				dst.checkGuards(t, "dst")
				src.checkGuards(t, "src")
			}
		}
	})
}

func TestAdam(t *testing.T) {
	const b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-7
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		positive := func(rng *rand.Rand) float32 { return rng.Float32() * 1e-3 }
		for _, n := range lengths() {
			w := newGuarded(rng, n, uniform)
			g := newGuarded(rng, n, uniform)
			m := newGuarded(rng, n, uniform)
			v := newGuarded(rng, n, positive)
			ww, wm, wv := w.clone(), m.clone(), v.clone()
			refAdam(ww.data(), g.data(), wm.data(), wv.data(), b1, b2, lr, eps)
			Adam(w.data(), g.data(), m.data(), v.data(), b1, b2, lr, eps)
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"w", w.data(), ww.data()}, {"m", m.data(), wm.data()}, {"v", v.data(), wv.data()}} {
				for i, x := range c.want {
					if !near(c.got[i], x, float32(math.Abs(float64(x))), 1e-6) {
						t.Fatalf("n=%d: %s[%d] = %v, want %v", n, c.name, i, c.got[i], x)
					}
				}
			}
			for _, s := range []*guarded{w, g, m, v} {
				s.checkGuards(t, fmt.Sprintf("n=%d", n))
			}
		}
	})
}

// TestShortInputsPanic checks that the kernels keep Go's bounds checks.
func TestShortInputsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"Max4": func() {
			Max4(make([]float32, 4), make([]float32, 4), make([]float32, 3), make([]float32, 4), make([]float32, 4))
		},
		"MaskReLU": func() { MaskReLU(make([]float32, 3), make([]float32, 4)) },
		"Add":      func() { Add(make([]float32, 4), make([]float32, 3)) },
		"Adam": func() {
			Adam(make([]float32, 4), make([]float32, 4), make([]float32, 3), make([]float32, 4), 0.9, 0.999, 1e-3, 1e-7)
		},
		"MaxPool2x2": func() { MaxPool2x2(make([]float32, 4), make([]float32, 15), 4, 4, 1) },
		"ColSums":    func() { ColSums(make([]float32, 3), make([]float32, 7)) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short slice did not panic", name)
				}
			}()
			f()
		})
	}
}
