package imgproc

import (
	"fmt"
	"image"
	"math"
)

// fitCentre scales the ink of g into a Box x Box square, preserving the
// aspect ratio and averaging areas (anti-aliasing), and places it in a
// Size x Size image with its centre of mass at MNIST's.
func fitCentre(g plane) (*image.Gray, error) {
	x0, y0, x1, y1 := g.w, g.h, -1, -1
	for y := range g.h {
		for x := range g.w {
			if g.p[y*g.w+x] > 0.02 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return nil, fmt.Errorf("%w: nothing left after cleaning", ErrNoInk)
	}
	bw, bh := x1-x0+1, y1-y0+1
	sub := scratchPlane(bw, bh)
	defer floats.put(sub.p)
	for y := range bh {
		copy(sub.p[y*bw:(y+1)*bw], g.p[(y0+y)*g.w+x0:])
	}
	sc := float64(Box) / float64(max(bw, bh))
	ow := max(1, min(Box, int(math.Round(float64(bw)*sc))))
	oh := max(1, min(Box, int(math.Round(float64(bh)*sc))))
	s := resample(sub, ow, oh)
	defer floats.put(s.p)
	var sum, sx, sy float64
	for y := range oh {
		for x := range ow {
			v := float64(s.p[y*ow+x])
			sum += v
			sx += v * float64(x)
			sy += v * float64(y)
		}
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: nothing left after scaling", ErrNoInk)
	}
	ox := min(max(int(math.Round(centreX-sx/sum)), 0), Size-ow)
	oy := min(max(int(math.Round(centreY-sy/sum)), 0), Size-oh)
	out := image.NewGray(image.Rect(0, 0, Size, Size))
	for y := range oh {
		for x := range ow {
			out.Pix[(oy+y)*Size+ox+x] = uint8(math.Round(float64(min(1, max(0, s.p[y*ow+x])) * 255)))
		}
	}
	return out, nil
}

// tap is one source sample and its weight.
type tap struct {
	i int
	w float32
}

// resampleTaps returns, for each of m outputs covering n inputs, the
// weights of the inputs: the exact overlap of the output pixel's footprint
// when shrinking (area averaging, as MNIST's anti-aliasing), linear
// interpolation when enlarging.
func resampleTaps(n, m int) [][]tap {
	s := float64(n) / float64(m)
	taps := make([][]tap, m)
	// An output overlaps at most ceil(s)+1 inputs: one backing array,
	// not a slice grown by appends for each output. (The capacity of
	// each output's part stops an append from running into the next.)
	k := max(int(math.Ceil(s))+1, 2)
	all := make([]tap, m*k)
	for i := range m {
		taps[i] = all[i*k : i*k : (i+1)*k]
		if s <= 1 {
			c := (float64(i)+0.5)*s - 0.5
			j := math.Floor(c)
			fr := float32(c - j)
			j0, j1 := min(max(int(j), 0), n-1), min(max(int(j)+1, 0), n-1)
			taps[i] = append(taps[i], tap{j0, 1 - fr}, tap{j1, fr})
			continue
		}
		a, b := float64(i)*s, float64(i+1)*s
		for j := int(a); j < n && float64(j) < b; j++ {
			if o := min(b, float64(j+1)) - max(a, float64(j)); o > 0 {
				taps[i] = append(taps[i], tap{j, float32(o / s)})
			}
		}
	}
	return taps
}

// resample scales src to w x h (separably: rows, then columns).
func resample(src plane, w, h int) plane {
	tx, ty := resampleTaps(src.w, w), resampleTaps(src.h, h)
	tmp := scratchPlane(w, src.h)
	defer floats.put(tmp.p)
	for y := range src.h {
		row := src.p[y*src.w : (y+1)*src.w]
		for x, ts := range tx {
			var v float32
			for _, t := range ts {
				v += row[t.i] * t.w
			}
			tmp.p[y*w+x] = v
		}
	}
	out := scratchPlane(w, h) // the caller gives it back
	for y, ts := range ty {
		for x := range w {
			var v float32
			for _, t := range ts {
				v += tmp.p[t.i*w+x] * t.w
			}
			out.p[y*w+x] = v
		}
	}
	return out
}
