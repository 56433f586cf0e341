package augment

import "math"

// Size is the width and height of an MNIST image; images hold Size*Size pixels.
const Size = 28

// Pixels is the length of an image slice.
const Pixels = Size * Size

// centre is the point the affine map turns and scales about: the middle of
// the 28x28 field, where MNIST puts each digit's centre of mass.
const centre = (Size - 1) / 2.0

// Transform maps output pixel coordinates to the input coordinates that
// [Warp] samples: the output pixel (x, y) reads the input at
//
//	sx = XX*x + XY*y + X0
//	sy = YX*x + YY*y + Y0
//
// Pixel centres sit at integer coordinates, x to the right and y down. It is
// stored as the inverse of the movement one has in mind because sampling
// needs, for each output pixel, where it came from.
type Transform struct {
	XX, XY, X0 float32
	YX, YY, Y0 float32
}

// Identity is the Transform that leaves an image unchanged.
var Identity = Transform{XX: 1, YY: 1}

// NewTransform returns the Transform that scales the digit by scale, slants
// it by shear (x moves by shear*y, so positive shear leans the top to the
// left as displayed, since y grows downwards), rotates it by degrees
// (clockwise as displayed), all about the image centre, and then shifts it by
// (shiftX, shiftY) pixels. A scale of 0 or less is taken as 1.
func NewTransform(shiftX, shiftY, degrees, scale, shear float64) Transform {
	if !(scale > 0) {
		scale = 1
	}
	sin, cos := math.Sincos(degrees * math.Pi / 180)
	// Forward matrix F = rotation * shear * scale.
	a := cos * scale
	b := (cos*shear - sin) * scale
	c := sin * scale
	d := (sin*shear + cos) * scale
	det := a*d - b*c // = scale^2, never 0
	ia, ib, ic, id := d/det, -b/det, -c/det, a/det
	// src = centre + F^-1 (dst - centre - shift)
	ox, oy := centre+shiftX, centre+shiftY
	return Transform{
		XX: float32(ia), XY: float32(ib), X0: float32(centre - ia*ox - ib*oy),
		YX: float32(ic), YY: float32(id), Y0: float32(centre - ic*ox - id*oy),
	}
}

// Warp writes to dst the image src seen through t: each output pixel is the
// bilinear sample of src at t's coordinates, plus (dx[i], dy[i]) when the
// displacement fields dx and dy are not nil, with zero outside the image.
// dst and src must be distinct slices of length Pixels, and dx, dy nil or of
// length Pixels; Warp panics otherwise. For src in [0,1] the output stays in
// [0,1], since each sample is a convex combination of input pixels.
func Warp(dst, src []float32, t Transform, dx, dy []float32) {
	checkLen(dst, src)
	if (dx == nil) != (dy == nil) || dx != nil && (len(dx) != Pixels || len(dy) != Pixels) {
		panic("augment: Warp needs both displacement fields, of length 784, or neither")
	}
	i := 0
	for y := range Size {
		// Row start, moved along the row by (XX, YX) per pixel.
		rx := t.XY*float32(y) + t.X0
		ry := t.YY*float32(y) + t.Y0
		for x := range Size {
			sx := t.XX*float32(x) + rx
			sy := t.YX*float32(x) + ry
			if dx != nil {
				sx += dx[i]
				sy += dy[i]
			}
			// The common case, all four neighbours inside, is written out here
			// so it inlines; NaN coordinates fail the test and go to sample.
			if sx >= 0 && sy >= 0 && sx < Size-1 && sy < Size-1 {
				x0, y0 := int(sx), int(sy) // non-negative, so truncation is floor
				fx, fy := sx-float32(x0), sy-float32(y0)
				p := src[y0*Size+x0 : y0*Size+x0+Size+2]
				top := p[0] + fx*(p[1]-p[0])
				bot := p[Size] + fx*(p[Size+1]-p[Size])
				dst[i] = top + fy*(bot-top)
			} else {
				dst[i] = sample(src, sx, sy)
			}
			i++
		}
	}
}

// sample reads src bilinearly at (sx, sy) with zero outside the image. Warp
// calls it only near and beyond the border.
func sample(src []float32, sx, sy float32) float32 {
	// Written so that NaN coordinates also give 0.
	if !(sx > -1 && sx < Size && sy > -1 && sy < Size) {
		return 0
	}
	// sx+1 > 0, so truncation is floor.
	x0 := int(sx+1) - 1
	y0 := int(sy+1) - 1
	fx := sx - float32(x0)
	fy := sy - float32(y0)
	at := func(x, y int) float32 {
		if x < 0 || y < 0 || x >= Size || y >= Size {
			return 0
		}
		return src[y*Size+x]
	}
	top := at(x0, y0) + fx*(at(x0+1, y0)-at(x0, y0))
	bot := at(x0, y0+1) + fx*(at(x0+1, y0+1)-at(x0, y0+1))
	return top + fy*(bot-top)
}

func checkLen(dst, src []float32) {
	if len(dst) != Pixels || len(src) != Pixels {
		panic("augment: images must have 784 pixels")
	}
	if &dst[0] == &src[0] {
		panic("augment: dst and src must not be the same slice")
	}
}
