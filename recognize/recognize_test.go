package recognize_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"

	"digitnet/imgproc"
	"digitnet/internal/fixtures"
	"digitnet/internal/testenv"
	"digitnet/mnist"
	"digitnet/recognize"
)

func testSet(tb testing.TB) *mnist.Set {
	tb.Helper()
	_, test, _, err := mnist.Load(context.Background(), mnist.Options{NoDownload: true})
	if errors.Is(err, mnist.ErrNotFound) {
		testenv.Missing(tb, "MNIST not found (%v)", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return test
}

func defaultRecognizer(tb testing.TB) *recognize.Recognizer {
	tb.Helper()
	rec, err := recognize.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return rec
}

// TestUserLikeImages renders MNIST test digits the ways people upload them
// (tinted paper, transparent canvas, noisy and EXIF-rotated JPEGs, thin pen
// strokes, a small digit in a big screenshot, coloured ink) and reads them
// back through decoding, preprocessing and the embedded model.
func TestUserLikeImages(t *testing.T) {
	set := testSet(t)
	rec := defaultRecognizer(t)
	perKind := 150
	if testing.Short() {
		perKind = 20
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	total, right, naiveRight := 0, 0, 0
	for _, kind := range fixtures.Kinds {
		kr, kn := 0, 0
		for i := 0; i < perKind; i++ {
			idx := rng.IntN(set.N)
			data, err := fixtures.Render(kind, rng, set.Image(idx))
			if err != nil {
				t.Fatal(err)
			}
			res, err := rec.Read(bytes.NewReader(data))
			if err == nil && res.Number == "" && res.Digit.Digit == int(set.Labels[idx]) {
				kr++
			}
			if naiveRead(t, rec, data) == int(set.Labels[idx]) {
				kn++
			}
		}
		t.Logf("%-10s digitnet %3d/%d = %5.1f%%   tutorial pipeline %5.1f%%", kind, kr, perKind,
			100*float64(kr)/float64(perKind), 100*float64(kn)/float64(perKind))
		total += perKind
		right += kr
		naiveRight += kn
	}
	acc := float64(right) / float64(total)
	t.Logf("all kinds: digitnet %d/%d = %.2f%%, tutorial pipeline (resize to 28x28, /255) %.2f%%",
		right, total, 100*acc, 100*float64(naiveRight)/float64(total))
	if acc < 0.98 {
		t.Errorf("accuracy on user-like images %.2f%%, want ≥ 98%%", 100*acc)
	}
}

// TestNumbers reads strips of 2 to 4 digits as numbers.
func TestNumbers(t *testing.T) {
	set := testSet(t)
	rec := defaultRecognizer(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const strips = 60
	right := 0
	for s := 0; s < strips; s++ {
		n := 2 + rng.IntN(3)
		var digits [][]byte
		var labels []int
		for range n {
			idx := rng.IntN(set.N)
			digits = append(digits, set.Image(idx))
			labels = append(labels, int(set.Labels[idx]))
		}
		data, want, err := fixtures.Strip(rng, digits, labels)
		if err != nil {
			t.Fatal(err)
		}
		res, err := rec.Read(bytes.NewReader(data))
		if err != nil {
			t.Errorf("strip %q: %v", want, err)
			continue
		}
		if res.Number == want {
			right++
			if len(res.Digits) != n || res.Confidence > res.Digits[0].Confidence {
				t.Errorf("strip %q: %d digits, confidence %v", want, len(res.Digits), res.Confidence)
			}
		} else {
			t.Logf("strip %q read as %q (digit %d)", want, res.Number, res.Digit.Digit)
		}
	}
	t.Logf("numbers: %d/%d read whole", right, strips)
	if right < strips*90/100 {
		t.Errorf("read %d of %d numbers, want ≥ 90%%", right, strips)
	}
}

func TestBadInput(t *testing.T) {
	rec := defaultRecognizer(t)
	white := blankPNG(200, 200)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, imgproc.ErrEmpty},
		{"text", []byte("hello, world\n"), imgproc.ErrUnsupported},
		{"all white page", white, imgproc.ErrNoInk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rec.Read(bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) {
				t.Errorf("Read: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	info := defaultRecognizer(t).Info()
	if info.Parameters != 225034 || len(info.Architecture) != 9 || info.TestAccuracy < 0.9 {
		t.Errorf("info %+v", info)
	}
	if info.Training == nil || info.Training.Epochs == 0 {
		t.Errorf("no training summary: %+v", info.Training)
	}
	if len(info.SHA256) != 64 || info.Source != "embedded" || info.Format != "safetensors" {
		t.Errorf("sha256 %q, source %q, format %q", info.SHA256, info.Source, info.Format)
	}
}

func ExampleRecognizer_Read() {
	rec, err := recognize.Default()
	if err != nil {
		panic(err)
	}
	// A "1": a dark vertical stroke on white paper.
	png := strokePNG(120, 160, 60, 20, 140, 8)
	res, err := rec.Read(bytes.NewReader(png))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Digit.Digit, res.Input.Bounds().Dx(), res.Input.Bounds().Dy())
	// Output: 1 28 28
}

// naiveRead is the tutorial's pipeline: decode, convert to grey (alpha
// ignored), resize to 28x28, divide by 255, and run the same model.
func naiveRead(t *testing.T, rec *recognize.Recognizer, data []byte) int {
	img, _, err := imgproc.Decode(bytes.NewReader(data), imgproc.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(image.Rect(0, 0, 28, 28))
	xdraw.ApproxBiLinear.Scale(g, g.Bounds(), img, img.Bounds(), xdraw.Src, nil)
	d, err := rec.Classify([]*image.Gray{g})
	if err != nil {
		t.Fatal(err)
	}
	return d[0].Digit
}

func blankPNG(w, h int) []byte {
	return strokePNG(w, h, 0, 0, 0, 0)
}

// strokePNG draws a dark vertical bar of the given width at x from y0 to y1
// on white paper.
func strokePNG(w, h, x, y0, y1, width int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(x-width/2, y0, x+width-width/2, y1), &image.Uniform{color.Gray{30}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TestReadJoinsBrokenDigits: digits whose stroke broke into two pieces
// were read as numbers ("87", "83", "54"); read with the pieces joined,
// they are the one digit they are.
func TestReadJoinsBrokenDigits(t *testing.T) {
	rec := defaultRecognizer(t)
	for file, want := range map[string]int{"broken-eight.png": 8, "dotted-eight.png": 8, "lifted-cap-five.jpg": 5} {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("..", "imgproc", "testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := rec.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			if r.Number != "" || r.Digit.Digit != want {
				t.Errorf("read %q (digit %d, %.3f), want the digit %d", r.Number, r.Digit.Digit, r.Confidence, want)
			}
		})
	}
}
