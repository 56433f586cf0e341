package imgproc

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
		mask := bools.get(w * h)
		var ink int
		var first int32 // the first component met (labels start at 1)
		several := false
		for y := range h {
			for x := range w {
				if l := a.labels[(box.Min.Y+y)*a.ink.w+box.Min.X+x]; in[l] {
					mask[y*w+x] = true
					ink++
					if first == 0 {
						first = l
					}
					several = several || l != first
				}
			}
		}
		// One component is one piece; only several need counting.
		n := 0
		switch {
		case several:
			n = pieces(mask, w, h)
		case first != 0:
			n = 1
		}
		out[k] = Signals{
			Pieces: n,
			Holes:  holes(mask, w, h, minHole(mask, w, h)),
			Fill:   float64(ink) / float64(max(1, w*h)),
			Aspect: float64(w) / float64(max(1, h)),
			Stray:  stray,
		}
		bools.put(mask)
	}
	return out
}

// pieces counts the 8-connected regions of mask (w x h). It counts the
// glyph's ink as drawn, not the components it was labelled as: faint ink
// that hysteresis gave to one component can join it to another without
// merging their labels, as it does all over a thick, noisy stroke.
func pieces(mask []bool, w, h int) int {
	rl := newRunLabeller(true)
	defer rl.release()
	rl.addMask(mask, w, h, true)
	n := 0
	for k := 1; k < len(rl.sets); k++ {
		if rl.sets[k] == int32(k) {
			n++
		}
	}
	return n
}

// minHole is the least area of a hole that counts: about a stroke width
// squared, so that pinholes in a heavy or noisy stroke do not.
func minHole(mask []bool, w, h int) int {
	sw := strokeWidth(mask, w, h)
	return max(4, int(sw*sw))
}

// holes counts the 4-connected regions of background in mask (w x h) that
// do not reach its border and have at least least pixels. It labels runs
// of background (a runLabeller), then sums each region's area and whether
// it touches the border: what a flood fill from every background pixel
// gives, at a fraction of the cost (a flood fill pushed and popped every
// pixel of the glyph's box, and labelling pixel by pixel read each twice).
func holes(mask []bool, w, h, least int) int {
	rl := newRunLabeller(false)
	defer rl.release()
	rl.addMask(mask, w, h, false)
	area := make([]int, len(rl.sets))
	border := make([]bool, len(rl.sets))
	for _, r := range rl.runs {
		root := rl.sets.find(r.set)
		area[root] += r.x1 - r.x0
		border[root] = border[root] || r.y == 0 || r.y == h-1 || r.x0 == 0 || r.x1 == w
	}
	n := 0
	for k := 1; k < len(rl.sets); k++ {
		if rl.sets[k] == int32(k) && !border[k] && area[k] >= least {
			n++
		}
	}
	return n
}
