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
	i := 0
	for y := range Size {
		for x := range Size {
			v := src[i]
			m := v
			pick := func(n float32) {
				if dilate == (n > m) {
					m = n
				}
			}
			if x > 0 {
				pick(src[i-1])
			}
			if x < Size-1 {
				pick(src[i+1])
			}
			if y > 0 {
				pick(src[i-Size])
			}
			if y < Size-1 {
				pick(src[i+Size])
			}
			dst[i] = v + amount*(m-v)
			i++
		}
	}
}

// Gamma applies in place the tone curve v -> v / (v + k*(1-v)), which keeps 0
// and 1 fixed: k < 1 brightens the grey edges of strokes (as a gamma below
// 1 would), k > 1 darkens them, k = 1 changes nothing. It is Schlick's
// rational bias function, used instead of a power law because it costs one
// division per pixel instead of a math.Pow. Values outside [0,1] are
// clamped first; k must be positive.
func Gamma(img []float32, k float32) {
	for i, v := range img {
		v = min(max(v, 0), 1)
		if d := v + k*(1-v); d > 0 {
			v /= d
		}
		img[i] = v
	}
}
