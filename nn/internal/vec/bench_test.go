package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The benchmarks use the engine's sizes: one image's planes and pooled
// activations (inference), batches of 32 or 128 (training), and the
// 225,034 parameters of the MNIST model (Add, Adam). Each implementation
// runs as a sub-benchmark; SetBytes counts the bytes read plus written.

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = uniform(rng)
	}
	return s
}

// benchImpls runs f once per implementation under name.
func benchImpls(b *testing.B, name string, f func(b *testing.B)) {
	for _, impl := range implNames() {
		b.Run(impl+"/"+name, func(b *testing.B) {
			defer setImpl(impl)()
			f(b)
		})
	}
}

const modelParams = 225034

func BenchmarkMax4(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{32, 64} {
		dst, a, c0, c1, c2 := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
		benchImpls(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(5 * 4 * n))
			for b.Loop() {
				Max4(dst, a, c0, c1, c2)
			}
		})
	}
}

func BenchmarkMaxPool2x2(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct{ h, w, c int }{{26, 26, 32}, {11, 11, 64}} {
		src := randSlice(rng, s.h*s.w*s.c)
		dst := make([]float32, (s.h/2)*(s.w/2)*s.c)
		benchImpls(b, fmt.Sprintf("%dx%dx%d", s.h, s.w, s.c), func(b *testing.B) {
			b.SetBytes(int64(4 * (len(src) + len(dst))))
			for b.Loop() {
				MaxPool2x2(dst, src, s.h, s.w, s.c)
			}
		})
	}
}

// BenchmarkMax4Plane pools the same planes one Max4 call per output pixel,
// the way nn calls Max4, to compare with MaxPool2x2.
func BenchmarkMax4Plane(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct{ h, w, c int }{{26, 26, 32}, {11, 11, 64}} {
		src := randSlice(rng, s.h*s.w*s.c)
		oh, ow, c, w := s.h/2, s.w/2, s.c, s.w
		dst := make([]float32, oh*ow*c)
		benchImpls(b, fmt.Sprintf("%dx%dx%d", s.h, s.w, s.c), func(b *testing.B) {
			b.SetBytes(int64(4 * (len(src) + len(dst))))
			for b.Loop() {
				for oy := 0; oy < oh; oy++ {
					for ox := 0; ox < ow; ox++ {
						i0 := (2*oy*w + 2*ox) * c
						i1 := i0 + w*c
						o := (oy*ow + ox) * c
						Max4(dst[o:o+c], src[i0:i0+c], src[i0+c:i0+2*c], src[i1:i1+c], src[i1+c:i1+2*c])
					}
				}
			}
		})
	}
}

func BenchmarkAddBias(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range []struct {
		rows, n int
		relu    bool
	}{{169, 32, true}, {25, 64, true}, {1, 128, true}, {1, 10, false}, {128, 128, true}, {128, 10, false}} {
		y, bias := randSlice(rng, s.rows*s.n), randSlice(rng, s.n)
		benchImpls(b, fmt.Sprintf("%dx%d,relu=%v", s.rows, s.n, s.relu), func(b *testing.B) {
			b.SetBytes(int64(4 * (2*len(y) + len(bias))))
			for b.Loop() {
				AddBias(y, bias, s.relu)
			}
		})
	}
}

func BenchmarkMaskReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{128 * 128, 32 * 169 * 32} {
		d, y := randSlice(rng, n), randSlice(rng, n)
		benchImpls(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * 3 * n))
			for b.Loop() {
				MaskReLU(d, y)
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{4096, modelParams} {
		dst, src := make([]float32, n), randSlice(rng, n)
		benchImpls(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * 3 * n))
			for b.Loop() {
				Add(dst, src)
			}
		})
	}
}

func BenchmarkColSums(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, s := range []struct{ rows, n int }{{32, 10}, {32, 128}, {800, 64}, {5408, 32}} {
		dst, src := make([]float32, s.n), randSlice(rng, s.rows*s.n)
		benchImpls(b, fmt.Sprintf("%dx%d", s.rows, s.n), func(b *testing.B) {
			b.SetBytes(int64(4 * (len(src) + 2*len(dst))))
			for b.Loop() {
				ColSums(dst, src)
			}
		})
	}
}

func BenchmarkAdam(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	n := modelParams
	w, g, m, v := randSlice(rng, n), randSlice(rng, n), make([]float32, n), make([]float32, n)
	benchImpls(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
		b.SetBytes(int64(4 * 7 * n))
		for b.Loop() {
			Adam(w, g, m, v, 0.9, 0.999, 1e-3, 1e-7)
		}
	})
}
