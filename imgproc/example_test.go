package imgproc_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"digitnet/imgproc"
)

// drawSeven draws a "7" in dark ink on light paper, small and off-centre
// in a big image, as a photo might hold it.
func drawSeven() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = 230
	}
	for y := 100; y < 112; y++ { // the bar
		for x := 400; x < 480; x++ {
			img.SetGray(x, y, color.Gray{30})
		}
	}
	for y := 112; y < 260; y++ { // the diagonal
		x0 := 468 - (y-112)*40/148
		for x := x0; x < x0+12; x++ {
			img.SetGray(x, y, color.Gray{30})
		}
	}
	return img
}

func ExamplePreprocess() {
	g, err := imgproc.Preprocess(drawSeven())
	if err != nil {
		fmt.Println(err)
		return
	}
	// Print the 28x28 result: white ink on black, fitted into 20x20,
	// centred by its centre of mass.
	for y := range imgproc.Size {
		var row strings.Builder
		for x := range imgproc.Size {
			switch v := g.GrayAt(x, y).Y; {
			case v > 170:
				row.WriteByte('#')
			case v > 40:
				row.WriteByte('+')
			default:
				row.WriteByte('.')
			}
		}
		fmt.Println(row.String())
	}
	// model input: 784 values in [0,1]
	fmt.Println(len(imgproc.Pixels(g)))
	// Output:
	// ............................
	// ............................
	// ............................
	// ............................
	// ............................
	// ............................
	// ............................
	// ........##########..........
	// ........##########..........
	// ........++++++++##..........
	// ...............+#+..........
	// ...............##+..........
	// ...............##...........
	// ..............+##...........
	// ..............+#+...........
	// ..............##+...........
	// ..............##............
	// .............+##............
	// .............+#+............
	// .............##+............
	// .............##.............
	// ............+##.............
	// ............+#+.............
	// ............##+.............
	// ............##..............
	// ...........+##..............
	// ...........+#+..............
	// ............................
	// 784
}

func ExampleSegment() {
	// "171" written on one line.
	img := image.NewGray(image.Rect(0, 0, 500, 200))
	for i := range img.Pix {
		img.Pix[i] = 240
	}
	rect := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetGray(x, y, color.Gray{20})
			}
		}
	}
	rect(80, 40, 90, 160)   // 1
	rect(180, 40, 260, 50)  // 7: bar
	rect(245, 50, 255, 160) // 7: stem
	rect(380, 40, 390, 160) // 1
	glyphs, err := imgproc.Segment(img)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range glyphs {
		fmt.Println(g.Box, g.Image.Bounds().Size())
	}
	// Output:
	// (80,40)-(90,160) (28,28)
	// (180,40)-(260,160) (28,28)
	// (380,40)-(390,160) (28,28)
}

func ExampleDecodeSegment() {
	// A server's upload: the file's bytes, as from a request body.
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	for i := range img.Pix {
		img.Pix[i] = 250 // white paper
	}
	for y := 30; y < 130; y++ {
		for x := 54; x < 66; x++ {
			img.Set(x, y, color.Black) // a 1
		}
	}
	var upload bytes.Buffer
	png.Encode(&upload, img)

	glyphs, err := imgproc.DecodeSegment(&upload, imgproc.DefaultLimits)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(glyphs), glyphs[0].Box)
	// Output:
	// 1 (54,30)-(66,130)
}

func ExampleDecode() {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 48)))
	img, format, err := imgproc.Decode(&b, imgproc.DefaultLimits)
	fmt.Println(format, img.Bounds().Size(), err)

	_, _, err = imgproc.Decode(strings.NewReader("%PDF-1.7 ..."), imgproc.DefaultLimits)
	fmt.Println(err, errors.Is(err, imgproc.ErrUnsupported))
	// Output:
	// png (64,48) <nil>
	// This is not an image digitnet can read (it looks like PDF); send PNG, JPEG, GIF, BMP, TIFF or WebP true
}
