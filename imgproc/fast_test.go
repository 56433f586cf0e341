package imgproc

import (
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKth checks selection against sorting, with repeats and sorted input.
func TestKth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 40; n++ {
		for _, levels := range []int{2, 5, 1000} {
			p := make([]float32, n)
			for i := range p {
				p[i] = float32(r.IntN(levels))
			}
			inputs := [][]float32{p, slices.Sorted(slices.Values(p))}
			inputs = append(inputs, slices.Clone(inputs[1]))
			slices.Reverse(inputs[2])
			for _, in := range inputs {
				want := slices.Sorted(slices.Values(in))
				for k := range n {
					if got := kth(slices.Clone(in), k); got != want[k] {
						t.Fatalf("kth(%v, %d) = %v, want %v", in, k, got, want[k])
					}
				}
			}
		}
	}
}

// TestFrame checks that frame visits exactly the pixels within t of the
// edge, once each.
func TestFrame(t *testing.T) {
	for _, c := range []struct{ w, h, t int }{{1, 1, 1}, {2, 3, 1}, {5, 5, 2}, {10, 4, 1}, {7, 30, 3}, {50, 60, 1}} {
		pl := newPlane(c.w, c.h)
		for i := range pl.p {
			pl.p[i] = float32(i)
		}
		seen := make([]int, len(pl.p))
		frame(pl, c.t, func(v float32) { seen[int(v)]++ })
		for y := range c.h {
			for x := range c.w {
				want := 0
				if x < c.t || y < c.t || x >= c.w-c.t || y >= c.h-c.t {
					want = 1
				}
				if got := seen[y*c.w+x]; got != want {
					t.Fatalf("%dx%d t=%d: pixel (%d,%d) visited %d times, want %d", c.w, c.h, c.t, x, y, got, want)
				}
			}
		}
	}
}

// TestAnalyseCoarse checks which images the half-resolution analysis takes:
// evenly lit ones with a big digit and wide strokes, not thin strokes, small
// digits or uneven light.
func TestAnalyseCoarse(t *testing.T) {
	// seven draws a dark 7 on light paper of side n: bar and diagonal of
	// the given stroke width, spanning most of the image unless small.
	seven := func(n, stroke int, small bool, gradient bool) *image.Gray {
		img := image.NewGray(image.Rect(0, 0, n, n))
		for y := range n {
			for x := range n {
				v := 230.0
				if gradient {
					v -= 120 * float64(x) / float64(n)
				}
				img.Pix[y*n+x] = uint8(v)
			}
		}
		span := n * 6 / 10
		if small {
			span = n / 8
		}
		x0, y0 := (n-span)/2, (n-span)/2
		for y := y0; y < y0+span; y++ {
			for x := x0; x < x0+span; x++ {
				bar := y < y0+stroke
				d := x - (x0 + span - 1 - (y-y0)*span/(2*span))
				if bar || (d >= -stroke && d < 0) {
					img.Pix[y*n+x] = 30
				}
			}
		}
		return img
	}
	for _, c := range []struct {
		name string
		img  image.Image
		f    int
	}{
		{"big thick digit", seven(300, 16, false, false), 2},
		{"thin strokes", seven(300, 3, false, false), 1},
		{"small digit", seven(600, 8, true, false), 1},
		{"uneven light", seven(300, 16, false, true), 1},
		{"too small to halve", seven(60, 8, false, false), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := analyse(c.img)
			if err != nil {
				t.Fatal(err)
			}
			if a.f != c.f {
				t.Errorf("working pixel is %dx%d source pixels, want %d", a.f, a.f, c.f)
			}
		})
	}
}

// TestPool checks pool against the plain per-pixel average, for cell sizes
// with their own loops (1, 2) and the general one, and partial edge cells.
func TestPool(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ w, h, b int }{{1, 1, 1}, {5, 3, 1}, {4, 4, 2}, {7, 5, 2}, {1, 9, 2}, {10, 11, 3}, {13, 8, 4}} {
		pl := newPlane(c.w, c.h)
		for i := range pl.p {
			pl.p[i] = r.Float32()
		}
		got := pool(pl, c.b)
		gw, gh := (c.w+c.b-1)/c.b, (c.h+c.b-1)/c.b
		if got.w != gw || got.h != gh {
			t.Fatalf("%dx%d b=%d: got %dx%d, want %dx%d", c.w, c.h, c.b, got.w, got.h, gw, gh)
		}
		sum := make([]float32, gw*gh)
		n := make([]float32, gw*gh)
		for y := range c.h {
			for x := range c.w {
				sum[(y/c.b)*gw+x/c.b] += pl.p[y*c.w+x]
				n[(y/c.b)*gw+x/c.b]++
			}
		}
		for i := range sum {
			if want := sum[i] / n[i]; got.p[i] != want {
				t.Errorf("%dx%d b=%d: cell %d = %v, want %v", c.w, c.h, c.b, i, got.p[i], want)
			}
		}
	}
}

func TestBoxBlur3(t *testing.T) {
	// Two 9s, one in a corner: there the window holds four values, on an
	// edge six, inside nine.
	pl := newPlane(4, 3)
	pl.p[0] = 9
	pl.p[1*4+2] = 9
	got := boxBlur3(pl).p
	want := []float32{
		2.25, 3, 1.5, 2.25,
		1.5, 2, 1, 1.5,
		0, 1.5, 1.5, 2.25,
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("boxBlur3 = %v, want %v", got, want)
		}
	}
}
