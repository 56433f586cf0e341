package nn

import "math"

// Deskewing takes part of the slant out of handwriting before the network
// sees it, as LeCun's MNIST benchmarks did for their best
// non-convolutional classifiers. Each image is sheared along x, about its
// centre of ink: x' = x + alpha*(y - cy), with alpha a share of
// cov(x, y)/var(y) of the ink, the shear that would make its principal
// axis upright. A slanted European 1 then looks more like an upright one,
// which a network tells from a 7 more reliably, and the network spends
// less of its capacity on slant.
//
// The shear is half the full one. Trained both ways on two seeds each, a
// full shear read the style digits best on one seed but cost MNIST test
// digits, whose slant says something (99.37% and 99.49% on MNIST), while a
// half shear gained on both seeds on the style and user-like digits
// without that loss (docs/reading.md has the table).
//
// Each row is resampled by linear interpolation, zero outside the image,
// so rows keep their ink and the centre of ink stays where MNIST's
// preparation put it.
//
// The constants are exported for package onnx, whose export computes the
// same shear with ONNX operators.
const (
	// DeskewShare is the share of the full shear applied.
	DeskewShare float32 = 0.5
	// DeskewMaxSlant bounds the full shear: a horizontal stroke has
	// almost no vertical spread, and its alpha, a ratio of two tiny
	// moments, would shear it off the image.
	DeskewMaxSlant float32 = 1
	// DeskewEps stands in for a zero mass or vertical spread (a blank
	// image, one row of ink), which leaves the image as it is.
	DeskewEps float32 = 1e-6
)

// deskew is the parameter-free layer of KindDeskew. It only runs first, on
// one-channel images, so it never needs an input gradient.
type deskew struct {
	in Shape
	y  []float32
}

func (d *deskew) forward(_, x []float32, n int) []float32 {
	size := d.in.Size()
	d.y = grow(d.y, n*size)
	for i := range n {
		Deskew(d.y[i*size:(i+1)*size], x[i*size:(i+1)*size], d.in.H, d.in.W)
	}
	return d.y
}

func (d *deskew) backward(_, _, dy []float32, n int, needDX bool) []float32 {
	if needDX {
		panic("nn: deskew has no input gradient; plan keeps it first")
	}
	return nil
}

// Deskew writes into dst the h x w one-channel image src sheared towards
// upright, as a KindDeskew layer does. It computes in float32, as the ONNX
// form that package onnx exports does, so the two agree closely.
func Deskew(dst, src []float32, h, w int) {
	var m, sx, sy float32
	for y := range h {
		for x, v := range src[y*w : (y+1)*w] {
			m += v
			sx += v * float32(x)
			sy += v * float32(y)
		}
	}
	m = max(m, DeskewEps)
	cx, cy := sx/m, sy/m
	var sxy, syy float32
	for y := range h {
		dy := float32(y) - cy
		for x, v := range src[y*w : (y+1)*w] {
			sxy += v * (float32(x) - cx) * dy
			syy += v * dy * dy
		}
	}
	alpha := DeskewShare * min(max(sxy/max(syy, DeskewEps), -DeskewMaxSlant), DeskewMaxSlant)
	for y := range h {
		row, out := src[y*w:(y+1)*w], dst[y*w:(y+1)*w]
		shift := alpha * (float32(y) - cy)
		// out[x] samples row at x+shift: between pixels j and j+1,
		// weighted 1-t and t.
		f := float32(math.Floor(float64(shift)))
		t := shift - f
		j0 := int(f)
		for x := range out {
			var a, b float32
			if j := x + j0; j >= 0 && j < w {
				a = row[j]
			}
			if j := x + j0 + 1; j >= 0 && j < w {
				b = row[j]
			}
			out[x] = a*(1-t) + b*t
		}
	}
}
