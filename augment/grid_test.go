package augment_test

import (
	"bufio"
	"compress/gzip"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/augment"
)

var gridPath = flag.String("grid", "", "write a PNG grid of augmented MNIST test digits to this `file`, to check by eye that they stay readable")

// TestGrid draws, per row, one MNIST test digit and then augmented copies of
// it with Default options. It runs only with -grid, since it needs the
// GoMNIST module's data in the module cache.
func TestGrid(t *testing.T) {
	if *gridPath == "" {
		t.Skip("no -grid file given")
	}
	imgs := readMNIST(t, 16)
	const cols, zoom, gap = 12, 3, 2
	cell := augment.Size*zoom + gap
	out := image.NewGray(image.Rect(0, 0, cols*cell, len(imgs)*cell))
	for i := range out.Pix {
		out.Pix[i] = 128
	}
	a := augment.New(augment.Default)
	r := rand.New(rand.NewPCG(1, 2))
	dst := make([]float32, augment.Pixels)
	for row, src := range imgs {
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
	f, err := os.Create(*gridPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, out); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", *gridPath)
}

// readMNIST returns the first n MNIST test images from the GoMNIST module.
func readMNIST(tb testing.TB, n int) [][]float32 {
	tb.Helper()
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		tb.Skipf("no module cache: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(cache)),
		"github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data/t10k-images-idx3-ubyte.gz")
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("no MNIST data: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, 16+n*augment.Pixels)
	if _, err := io.ReadFull(zr, buf); err != nil {
		tb.Fatal(err)
	}
	imgs := make([][]float32, n)
	for i := range imgs {
		imgs[i] = make([]float32, augment.Pixels)
		for j, b := range buf[16+i*augment.Pixels : 16+(i+1)*augment.Pixels] {
			imgs[i][j] = float32(b) / 255
		}
	}
	return imgs
}
