package imgproc

import (
	"fmt"
	"image"
	"io"
	"slices"
	"sync"
)

// Glyph is one digit found by Segment.
type Glyph struct {
	// Box is where the digit is, in the coordinates of the image given to
	// Segment.
	Box image.Rectangle
	// Image is the digit preprocessed as by Preprocess: 28x28, white on black.
	Image *image.Gray
	// Signals are what preparation saw of the glyph.
	Signals Signals
	// Joined, when not nil, is this glyph and the next one prepared as one
	// digit: they are close and together shaped like one digit, so they
	// may be the pieces of one (a 5 with its cap lifted off, an 8 whose
	// stroke broke) as much as two digits. Segment cannot tell; a reader
	// can, by what its model makes of each (see recognize).
	Joined *Glyph
}

// Segment splits an image of digits written side by side (a number such as
// "2026") into one Glyph per digit, left to right; an image of one digit
// gives one Glyph. Pieces of one digit (the bar of a 5, a 4 drawn in two
// strokes) are merged when they overlap mostly in x; specks and ruled lines
// are dropped. Digits that touch each other stay one glyph. It returns an
// error wrapping ErrNoInk when there is no ink.
func Segment(img image.Image) ([]Glyph, error) {
	a, err := analyse(img)
	if err != nil {
		return nil, err
	}
	defer a.release()
	groups := a.groups()
	if len(groups) == 0 {
		return nil, fmt.Errorf("%w: only specks or lines", ErrNoInk)
	}
	glyphs := make([]Glyph, len(groups))
	signals := a.signals(groups)
	for k, g := range groups {
		out, err := a.glyph(g, signals[k], img.Bounds())
		if err != nil {
			return nil, err
		}
		glyphs[k] = out
	}
	for k := 0; k+1 < len(groups); k++ {
		j, ok := joinable(groups[k], groups[k+1])
		if !ok {
			continue
		}
		s := a.signals([]group{j})[0]
		s.Stray = signals[k].Stray // the image's, whatever it is read as
		out, err := a.glyph(j, s, img.Bounds())
		if err != nil {
			return nil, err
		}
		glyphs[k].Joined = &out
	}
	return glyphs, nil
}

// glyph renders group g.
func (a *analysis) glyph(g group, s Signals, bounds image.Rectangle) (Glyph, error) {
	keep := make([]bool, len(a.comps)+1)
	for _, i := range g.members {
		keep[i+1] = true
	}
	out, err := a.render(keep, g.box)
	if err != nil {
		return Glyph{}, err
	}
	return Glyph{Box: a.toSource(g.box, bounds), Image: out, Signals: s}, nil
}

// joinable returns neighbouring groups l and r as one, and whether they
// could be one digit: no further apart than 40% of their joint height,
// and together at most 1.25 times as wide as tall (a digit's pieces make
// a digit's shape; two digits side by side are wider, unless one is a 1).
func joinable(l, r group) (group, bool) {
	box := l.box.Union(r.box)
	if rectDistance(l.box, r.box)*10 > box.Dy()*4 || box.Dx()*4 > box.Dy()*5 {
		return group{}, false
	}
	members := slices.Clone(l.members)
	for _, m := range r.members { // split parts of one component share it
		if !slices.Contains(members, m) {
			members = append(members, m)
		}
	}
	return group{members: members, box: box}, true
}

// DecodeSegment reads an image as Decode does and splits it as Segment
// does. It keeps neither the file nor the decoded pixels, so it reuses their
// memory from one call to the next: for a server reading one upload per
// request, allocating and clearing a fresh copy of each costs more than
// the decoding of the pixels it holds.
func DecodeSegment(r io.Reader, lim Limits) ([]Glyph, error) {
	lim = lim.orDefault()
	s, _ := uploadPool.Get().(*upload)
	if s == nil {
		s = &upload{}
	}
	defer s.release()
	data, err := readFile(r, lim, s.file)
	if err != nil {
		return nil, err
	}
	s.file = data
	img, _, err := decode(data, lim, s.pix)
	if err != nil {
		return nil, err
	}
	s.keep(img)
	return Segment(img)
}

// upload is the memory DecodeSegment reuses.
type upload struct {
	file, pix []byte
}

var uploadPool sync.Pool

// keepBytes bounds each buffer kept for the next upload: a 1-megapixel RGBA
// image, a 4 MB file, a 1-megapixel plane in scratch memory. A rare larger
// one is not held on to.
const keepBytes = 4 << 20

// keep adopts the pixel memory of img for the next upload, if it is larger
// than what s has. Nothing else holds img's pixels, and s goes back to the
// pool only after Segment returns.
func (s *upload) keep(img image.Image) {
	var p []byte
	switch m := img.(type) {
	case *image.RGBA:
		p = m.Pix
	case *image.NRGBA:
		p = m.Pix
	case *image.Gray:
		p = m.Pix
	case *image.Paletted:
		p = m.Pix
	}
	if cap(p) > cap(s.pix) {
		s.pix = p[:0]
	}
}

func (s *upload) release() {
	if cap(s.file) > keepBytes {
		s.file = nil
	}
	if cap(s.pix) > keepBytes {
		s.pix = nil
	}
	uploadPool.Put(s)
}

// toSource maps a rectangle of working pixels back to the input image.
func (a *analysis) toSource(r image.Rectangle, bounds image.Rectangle) image.Rectangle {
	return image.Rect(r.Min.X*a.f, r.Min.Y*a.f, r.Max.X*a.f, r.Max.Y*a.f).Add(a.origin).Intersect(bounds)
}

// group is a set of components read as one digit.
type group struct {
	members []int // component indices
	box     image.Rectangle
	area    int
}

// groups turns components into digits, left to right.
func (a *analysis) groups() []group {
	maxArea := 0
	for _, c := range a.comps {
		if !c.line && c.mass >= minMass {
			maxArea = max(maxArea, c.area)
		}
	}
	if maxArea == 0 {
		return nil
	}
	// Big pieces found the groups; small ones join the nearest later or are
	// specks.
	var gs []group
	var small []int
	for i, c := range a.comps {
		switch {
		case c.line || c.mass < minMass:
		case c.area*12 >= maxArea:
			gs = append(gs, group{members: []int{i}, box: c.box, area: c.area})
		default:
			small = append(small, i)
		}
	}
	if len(gs) > maxCandidates/4 { // noise: keep the biggest pieces as seeds
		slices.SortFunc(gs, func(a, b group) int { return b.area - a.area })
		for _, g := range gs[maxCandidates/4:] {
			small = append(small, g.members...)
		}
		gs = gs[:maxCandidates/4]
	}
	// Merge groups that overlap in x: one digit's parts stack vertically
	// or interleave (a 5's cap, an open 4's stem leaning over its bar, the
	// two halves of a broken loop); neighbouring digits sit side by side.
	// Pieces overlapping a little join only when together they are no
	// wider than a digit.
	high := 0
	for _, g := range gs {
		high = max(high, g.box.Dy())
	}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(gs) && !merged; i++ {
			for j := i + 1; j < len(gs) && !merged; j++ {
				a, b := gs[i].box, gs[j].box
				ov := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
				if ov*2 >= min(a.Dx(), b.Dx()) || (ov > 0 && a.Union(b).Dx()*10 <= high*12) {
					gs[i].members = append(gs[i].members, gs[j].members...)
					gs[i].box = a.Union(b)
					gs[i].area += gs[j].area
					gs = slices.Delete(gs, j, j+1)
					merged = true
				}
			}
		}
	}
	for _, i := range small {
		c := a.comps[i]
		best, bestD := -1, 0
		for j, g := range gs {
			if d := rectDistance(g.box, c.box); best < 0 || d < bestD {
				best, bestD = j, d
			}
		}
		g := &gs[best]
		if bestD*100 <= 15*max(g.box.Dx(), g.box.Dy()) && c.area*500 >= g.area {
			g.members = append(g.members, i)
			g.box = g.box.Union(c.box)
			g.area += c.area
		}
	}
	// Marks much smaller than the digits (a full stop, a dash) are not digits.
	tallest := 0
	for _, g := range gs {
		tallest = max(tallest, g.box.Dy())
	}
	gs = slices.DeleteFunc(gs, func(g group) bool { return g.box.Dy()*10 < 3*tallest })
	gs = a.joinOpenFours(gs)
	// A short piece right next to a group is a broken-off part of that digit
	// (the loop of a 6, the end of a 7's bar, a 5's bar) when together they
	// are no wider than a digit; two digits side by side would be.
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(gs) && !merged; i++ {
			if gs[i].box.Dy()*10 >= tallest*6 {
				continue
			}
			best, bestD := -1, 0
			for j := range gs {
				if d := rectDistance(gs[i].box, gs[j].box); j != i && (best < 0 || d < bestD) {
					best, bestD = j, d
				}
			}
			if best < 0 || bestD*100 > tallest*15 {
				continue
			}
			p, q := gs[i].box, gs[best].box
			width := p.Union(q).Dx()
			xov := min(p.Max.X, q.Max.X) - max(p.Min.X, q.Min.X)
			yov := min(p.Max.Y, q.Max.Y) - max(p.Min.Y, q.Min.Y)
			// Above or below it and overlapping in x (a 5's bar drawn off to
			// the right), a piece may stick out further.
			stacked := xov > 0 && yov*2 < p.Dy()
			if width*10 > tallest*11 && (!stacked || width*10 > tallest*15) {
				continue
			}
			gs[best].members = append(gs[best].members, gs[i].members...)
			gs[best].box = gs[best].box.Union(gs[i].box)
			gs[best].area += gs[i].area
			gs = slices.Delete(gs, i, i+1)
			merged = true
		}
	}
	var out []group
	for _, g := range gs {
		out = append(out, a.split(g, tallest)...)
	}
	gs = out
	slices.SortFunc(gs, func(a, b group) int { return (a.box.Min.X + a.box.Max.X) - (b.box.Min.X + b.box.Max.X) })
	return gs
}

// split cuts a group that is much wider than tall (digits that touch) at
// its thinnest single-stroke column near the middle, recursively. A wide
// single digit usually has no such neck and is left whole.
func (a *analysis) split(g group, tallest int) []group {
	box := g.box
	// Two digits side by side are much wider than tall and than the tallest
	// digit of the line; few single digits are.
	if box.Dx()*10 < box.Dy()*13 || box.Dx()*10 < tallest*12 || box.Dy()*2 < tallest {
		return []group{g}
	}
	in := make([]bool, len(a.comps)+1)
	for _, i := range g.members {
		in[i+1] = true
	}
	cols := make([]float64, box.Dx())
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if i := y*a.ink.w + x; in[a.labels[i]] {
				cols[x-box.Min.X] += float64(a.ink.p[i])
			}
		}
	}
	// runs counts the separate stretches of ink down column c: a joining
	// stroke is one, a cut through the middle of a 0 or 8 two or more.
	runs := func(c int) int {
		n, prev := 0, false
		for y := box.Min.Y; y < box.Max.Y; y++ {
			on := in[a.labels[y*a.ink.w+box.Min.X+c]]
			if on && !prev {
				n++
			}
			prev = on
		}
		return n
	}
	best := -1
	for c := box.Dx() * 3 / 10; c < box.Dx()*7/10; c++ {
		if (best < 0 || cols[c] < cols[best]) && runs(c) == 1 {
			best = c
		}
	}
	nonzero := slices.DeleteFunc(slices.Clone(cols), func(v float64) bool { return v == 0 })
	slices.Sort(nonzero)
	if best <= 0 || len(nonzero) == 0 || cols[best] > 0.3*nonzero[len(nonzero)/2] {
		return []group{g}
	}
	var out []group
	for _, r := range []image.Rectangle{
		image.Rect(box.Min.X, box.Min.Y, box.Min.X+best, box.Max.Y),
		image.Rect(box.Min.X+best, box.Min.Y, box.Max.X, box.Max.Y),
	} {
		part := group{members: g.members, box: a.tightBox(in, r)}
		if part.box.Empty() {
			continue
		}
		for y := part.box.Min.Y; y < part.box.Max.Y; y++ {
			for x := part.box.Min.X; x < part.box.Max.X; x++ {
				if in[a.labels[y*a.ink.w+x]] {
					part.area++
				}
			}
		}
		out = append(out, a.split(part, tallest)...)
	}
	return out
}

// tightBox returns the bounding box of the pixels of components in within r.
func (a *analysis) tightBox(in []bool, r image.Rectangle) image.Rectangle {
	var b image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if in[a.labels[y*a.ink.w+x]] {
				b = b.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return b
}
