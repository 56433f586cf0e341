// Command docpics draws the pictures in docs/ from MNIST test digits:
//
//	pipeline.png  uploads as people make them (top) and the 28x28 input the
//	              model gets for each (bottom)
//	augment.png   MNIST digits (first column) and augmented copies, to check
//	              by eye that training distortions keep digits readable
//
// Run it with go generate ./internal/docpics (or go run ./internal/docpics
// -out docs) after changing imgproc, internal/fixtures or augment.
package main

//go:generate go run . -out ../../docs

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"

	xdraw "golang.org/x/image/draw"

	"digitnet/augment"
	"digitnet/imgproc"
	"digitnet/internal/fixtures"
	"digitnet/mnist"
	"digitnet/nn"
)

func main() {
	out := flag.String("out", "docs", "folder to write the pictures into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "docpics:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	_, test, _, err := mnist.Load(context.Background(), mnist.Options{NoDownload: true})
	if err != nil {
		return err
	}
	pipe, err := pipeline(test)
	if err != nil {
		return err
	}
	for name, img := range map[string]image.Image{"pipeline.png": pipe, "augment.png": grid(test)} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}

// pipeline draws, for each kind of user-like image, the upload as decoded
// and the 28x28 input the model gets.
func pipeline(set *mnist.Set) (image.Image, error) {
	const cell = 140
	kinds := fixtures.Kinds
	pic := image.NewRGBA(image.Rect(0, 0, len(kinds)*cell, 2*cell))
	draw.Draw(pic, pic.Bounds(), image.NewUniform(color.RGBA{0xf4, 0xf4, 0xf4, 0xff}), image.Point{}, draw.Src)
	rng := rand.New(rand.NewPCG(4, 2))
	for i, kind := range kinds {
		data, err := fixtures.Render(kind, rng, set.Image(10+i*7))
		if err != nil {
			return nil, err
		}
		img, _, err := imgproc.Decode(bytes.NewReader(data), imgproc.DefaultLimits)
		if err != nil {
			return nil, err
		}
		in, err := imgproc.Preprocess(img)
		if err != nil {
			return nil, err
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
	return pic, nil
}

// grid draws, per row, one MNIST test digit and then augmented copies of
// it with augment.Default.
func grid(set *mnist.Set) image.Image {
	const rows, cols, zoom, gap = 16, 12, 3, 2
	cell := augment.Size*zoom + gap
	out := image.NewGray(image.Rect(0, 0, cols*cell, rows*cell))
	for i := range out.Pix {
		out.Pix[i] = 128
	}
	a := augment.New(augment.Default)
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, augment.Pixels)
	dst := make([]float32, augment.Pixels)
	for row := range rows {
		nn.ScalePixels(src, set.Image(row))
		for col := range cols {
			img := src
			if col > 0 {
				a.Apply(dst, src, r)
				img = dst
			}
			for y := range augment.Size * zoom {
				for x := range augment.Size * zoom {
					v := img[(y/zoom)*augment.Size+x/zoom]
					out.SetGray(col*cell+x, row*cell+y, color.Gray{Y: uint8(v*255 + 0.5)})
				}
			}
		}
	}
	return out
}
