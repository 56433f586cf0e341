package imgproc

import "image"

// Signals are what preparation saw of one glyph and of the image around it:
// facts that tell a handwritten digit from a letter, a shape, a scribble or
// a texture before any model looks at it. Package recognize weighs them
// with the model's output to say when a reading is uncertain.
type Signals struct {
	// Pieces is how many separate strokes (connected components) were
	// joined into the glyph. Digits have one to three.
	Pieces int
	// Holes counts the regions of background the glyph's ink encloses,
	// ignoring pinholes. Digits have at most two (an 8, a slashed 0); a
	// star, a crossed circle or a tangle have more.
	Holes int
	// Fill is the share of the glyph's box covered by its ink: strokes
	// cover a fraction, a blob or a photographed object most of it.
	Fill float64
	// Aspect is the box's width over its height.
	Aspect float64
	// Stray is the share of the image's ink, by mass, that no glyph took:
	// specks and page lines on an upload of a digit, most of it on a
	// texture or a busy photo.
	Stray float64
}

// signals measures the glyphs' signals; total is the ink mass of every
// component that is not a page line.
func (a *analysis) signals(gs []group) []Signals {
	var total, taken float64
	for _, c := range a.comps {
		if !c.line {
			total += c.mass
		}
	}
	// A component split between glyphs (touching digits) counts once.
	counted := make([]bool, len(a.comps))
	for _, g := range gs {
		for _, i := range g.members {
			if !counted[i] {
				counted[i] = true
				taken += a.comps[i].mass
			}
		}
	}
	stray := 0.0
	if total > 0 {
		stray = max(0, 1-taken/total)
	}
	out := make([]Signals, len(gs))
	for k, g := range gs {
		in := make([]bool, len(a.comps)+1)
		for _, i := range g.members {
			in[i+1] = true
		}
		box := g.box
		w, h := box.Dx(), box.Dy()
		mask := make([]bool, w*h)
		var ink int
		pieces := make(map[int32]bool)
		for y := range h {
			for x := range w {
				l := a.labels[(box.Min.Y+y)*a.ink.w+box.Min.X+x]
				if in[l] {
					mask[y*w+x] = true
					ink++
					pieces[l] = true
				}
			}
		}
		out[k] = Signals{
			Pieces: len(pieces),
			Holes:  holes(mask, w, h, minHole(mask, w, h)),
			Fill:   float64(ink) / float64(max(1, w*h)),
			Aspect: float64(w) / float64(max(1, h)),
			Stray:  stray,
		}
	}
	return out
}

// minHole is the least area of a hole that counts: about a stroke width
// squared, so that pinholes in a heavy or noisy stroke do not.
func minHole(mask []bool, w, h int) int {
	sw := strokeWidth(mask, w, h)
	return max(4, int(sw*sw))
}

// holes counts the 4-connected regions of background in mask (w x h) that
// do not reach its border and have at least least pixels.
func holes(mask []bool, w, h, least int) int {
	seen := make([]bool, len(mask))
	var stack []image.Point
	n := 0
	for start := range mask {
		if mask[start] || seen[start] {
			continue
		}
		seen[start] = true
		stack = append(stack[:0], image.Pt(start%w, start/w))
		area, border := 0, false
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			area++
			if p.X == 0 || p.Y == 0 || p.X == w-1 || p.Y == h-1 {
				border = true
			}
			for _, d := range [4]image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				q := p.Add(d)
				if q.X < 0 || q.Y < 0 || q.X >= w || q.Y >= h {
					continue
				}
				if i := q.Y*w + q.X; !mask[i] && !seen[i] {
					seen[i] = true
					stack = append(stack, q)
				}
			}
		}
		if !border && area >= least {
			n++
		}
	}
	return n
}
