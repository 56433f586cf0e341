package pngdec

import (
	"bytes"
	"image/png"
	"os"
	"testing"
)

// BenchmarkDecode compares the fast path, with each Paeth filter, with image/png on one of the
// page's example digits (160x160 RGB, the load benchmark's uploads).
func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile("../../../server/assets/examples/digit-3.png")
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range implNames() {
		b.Run("pngdec-"+impl, func(b *testing.B) {
			defer setImpl(impl)()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(data, 1<<30); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("image-png", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
