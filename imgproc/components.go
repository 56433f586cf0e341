package imgproc

import (
	"image"
	"slices"
)

// components labels the 8-connected components of ink > t, numbered in
// the order of their first pixel in raster order. Runs of ink are joined
// to the runs above that they touch (a runLabeller); then the sets are
// numbered and the labels painted run by run. Each pixel is read once,
// where a flood fill read each ink pixel's eight neighbours (most of the
// analysis's labelling time). The masses are sums of values above t in
// float64: exact in any order when t is 0.05 or more, as the analysis's
// thresholds are, so they are the flood fill's.
func components(ink plane, t float32) ([]int32, []component) {
	w, h := ink.w, ink.h
	labels := int32s.get(w * h) // the analysis's labels: release gives them back
	rl := newRunLabeller(true)
	defer rl.release()
	for y := range h {
		rl.nextRow()
		row := ink.p[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			if row[x] <= t {
				continue
			}
			x0 := x
			for x < w && row[x] > t {
				x++
			}
			rl.add(y, x0, x)
		}
	}
	// Number the sets by their first run, which holds their first pixel.
	id := setLabels.get(len(rl.sets))
	defer setLabels.put(id)
	var comps []component
	for _, r := range rl.runs {
		root := rl.sets.find(r.set)
		if id[root] == 0 {
			comps = append(comps, component{box: image.Rect(r.x0, r.y, r.x1, r.y+1)})
			id[root] = int32(len(comps))
		}
		l := id[root]
		c := &comps[l-1]
		lab := labels[r.y*w+r.x0 : r.y*w+r.x1]
		for i, v := range ink.p[r.y*w+r.x0 : r.y*w+r.x1] {
			lab[i] = l
			c.mass += float64(v)
		}
		c.area += r.x1 - r.x0
		c.box = c.box.Union(image.Rect(r.x0, r.y, r.x1, r.y+1))
	}
	return labels, comps
}

// A runLabeller finds connected regions by runs: each run of a row, added
// left to right, joins the set of every run of the row above that it
// touches (union-find), or starts a set of its own.
type runLabeller struct {
	runs        []inkRun
	sets        forest // set 0 is unused
	above, here int    // the previous row's first run, this row's
	p           int    // the first run above that the next run may touch
	reach       int    // 1 when diagonal neighbours touch (8-connected), 0 when not (4-connected)
}

// inkRun is a run along row y, from x0 to x1 (exclusive), in set set.
type inkRun struct {
	y, x0, x1 int
	set       int32
}

// Scratch memory of runLabellers, apart from the planes' labels so that
// these short slices do not take the place of a plane's in int32s.
var (
	inkRuns   scratch[inkRun]
	setLabels scratch[int32]
)

func newRunLabeller(eight bool) *runLabeller {
	rl := &runLabeller{runs: inkRuns.get(0), sets: forest(setLabels.get(1))}
	if eight {
		rl.reach = 1
	}
	return rl
}

// nextRow starts a new row.
func (rl *runLabeller) nextRow() {
	rl.above, rl.here = rl.here, len(rl.runs)
	rl.p = rl.above
}

// add adds the run [x0, x1) of row y; runs of a row come left to right.
func (rl *runLabeller) add(y, x0, x1 int) {
	// Runs above ending left of this one's reach cannot touch any later
	// run of this row either.
	for rl.p < rl.here && rl.runs[rl.p].x1+rl.reach <= x0 {
		rl.p++
	}
	set := int32(0)
	for q := rl.p; q < rl.here && rl.runs[q].x0 < x1+rl.reach; q++ {
		if set == 0 {
			set = rl.runs[q].set
		} else {
			rl.sets.union(set, rl.runs[q].set)
		}
	}
	if set == 0 {
		set = rl.sets.add()
	}
	rl.runs = append(rl.runs, inkRun{y, x0, x1, set})
}

// addMask adds the runs of cells of mask (w x h) that equal in, row by
// row.
func (rl *runLabeller) addMask(mask []bool, w, h int, in bool) {
	for y := range h {
		rl.nextRow()
		row := mask[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			if row[x] != in {
				continue
			}
			x0 := x
			for x < w && row[x] == in {
				x++
			}
			rl.add(y, x0, x)
		}
	}
}

// release gives the labeller's memory back; it is not used after.
func (rl *runLabeller) release() {
	inkRuns.put(rl.runs)
	setLabels.put(rl.sets)
	rl.runs, rl.sets = nil, nil
}

// markLines flags components that run across most of the page and are thin:
// ruled lines, a notebook's margin line, the edge of a sheet, a table
// border. A line the threshold broke into pieces counts when its pieces,
// lined up, span the page. A digit's own bar (the top of a 5 or 7) is never
// that long relative to its thickness. If little else was found, lines are
// left unflagged: a tight crop of a thin 1 is all there is. Flags from an
// earlier call are cleared first, so it can run again once components grow.
func markLines(comps []component, w, h int) {
	for i := range comps {
		comps[i].line = false
	}
	mark := func(long func(image.Rectangle) int, thick func(image.Rectangle) int, lo, hi func(image.Rectangle) int, span int) {
		var thin []int
		for i, c := range comps {
			if thick(c.box)*8 <= long(c.box) {
				thin = append(thin, i)
			}
		}
		for _, i := range thin {
			total := 0
			for _, j := range thin { // pieces on the same line
				if min(hi(comps[i].box), hi(comps[j].box)) > max(lo(comps[i].box), lo(comps[j].box)) {
					total += long(comps[j].box)
				}
			}
			if total*100 >= 85*span && thick(comps[i].box)*12 <= total {
				comps[i].line = true
			}
		}
	}
	dx := func(r image.Rectangle) int { return r.Dx() }
	dy := func(r image.Rectangle) int { return r.Dy() }
	mark(dx, dy, func(r image.Rectangle) int { return r.Min.Y }, func(r image.Rectangle) int { return r.Max.Y }, w)
	mark(dy, dx, func(r image.Rectangle) int { return r.Min.X }, func(r image.Rectangle) int { return r.Max.X }, h)
	keepOwnStrokes(comps)
	var lines, other int
	for _, c := range comps {
		if c.line {
			lines = max(lines, c.area)
		} else {
			other += c.area
		}
	}
	if other*10 < lines {
		for i := range comps {
			comps[i].line = false
		}
	}
}

// rectDistance is the gap between two rectangles (0 when they touch or
// overlap), in the chessboard metric.
func rectDistance(a, b image.Rectangle) int {
	dx := max(0, b.Min.X-a.Max.X, a.Min.X-b.Max.X)
	dy := max(0, b.Min.Y-a.Max.Y, a.Min.Y-b.Max.Y)
	return max(dx, dy)
}

// maxCandidates bounds the pieces considered for one digit or one number.
const maxCandidates = 200

// minMass is the least ink (in full-contrast working pixels) taken for a
// digit; anything less is a speck.
const minMass = 4

// mainGroup picks the biggest component and what lies close to it: broken
// pieces of the same digit are near, specks and stray marks are small and
// far. It returns keep indexed by label and the group's box, or nil.
func (a *analysis) mainGroup() ([]bool, image.Rectangle) {
	// Score by ink times contrast, so that a large faint shape loses to a
	// smaller firm one.
	score := func(c component) float64 { return c.mass * c.mass / float64(c.area) }
	best := -1
	for i, c := range a.comps {
		if !c.line && (best < 0 || score(c) > score(a.comps[best])) {
			best = i
		}
	}
	if best < 0 || a.comps[best].mass < minMass {
		return nil, image.Rectangle{}
	}
	keep := make([]bool, len(a.comps)+1)
	keep[best+1] = true
	box, mainArea := a.comps[best].box, a.comps[best].area
	// Only pieces big enough to be kept at any distance are candidates, and
	// at most maxCandidates of them, so that a noisy image's thousands of
	// specks cost linear time.
	var cand []int
	for i, c := range a.comps {
		if i != best && !c.line && c.area*500 >= mainArea {
			cand = append(cand, i)
		}
	}
	if len(cand) > maxCandidates {
		slices.SortFunc(cand, func(i, j int) int { return a.comps[j].area - a.comps[i].area })
		cand = cand[:maxCandidates]
	}
	for changed := true; changed; {
		changed = false
		for _, i := range cand {
			c := a.comps[i]
			if keep[i+1] {
				continue
			}
			d, size := rectDistance(box, c.box), max(box.Dx(), box.Dy())
			if (d*100 <= 15*size && c.area*500 >= mainArea) || (d*10 <= 4*size && c.area*20 >= mainArea) {
				keep[i+1] = true
				box = box.Union(c.box)
				changed = true
			}
		}
	}
	return keep, box
}
