package imgproc

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

func TestPreprocessNoInk(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	uniform := func(w, h int, c color.Color) image.Image {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, c)
			}
		}
		return img
	}
	noisyPaper := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range noisyPaper.Pix {
		noisyPaper.Pix[i] = uint8(215 + r.NormFloat64()*4)
	}
	var jb bytes.Buffer
	jpeg.Encode(&jb, noisyPaper, &jpeg.Options{Quality: 60})
	blankJPEG, err := jpeg.Decode(&jb)
	if err != nil {
		t.Fatal(err)
	}
	gradient := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range gradient.Pix {
		gradient.Pix[i] = uint8(120 + (i%300)/3)
	}
	tests := []struct {
		name string
		img  image.Image
		want error
	}{
		{"all white page", uniform(600, 800, color.White), ErrNoInk},
		{"all black", uniform(100, 100, color.Black), ErrNoInk},
		{"fully transparent", uniform(400, 400, color.Transparent), ErrNoInk},
		{"grey", uniform(50, 80, color.Gray{128}), ErrNoInk},
		{"1x1", uniform(1, 1, color.Black), ErrNoInk},
		{"blank paper JPEG", blankJPEG, ErrNoInk},
		{"lighting gradient only", gradient, ErrNoInk},
		{"zero size", image.NewGray(image.Rect(0, 0, 0, 5)), ErrEmpty},
	}
	for _, tt := range tests {
		g, err := Preprocess(tt.img)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.name, g != nil, err, tt.want)
		}
		if _, err := Segment(tt.img); !errors.Is(err, tt.want) {
			t.Errorf("%s: Segment: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestPreprocessMNISTIsIdentity checks that an MNIST digit comes out about
// as it went in: the recipe reproduces MNIST's own.
func TestPreprocessMNISTIsIdentity(t *testing.T) {
	ds := mnistTest(t, 500)
	var sum float64
	for _, d := range ds {
		g, err := Preprocess(grayOf(d.pix))
		if err != nil {
			t.Fatal(err)
		}
		sum += correlation(Pixels(g), pixelsOf(d.pix))
	}
	mean := sum / float64(len(ds))
	t.Logf("MNIST digits through Preprocess: mean correlation with themselves %.3f", mean)
	if mean < 0.9 {
		t.Errorf("mean correlation %.3f < 0.9", mean)
	}
}

// TestPreprocessShapes checks geometry on drawn shapes: polarity, alpha,
// position, size and stroke width.
func TestPreprocessShapes(t *testing.T) {
	clear := color.NRGBA{}
	tests := []struct {
		name    string
		img     image.Image
		wantBox [2]int // ink box width, height in the 28x28 output
	}{
		{"black bar on white, corner", strokeImage(500, 400, color.White, color.Black, 20, 20, 40, 120), [2]int{4, 20}},
		{"thin bar on big canvas", strokeImage(800, 800, color.White, color.Black, 400, 200, 401, 600), [2]int{3, 20}},
		{"white bar on transparent", strokeImage(400, 400, clear, color.White, 150, 100, 170, 300), [2]int{2, 20}},
		{"black bar on transparent", strokeImage(400, 400, clear, color.Black, 150, 100, 170, 300), [2]int{2, 20}},
		{"wide dash on grey", strokeImage(300, 300, color.Gray{160}, color.Gray{40}, 50, 140, 250, 160), [2]int{20, 2}},
	}
	for _, tt := range tests {
		g, err := Preprocess(tt.img)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		x0, y0, x1, y1, cx, cy := inkGeometry(g)
		w, h := x1-x0+1, y1-y0+1
		if math.Abs(float64(w-tt.wantBox[0])) > 1 || math.Abs(float64(h-tt.wantBox[1])) > 1 {
			t.Errorf("%s: ink box %dx%d, want about %dx%d", tt.name, w, h, tt.wantBox[0], tt.wantBox[1])
		}
		if math.Abs(cx-centreX) > 0.6 || math.Abs(cy-centreY) > 0.6 {
			t.Errorf("%s: centre of mass (%.1f, %.1f)", tt.name, cx, cy)
		}
		if g.Pix[14*28+14] < 200 || g.Pix[0] != 0 {
			t.Errorf("%s: centre %d corner %d, want white ink on black", tt.name, g.Pix[14*28+14], g.Pix[0])
		}
	}
}

func TestPreviewPNG(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, Size, Size))
	g.Pix[3*Size+5] = 200
	b, err := PreviewPNG(g, 10)
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := Decode(bytes.NewReader(b), DefaultLimits)
	if err != nil || format != "png" || img.Bounds().Size() != image.Pt(280, 280) {
		t.Fatalf("got %v %q %v", img.Bounds(), format, err)
	}
	if v := color.GrayModel.Convert(img.At(55, 35)).(color.Gray).Y; v != 200 {
		t.Errorf("enlarged pixel %d, want 200", v)
	}
	if _, err := PreviewPNG(g, 0); err == nil {
		t.Error("scale 0 accepted")
	}
}

// FuzzPreprocess runs Preprocess and Segment on arbitrary small images,
// grey or with alpha: they must return 28x28 images or an error, never
// panic.
func FuzzPreprocess(f *testing.F) {
	f.Add([]byte{28, 28, 0, 0, 255, 0, 255, 255, 0})
	f.Add([]byte{10, 40, 1, 0, 0, 0, 255, 0, 0, 0, 0})
	f.Add([]byte{1, 1, 0, 7})
	f.Add(append([]byte{60, 60, 0}, bytes.Repeat([]byte{250, 250, 250, 250, 10}, 100)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		w, h := 1+int(data[0])%96, 1+int(data[1])%96
		pix := data[3:]
		var img image.Image
		if data[2]%2 == 0 {
			g := image.NewGray(image.Rect(0, 0, w, h))
			for i := range g.Pix {
				g.Pix[i] = pix[i%len(pix)]
			}
			img = g
		} else {
			n := image.NewNRGBA(image.Rect(3, 5, 3+w, 5+h))
			for i := range n.Pix {
				n.Pix[i] = pix[i%len(pix)]
			}
			img = n
		}
		if g, err := Preprocess(img); err == nil && g.Bounds().Size() != image.Pt(Size, Size) {
			t.Errorf("Preprocess: %v", g.Bounds())
		}
		glyphs, err := Segment(img)
		for i, gl := range glyphs {
			if gl.Image.Bounds().Size() != image.Pt(Size, Size) || !gl.Box.In(img.Bounds()) {
				t.Errorf("glyph %v, image %v", gl.Box, gl.Image.Bounds())
			}
			if j := gl.Joined; j != nil {
				if i+1 == len(glyphs) || j.Joined != nil || j.Image.Bounds().Size() != image.Pt(Size, Size) || !j.Box.In(img.Bounds()) {
					t.Errorf("glyph %d of %d joined to the next as %v, image %v", i+1, len(glyphs), j.Box, j.Image.Bounds())
				}
			}
		}
		if err != nil && len(glyphs) > 0 {
			t.Errorf("glyphs and error %v", err)
		}
	})
}
