package imgproc

import (
	"image"
	"slices"
)

// keepFaintStrokes adds to the components the faint ink connected to them:
// hysteresis thresholding (Canny, 1986). A ballpoint pressed lightly for
// part of a loop leaves a stretch fainter than the threshold t, and
// dropping it opens the loop: a 9 becomes a 3. Pixels above low = t/2
// (and above the noise floor) that form a region touching ink above t
// join the component they touch, unless the region is shaped like a
// ruling (long, thin and straight along a row or column, or as long as
// the page is wide): faint ruled lines touch the digits written on them
// and are meant to stay out.
//
// A faint region touching two or more components bridges them: it is
// where a stroke dipped under t, not the soft edge of one stroke. A hair-thin
// pen line, anti-aliased, is a staircase of strong pixels joined by faint
// ones at each step; without the bridges it falls into a dozen pieces and
// a 6 into two digits. The bridged components become one, and the
// returned slice (labels relabelled to match) replaces comps.
func keepFaintStrokes(ink plane, floor, t float32, labels []int32, comps []component) []component {
	low := faintLevel(floor, t)
	w, h := ink.w, ink.h
	seen := bools.get(len(ink.p))
	defer bools.put(seen)
	widths := make([]float64, len(comps)+1) // stroke width by label, once needed
	var parent forest                       // union-find over labels, once a bridge is found
	join := func(a, b int32) {
		if parent == nil {
			parent = identity(len(comps) + 1)
		}
		parent.union(a, b)
	}
	width := func(l int32) float64 {
		if widths[l] == 0 {
			widths[l] = componentWidth(labels, w, comps[l-1].box, l)
		}
		return widths[l]
	}
	bridges := func(region []int, box image.Rectangle, strokes []int32) bool {
		rw := regionWidth(region, box, w)
		for _, l := range strokes {
			if rw < width(l)/2 {
				return false
			}
		}
		return true
	}
	// absorb gives the faint pixels of region (bounded by box) to
	// component l.
	absorb := func(l int32, region []int, box image.Rectangle) {
		c := &comps[l-1]
		for _, i := range region {
			labels[i] = l
			c.area++
			c.mass += float64(ink.p[i])
		}
		c.box = c.box.Union(box)
	}
	var region []int
	var stack []int
	var touched []int32
	for start, v := range ink.p {
		if v <= low || v > t || seen[start] {
			continue
		}
		// One region of faint ink, 8-connected, and the components it
		// touches, the first first.
		region = region[:0]
		stack = append(stack[:0], start)
		seen[start] = true
		touched = touched[:0]
		box := image.Rectangle{}
		inner := false // has a pixel not next to strong ink
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			region = append(region, i)
			x, y := i%w, i/w
			box = box.Union(image.Rect(x, y, x+1, y+1))
			edge := false
			for ny := max(y-1, 0); ny <= min(y+1, h-1); ny++ {
				for nx := max(x-1, 0); nx <= min(x+1, w-1); nx++ {
					j := ny*w + nx
					switch v := ink.p[j]; {
					case labels[j] != 0:
						edge = true
						if !slices.Contains(touched, labels[j]) {
							touched = append(touched, labels[j])
						}
					case v > low && v <= t && !seen[j]:
						seen[j] = true
						stack = append(stack, j)
					}
				}
			}
			inner = inner || !edge
		}
		if len(touched) == 0 || rulingLike(box, w, h) {
			continue
		}
		touch := touched[0]
		// A bridge joins strokes as wide as itself, never a ruling (marked
		// beforehand) or a ruling's stub to a digit written across it.
		strokes := slices.DeleteFunc(touched, func(l int32) bool { return comps[l-1].line })
		if len(strokes) >= 2 && bridges(region, box, strokes) {
			absorb(strokes[0], region, box)
			for _, l := range strokes[1:] {
				join(strokes[0], l)
			}
			continue
		}
		// A region wholly next to strong ink is the soft edge of a
		// stroke, not a stroke: leave it, so that the mask of every
		// digit keeps its width.
		if !inner {
			continue
		}
		c := &comps[touch-1]
		// Grow strokes, not lines (a margin line's pieces would take in
		// the squares of the paper), and only by ink as wide as their own:
		// a stroke fades along its length, a ruling under it is thinner.
		if long, thick := max(c.box.Dx(), c.box.Dy()), min(c.box.Dx(), c.box.Dy()); thick*8 <= long {
			continue
		}
		if regionWidth(region, box, w) < width(touch)/2 {
			continue
		}
		absorb(touch, region, box)
	}
	if parent == nil {
		return comps
	}
	return mergeComponents(labels, comps, parent.find)
}

// faintLevel is the least ink hysteresis keeps next to ink above t: half
// of t, and never the noise under floor.
func faintLevel(floor, t float32) float32 { return max(floor, t/2) }

// mergeComponents folds each component into the one root gives for its
// label, relabels the pixels, and drops the emptied entries, keeping the
// order of the rest (labels stay 1-based indices into the result). A
// set's root is its smallest label (keepFaintStrokes joins under the
// smaller), so one pass in label order meets every root before the
// labels folded into it.
func mergeComponents(labels []int32, comps []component, root func(int32) int32) []component {
	newID := make([]int32, len(comps)+1)
	var out []component
	for id := int32(1); id <= int32(len(comps)); id++ {
		r := root(id)
		if r == id {
			out = append(out, comps[id-1])
			newID[id] = int32(len(out))
			continue
		}
		newID[id] = newID[r]
		c, o := &out[newID[r]-1], comps[id-1]
		c.area += o.area
		c.mass += o.mass
		c.box = c.box.Union(o.box)
	}
	for i, l := range labels {
		labels[i] = newID[l]
	}
	return out
}

// rulingLike reports whether a region with bounding box b in a w x h page
// looks like a piece of a ruled line rather than of a pen stroke: much
// longer than thick, or spanning the page.
func rulingLike(b image.Rectangle, w, h int) bool {
	long, thick := max(b.Dx(), b.Dy()), min(b.Dx(), b.Dy())
	return long >= 8 && thick*6 <= long || b.Dx()*10 >= 8*w || b.Dy()*10 >= 8*h
}

// componentWidth is the stroke width of component id within its box.
func componentWidth(labels []int32, w int, box image.Rectangle, id int32) float64 {
	if box.Empty() {
		return 0
	}
	return widthOf(shapeEdges(labels[box.Min.Y*w+box.Min.X:], box.Dx(), box.Dy(), w, id))
}

// regionWidth is the stroke width of a region of pixel indices (in an
// image w wide) with bounding box box.
func regionWidth(region []int, box image.Rectangle, w int) float64 {
	mask := bools.get(box.Dx() * box.Dy())
	defer bools.put(mask)
	for _, i := range region {
		mask[(i/w-box.Min.Y)*box.Dx()+i%w-box.Min.X] = true
	}
	return strokeWidth(mask, box.Dx(), box.Dy())
}
