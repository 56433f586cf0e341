package augment

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// inkBox returns the box of values above 0.1 and the centre of mass.
func inkBox(img []float32) (x0, y0, x1, y1 int, cx, cy float64) {
	x0, y0, x1, y1 = Size, Size, -1, -1
	var s float64
	for i, v := range img {
		x, y := i%Size, i/Size
		if v > 0.1 {
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
		s += float64(v)
		cx += float64(v) * float64(x)
		cy += float64(v) * float64(y)
	}
	return x0, y0, x1, y1, cx / s, cy / s
}

func TestStyleDigits(t *testing.T) {
	for i, st := range StyleDigits {
		t.Run(st.Name, func(t *testing.T) {
			for k := range 20 {
				a := make([]float32, Pixels)
				b := make([]float32, Pixels)
				if d := StyleDigit(a, rand.New(rand.NewPCG(1, uint64(k))), i); d != st.Digit {
					t.Fatalf("digit %d, want %d", d, st.Digit)
				}
				StyleDigit(b, rand.New(rand.NewPCG(1, uint64(k))), i)
				if !slices.Equal(a, b) {
					t.Fatal("not deterministic for the same seed")
				}
				// MNIST's format: about 20 pixels on the long side, the
				// centre of mass at (14, 14).
				x0, y0, x1, y1, cx, cy := inkBox(a)
				if long := max(x1-x0, y1-y0) + 1; long < 18 || long > 22 {
					t.Errorf("sample %d: long side %d pixels", k, long)
				}
				if cx < 13 || cx > 15 || cy < 13 || cy > 15 {
					t.Errorf("sample %d: centre of mass (%.1f, %.1f)", k, cx, cy)
				}
			}
		})
	}
}

// bar returns an MNIST-like "1": a vertical stroke.
func bar() []float32 {
	img := make([]float32, Pixels)
	for y := 4; y < 24; y++ {
		for x := 13; x < 16; x++ {
			img[y*Size+x] = 1
		}
	}
	return img
}

func TestRestyle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	one := bar()
	if !Restyle(one, 1, r) {
		t.Fatal("a 1 was not restyled")
	}
	// The flag reaches left of the stem, and the digit still fits 20x20.
	x0, y0, x1, y1, _, _ := inkBox(one)
	if x1-x0 < 5 || max(x1-x0, y1-y0)+1 > 21 {
		t.Errorf("restyled 1 spans %d..%d x %d..%d", x0, x1, y0, y1)
	}
	two := bar()
	if Restyle(two, 2, r) || !slices.Equal(two, bar()) {
		t.Error("a 2 was changed")
	}
	if Restyle(make([]float32, Pixels), 1, r) {
		t.Error("an empty image was restyled")
	}
}

func TestOutliers(t *testing.T) {
	for k, name := range OutlierKinds {
		t.Run(name, func(t *testing.T) {
			for s := range 10 {
				a := Outlier(rand.New(rand.NewPCG(7, uint64(s))), k)
				b := Outlier(rand.New(rand.NewPCG(7, uint64(s))), k)
				if !slices.Equal(a.Pix, b.Pix) || a.Bounds() != b.Bounds() {
					t.Fatal("not deterministic for the same seed")
				}
				var ink int
				for _, v := range a.Pix {
					if v > 128 {
						ink++
					}
				}
				if ink < 20 {
					t.Errorf("sample %d: only %d pixels of ink", s, ink)
				}
			}
		})
	}
}

func TestSkeleton(t *testing.T) {
	// A 9-pixel-wide bar thins to a line about one pixel wide.
	const w, h = 40, 30
	img := make([]bool, w*h)
	for y := 10; y < 19; y++ {
		for x := 5; x < 35; x++ {
			img[y*w+x] = true
		}
	}
	sk := Skeleton(img, w, h)
	for x := 10; x < 30; x++ {
		n := 0
		for y := range h {
			if sk[y*w+x] {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("column %d has %d skeleton pixels", x, n)
		}
	}
}

func TestRestroke(t *testing.T) {
	src := make([]float32, Pixels)
	for y := 4; y < 24; y++ {
		for x := 11; x < 17; x++ { // a 6-pixel-wide 1
			src[y*Size+x] = 1
		}
	}
	dst := make([]float32, Pixels)
	Restroke(dst, src, 2, 1)
	x0, y0, x1, y1, _, _ := inkBox(dst)
	if x1-x0+1 > 4 || y1-y0 < 14 {
		t.Errorf("restroked 1 spans %d..%d x %d..%d: want a line about 2 pixels wide", x0, x1, y0, y1)
	}
}
