package matmul

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guard is the sentinel around and between matrix rows; a kernel that
// writes it has strayed outside its matrix.
const guard = -12345.5

// guardLen is the number of guard elements before and after each matrix.
const guardLen = 37

// matrix is a rows×cols matrix with stride ld inside a guarded buffer:
// buf[:guardLen] and buf[guardLen+size:] hold guard, as do the stride gaps.
type matrix struct {
	rows, cols, ld int
	buf            []float32
}

func newMatrix(rng *rand.Rand, rows, cols, ld int, fill func(*rand.Rand) float32) *matrix {
	size := 0
	if rows > 0 {
		size = (rows-1)*ld + cols
	}
	m := &matrix{rows, cols, ld, make([]float32, guardLen+size+guardLen)}
	for i := range m.buf {
		m.buf[i] = guard
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.buf[guardLen+i*ld+j] = fill(rng)
		}
	}
	return m
}

// data is the slice handed to Gemm: exactly the matrix, no guards.
func (m *matrix) data() []float32 { return m.buf[guardLen : len(m.buf)-guardLen] }

func (m *matrix) at(i, j int) float32 { return m.buf[guardLen+i*m.ld+j] }

func (m *matrix) clone() *matrix {
	c := *m
	c.buf = append([]float32(nil), m.buf...)
	return &c
}

// checkGuards reports any guard element that changed.
func (m *matrix) checkGuards(t *testing.T, name string) {
	t.Helper()
	inside := func(x int) bool {
		x -= guardLen
		if x < 0 || m.rows == 0 || x >= (m.rows-1)*m.ld+m.cols {
			return false
		}
		return x%m.ld < m.cols
	}
	for x, v := range m.buf {
		if !inside(x) && v != guard {
			t.Fatalf("%s: guard at buffer index %d overwritten with %v", name, x, v)
		}
	}
}

func uniform(rng *rand.Rand) float32 { return rng.Float32()*2 - 1 }
func nan(*rand.Rand) float32         { return float32(math.NaN()) }

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	pad            int // extra stride on every matrix
	beta           float32
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d,beta=%v", c.transA, c.transB, c.m, c.n, c.k, c.pad, c.beta)
}

// run checks Gemm against gemmNaive for one case, including guards and the
// promise that C is not read when beta is 0.
func (c gemmCase) run(t *testing.T, rng *rand.Rand) {
	t.Helper()
	c.runWith(t, rng, func(g *gemmArgs) {
		Gemm(g.transA, g.transB, g.m, g.n, g.k, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
	})
}

// runWith is run with gemm computing the product instead of Gemm.
func (c gemmCase) runWith(t *testing.T, rng *rand.Rand, gemm func(*gemmArgs)) {
	t.Helper()
	ra, ca := stored(c.m, c.k, c.transA)
	rb, cb := stored(c.k, c.n, c.transB)
	a := newMatrix(rng, ra, ca, ca+c.pad+boolInt(ca == 0), uniform)
	b := newMatrix(rng, rb, cb, cb+c.pad+boolInt(cb == 0), uniform)
	fill := uniform
	if c.beta == 0 {
		fill = nan
	}
	cm := newMatrix(rng, c.m, c.n, c.n+c.pad+boolInt(c.n == 0), fill)
	want := cm.clone()
	if c.beta == 0 {
		for i := 0; i < c.m; i++ {
			for j := 0; j < c.n; j++ {
				want.buf[guardLen+i*want.ld+j] = 0 // the naive loop does not read it either
			}
		}
	}
	a0, b0, c0 := a.clone(), b.clone(), cm.clone()
	gemmNaive(c.transA, c.transB, c.m, c.n, c.k, a.data(), a.ld, b.data(), b.ld, c.beta, want.data(), want.ld)
	gemm(&gemmArgs{c.transA, c.transB, c.m, c.n, c.k, a.data(), a.ld, b.data(), b.ld, c.beta, cm.data(), cm.ld})

	cm.checkGuards(t, "c")
	for i := range a.buf {
		if a.buf[i] != a0.buf[i] {
			t.Fatalf("a modified at buffer index %d", i)
		}
	}
	for i := range b.buf {
		if b.buf[i] != b0.buf[i] {
			t.Fatalf("b modified at buffer index %d", i)
		}
	}
	// Both results carry at most gamma(k+2)·Σ|a||b|+|beta c| rounding error.
	const u = 1.0 / (1 << 24)
	gamma := 2 * float64(c.k+2) * u / (1 - float64(c.k+2)*u)
	for i := 0; i < c.m; i++ {
		for j := 0; j < c.n; j++ {
			var abs float64
			for p := 0; p < c.k; p++ {
				var av, bv float32
				if c.transA {
					av = a.at(p, i)
				} else {
					av = a.at(i, p)
				}
				if c.transB {
					bv = b.at(j, p)
				} else {
					bv = b.at(p, j)
				}
				abs += math.Abs(float64(av) * float64(bv))
			}
			if c.beta != 0 {
				abs += math.Abs(float64(c.beta) * float64(c0.at(i, j)))
			}
			got, exp := cm.at(i, j), want.at(i, j)
			if d := math.Abs(float64(got) - float64(exp)); !(d <= 2*gamma*abs+1e-30) {
				t.Fatalf("C[%d][%d] = %v, want %v (diff %g, bound %g)", i, j, got, exp, d, 2*gamma*abs)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var betas = []float32{0, 1, 0.5, -2}

// forEachKernel runs f as one subtest per kernel available on this machine.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	for _, name := range kernelNames() {
		t.Run(name, func(t *testing.T) {
			defer setKernel(name)()
			f(t)
		})
	}
}

func TestGemmSmall(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		max := 17
		if testing.Short() {
			max = 9
		}
		i := 0
		for m := 0; m <= max; m++ {
			for n := 0; n <= max; n++ {
				for k := 0; k <= max; k++ {
					for tr := 0; tr < 4; tr++ {
						c := gemmCase{tr&1 != 0, tr&2 != 0, m, n, k, i % 3, betas[i%len(betas)]}
						i++
						c.run(t, rng)
					}
				}
			}
		}
	})
}

func TestGemmLarge(t *testing.T) {
	sizes := []int{1, 13, 31, 33, 65, 127, 300}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		i := 0
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range sizes {
					if m*n*k > 3e6 || (testing.Short() && m*n*k > 3e5) {
						continue
					}
					for tr := 0; tr < 4; tr++ {
						c := gemmCase{tr&1 != 0, tr&2 != 0, m, n, k, 2 * (i % 2), betas[i%len(betas)]}
						i++
						c.run(t, rng)
					}
				}
			}
		}
	})
}

// TestGemmShapes covers the engine's shapes (scaled down where the naive
// reference would be slow) and the parallel paths: row, column and k splits.
func TestGemmShapes(t *testing.T) {
	cases := []gemmCase{
		{m: 2163, n: 32, k: 9},                 // conv1 forward, a tenth of batch 32
		{m: 387, n: 64, k: 288},                // conv2 forward
		{transA: true, m: 288, n: 64, k: 387},  // conv2 dW
		{transB: true, m: 387, n: 288, k: 64},  // conv2 dX
		{m: 9, n: 32, k: 21632},                // conv1 dW: k split
		{transA: true, m: 9, n: 32, k: 4000},   // k split, transposed
		{m: 5, n: 7, k: 3001, beta: 1},         // k split with odd slices
		{m: 32, n: 128, k: 1600, beta: 0.5},    // dense1 forward: column split
		{transA: true, m: 1600, n: 128, k: 32}, // dense1 dW
		{transB: true, m: 32, n: 1600, k: 128}, // dense1 dX
		{m: 32, n: 10, k: 128},                 // dense2
		{m: 1, n: 128, k: 1600},                // dense1, batch 1
		{m: 121, n: 64, k: 288, pad: 5},        // conv2, batch 1
		{transA: true, transB: true, m: 301, n: 299, k: 257, pad: 1, beta: -2},
	}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, c := range cases {
			if testing.Short() && c.m*c.n*c.k > 8e6 {
				continue
			}
			t.Run(c.String(), func(t *testing.T) { c.run(t, rng) })
		}
	})
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6)
	tests := []struct {
		name string
		f    func()
	}{
		{"negative", func() { Gemm(false, false, -1, 1, 1, a, 1, a, 1, 0, a, 1) }},
		{"lda", func() { Gemm(false, false, 2, 2, 3, a, 2, a, 2, 0, a, 2) }},
		{"short a", func() { Gemm(false, false, 3, 2, 3, a, 3, a, 2, 0, a, 2) }},
		{"short c", func() { Gemm(false, false, 2, 3, 2, a, 2, a, 3, 0, a[:5], 3) }},
		{"ldb trans", func() { Gemm(false, true, 1, 2, 3, a, 3, a, 2, 0, a, 2) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f()
		})
	}
}

func TestKernel(t *testing.T) {
	names := kernelNames()
	if got := Kernel(); got != names[0] {
		t.Errorf("Kernel() = %q, want the best available %q", got, names[0])
	}
	if names[len(names)-1] != "go" {
		t.Errorf("kernels %v do not end in go", names)
	}
	if useAVX512 && names[0] != "avx512" || !useAVX512 && useAVX2 && names[0] != "avx2" {
		t.Errorf("kernels %v disagree with useAVX512=%v useAVX2=%v", names, useAVX512, useAVX2)
	}
}

func TestGemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	shapes := []struct{ m, n, k int }{{32, 10, 128}, {387, 64, 288}, {9, 32, 8000}}
	forEachKernel(t, func(t *testing.T) {
		for _, s := range shapes {
			a := make([]float32, s.m*s.k)
			b := make([]float32, s.k*s.n)
			c := make([]float32, s.m*s.n)
			allocs := testing.AllocsPerRun(20, func() {
				Gemm(false, false, s.m, s.n, s.k, a, s.k, b, s.n, 0, c, s.n)
			})
			if allocs != 0 {
				t.Errorf("%dx%dx%d: %v allocations per call", s.m, s.n, s.k, allocs)
			}
		}
	})
}

// TestGemmParallelPlans runs the parallel driver directly with several
// worker counts, so every kind of cut (rows, columns, both, k slices, more
// parts than workers) is checked whatever GOMAXPROCS is.
func TestGemmParallelPlans(t *testing.T) {
	shapes := []gemmCase{
		{m: 387, n: 64, k: 100},
		{m: 32, n: 128, k: 700, beta: 1},
		{transB: true, m: 20, n: 333, k: 128, pad: 3},
		{transA: true, m: 60, n: 70, k: 500, beta: -2},
		{transA: true, m: 9, n: 32, k: 5000, pad: 1},
		{m: 3, n: 5, k: 4097, beta: 0.5},
	}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, workers := range []int{2, 3, 4, 7} {
			for _, c := range shapes {
				t.Run(fmt.Sprintf("w%d/%v", workers, c), func(t *testing.T) {
					c.runWith(t, rng, func(g *gemmArgs) {
						if !gemmParallel(active.Load(), g, workers) {
							t.Fatal("not split")
						}
					})
				})
			}
		}
	})
}

// TestGemmConcurrent calls Gemm from several goroutines at once, sharing
// the helpers and pools; run it with -race.
func TestGemmConcurrent(t *testing.T) {
	const m, n, k = 200, 70, 300
	rng := rand.New(rand.NewPCG(9, 10))
	a := newMatrix(rng, m, k, k, uniform).data()
	b := newMatrix(rng, k, n, n, uniform).data()
	want := make([]float32, m*n)
	Gemm(false, false, m, n, k, a, k, b, n, 0, want, n)
	errs := make(chan error, 8)
	for g := 0; g < cap(errs); g++ {
		go func() {
			c := make([]float32, m*n)
			for range 10 {
				Gemm(false, false, m, n, k, a, k, b, n, 0, c, n)
				for i := range c {
					if c[i] != want[i] {
						errs <- fmt.Errorf("C[%d] = %v, want %v", i, c[i], want[i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestGemmSerial checks GemmSerial against the reference, including shapes
// Gemm would split, and that it stays on one goroutine without allocating.
func TestGemmSerial(t *testing.T) {
	cases := []gemmCase{
		{m: 387, n: 64, k: 288},
		{transA: true, m: 9, n: 32, k: 5000, beta: 1},
		{transB: true, m: 32, n: 333, k: 128, pad: 2, beta: 0.5},
	}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, c := range cases {
			c.runWith(t, rng, func(g *gemmArgs) {
				GemmSerial(g.transA, g.transB, g.m, g.n, g.k, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
			})
		}
		if raceEnabled {
			return
		}
		a, b, c := make([]float32, 387*288), make([]float32, 288*64), make([]float32, 387*64)
		if n := testing.AllocsPerRun(10, func() { GemmSerial(false, false, 387, 64, 288, a, 288, b, 64, 0, c, 64) }); n != 0 {
			t.Errorf("%v allocations per call", n)
		}
	})
}
