package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// moments returns the centre of ink and cov(x, y)/var(y) of an h x w image.
func moments(img []float32, h, w int) (cx, cy, slant float64) {
	var m, sx, sy float64
	for i, v := range img {
		m += float64(v)
		sx += float64(v) * float64(i%w)
		sy += float64(v) * float64(i/w)
	}
	cx, cy = sx/m, sy/m
	var sxy, syy float64
	for i, v := range img {
		dx, dy := float64(i%w)-cx, float64(i/w)-cy
		sxy += float64(v) * dx * dy
		syy += float64(v) * dy * dy
	}
	return cx, cy, sxy / syy
}

// stroke draws a one-pixel line from (x0, y0) to (x1, y1) into a w-wide
// image, anti-aliased along x.
func stroke(img []float32, w int, x0, y0, x1, y1 float64) {
	for y := int(y0); y <= int(y1); y++ {
		x := x0 + (x1-x0)*(float64(y)-y0)/(y1-y0)
		f := math.Floor(x)
		img[y*w+int(f)] += float32(1 - (x - f))
		img[y*w+int(f)+1] += float32(x - f)
	}
}

func TestDeskew(t *testing.T) {
	const h, w = 28, 28
	tests := []struct {
		name   string
		draw   func(img []float32)
		halved bool // the result's slant is half the input's
		same   bool // the result is the input
	}{
		{"slanted right", func(img []float32) { stroke(img, w, 17, 4, 9, 23) }, true, false},
		{"slanted left", func(img []float32) { stroke(img, w, 9, 4, 16, 23) }, true, false},
		{"slanted 1 with a flag", func(img []float32) {
			stroke(img, w, 18, 4, 11, 23)
			stroke(img, w, 12, 4, 17.5, 8) // the flag, from the top down-left
		}, true, false},
		{"upright", func(img []float32) { stroke(img, w, 13.5, 4, 13.5, 23) }, true, true},
		{"one row", func(img []float32) {
			for x := 6; x < 22; x++ {
				img[14*w+x] = 1
			}
		}, false, true},
		{"blank", func([]float32) {}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := make([]float32, h*w), make([]float32, h*w)
			tt.draw(src)
			Deskew(dst, src, h, w)
			if tt.same {
				for i := range src {
					if math.Abs(float64(dst[i]-src[i])) > 1e-5 {
						t.Fatalf("pixel %d changed from %v to %v", i, src[i], dst[i])
					}
				}
				return
			}
			cx0, cy0, slant0 := moments(src, h, w)
			cx, cy, slant := moments(dst, h, w)
			if tt.halved && math.Abs(slant-slant0/2) > 0.03 {
				t.Errorf("slant %.3f -> %.3f, want %.3f", slant0, slant, slant0/2)
			}
			if math.Abs(cx-cx0) > 0.1 || math.Abs(cy-cy0) > 1e-3 {
				t.Errorf("centre of ink moved from (%.2f, %.2f) to (%.2f, %.2f)", cx0, cy0, cx, cy)
			}
		})
	}
}

// TestDeskewLayer checks that a model with a deskew front reads an image
// as the same model without it reads the image deskewed.
func TestDeskewLayer(t *testing.T) {
	plain := Tutorial()
	a, err := New(plain.Deskewed(), 5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(plain, 5)
	if err != nil {
		t.Fatal(err)
	}
	copy(b.Params, a.Params)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 3
	x := randSlice(rng, n*784, 1)
	for i := range x {
		x[i] = max(x[i], 0)
	}
	pre := make([]float32, len(x))
	for i := range n {
		Deskew(pre[i*784:(i+1)*784], x[i*784:(i+1)*784], 28, 28)
	}
	pa, pb := make([]float32, n*10), make([]float32, n*10)
	if err := a.Predict(x, n, pa); err != nil {
		t.Fatal(err)
	}
	if err := b.Predict(pre, n, pb); err != nil {
		t.Fatal(err)
	}
	for i := range pa {
		if math.Abs(float64(pa[i]-pb[i])) > 1e-6 {
			t.Fatalf("probability %d: %v with the layer, %v deskewed beforehand", i, pa[i], pb[i])
		}
	}
	if got, want := a.Spec().String(), "28x28x1 deskew conv2d(32,3x3,relu)"; got[:len(want)] != want {
		t.Errorf("spec %q, want it to start %q", got, want)
	}
}
