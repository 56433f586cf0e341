package handwriting_test

import (
	"bytes"
	"image/png"
	"math/rand/v2"
	"testing"

	"digitnet/imgproc"
	"digitnet/internal/handwriting"
)

// TestImage checks that every digit is drawn as dark ink on light paper,
// clear of the edges, the same for the same generator state and different
// from one call to the next.
func TestImage(t *testing.T) {
	for d := range 10 {
		a := handwriting.Backhand.Image(d, rand.New(rand.NewPCG(1, uint64(d))))
		b := handwriting.Backhand.Image(d, rand.New(rand.NewPCG(1, uint64(d))))
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("digit %d: the same seed drew different images", d)
		}
		r := rand.New(rand.NewPCG(2, uint64(d)))
		c, e := handwriting.Backhand.Image(d, r), handwriting.Backhand.Image(d, r)
		if bytes.Equal(c.Pix, e.Pix) {
			t.Errorf("digit %d: two draws are identical", d)
		}
		// Thirty draws cover the extremes of slant, size and position.
		for range 30 {
			img := handwriting.Backhand.Image(d, r)
			w, h := img.Bounds().Dx(), img.Bounds().Dy()
			ink, edge := 0, 0
			for y := range h {
				for x := range w {
					if img.Pix[y*w+x] < 128 {
						ink++
						if x < 2 || y < 2 || x >= w-2 || y >= h-2 {
							edge++
						}
					}
				}
			}
			if ink < 300 || ink > w*h/4 || edge > 0 {
				t.Errorf("digit %d: %d ink pixels, %d at the edge", d, ink, edge)
			}
		}
	}
}

func TestPNG(t *testing.T) {
	b, err := handwriting.Backhand.PNG(7, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 240 {
		t.Fatalf("PNG: %v, %v", err, img.Bounds())
	}
}

// TestOneGlyph: every digit the writer draws is one digit to the
// preparation pipeline, so it can be stored as a sample; a corner where the
// pen lifts leaves no gap that would split it.
func TestOneGlyph(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for d := range 10 {
		for range 40 {
			glyphs, err := imgproc.Segment(handwriting.Backhand.Image(d, r))
			if err != nil || len(glyphs) != 1 {
				t.Errorf("digit %d: %d glyphs, %v", d, len(glyphs), err)
			}
		}
	}
}

// TestNumber: a number is as many glyphs as it has digits, side by side.
func TestNumber(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 20 {
		img := handwriting.Backhand.Number(r, 1, 0, 7)
		glyphs, err := imgproc.Segment(img)
		if err != nil || len(glyphs) != 3 {
			t.Fatalf("%d glyphs, %v", len(glyphs), err)
		}
		for i := 1; i < len(glyphs); i++ {
			if glyphs[i].Box.Min.X <= glyphs[i-1].Box.Max.X {
				t.Errorf("glyph %d starts at x=%d, before glyph %d ends (x=%d)", i, glyphs[i].Box.Min.X, i-1, glyphs[i-1].Box.Max.X)
			}
		}
	}
	if b, err := handwriting.Backhand.NumberPNG(r, 4, 2); err != nil || len(b) == 0 {
		t.Errorf("NumberPNG: %d bytes, %v", len(b), err)
	}
}
