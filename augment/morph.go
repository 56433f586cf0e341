package augment

// Morph thickens (amount > 0) or thins (amount < 0) the strokes of src into
// dst. It computes the grey-level dilation (or erosion) with a plus-shaped
// 3x3 element, the pixel and its four neighbours, and blends it with src by
// |amount|, clamped to 1: amount 1 is a full dilation, which widens a stroke
// by about one pixel on each side; 0.5 is half of that. The neighbourhood is
// clipped at the image border. The blend lets a training run vary stroke
// width in small steps; a full erosion can erase the thin strokes of some
// MNIST digits. dst and src must be distinct slices of length Pixels.
func Morph(dst, src []float32, amount float32) {
	checkLen(dst, src)
	dilate := amount > 0
	if amount < 0 {
		amount = -amount
	}
	if amount > 1 {
		amount = 1
	}
	// Border pixels: clip the neighbourhood.
	border := func(x, y int) {
		i := y*Size + x
		v := src[i]
		m := v
		for _, n := range [4]struct {
			ok bool
			j  int
		}{{x > 0, i - 1}, {x < Size-1, i + 1}, {y > 0, i - Size}, {y < Size-1, i + Size}} {
			if n.ok && dilate == (src[n.j] > m) {
				m = src[n.j]
			}
		}
		dst[i] = v + amount*(m-v)
	}
	for x := range Size {
		border(x, 0)
		border(x, Size-1)
	}
	for y := 1; y < Size-1; y++ {
		border(0, y)
		border(Size-1, y)
		up := src[(y-1)*Size : y*Size]
		row := src[y*Size : (y+1)*Size]
		down := src[(y+1)*Size : (y+2)*Size]
		out := dst[y*Size : (y+1)*Size]
		// Two loops rather than a func parameter, which would not inline.
		if dilate {
			for x := 1; x < Size-1; x++ {
				v := row[x]
				out[x] = v + amount*(max(v, row[x-1], row[x+1], up[x], down[x])-v)
			}
		} else {
			for x := 1; x < Size-1; x++ {
				v := row[x]
				out[x] = v + amount*(min(v, row[x-1], row[x+1], up[x], down[x])-v)
			}
		}
	}
}

// Gamma applies in place the tone curve v -> v / (v + k*(1-v)), which keeps 0
// and 1 fixed: k < 1 brightens the grey edges of strokes (as a gamma below
// 1 would), k > 1 darkens them, k = 1 changes nothing. It is Schlick's
// rational bias function, used instead of a power law because it costs one
// division per pixel instead of a math.Pow. Values outside [0,1] are
// clamped first, NaN counts as 0; k must be positive.
func Gamma(img []float32, k float32) {
	for i, v := range img {
		if !(v > 0) { // most of an MNIST image: skip the division
			img[i] = 0
			continue
		}
		v = min(v, 1)
		img[i] = v
		if d := v + k*(1-v); d > 0 {
			img[i] = v / d
		}
	}
}
