package probe

import (
	"bytes"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"testing"

	_ "golang.org/x/image/tiff"
)

// TestDecodes checks that each probe is a valid file of the size it says,
// at a small size (the 40-megapixel ones are what bench/memory.sh posts).
func TestDecodes(t *testing.T) {
	for _, tt := range []struct {
		name, format string
		data         []byte
		model        string
	}{
		{"tiff", "tiff", TIFFDeflateBomb(300, 200), "*image.NRGBA64"},
		{"png16", "png", PNG16(300, 200), "*image.RGBA64"},
		{"jpeg444", "jpeg", ProgressiveJPEG(300, 200, false), "*image.YCbCr"},
		{"jpeg420", "jpeg", ProgressiveJPEG(300, 200, true), "*image.YCbCr"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img, format, err := image.Decode(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); format != tt.format || got != image.Pt(300, 200) {
				t.Errorf("decoded %s %v, want %s 300x200", format, got, tt.format)
			}
			if got := typeName(img); got != tt.model {
				t.Errorf("decoded to %s, want %s", got, tt.model)
			}
		})
	}
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.NRGBA64:
		return "*image.NRGBA64"
	case *image.RGBA64:
		return "*image.RGBA64"
	case *image.YCbCr:
		return "*image.YCbCr"
	}
	return "other"
}

// TestSizes checks that the 40-megapixel probes stay small files, as the
// issue's were (hundreds of kilobytes).
func TestSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 1 GB of zeros")
	}
	for name, data := range map[string][]byte{
		"tiff":  TIFFDeflateBomb(8000, 5000),
		"png16": PNG16(8000, 5000),
		"jpeg":  ProgressiveJPEG(8000, 5000, false),
	} {
		if len(data) > 600<<10 {
			t.Errorf("%s: %d bytes, want a small file", name, len(data))
		}
		t.Logf("%s: %d bytes", name, len(data))
	}
}
