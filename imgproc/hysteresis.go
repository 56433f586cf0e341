package imgproc

import "image"

// keepFaintStrokes adds to the components the faint ink connected to them:
// hysteresis thresholding (Canny, 1986). A ballpoint pressed lightly for
// part of a loop leaves a stretch fainter than the threshold t, and
// dropping it opens the loop: a 9 becomes a 3. Pixels above low = t/2
// (and above the noise floor) that form a region touching ink above t
// join the component they touch, unless the region is shaped like a
// ruling (long, thin and straight along a row or column, or as long as
// the page is wide): faint ruled lines touch the digits written on them
// and are meant to stay out.
func keepFaintStrokes(ink plane, floor, t float32, labels []int32, comps []component) {
	low := max(floor, t/2)
	w, h := ink.w, ink.h
	seen := make([]bool, len(ink.p))
	widths := make([]float64, len(comps)+1) // stroke width by label, once needed
	var region []int
	var stack []int
	for start, v := range ink.p {
		if v <= low || v > t || seen[start] {
			continue
		}
		// One region of faint ink, 8-connected, and the first component
		// it touches.
		region = region[:0]
		stack = append(stack[:0], start)
		seen[start] = true
		touch := int32(0)
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
						if touch == 0 {
							touch = labels[j]
						}
					case v > low && v <= t && !seen[j]:
						seen[j] = true
						stack = append(stack, j)
					}
				}
			}
			inner = inner || !edge
		}
		// A region wholly next to strong ink is the soft edge of a
		// stroke, not a stroke: leave it, so that the mask of every
		// digit keeps its width.
		if touch == 0 || !inner || rulingLike(box, w, h) {
			continue
		}
		c := &comps[touch-1]
		// Grow strokes, not lines (a margin line's pieces would take in
		// the squares of the paper), and only by ink as wide as their own:
		// a stroke fades along its length, a ruling under it is thinner.
		if long, thick := max(c.box.Dx(), c.box.Dy()), min(c.box.Dx(), c.box.Dy()); thick*8 <= long {
			continue
		}
		if widths[touch] == 0 {
			widths[touch] = componentWidth(labels, w, c.box, touch)
		}
		if regionWidth(region, box, w) < widths[touch]/2 {
			continue
		}
		for _, i := range region {
			labels[i] = touch
			c.area++
			c.mass += float64(ink.p[i])
		}
		c.box = c.box.Union(box)
	}
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
	mask := make([]bool, box.Dx()*box.Dy())
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			mask[(y-box.Min.Y)*box.Dx()+x-box.Min.X] = labels[y*w+x] == id
		}
	}
	return strokeWidth(mask, box.Dx(), box.Dy())
}

// regionWidth is the stroke width of a region of pixel indices (in an
// image w wide) with bounding box box.
func regionWidth(region []int, box image.Rectangle, w int) float64 {
	mask := make([]bool, box.Dx()*box.Dy())
	for _, i := range region {
		mask[(i/w-box.Min.Y)*box.Dx()+i%w-box.Min.X] = true
	}
	return strokeWidth(mask, box.Dx(), box.Dy())
}
