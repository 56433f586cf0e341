package pngdec

import (
	"bytes"
	"compress/zlib"
	"errors"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode holds the fast path to image/png: whatever Decode accepts,
// image/png decodes to equal pixels. The one file image/png refuses and
// Decode reads is one whose zlib Adler-32 alone is wrong, which Decode
// leaves unchecked by design.
func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 10))
	for ct, n := range bytesPerPixel {
		if n == 0 {
			continue
		}
		fl := file{w: 5, h: 4, depth: 8, ct: ct, rows: randomRows(rng, 5, 4, n), filter: func(y int) byte { return byte(y % 5) }}
		if ct == ctPalette {
			fl.plte, fl.trns = []byte{1, 2, 3, 4, 5, 6}, []byte{9}
		}
		f.Add(fl.bytes(f))
	}
	examples, _ := filepath.Glob("../../../server/assets/examples/digit-1.png")
	if len(examples) == 0 {
		f.Fatal("no example digit found to seed the corpus")
	}
	for _, path := range examples {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data, 1<<20)
		if err != nil {
			return
		}
		want, err := png.Decode(bytes.NewReader(data))
		if errors.Is(err, zlib.ErrChecksum) {
			return
		}
		if err != nil {
			t.Fatalf("decoded a %T that image/png refuses: %v", got, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %T differs from image/png's %T", got, want)
		}
		dirty := bytes.Repeat([]byte{0xA5}, 4*want.Bounds().Dx()*want.Bounds().Dy())
		if again, err := DecodeInto(data, 1<<20, dirty); err != nil || !reflect.DeepEqual(again, want) {
			t.Fatalf("decoded into a used buffer: %v, or pixels differ", err)
		}
	})
}
