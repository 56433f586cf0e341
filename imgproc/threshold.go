package imgproc

import (
	"math"
)

// minContrast is the weakest ink accepted: a pencil line on paper is about
// 0.3; JPEG noise on a blank page stays below 0.1.
const minContrast = 0.15

// noisy is the border noise (standard deviation of ink) above which
// inkAnalysis smooths before thresholding: drawings, scans and most
// photos measure 0.001 to 0.035 (and training's prepared images, drawn on
// paper with a little noise, stay under it), a dim phone photo of grey
// paper up to 0.08.
const noisy = 0.045

// threshold returns the noise floor of ink and the binarisation threshold:
// Otsu's method over what is above the floor, so that faint ruled lines and
// paper texture fall below it and the strokes above. The floor is a robust
// estimate (median and MAD) from the image border, which is background even
// in a tight crop where ink covers half the pixels; sigma is the border's
// noise that sets it. ok is false when nothing rises above the floor.
func threshold(ink plane) (floor, t, sigma float32, ok bool) {
	border := newHistogram(-1, 1, 2048)
	defer border.release()
	bt := max(1, min(ink.w, ink.h)/50)
	frame(ink, bt, border.add)
	med := border.quantile(0.5)
	ad := newHistogram(0, 1, 1024)
	defer ad.release()
	frame(ink, bt, func(v float32) { ad.add(float32(math.Abs(float64(v - med)))) })
	// The standard deviation that the median absolute deviation implies
	// for Gaussian noise.
	sigma = 1.4826 * ad.quantile(0.5)
	floor = med + max(0.05, 4.5*sigma)
	// The top of a histogram of all of ink (same bins as border's): the
	// bin of its largest value.
	top := border.value(border.bin(maxOf(ink.p)))
	if top < max(floor, minContrast) {
		return floor, 0, sigma, false
	}
	above := newHistogram(0, 1, 1024)
	defer above.release()
	above.addAbove(ink.p, floor)
	// The digit is the strongest mark on the page: whatever is much fainter
	// than its strokes (a toolbar, grey UI text, a ruled line that Otsu's
	// split put on the wrong side) is not ink. A 3x3 mean keeps single noisy
	// pixels from setting the scale.
	t = max(floor, above.otsu(floor), 0.35*strongest(ink))
	return floor, t, sigma, true
}

// strongest returns the largest 3x3 mean of ink.
func strongest(ink plane) float32 {
	var best float32
	w := ink.w
	for y := 1; y < ink.h-1; y++ {
		for x := 1; x < w-1; x++ {
			if ink.p[y*w+x] <= best {
				continue // the mean cannot beat best
			}
			var s float32
			for dy := -1; dy <= 1; dy++ {
				r := ink.p[(y+dy)*w+x-1 : (y+dy)*w+x+2]
				s += r[0] + r[1] + r[2]
			}
			best = max(best, s/9)
		}
	}
	if ink.w < 3 || ink.h < 3 {
		for _, v := range ink.p {
			best = max(best, v)
		}
	}
	return best
}
