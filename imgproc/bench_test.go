package imgproc

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

// photo returns a w x h YCbCr image (what the JPEG decoder returns for a
// phone photo) of grey paper with a dark digit drawn from MNIST pixels
// covering about half the short side.
func photo(tb testing.TB, w, h int, digit []byte) *image.YCbCr {
	tb.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	size := min(w, h) * 7 / 10
	x0, y0 := (w-size)/2, (h-size)/2
	for y := range h {
		for x := range w {
			v := 200 - 40*float64(x)/float64(w) // light falls off to the right
			u, t := (x-x0)*28/size, (y-y0)*28/size
			if x >= x0 && y >= y0 && u < 28 && t < 28 {
				v -= float64(digit[t*28+u]) * 0.6
			}
			img.Y[y*img.YStride+x] = uint8(v)
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	return img
}

// canvas400 returns a 400x400 transparent NRGBA image with black strokes.
func canvas400(tb testing.TB, digit []byte) *image.NRGBA {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 400, 400))
	for y := range 280 {
		for x := range 280 {
			a := digit[(y/10)*28+x/10]
			img.SetNRGBA(60+x, 60+y, color.NRGBA{A: a})
		}
	}
	return img
}

func BenchmarkPreprocess(b *testing.B) {
	d := mnistTest(b, 1)[0].pix
	for _, bc := range []struct {
		name string
		img  image.Image
	}{
		{"photo4000x3000", photo(b, 4000, 3000, d)},
		{"canvas400x400", canvas400(b, d)},
		{"mnist28x28", grayOf(d)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Preprocess(bc.img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpload measures what a server does per upload: Decode and
// Preprocess, for a 12 MP phone JPEG and a 400x400 canvas PNG.
func BenchmarkUpload(b *testing.B) {
	d := mnistTest(b, 1)[0].pix
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, photo(b, 4000, 3000, d), &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	if err := png.Encode(&pb, canvas400(b, d)); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		file []byte
	}{{"jpeg4000x3000", jb.Bytes()}, {"png400x400", pb.Bytes()}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				img, _, err := Decode(bytes.NewReader(bc.file), DefaultLimits)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Preprocess(img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExample measures what the web app does per request of the load
// test (bench/wrk.sh): DecodeSegment of one of the page's 160x160 RGB
// example PNGs (a dark digit on light paper), reusing memory from one call
// to the next as the server does.
func BenchmarkExample(b *testing.B) {
	file, err := os.ReadFile("../server/assets/examples/digit-3.png")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSegment(bytes.NewReader(file), DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComponents labels the ink of the page's example as its analysis
// does (half resolution, at the analysis's threshold) and, for comparison,
// with the flood fill that components replaced (componentsRef).
func BenchmarkComponents(b *testing.B) {
	file, err := os.ReadFile("../server/assets/examples/digit-3.png")
	if err != nil {
		b.Fatal(err)
	}
	img, _, err := Decode(bytes.NewReader(file), DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	a, err := analyse(img)
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name string
		f    func(plane, float32) ([]int32, []component)
	}{{"runs", components}, {"floodfill", componentsRef}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				labels, _ := bm.f(a.ink, a.thresh)
				int32s.put(labels)
			}
		})
	}
}
