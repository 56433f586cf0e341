package imgproc

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"digitnet/internal/fixtures"
)

var strips = flag.Int("strips", 25, "numbers rendered in TestSegmentStrips (12 with -short)")

// TestSegmentStrips renders numbers of 3 and 4 MNIST digits and checks that
// Segment finds each digit, in order, looking like the original.
func TestSegmentStrips(t *testing.T) {
	n := *strips
	if testing.Short() {
		n = min(n, 12)
	}
	ds := mnistTest(t, 4*n)
	r := rand.New(rand.NewPCG(9, 10))
	var right, glyphs int
	var sum float64
	for i := range n {
		k := 3 + i%2
		var pix [][]byte
		var labels []int
		for j := range k {
			d := ds[(4*i+j)%len(ds)]
			pix = append(pix, d.pix)
			labels = append(labels, d.label)
		}
		file, want, err := fixtures.Strip(r, pix, labels)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := Decode(bytes.NewReader(file), DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Segment(img)
		if err != nil {
			t.Errorf("%s: %v", want, err)
			continue
		}
		if len(got) != k {
			var boxes []image.Rectangle
			for _, g := range got {
				boxes = append(boxes, g.Box)
			}
			t.Logf("%s: %d glyphs, want %d: %v", want, len(got), k, boxes)
			continue
		}
		right++
		for j, g := range got {
			if j > 0 && g.Box.Min.X < got[j-1].Box.Min.X {
				t.Errorf("%s: glyphs out of order", want)
			}
			ref, err := Preprocess(grayOf(pix[j]))
			if err != nil {
				t.Fatal(err)
			}
			sum += correlation(Pixels(g.Image), Pixels(ref))
			glyphs++
		}
	}
	rate := float64(right) / float64(n)
	t.Logf("strips: %d/%d split into the right number of digits (%.0f%%); mean glyph correlation %.3f", right, n, 100*rate, sum/float64(max(1, glyphs)))
	if rate < 0.9 || sum/float64(glyphs) < 0.8 {
		t.Errorf("segmentation too weak")
	}
}

// TestSegmentPieces checks that broken digits stay whole and specks go.
func TestSegmentPieces(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 600, 200))
	for i := range img.Pix {
		img.Pix[i] = 245
	}
	rect := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetGray(x, y, color.Gray{20})
			}
		}
	}
	// A "5": its top bar drawn apart from the body.
	rect(50, 40, 110, 50)  // bar
	rect(50, 58, 60, 100)  // stem, not touching the bar
	rect(50, 95, 110, 105) // middle
	rect(100, 95, 110, 150)
	rect(50, 145, 110, 155)
	// A "4" in two strokes: an L and a separate vertical.
	rect(250, 40, 260, 110)
	rect(250, 100, 320, 110)
	rect(300, 60, 310, 160)
	// A "1".
	rect(450, 40, 462, 160)
	// Specks and a full stop.
	rect(180, 20, 183, 23)
	rect(380, 150, 392, 162)
	rect(560, 190, 562, 192)
	got, err := Segment(img)
	if err != nil {
		t.Fatal(err)
	}
	wantX := []int{50, 250, 450}
	if len(got) != len(wantX) {
		for _, g := range got {
			t.Logf("glyph at %v", g.Box)
		}
		t.Fatalf("got %d glyphs, want %d", len(got), len(wantX))
	}
	for i, g := range got {
		if g.Box.Min.X != wantX[i] || g.Image.Bounds().Size() != image.Pt(Size, Size) {
			t.Errorf("glyph %d at %v", i, g.Box)
		}
	}
	// One digit gives one glyph.
	one, err := Segment(strokeImage(300, 300, color.White, color.Black, 140, 50, 160, 250))
	if err != nil || len(one) != 1 {
		t.Errorf("one digit: %d glyphs, %v", len(one), err)
	}
}

// TestSegmentTouching checks that digits joined by a stroke are cut apart
// and that a wide single digit is not. (Two 0s pressed flat against each
// other have no thin neck and stay one glyph.)
func TestSegmentTouching(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 500, 220))
	for i := range img.Pix {
		img.Pix[i] = 240
	}
	disc := func(cx, cy, rx, ry, w float64) {
		for y := range 220 {
			for x := range 500 {
				d := math.Hypot((float64(x)-cx)/rx, (float64(y)-cy)/ry)
				if math.Abs(d-1)*min(rx, ry) < w/2 {
					img.SetGray(x, y, color.Gray{20})
				}
			}
		}
	}
	rect := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetGray(x, y, color.Gray{20})
			}
		}
	}
	// "100": a 1, then two 0s joined by a stroke, as in running handwriting.
	rect(60, 40, 72, 180)
	disc(160, 110, 45, 70, 12)
	disc(280, 110, 45, 70, 12)
	rect(200, 150, 240, 160)
	got, err := Segment(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		for _, g := range got {
			t.Logf("glyph %v", g.Box)
		}
		t.Fatalf("got %d glyphs, want 3", len(got))
	}
	// A wide "2"-like zigzag, one stroke: one glyph.
	wide := image.NewGray(image.Rect(0, 0, 400, 200))
	for i := range wide.Pix {
		wide.Pix[i] = 240
	}
	for x := 50; x < 350; x++ {
		y := 50 + int(100*math.Abs(math.Sin(float64(x-50)/300*math.Pi)))
		for dy := -6; dy <= 6; dy++ {
			wide.SetGray(x, y+dy, color.Gray{20})
		}
	}
	one, err := Segment(wide)
	if err != nil || len(one) != 1 {
		t.Errorf("wide digit: %d glyphs, %v", len(one), err)
	}
}

// TestDecodeSegment holds DecodeSegment to Decode then Segment on files of
// several formats and sizes, decoded from several goroutines in turn so
// that reused memory passes between files of other sizes and after
// failures (run it with -race too).
func TestDecodeSegment(t *testing.T) {
	var files [][]byte
	for i, size := range []image.Point{{160, 160}, {90, 300}, {400, 120}, {64, 64}} {
		img := image.NewNRGBA(image.Rect(0, 0, size.X, size.Y))
		for j := range img.Pix {
			img.Pix[j] = 245
		}
		for y := size.Y / 4; y < size.Y*3/4; y++ { // a bar: a 1
			for x := size.X/2 - size.X/16; x < size.X/2+size.X/16; x++ {
				img.Set(x, y, color.NRGBA{10, 10, 10, 255})
			}
		}
		var b bytes.Buffer
		var err error
		switch i % 3 {
		case 0:
			err = png.Encode(&b, img)
		case 1:
			err = jpeg.Encode(&b, img, nil)
		default: // grey PNG
			g := image.NewGray(img.Bounds())
			draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
			err = png.Encode(&b, g)
		}
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b.Bytes())
	}
	files = append(files, []byte("not an image"), nil)
	want := make([][]Glyph, len(files))
	wantErr := make([]error, len(files))
	for i, f := range files {
		var img image.Image
		if img, _, wantErr[i] = Decode(bytes.NewReader(f), DefaultLimits); wantErr[i] == nil {
			want[i], wantErr[i] = Segment(img)
		}
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for k := range 4 * len(files) {
				i := (g + k) % len(files)
				got, err := DecodeSegment(bytes.NewReader(files[i]), DefaultLimits)
				if fmt.Sprint(err) != fmt.Sprint(wantErr[i]) {
					t.Errorf("file %d: error %v, want %v", i, err, wantErr[i])
					return
				}
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("file %d: glyphs differ from Decode then Segment", i)
					return
				}
			}
		})
	}
	wg.Wait()
}
