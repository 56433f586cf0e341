package imgproc

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
)

// PreviewPNG returns g enlarged scale times with square pixels, as PNG: how
// to show people what the model saw (28x28 is too small to look at).
func PreviewPNG(g *image.Gray, scale int) ([]byte, error) {
	if scale < 1 || scale > 64 {
		return nil, fmt.Errorf("imgproc: preview scale %d out of 1..64", scale)
	}
	b := g.Bounds()
	big := image.NewGray(image.Rect(0, 0, b.Dx()*scale, b.Dy()*scale))
	for y := range big.Rect.Dy() {
		for x := range big.Rect.Dx() {
			big.Pix[y*big.Stride+x] = g.GrayAt(b.Min.X+x/scale, b.Min.Y+y/scale).Y
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		return nil, fmt.Errorf("imgproc: preview: %w", err)
	}
	return buf.Bytes(), nil
}
