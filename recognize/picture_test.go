package recognize_test

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"testing"

	xdraw "golang.org/x/image/draw"

	"digitnet/imgproc"
	"digitnet/internal/fixtures"
)

var pipelinePNG = flag.String("pipeline-png", "", "write a before/after picture of preprocessing to this file (docs/pipeline.png)")

// TestPipelinePicture draws, for each kind of user-like image, the upload
// as decoded and the 28x28 input the model gets. Run with
// -pipeline-png ../docs/pipeline.png to refresh the README's picture.
func TestPipelinePicture(t *testing.T) {
	if *pipelinePNG == "" {
		t.Skip("pass -pipeline-png FILE to draw the picture")
	}
	set := testSet(t)
	const cell = 140
	kinds := fixtures.Kinds
	pic := image.NewRGBA(image.Rect(0, 0, len(kinds)*cell, 2*cell))
	draw.Draw(pic, pic.Bounds(), image.NewUniform(color.RGBA{0xf4, 0xf4, 0xf4, 0xff}), image.Point{}, draw.Src)
	rng := rand.New(rand.NewPCG(4, 2))
	for i, kind := range kinds {
		data, err := fixtures.Render(kind, rng, set.Image(10+i*7))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := imgproc.Decode(bytes.NewReader(data), imgproc.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		in, err := imgproc.Preprocess(img)
		if err != nil {
			t.Fatal(err)
		}
		// The upload, fitted into its cell (a screenshot is shown whole).
		b := img.Bounds()
		scale := float64(cell-10) / float64(max(b.Dx(), b.Dy()))
		w, h := int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)
		x0, y0 := i*cell+(cell-w)/2, (cell-h)/2
		// Transparent canvases are shown on a checkerboard, as editors do.
		for y := y0; y < y0+h; y++ {
			for x := x0; x < x0+w; x++ {
				c := color.RGBA{0xff, 0xff, 0xff, 0xff}
				if (x/8+y/8)%2 == 0 {
					c = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
				}
				pic.Set(x, y, c)
			}
		}
		xdraw.ApproxBiLinear.Scale(pic, image.Rect(x0, y0, x0+w, y0+h), img, b, xdraw.Over, nil)
		// The model input, 28x28 scaled 4x with nearest neighbour.
		ox, oy := i*cell+(cell-112)/2, cell+(cell-112)/2
		xdraw.NearestNeighbor.Scale(pic, image.Rect(ox, oy, ox+112, oy+112), in, in.Bounds(), xdraw.Src, nil)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, pic); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*pipelinePNG, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
