package handwriting

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"

	"digitnet/samples"
)

// point is a position in a digit's own box: x from 0 (left) to 1 (right)
// of the digit's width, y from 0 (top) to 1 (bottom).
type point struct{ x, y float64 }

// stroke is one pen movement: a smooth curve through its points. A sharp
// corner ends one stroke and starts the next.
type stroke []point

// Writer is one person's handwriting.
type Writer struct {
	// Glyphs holds the strokes of each digit.
	Glyphs [10][]stroke
	// Slant is how far right the top of a digit leans, as a fraction of
	// its height.
	Slant float64
	// Aspect is a digit's width over its height.
	Aspect float64
	// Width is the pen's width as a fraction of a digit's height.
	Width float64
	// Jitter is the standard deviation of each stroke point's wobble, in
	// units of the digit's height.
	Jitter float64
}

// Backhand is a left-handed writer who leans every digit far to the left
// and writes with a thick marker, with habits taught in continental Europe:
// a slashed 0, a 1 with a long flag and a base, a barred 7, an open 4, a
// flat-topped 3, a 2 with a loop, a 5 whose bar floats free, stacked rings
// for 8 and a 9 with a straight stem. MNIST models read most of the 0s as
// 8 and many of the 1s as 2.
var Backhand = Writer{
	Slant:  -0.6,
	Aspect: 0.72,
	Width:  0.13,
	Jitter: 0.035,
	Glyphs: [10][]stroke{
		0: {
			ellipse(0.5, 0.5, 0.46, 0.5, -60, 300+30),
			{{0.95, 0.05}, {0.5, 0.5}, {0.05, 0.95}},
		},
		1: {
			{{0.0, 0.55}, {0.3, 0.28}, {0.62, 0.0}},
			{{0.62, 0.0}, {0.61, 0.5}, {0.6, 1.0}},
			{{0.25, 1.0}, {0.6, 1.0}, {0.95, 0.99}},
		},
		2: {{
			{0.08, 0.26}, {0.28, 0.04}, {0.6, 0.0}, {0.86, 0.16}, {0.84, 0.4},
			{0.55, 0.66}, {0.2, 0.88}, {0.14, 0.99}, {0.3, 0.98}, {0.3, 0.87},
			{0.18, 0.88}, {0.28, 0.97}, {0.6, 0.98}, {0.98, 0.95},
		}},
		3: {
			{{0.1, 0.03}, {0.5, 0.02}, {0.9, 0.02}},
			{{0.9, 0.02}, {0.62, 0.18}, {0.4, 0.34}},
			{{0.4, 0.34}, {0.75, 0.4}, {0.9, 0.6}, {0.8, 0.82}, {0.5, 0.92}, {0.25, 0.98}, {0.1, 1.0}},
		},
		4: {
			{{0.08, 0.0}, {0.05, 0.35}, {0.25, 0.58}, {0.6, 0.6}, {0.85, 0.52}},
			{{0.85, 0.0}, {0.84, 0.5}, {0.82, 1.0}},
		},
		5: {
			{{0.15, 0.15}, {0.12, 0.3}, {0.1, 0.47}},
			{{0.1, 0.47}, {0.45, 0.38}, {0.8, 0.48}, {0.9, 0.74}, {0.7, 0.96}, {0.38, 1.0}, {0.08, 0.88}},
			{{0.45, 0.0}, {0.7, 0.01}, {1.0, 0.0}},
		},
		6: {{
			{0.95, 0.25}, {0.6, 0.3}, {0.25, 0.5}, {0.12, 0.8}, {0.4, 1.0},
			{0.8, 0.9}, {0.85, 0.7}, {0.6, 0.55}, {0.3, 0.65},
		}},
		7: {
			{{0.04, 0.2}, {0.06, 0.08}, {0.12, 0.02}},
			{{0.12, 0.02}, {0.55, 0.03}, {0.96, 0.02}},
			{{0.96, 0.02}, {0.62, 0.5}, {0.34, 1.0}},
			{{0.3, 0.53}, {0.58, 0.52}, {0.88, 0.5}},
		},
		8: {
			ellipse(0.5, 0.23, 0.34, 0.23, 90, 360+20),
			ellipse(0.5, 0.72, 0.46, 0.28, 90, 360+20),
		},
		9: {
			{{0.85, 0.12}, {0.6, 0.0}, {0.3, 0.05}, {0.2, 0.25}, {0.45, 0.38}, {0.85, 0.3}},
			{{0.85, 0.02}, {0.86, 0.5}, {0.84, 1.0}},
		},
	},
}

// ellipse is an arc centred at (cx, cy) with radii rx, ry, from angle a0
// (degrees, 0 pointing right, counting anticlockwise on the page) through
// sweep degrees.
func ellipse(cx, cy, rx, ry, a0, sweep float64) stroke {
	const steps = 8 // few points: the curve through them stays smooth when they wobble
	var s stroke
	for i := 0; i <= steps; i++ {
		a := (a0 + sweep*float64(i)/steps) * math.Pi / 180
		s = append(s, point{cx + rx*math.Cos(a), cy - ry*math.Sin(a)})
	}
	return s
}

// Image draws digit d (0-9) in dark ink on light paper, about 95 pixels
// high on a 240x176 image. Each call draws a new instance from r: the
// points wobble, and the slant, size, proportions, angle, pen width, ink
// and paper vary a little, as from one written digit to the next.
func (w Writer) Image(d int, r *rand.Rand) *image.Gray {
	const wide, high = 240, 176
	height := 85 + 20*r.Float64()
	slant := w.Slant * (0.7 + 0.6*r.Float64())
	aspect := w.Aspect * (0.8 + 0.4*r.Float64())
	angle := (r.Float64() - 0.5) * 12 * math.Pi / 180
	width := w.Width * height * (0.8 + 0.4*r.Float64())
	cx := wide/2 + (r.Float64()-0.5)*16
	cy := high/2 + (r.Float64()-0.5)*16
	sin, cos := math.Sincos(angle)
	place := func(p point) point {
		// Centre the glyph's box, lean it, then turn it a little.
		x := (p.x-0.5)*aspect*height + slant*height*(0.5-p.y)
		y := (p.y - 0.5) * height
		return point{cx + x*cos - y*sin, cy + x*sin + y*cos}
	}
	// Each point wobbles, but a point that ends one stroke and starts the
	// next wobbles once: the pen lifts at a corner without leaving a gap.
	wobbled := map[point]point{}
	moved := func(p point) point {
		q, ok := wobbled[p]
		if !ok {
			q = place(point{p.x + r.NormFloat64()*w.Jitter/w.Aspect, p.y + r.NormFloat64()*w.Jitter})
			wobbled[p] = q
		}
		return q
	}
	ink := make([]float64, wide*high)
	for _, s := range w.Glyphs[d] {
		pts := make([]point, len(s))
		for i, p := range s {
			pts[i] = moved(p)
		}
		curve := smooth(pts)
		for i := 1; i < len(curve); i++ {
			segment(ink, wide, high, curve[i-1], curve[i], width/2)
		}
	}
	paper := 225 + 25*r.Float64()
	dark := 20 + 40*r.Float64()
	img := image.NewGray(image.Rect(0, 0, wide, high))
	for i, a := range ink {
		v := paper + (dark-paper)*a + r.NormFloat64()*3
		img.Pix[i] = uint8(math.Round(min(255, max(0, v))))
	}
	return img
}

// Number draws digits side by side on one sheet, as a person writes a
// number: each as Image draws it, 170 pixels apart, so that neighbours
// never touch.
func (w Writer) Number(r *rand.Rand, digits ...int) *image.Gray {
	const step = 170
	var out *image.Gray
	for i, d := range digits {
		img := w.Image(d, r)
		b := img.Bounds()
		if out == nil {
			out = image.NewGray(image.Rect(0, 0, step*(len(digits)-1)+b.Dx(), b.Dy()))
			for i := range out.Pix {
				out.Pix[i] = 255
			}
		}
		// Darker wins: where two sheets overlap, paper shows paper and
		// ink shows ink.
		for y := range b.Dy() {
			for x := range b.Dx() {
				o := out.PixOffset(step*i+x, y)
				out.Pix[o] = min(out.Pix[o], img.Pix[img.PixOffset(x, y)])
			}
		}
	}
	return out
}

// PNG draws digit d as Image does and encodes it as a PNG file, as a user
// would upload it.
func (w Writer) PNG(d int, r *rand.Rand) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, w.Image(d, r)); err != nil {
		return nil, fmt.Errorf("handwriting: %w", err)
	}
	return b.Bytes(), nil
}

// Save draws per digits of each of digits (all ten when none are given)
// from r, in that order, and adds them to st as a person's uploads would
// be. The same r gives the same samples.
func (w Writer) Save(st *samples.Store, per int, r *rand.Rand, digits ...int) error {
	if len(digits) == 0 {
		digits = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	for _, d := range digits {
		for range per {
			b, err := w.PNG(d, r)
			if err != nil {
				return err
			}
			if _, err := st.Add(d, bytes.NewReader(b)); err != nil {
				return fmt.Errorf("handwriting: a %d of the writer: %w", d, err)
			}
		}
	}
	return nil
}

// NumberPNG draws digits as Number does and encodes them as a PNG file.
func (w Writer) NumberPNG(r *rand.Rand, digits ...int) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, w.Number(r, digits...)); err != nil {
		return nil, fmt.Errorf("handwriting: %w", err)
	}
	return b.Bytes(), nil
}

// smooth returns a Catmull-Rom curve through pts, eight segments between
// each pair of points.
func smooth(pts []point) []point {
	if len(pts) < 3 {
		return pts
	}
	const sub = 8
	at := func(i int) point { return pts[min(max(i, 0), len(pts)-1)] }
	out := []point{pts[0]}
	for i := 0; i+1 < len(pts); i++ {
		p0, p1, p2, p3 := at(i-1), at(i), at(i+1), at(i+2)
		for k := 1; k <= sub; k++ {
			t := float64(k) / sub
			t2, t3 := t*t, t*t*t
			f := func(a, b, c, d float64) float64 {
				return 0.5 * (2*b + (c-a)*t + (2*a-5*b+4*c-d)*t2 + (3*b-a-3*c+d)*t3)
			}
			out = append(out, point{f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)})
		}
	}
	return out
}

// segment inks a straight piece of pen stroke of radius rad from a to b,
// with anti-aliased edges, keeping the darker of old and new ink.
func segment(ink []float64, wide, high int, a, b point, rad float64) {
	x0 := max(0, int(math.Floor(min(a.x, b.x)-rad-1)))
	x1 := min(wide-1, int(math.Ceil(max(a.x, b.x)+rad+1)))
	y0 := max(0, int(math.Floor(min(a.y, b.y)-rad-1)))
	y1 := min(high-1, int(math.Ceil(max(a.y, b.y)+rad+1)))
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			px, py := float64(x)+0.5-a.x, float64(y)+0.5-a.y
			t := 0.0
			if l2 > 0 {
				t = min(1, max(0, (px*dx+py*dy)/l2))
			}
			d := math.Hypot(px-t*dx, py-t*dy)
			if c := min(1, max(0, rad+0.5-d)); c > ink[y*wide+x] {
				ink[y*wide+x] = c
			}
		}
	}
}
