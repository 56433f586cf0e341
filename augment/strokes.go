package augment

import (
	"math"
	"math/rand/v2"
)

// This file is the training pen: glyphs drawn from stroke templates with a
// round nib of constant width along polylines smoothed by corner cutting.
// The evaluation sets (package internal/fixtures) draw with a pen of their
// own (splines, pressure taper, tremor), so that what the model learns
// here is the shape, not one renderer's marks.

// Point is a position in a template's unit box: x to the right, y down.
type Point struct{ X, Y float64 }

// Stroke is one pen-down movement. Smooth strokes are rounded by corner
// cutting; others are drawn as straight segments.
type Stroke struct {
	Points []Point
	Smooth bool
}

// Glyph is a template: the strokes of one mark.
type Glyph []Stroke

func line(pts ...Point) Stroke  { return Stroke{Points: pts} }
func curve(pts ...Point) Stroke { return Stroke{Points: pts, Smooth: true} }

// ellipse returns a closed smooth stroke of n points around (cx, cy),
// starting at angle a0 (radians, 0 to the right, y down) and going round
// by turn (1 is a full turn; more overlaps the start).
func ellipse(cx, cy, rx, ry, a0, turn float64, n int) Stroke {
	pts := make([]Point, n+1)
	for i := range pts {
		a := a0 + 2*math.Pi*turn*float64(i)/float64(n)
		pts[i] = Point{cx + rx*math.Cos(a), cy + ry*math.Sin(a)}
	}
	return curve(pts...)
}

// chaikin rounds a polyline by cutting each corner at a quarter and three
// quarters of its segments, twice, keeping the ends.
func chaikin(p []Point) []Point {
	for range 2 {
		if len(p) < 3 {
			return p
		}
		out := []Point{p[0]}
		for i := 0; i+1 < len(p); i++ {
			a, b := p[i], p[i+1]
			out = append(out, Point{0.75*a.X + 0.25*b.X, 0.75*a.Y + 0.25*b.Y}, Point{0.25*a.X + 0.75*b.X, 0.25*a.Y + 0.75*b.Y})
		}
		p = append(out, p[len(p)-1])
	}
	return p
}

// Writer is how one training writer deviates from a template.
type Writer struct {
	Jitter float64 // largest displacement of a point, in box units
	Shear  float64 // x moves by Shear*(0.5-y)
	Rotate float64 // radians
	Aspect float64 // width multiplier
	Width  float64 // nib width, as a share of the glyph's long side
	Soft   float64 // width of the stroke's anti-aliased edge, in pixels
}

// RandomWriter draws a writer.
func RandomWriter(r *rand.Rand) Writer {
	return Writer{
		Jitter: uniform(r, 0, 0.04),
		Shear:  uniform(r, -0.2, 0.35),
		Rotate: uniform(r, -0.15, 0.15),
		Aspect: uniform(r, 0.75, 1.25),
		Width:  uniform(r, 0.05, 0.17),
		Soft:   uniform(r, 0.7, 2.5),
	}
}

// polylines returns the strokes of g as this writer draws them, in the
// unit box.
func (w Writer) polylines(r *rand.Rand, g Glyph) [][]Point {
	sin, cos := math.Sincos(w.Rotate)
	out := make([][]Point, 0, len(g))
	for _, s := range g {
		pts := make([]Point, len(s.Points))
		for i, p := range s.Points {
			x := p.X + uniform(r, -w.Jitter, w.Jitter)
			y := p.Y + uniform(r, -w.Jitter, w.Jitter)
			x = 0.5 + (x-0.5)*w.Aspect + w.Shear*(0.5-y)
			dx, dy := x-0.5, y-0.5
			pts[i] = Point{0.5 + dx*cos - dy*sin, 0.5 + dx*sin + dy*cos}
		}
		if s.Smooth {
			pts = chaikin(pts)
		}
		out = append(out, pts)
	}
	return out
}

// DrawMNIST draws g as w writes it into dst (Pixels values, white ink on
// black) in MNIST's format: the ink's box fitted into 20x20 preserving the
// aspect ratio, its centre of mass at the centre of the 28x28 field.
func (w Writer) DrawMNIST(dst []float32, r *rand.Rand, g Glyph) {
	clear(dst[:Pixels])
	w.draw(dst, Size, r, g, 20, w.Soft)
	centreMass(dst)
}

// DrawLarge draws g as w writes it into a new n x n image (values in
// [0,1], ink 1), the glyph's long side about 60% of n: for preparing as
// an upload would be.
func (w Writer) DrawLarge(r *rand.Rand, g Glyph, n int) []float32 {
	img := make([]float32, n*n)
	w.draw(img, n, r, g, 0.6*float64(n), w.Soft)
	return img
}

// draw paints g into the n x n image img, fitted into a box of side box
// pixels in its middle, with an edge soft pixels wide.
func (w Writer) draw(img []float32, n int, r *rand.Rand, g Glyph, box, soft float64) {
	lines := w.polylines(r, g)
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, l := range lines {
		for _, p := range l {
			x0, y0, x1, y1 = min(x0, p.X), min(y0, p.Y), max(x1, p.X), max(y1, p.Y)
		}
	}
	long := max(x1-x0, y1-y0, 1e-6)
	rad := w.Width * long / 2
	// The glyph's box, nib included, is box pixels on its long side.
	s := box / (long + 2*rad)
	c := float64(n) / 2
	ox, oy := c-s*(x0+x1)/2, c-s*(y0+y1)/2
	for _, l := range lines {
		for i := range l {
			a, b := l[i], l[min(i+1, len(l)-1)]
			segmentOn(img, n, n, ox+s*a.X, oy+s*a.Y, ox+s*b.X, oy+s*b.Y, s*rad, soft)
		}
	}
}

// Segment paints a round-nibbed line of radius rad from (ax, ay) to
// (bx, by), in pixel coordinates (centres at integers), into img
// (Pixels values), keeping the brighter of old and new ink.
func Segment(img []float32, ax, ay, bx, by, rad float64) {
	segmentOn(img, Size, Size, ax, ay, bx, by, rad, 1)
}

// segmentOn is Segment on a w x h image, with an anti-aliased edge soft
// pixels wide (1: a crisp line).
func segmentOn(img []float32, w, h int, ax, ay, bx, by, rad, soft float64) {
	reach := rad + soft
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	for y := max(0, int(math.Floor(min(ay, by)-reach))); y <= min(h-1, int(math.Ceil(max(ay, by)+reach))); y++ {
		for x := max(0, int(math.Floor(min(ax, bx)-reach))); x <= min(w-1, int(math.Ceil(max(ax, bx)+reach))); x++ {
			px, py := float64(x)-ax, float64(y)-ay
			t := 0.0
			if l2 > 0 {
				t = min(1, max(0, (px*dx+py*dy)/l2))
			}
			c := float32(min(1, max(0, (rad-math.Hypot(px-t*dx, py-t*dy))/soft+0.5)))
			if i := y*w + x; c > img[i] {
				img[i] = c
			}
		}
	}
}

// centreMass shifts img so that its centre of mass is at MNIST's (14, 14),
// with bilinear sampling: a sub-pixel shift.
func centreMass(img []float32) {
	var sum, sx, sy float64
	for i, v := range img[:Pixels] {
		sum += float64(v)
		sx += float64(v) * float64(i%Size)
		sy += float64(v) * float64(i/Size)
	}
	if sum == 0 {
		return
	}
	var tmp [Pixels]float32
	copy(tmp[:], img)
	Warp(img, tmp[:], NewTransform(14-sx/sum, 14-sy/sum, 0, 1, 0), nil, nil)
}

// refit scales img's ink, if its box has grown beyond 20 pixels (a flag
// added to a 1), back into 20x20 and centres it by its mass again.
func refit(img []float32) {
	x0, y0, x1, y1 := Size, Size, -1, -1
	for i, v := range img[:Pixels] {
		if v > 0.1 {
			x, y := i%Size, i/Size
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
	}
	if x1 < 0 {
		return
	}
	if long := max(x1-x0+1, y1-y0+1); long > 20 {
		var tmp [Pixels]float32
		copy(tmp[:], img)
		// Scale about the box's centre, moving it to the field's centre.
		s := 20 / float64(long)
		cx, cy := float64(x0+x1)/2, float64(y0+y1)/2
		// NewTransform scales about the field's centre; sampling from
		// the box's centre instead moves the box there.
		t := NewTransform(0, 0, 0, s, 0)
		t.X0 += float32(cx - centre)
		t.Y0 += float32(cy - centre)
		Warp(img, tmp[:], t, nil, nil)
	}
	centreMass(img)
}
