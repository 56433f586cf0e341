package augment

import (
	"image"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomediumitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Outliers: marks that are not digits, for outlier exposure. A model
// trained to answer them with equal probabilities for every digit (label
// nn.NoClass) gives a low top probability to letters, shapes, scribbles
// and textures it has never seen (Hendrycks et al., ICLR 2019). None of
// them may look like a digit: no lone line, circle or arc, no letter that
// reads as a digit (O, I, l, S, Z, B, G, b, g, q).
//
// They are drawn larger than 28x28, white ink on black, to be prepared by
// package imgproc as an upload would be; the evaluation sets (package
// internal/fixtures) draw their non-digits with other fonts, other
// templates and another pen.

// OutlierKinds lists the kinds Outlier draws, in the order of its kind
// argument.
var OutlierKinds = []string{"letter", "letters", "strokes", "figure", "scribble", "blob", "speckle"}

// outlierLetters are letters and symbols that no one reads as a digit.
var outlierLetters = []rune("ACDEFHKLMNPQRTUVWXYacdefhkmnprtuvwxy#&%@?")

// trainFonts are the training faces; the evaluation sets use others.
var trainFonts = sync.OnceValue(func() []*sfnt.Font {
	var fs []*sfnt.Font
	for _, ttf := range [][]byte{goregular.TTF, gobold.TTF, gomono.TTF, gomonobold.TTF, gomonoitalic.TTF, gomediumitalic.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			panic(err) // the fonts are compiled in
		}
		fs = append(fs, f)
	}
	return fs
})

// Outlier draws a random non-digit of the given kind (an index into
// OutlierKinds; taken modulo its length) as a grey image, white ink on
// black, some 60 to 160 pixels wide.
func Outlier(r *rand.Rand, kind int) *image.Gray {
	switch OutlierKinds[kind%len(OutlierKinds)] {
	case "letter":
		return typed(r, string(outlierLetters[r.IntN(len(outlierLetters))]), 0)
	case "letters": // two or three letters run together, as touching text
		n := 2 + r.IntN(2)
		s := make([]rune, n)
		for i := range s {
			s[i] = outlierLetters[r.IntN(len(outlierLetters))]
		}
		return typed(r, string(s), -uniform(r, 0, 0.12))
	case "strokes":
		return drawn(r, strokesGlyph(r))
	case "figure":
		return drawn(r, figureGlyph(r))
	case "scribble":
		return drawn(r, scribbleGlyph(r))
	case "blob":
		return blob(r)
	default:
		return speckle(r)
	}
}

// typed renders s in a random training font, tracking added to each
// advance as a share of the size (negative runs letters together).
func typed(r *rand.Rand, s string, tracking float64) *image.Gray {
	f := trainFonts()[r.IntN(len(trainFonts()))]
	size := uniform(r, 48, 96)
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic(err)
	}
	defer face.Close()
	w, h := int(size*(0.8*float64(len([]rune(s)))+1)), int(size*1.6)
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: dst, Src: image.Opaque, Face: face, Dot: fixed.P(int(size/2), int(size*1.15))}
	for _, c := range s {
		d.DrawString(string(c))
		d.Dot.X += fixed.Int26_6(tracking * size * 64)
	}
	img := image.NewGray(dst.Rect)
	copy(img.Pix, dst.Pix)
	return img
}

// drawn draws g in the unit box with the training pen on a square of 64
// to 160 pixels.
func drawn(r *rand.Rand, g Glyph) *image.Gray {
	n := 64 + r.IntN(97)
	wr := RandomWriter(r)
	wr.Width = uniform(r, 0.03, 0.1)
	lines := wr.polylines(r, g)
	s := float64(n) * 0.7
	o := float64(n) * 0.15
	img := image.NewGray(image.Rect(0, 0, n, n))
	ink := make([]float32, n*n)
	for _, l := range lines {
		for i := range l {
			a, b := l[i], l[min(i+1, len(l)-1)]
			segmentOn(ink, n, n, o+s*a.X, o+s*a.Y, o+s*b.X, o+s*b.Y, wr.Width*s/2, 1)
		}
	}
	for i, v := range ink {
		img.Pix[i] = uint8(255 * v)
	}
	return img
}

// strokesGlyph is three to six straight strokes meeting or crossing at
// random: letter-like marks (K, X, A, H, #), but not a digit's few strokes.
func strokesGlyph(r *rand.Rand) Glyph {
	p := func() Point { return Point{r.Float64(), r.Float64()} }
	var g Glyph
	n := 3 + r.IntN(4)
	last := p()
	for range n {
		next := p()
		if r.IntN(2) == 0 {
			g = append(g, line(last, next)) // joined to the previous stroke
		} else {
			start := p()
			g = append(g, line(start, next))
		}
		last = next
	}
	return g
}

// figureGlyph is a geometric figure with something inside or on it: a
// circle or polygon with dots, lines or crosses; a star; a grid.
func figureGlyph(r *rand.Rand) Glyph {
	var g Glyph
	switch r.IntN(4) {
	case 0: // a regular polygon of 3 to 8 sides
		k := 3 + r.IntN(6)
		a0 := r.Float64() * 2 * math.Pi
		for i := range k {
			a, b := a0+2*math.Pi*float64(i)/float64(k), a0+2*math.Pi*float64(i+1)/float64(k)
			g = append(g, line(Point{0.5 + 0.5*math.Cos(a), 0.5 + 0.5*math.Sin(a)}, Point{0.5 + 0.5*math.Cos(b), 0.5 + 0.5*math.Sin(b)}))
		}
	case 1: // a star of 4 to 8 points
		k := 4 + r.IntN(5)
		a0 := r.Float64() * 2 * math.Pi
		inner := uniform(r, 0.15, 0.45)
		var pts []Point
		for i := 0; i <= 2*k; i++ {
			rad := 0.5
			if i%2 == 1 {
				rad = inner
			}
			a := a0 + math.Pi*float64(i)/float64(k)
			pts = append(pts, Point{0.5 + rad*math.Cos(a), 0.5 + rad*math.Sin(a)})
		}
		g = append(g, line(pts...))
	case 2: // a grid of 2 to 4 lines each way
		k := 2 + r.IntN(3)
		for i := range k {
			t := (float64(i) + 0.5) / float64(k)
			g = append(g, line(Point{t, 0}, Point{t + uniform(r, -0.1, 0.1), 1}), line(Point{0, t}, Point{1, t + uniform(r, -0.1, 0.1)}))
		}
		return g
	default: // an ellipse
		g = append(g, ellipse(0.5, 0.5, uniform(r, 0.3, 0.5), uniform(r, 0.3, 0.5), 0, 1.03, 16))
	}
	// Marks inside: dots, a line, a cross.
	for range 1 + r.IntN(3) {
		c := Point{uniform(r, 0.3, 0.7), uniform(r, 0.3, 0.7)}
		switch r.IntN(3) {
		case 0:
			g = append(g, ellipse(c.X, c.Y, 0.04, 0.04, 0, 1, 6))
		case 1:
			g = append(g, line(Point{c.X - 0.2, c.Y + uniform(r, -0.2, 0.2)}, Point{c.X + 0.2, c.Y + uniform(r, -0.2, 0.2)}))
		default:
			d := uniform(r, 0.1, 0.25)
			g = append(g, line(Point{c.X - d, c.Y - d}, Point{c.X + d, c.Y + d}), line(Point{c.X + d, c.Y - d}, Point{c.X - d, c.Y + d}))
		}
	}
	return g
}

// scribbleGlyph is a tangle: a smooth stroke through many random points, a
// spiral, a row of loops or teeth, or shading.
func scribbleGlyph(r *rand.Rand) Glyph {
	switch r.IntN(5) {
	case 0:
		var pts []Point
		for range 7 + r.IntN(14) {
			pts = append(pts, Point{r.Float64(), r.Float64()})
		}
		return Glyph{curve(pts...)}
	case 1:
		turns := uniform(r, 2, 4)
		var pts []Point
		for i := 0; i <= 60; i++ {
			t := float64(i) / 60
			a := t * turns * 2 * math.Pi
			pts = append(pts, Point{0.5 + 0.5*t*math.Cos(a), 0.5 + 0.5*t*math.Sin(a)})
		}
		return Glyph{line(pts...)}
	case 2:
		k := 3 + r.IntN(5)
		var pts []Point
		for i := 0; i <= k*10; i++ {
			t := float64(i) / 10
			a := t * 2 * math.Pi
			pts = append(pts, Point{(t + 0.4*math.Sin(a)) / float64(k+1), 0.5 - 0.5*math.Cos(a)})
		}
		return Glyph{line(pts...)}
	case 3:
		k := 4 + r.IntN(8)
		var pts []Point
		for i := 0; i <= k; i++ {
			pts = append(pts, Point{float64(i) / float64(k), float64(i%2) + uniform(r, -0.15, 0.15)})
		}
		return Glyph{line(pts...)}
	default:
		var g Glyph
		k := 6 + r.IntN(10)
		d := uniform(r, -0.5, 0.5)
		for i := range k {
			x := float64(i) / float64(k)
			g = append(g, line(Point{x, 1}, Point{x + d, 0}))
		}
		return g
	}
}

// blob is a filled shape: smooth noise cut at a level, or a filled
// ellipse with a textured inside, as a photographed object or a smudge.
func blob(r *rand.Rand) *image.Gray {
	n := 64 + r.IntN(97)
	img := image.NewGray(image.Rect(0, 0, n, n))
	cell := uniform(r, 6, 30)
	gw := int(float64(n)/cell) + 2
	grid := make([]float64, gw*gw)
	for i := range grid {
		grid[i] = r.Float64()
	}
	level := uniform(r, 0.35, 0.65)
	rx, ry := uniform(r, 0.25, 0.45), uniform(r, 0.25, 0.45)
	ellipseMask := r.IntN(2) == 0
	for y := range n {
		for x := range n {
			fx, fy := float64(x)/cell, float64(y)/cell
			i, j := int(fx), int(fy)
			tx, ty := fx-float64(i), fy-float64(j)
			v := (grid[j*gw+i]*(1-tx)+grid[j*gw+i+1]*tx)*(1-ty) + (grid[(j+1)*gw+i]*(1-tx)+grid[(j+1)*gw+i+1]*tx)*ty
			u, w := float64(x)/float64(n)-0.5, float64(y)/float64(n)-0.5
			in := v > level
			if ellipseMask {
				in = (u/rx)*(u/rx)+(w/ry)*(w/ry) < 1
				if in {
					v = 0.5 + 0.5*v
				}
			}
			if in {
				img.Pix[y*n+x] = uint8(255 * min(1, v+0.3))
			}
		}
	}
	return img
}

// speckle is a field of dots and short dashes: a texture's grain.
func speckle(r *rand.Rand) *image.Gray {
	n := 64 + r.IntN(97)
	ink := make([]float32, n*n)
	for range 20 + r.IntN(80) {
		x, y := r.Float64()*float64(n), r.Float64()*float64(n)
		l := uniform(r, 0, 6)
		a := r.Float64() * math.Pi
		segmentOn(ink, n, n, x, y, x+l*math.Cos(a), y+l*math.Sin(a), uniform(r, 0.8, 3), 1)
	}
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i, v := range ink {
		img.Pix[i] = uint8(255 * v)
	}
	return img
}
