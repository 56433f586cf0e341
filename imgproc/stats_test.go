package imgproc

import (
	"math"
	"slices"
	"testing"
)

// TestMNISTStatistics measures the constants this package copies from
// MNIST: the centre of mass and the stroke width relative to the box.
func TestMNISTStatistics(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 1000
	}
	ds := mnistTest(t, n)
	var cx, cy float64
	var ratios []float64
	for _, d := range ds {
		var sum, sx, sy float64
		mask := make([]bool, 784)
		x0, y0, x1, y1 := 28, 28, -1, -1
		for i, v := range d.pix {
			f := float64(v) / 255
			sum += f
			sx += f * float64(i%28)
			sy += f * float64(i/28)
			// Measure at 8x, where the estimator is calibrated for shapes,
			// binarised at half intensity as the pipeline's threshold does.
			mask[i] = v >= 128
			if v > 5 {
				x0, y0, x1, y1 = min(x0, i%28), min(y0, i/28), max(x1, i%28), max(y1, i/28)
			}
		}
		cx += sx / sum
		cy += sy / sum
		g := newPlane(28, 28)
		for i, v := range d.pix {
			g.p[i] = float32(v) / 255
		}
		big := resample(g, 224, 224)
		bm := make([]bool, len(big.p))
		for i, v := range big.p {
			bm[i] = v >= 0.5
		}
		long := float64(max(x1-x0+1, y1-y0+1)) * 8
		ratios = append(ratios, strokeWidth(bm, 224, 224)/long)
	}
	slices.Sort(ratios)
	nf := float64(len(ds))
	t.Logf("MNIST centre of mass (%.2f, %.2f); stroke/box ratio p10 %.3f median %.3f p90 %.3f",
		cx/nf, cy/nf, ratios[len(ratios)/10], ratios[len(ratios)/2], ratios[len(ratios)*9/10])
	if math.Abs(cx/nf-centreX) > 0.5 || math.Abs(cy/nf-centreY) > 0.5 {
		t.Errorf("centre constants (%v, %v) are off", centreX, centreY)
	}
}
