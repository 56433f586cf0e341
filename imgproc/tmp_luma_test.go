package imgproc

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkTmpLuma(b *testing.B) {
	file, _ := os.ReadFile("../server/assets/examples/digit-3.png")
	img, _, _ := Decode(bytes.NewReader(file), DefaultLimits)
	for _, fuse := range []bool{true, false} {
		b.Run(map[bool]string{true: "fused", false: "plain"}[fuse], func(b *testing.B) {
			fuseRGBAPairs = fuse
			defer func() { fuseRGBAPairs = true }()
			for b.Loop() {
				lumaPlane(img, 80)
			}
		})
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			Decode(bytes.NewReader(file), DefaultLimits)
		}
	})
	b.Run("analyse", func(b *testing.B) {
		for b.Loop() {
			analyse(img)
		}
	})
	b.Run("segment", func(b *testing.B) {
		for b.Loop() {
			Segment(img)
		}
	})
}
