package augment_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"digitnet/augment"
)

// testDigit draws an anti-aliased, asymmetric "7"-like shape: a bar near the
// top and a stroke down to the lower left, with grey edges.
func testDigit(tb testing.TB) []float32 {
	tb.Helper()
	img := make([]float32, augment.Pixels)
	seg := func(x0, y0, x1, y1, width float64) {
		for y := range augment.Size {
			for x := range augment.Size {
				px, py := float64(x)-x0, float64(y)-y0
				dx, dy := x1-x0, y1-y0
				t := max(0, min(1, (px*dx+py*dy)/(dx*dx+dy*dy)))
				d := math.Hypot(px-t*dx, py-t*dy)
				v := float32(max(0, min(1, width-d)))
				i := y*augment.Size + x
				img[i] = max(img[i], v)
			}
		}
	}
	seg(7, 6, 20, 6, 1.6)
	seg(20, 6, 11, 22, 1.6)
	return img
}

func centreOfMass(img []float32) (cx, cy, mass float64) {
	for i, v := range img {
		mass += float64(v)
		cx += float64(v) * float64(i%augment.Size)
		cy += float64(v) * float64(i/augment.Size)
	}
	return cx / mass, cy / mass, mass
}

func TestZeroOptionsIsIdentity(t *testing.T) {
	src := testDigit(t)
	dst := make([]float32, augment.Pixels)
	a := augment.New(augment.Options{})
	for seed := range uint64(5) {
		a.Apply(dst, src, rand.New(rand.NewPCG(seed, 0)))
		for i := range src {
			if dst[i] != src[i] {
				t.Fatalf("seed %d: pixel %d = %v, want %v", seed, i, dst[i], src[i])
			}
		}
	}
	augment.Warp(dst, src, augment.Identity, nil, nil)
	for i := range src {
		if dst[i] != src[i] {
			t.Fatalf("Warp(Identity): pixel %d = %v, want %v", i, dst[i], src[i])
		}
	}
}

func TestShiftMovesCentreOfMass(t *testing.T) {
	src := testDigit(t)
	cx0, cy0, m0 := centreOfMass(src)
	dst := make([]float32, augment.Pixels)
	for _, tc := range []struct{ dx, dy float64 }{
		{2, 0}, {0, -3}, {-2.5, 1.5}, {0.25, 0.75}, {3, 3},
	} {
		augment.Warp(dst, src, augment.NewTransform(tc.dx, tc.dy, 0, 1, 0), nil, nil)
		cx, cy, m := centreOfMass(dst)
		if math.Abs(cx-cx0-tc.dx) > 0.02 || math.Abs(cy-cy0-tc.dy) > 0.02 {
			t.Errorf("shift (%v,%v): centre of mass moved by (%.3f,%.3f)", tc.dx, tc.dy, cx-cx0, cy-cy0)
		}
		// Bilinear sampling keeps the ink (the digit stays inside the image).
		if math.Abs(m-m0) > 1e-3*m0 {
			t.Errorf("shift (%v,%v): mass %v, want %v", tc.dx, tc.dy, m, m0)
		}
	}
}

func TestRotateByRightAngles(t *testing.T) {
	src := testDigit(t)
	dst := make([]float32, augment.Pixels)
	const n = augment.Size - 1
	for _, tc := range []struct {
		deg float64
		// where source pixel (x, y) lands
		to func(x, y int) (int, int)
	}{
		{90, func(x, y int) (int, int) { return n - y, x }}, // clockwise as displayed
		{-90, func(x, y int) (int, int) { return y, n - x }},
		{180, func(x, y int) (int, int) { return n - x, n - y }},
		{360, func(x, y int) (int, int) { return x, y }},
	} {
		augment.Warp(dst, src, augment.NewTransform(0, 0, tc.deg, 1, 0), nil, nil)
		for y := range augment.Size {
			for x := range augment.Size {
				tx, ty := tc.to(x, y)
				got, want := dst[ty*augment.Size+tx], src[y*augment.Size+x]
				if math.Abs(float64(got-want)) > 1e-5 {
					t.Fatalf("%v°: pixel (%d,%d) -> (%d,%d) = %v, want %v", tc.deg, x, y, tx, ty, got, want)
				}
			}
		}
	}
}

func TestScaleAndShear(t *testing.T) {
	src := testDigit(t)
	_, _, m0 := centreOfMass(src)
	dst := make([]float32, augment.Pixels)
	// Area (and so ink) grows with scale^2; shear keeps area.
	for _, tc := range []struct{ scale, shear, wantRatio float64 }{
		{1.1, 0, 1.21}, {0.9, 0, 0.81}, {1, 0.2, 1}, {1, -0.2, 1},
	} {
		augment.Warp(dst, src, augment.NewTransform(0, 0, 0, tc.scale, tc.shear), nil, nil)
		_, _, m := centreOfMass(dst)
		if got := m / m0; math.Abs(got-tc.wantRatio) > 0.03 {
			t.Errorf("scale %v shear %v: ink ratio %.3f, want %.3f", tc.scale, tc.shear, got, tc.wantRatio)
		}
	}
	// Positive shear leans the top left: the top bar moves left, the bottom right.
	augment.Warp(dst, src, augment.NewTransform(0, 0, 0, 1, 0.2), nil, nil)
	if dst[6*augment.Size+6] <= src[6*augment.Size+6] {
		t.Errorf("shear 0.2 did not move the top bar left")
	}
}

// extreme stresses every transform at once.
var extreme = augment.Options{
	MaxShift: 6, MaxRotate: 180, MinScale: 0.5, MaxScale: 2, MaxShear: 0.8,
	Elastic: 1, ElasticAlpha: 80, ElasticSigma: 2, Morph: 1, Gamma: 1.5,
}

func TestOutputInRange(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	noise := make([]float32, augment.Pixels)
	for i := range noise {
		noise[i] = r.Float32()
	}
	inputs := map[string][]float32{"digit": testDigit(t), "noise": noise, "ones": ones()}
	dst := make([]float32, augment.Pixels)
	for name, opt := range map[string]augment.Options{"Default": augment.Default, "extreme": extreme} {
		a := augment.New(opt)
		for in, src := range inputs {
			for range 300 {
				a.Apply(dst, src, r)
				for i, v := range dst {
					if !(v >= 0 && v <= 1) {
						t.Fatalf("%s on %s: pixel %d = %v", name, in, i, v)
					}
				}
			}
		}
	}
}

func ones() []float32 {
	img := make([]float32, augment.Pixels)
	for i := range img {
		img[i] = 1
	}
	return img
}

func TestDeterministic(t *testing.T) {
	src := testDigit(t)
	run := func(seed uint64) []float32 {
		a := augment.New(augment.Default)
		r := rand.New(rand.NewPCG(seed, 99))
		out := make([]float32, 0, 10*augment.Pixels)
		dst := make([]float32, augment.Pixels)
		for range 10 {
			a.Apply(dst, src, r)
			out = append(out, dst...)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	same := func(x, y []float32) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("same seed gave different outputs")
	}
	if same(a, c) {
		t.Error("different seeds gave the same outputs")
	}
}

func TestApplyDoesNotAllocate(t *testing.T) {
	src := testDigit(t)
	dst := make([]float32, augment.Pixels)
	r := rand.New(rand.NewPCG(1, 1))
	for name, opt := range map[string]augment.Options{"Default": augment.Default, "extreme": extreme} {
		a := augment.New(opt)
		if n := testing.AllocsPerRun(100, func() { a.Apply(dst, src, r) }); n != 0 {
			t.Errorf("%s: %v allocations per Apply, want 0", name, n)
		}
	}
}

func TestBadLengthsPanic(t *testing.T) {
	a := augment.New(augment.Default)
	r := rand.New(rand.NewPCG(1, 1))
	img := make([]float32, augment.Pixels)
	for name, f := range map[string]func(){
		"short dst": func() { a.Apply(make([]float32, 10), img, r) },
		"long src":  func() { a.Apply(img, make([]float32, 785), r) },
		"same":      func() { a.Apply(img, img, r) },
		"one field": func() { augment.Warp(make([]float32, augment.Pixels), img, augment.Identity, img, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestMorph(t *testing.T) {
	const s = augment.Size
	dot := make([]float32, augment.Pixels)
	dot[10*s+10] = 1
	block := make([]float32, augment.Pixels)
	for y := 9; y <= 11; y++ {
		for x := 9; x <= 11; x++ {
			block[y*s+x] = 1
		}
	}
	corner := make([]float32, augment.Pixels)
	corner[0] = 1
	for _, tc := range []struct {
		name   string
		src    []float32
		amount float32
		want   map[int]float32 // every other pixel must be 0
	}{
		{"dilate dot", dot, 1, map[int]float32{10*s + 10: 1, 9*s + 10: 1, 11*s + 10: 1, 10*s + 9: 1, 10*s + 11: 1}},
		{"half dilate dot", dot, 0.5, map[int]float32{10*s + 10: 1, 9*s + 10: 0.5, 11*s + 10: 0.5, 10*s + 9: 0.5, 10*s + 11: 0.5}},
		{"amount clamped", dot, 3, map[int]float32{10*s + 10: 1, 9*s + 10: 1, 11*s + 10: 1, 10*s + 9: 1, 10*s + 11: 1}},
		{"erode block", block, -1, map[int]float32{10*s + 10: 1}},
		{"erode dot", dot, -1, map[int]float32{}},
		{"dilate at border", corner, 1, map[int]float32{0: 1, 1: 1, s: 1}},
		{"zero amount", dot, 0, map[int]float32{10*s + 10: 1}},
	} {
		dst := make([]float32, augment.Pixels)
		augment.Morph(dst, tc.src, tc.amount)
		for i, v := range dst {
			if want := tc.want[i]; v != want {
				t.Errorf("%s: pixel (%d,%d) = %v, want %v", tc.name, i%s, i/s, v, want)
			}
		}
	}
}

func TestGamma(t *testing.T) {
	in := []float32{-0.5, 0, 0.25, 0.5, 0.75, 1, 1.5}
	for _, tc := range []struct {
		k    float32
		want []float32
	}{
		{1, []float32{0, 0, 0.25, 0.5, 0.75, 1, 1}},
		{0.5, []float32{0, 0, 0.4, 2.0 / 3, 6.0 / 7, 1, 1}},
		{2, []float32{0, 0, 1.0 / 7, 1.0 / 3, 0.6, 1, 1}},
	} {
		img := append([]float32(nil), in...)
		augment.Gamma(img, tc.k)
		for i := range img {
			if math.Abs(float64(img[i]-tc.want[i])) > 1e-6 {
				t.Errorf("k=%v: %v -> %v, want %v", tc.k, in[i], img[i], tc.want[i])
			}
		}
	}
}

func BenchmarkApply(b *testing.B) {
	src := testDigit(b)
	dst := make([]float32, augment.Pixels)
	for _, bc := range []struct {
		name string
		opt  augment.Options
	}{
		{"Default", augment.Default},
		{"AffineOnly", augment.Options{MaxShift: 2.5, MaxRotate: 12, MinScale: 0.88, MaxScale: 1.12, MaxShear: 0.15}},
		{"AlwaysElastic", func() augment.Options { o := augment.Default; o.Elastic = 1; return o }()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := augment.New(bc.opt)
			r := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				a.Apply(dst, src, r)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/image")
		})
	}
}

// A pure shift moves the digit's centre of mass by exactly the shift.
func ExampleWarp() {
	src := make([]float32, augment.Pixels)
	for y := 10; y < 18; y++ {
		src[y*augment.Size+14] = 1 // a vertical bar
	}
	dst := make([]float32, augment.Pixels)
	augment.Warp(dst, src, augment.NewTransform(2.5, -1, 0, 1, 0), nil, nil)
	cx0, cy0, _ := centreOfMass(src)
	cx, cy, _ := centreOfMass(dst)
	fmt.Printf("centre (%.2f, %.2f) -> (%.2f, %.2f)\n", cx0, cy0, cx, cy)
	// Output:
	// centre (14.00, 13.50) -> (16.50, 12.50)
}

// Each training worker owns an Augmenter and a seeded generator, so the
// variations are reproducible.
func ExampleAugmenter_Apply() {
	a := augment.New(augment.Default)
	r := rand.New(rand.NewPCG(2026, 1)) // one stream per worker
	src := make([]float32, augment.Pixels)
	for y := 6; y < 22; y++ {
		src[y*augment.Size+13], src[y*augment.Size+14] = 1, 1 // a "1"
	}
	dst := make([]float32, augment.Pixels)
	var lo, hi float32 = 1, 0
	for range 1000 {
		a.Apply(dst, src, r)
		for _, v := range dst {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	fmt.Printf("1000 variations, pixel values in [%v, %v]\n", lo, hi)
	// Output:
	// 1000 variations, pixel values in [0, 1]
}

// FuzzApply feeds Apply arbitrary options (they may come from command-line
// flags), inputs and seeds: it must not panic, hang or leave [0,1].
func FuzzApply(f *testing.F) {
	f.Add(2.5, 12.0, 0.88, 1.12, 0.15, 0.5, 34.0, 5.0, 0.3, 0.3, float32(0.5), uint64(1))
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, float32(1), uint64(2))
	f.Add(math.Inf(1), math.NaN(), -1.0, math.Inf(1), 1e300, 1.0, math.Inf(-1), math.Inf(1), 1.0, math.NaN(), float32(math.NaN()), uint64(3))
	f.Add(1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 34.0, 1e-300, 2.0, -5.0, float32(7), uint64(4))
	f.Fuzz(func(t *testing.T, shift, rot, minS, maxS, shear, el, alpha, sigma, morph, gamma float64, fill float32, seed uint64) {
		a := augment.New(augment.Options{
			MaxShift: shift, MaxRotate: rot, MinScale: minS, MaxScale: maxS, MaxShear: shear,
			Elastic: el, ElasticAlpha: alpha, ElasticSigma: sigma, Morph: morph, Gamma: gamma,
		})
		src := testDigit(t)
		src[0], src[400], src[783] = fill, fill, -fill
		dst := make([]float32, augment.Pixels)
		r := rand.New(rand.NewPCG(seed, 0))
		for range 3 {
			a.Apply(dst, src, r)
			for i, v := range dst {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("pixel %d = %v", i, v)
				}
			}
		}
	})
}
