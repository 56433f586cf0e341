package imgproc

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"

	"digitnet/internal/fixtures"
)

var (
	dumpDir   = flag.String("dump", "", "write fixtures and what Preprocess made of them to this folder")
	roundTrip = flag.Int("roundtrip", 15, "MNIST test digits per fixture kind in TestRoundTrip (6 with -short)")
)

// tutorial is the naive pipeline: grey, squeezed to 28x28, no other care.
func tutorial(img image.Image) []float32 {
	g := image.NewGray(image.Rect(0, 0, Size, Size))
	xdraw.BiLinear.Scale(g, g.Bounds(), img, img.Bounds(), xdraw.Src, nil)
	return Pixels(g)
}

// correlation is Pearson's correlation of two images of the same size.
func correlation(a, b []float32) float64 {
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

func grayOf(pix []byte) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 28, 28))
	copy(g.Pix, pix)
	return g
}

func pixelsOf(pix []byte) []float32 { return Pixels(grayOf(pix)) }

// TestRoundTrip renders MNIST test digits as every fixture kind, decodes
// and preprocesses them, and compares the result with the original digit
// preprocessed the same way. It validates the pipeline without a model.
func TestRoundTrip(t *testing.T) {
	n := *roundTrip
	if testing.Short() {
		n = min(n, 6)
	}
	ds := mnistTest(t, n)
	for _, kind := range fixtures.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(kind))))
			var sum, sumRaw, sumNaive, worst float64
			single := 0 // Segment finds exactly one digit
			worst = 1
			var dt time.Duration
			for i, d := range ds {
				file, err := fixtures.Render(kind, r, d.pix)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				img, _, err := Decode(bytes.NewReader(file), DefaultLimits)
				if err != nil {
					t.Fatalf("digit %d: %v", i, err)
				}
				got, err := Preprocess(img)
				dt += time.Since(start)
				if err != nil {
					t.Errorf("digit %d (%d): %v", i, d.label, err)
					continue
				}
				if gl, err := Segment(img); err == nil && len(gl) == 1 {
					single++
				}
				want, err := Preprocess(grayOf(d.pix))
				if err != nil {
					t.Fatalf("original digit %d: %v", i, err)
				}
				c := correlation(Pixels(got), Pixels(want))
				sum += c
				sumRaw += correlation(Pixels(got), pixelsOf(d.pix))
				sumNaive += correlation(tutorial(img), pixelsOf(d.pix))
				if c < worst {
					worst = c
					if *dumpDir != "" {
						dump(t, fmt.Sprintf("worst-%s", kind), file, got, want)
					}
				}
				if *dumpDir != "" && i < 20 {
					dump(t, fmt.Sprintf("%s-%03d-%d", kind, i, d.label), file, got, want)
				}
			}
			mean := sum / float64(len(ds))
			t.Logf("%-10s n=%d mean correlation %.3f (with raw MNIST %.3f; tutorial pipeline %.3f), worst %.3f, Segment finds one digit %d/%d, decode+preprocess %.1f ms/image",
				kind, len(ds), mean, sumRaw/float64(len(ds)), sumNaive/float64(len(ds)), worst, single, len(ds), float64(dt.Microseconds())/1000/float64(len(ds)))
			if mean < 0.8 {
				t.Errorf("mean correlation %.3f < 0.8", mean)
			}
		})
	}
}

func dump(t *testing.T, name string, file []byte, got, want *image.Gray) {
	t.Helper()
	if err := os.MkdirAll(*dumpDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ext := ".png"
	if bytes.HasPrefix(file, []byte{0xff, 0xd8}) {
		ext = ".jpg"
	}
	os.WriteFile(filepath.Join(*dumpDir, name+ext), file, 0o644)
	both := image.NewGray(image.Rect(0, 0, 56*4+8, 28*4))
	for y := range 28 * 4 {
		for x := range 28 * 4 {
			both.Pix[y*both.Stride+x] = got.Pix[(y/4)*28+x/4]
			both.Pix[y*both.Stride+x+28*4+8] = want.Pix[(y/4)*28+x/4]
		}
	}
	var b bytes.Buffer
	png.Encode(&b, both)
	os.WriteFile(filepath.Join(*dumpDir, name+"-out.png"), b.Bytes(), 0o644)
}
