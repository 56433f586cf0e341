package imgproc

// flattenSurround finds a sheet of paper photographed on a darker surface
// (a desk, a table) and paints everything outside the sheet with the
// sheet's own level, so that the table and the paper's edges are not taken
// for background or ink. It reports whether it found a sheet.
//
// A sheet is the largest 8-connected region of light cells on the coarse
// grid (Otsu's split), when the image border is mostly dark, the region is
// a solid block (light cells fill at least 70% of its bounding box, which
// covers at least a quarter of the image), what is dark inside it (the
// writing) is a small part of it, and there is more writing on it than
// around it. A light digit on a dark background is thin strokes, not a
// solid block, and is left alone.
func flattenSurround(lum plane) bool {
	b := grid(lum.w, lum.h)
	if b < 2 {
		return false // too small to be a photo of a page
	}
	g := pool(lum, b)
	t, ok := lightOnDark(g)
	if !ok {
		return false
	}
	label, comps := components(g, t)
	defer int32s.put(label)
	best, area := largestComponent(comps)
	box := comps[best-1].box
	if boxArea := box.Dx() * box.Dy(); area*10 < boxArea*7 || boxArea*4 < g.w*g.h {
		return false // not a solid block, or a small one
	}
	// The sheet: its region with the writing's holes filled.
	sheet, holes := filled(label, best, g.w, g.h)
	if holes*10 > area*3 {
		return false // more writing than paper: not a sheet
	}
	// Shrunk by one cell to stay clear of the edge's shading; cells along
	// the sheet's edge mix paper and desk and count for neither.
	inner, near := erode(sheet, g.w, g.h), dilate(sheet, g.w, g.h)
	var paper []float32
	for i, in := range inner {
		if in && label[i] == best {
			paper = append(paper, g.p[i])
		}
	}
	if len(paper) == 0 || !writingOnSheet(lum, g, b, inner, near) {
		return false
	}
	ph := newHistogram(0, 1, 256)
	ph.addAll(paper)
	level := ph.quantile(0.5)
	for y := range lum.h {
		for x := range lum.w {
			if !inner[min(y/b, g.h-1)*g.w+min(x/b, g.w-1)] {
				lum.p[y*lum.w+x] = level
			}
		}
	}
	return true
}

// lightOnDark returns Otsu's threshold between the grid's light and dark
// cells, and whether the two sides differ by at least 0.2 with the border
// mostly dark (the sheet does not fill the frame).
func lightOnDark(g plane) (t float32, ok bool) {
	h := newHistogram(0, 1, 256)
	h.addAll(g.p)
	t = h.otsu(0)
	var sumLight, sumDark, nLight, nDark float64
	for _, v := range g.p {
		if v > t {
			sumLight += float64(v)
			nLight++
		} else {
			sumDark += float64(v)
			nDark++
		}
	}
	if nLight == 0 || nDark == 0 || sumLight/nLight-sumDark/nDark < 0.2 {
		return t, false
	}
	var border, darkBorder int
	for i, v := range g.p {
		if x, y := i%g.w, i/g.w; x == 0 || y == 0 || x == g.w-1 || y == g.h-1 {
			border++
			if v <= t {
				darkBorder++
			}
		}
	}
	return t, darkBorder*10 >= border*6
}

// largestComponent returns the label and area of the largest of comps, the
// first of equals.
func largestComponent(comps []component) (label int32, area int) {
	for i, c := range comps {
		if c.area > area {
			label, area = int32(i+1), c.area
		}
	}
	return label, area
}

// filled returns the region labelled l with its holes filled: every cell
// the border cannot reach, 4-connected, without crossing the region. holes
// counts the filled cells that are not the region's.
func filled(label []int32, l int32, w, h int) (region []bool, holes int) {
	outside := make([]bool, len(label))
	var stack []int
	for i := range label {
		if x, y := i%w, i/w; (x == 0 || y == 0 || x == w-1 || y == h-1) && label[i] != l {
			outside[i] = true
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := i%w, i/w
		for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			nx, ny := x+d[0], y+d[1]
			if nx >= 0 && ny >= 0 && nx < w && ny < h && !outside[ny*w+nx] && label[ny*w+nx] != l {
				outside[ny*w+nx] = true
				stack = append(stack, ny*w+nx)
			}
		}
	}
	region = make([]bool, len(label))
	for i := range region {
		region[i] = !outside[i]
		if region[i] && label[i] != l {
			holes++
		}
	}
	return region, holes
}

// erode returns the cells of mask (w x h) whose 3x3 neighbourhood lies
// inside the grid and wholly in mask.
func erode(mask []bool, w, h int) []bool {
	out := make([]bool, len(mask))
	for i := range mask {
		out[i] = neighbours(mask, w, h, i, func(in bool) bool { return in })
	}
	return out
}

// dilate returns the cells of the grid (w x h) with a cell of mask in
// their 3x3 neighbourhood.
func dilate(mask []bool, w, h int) []bool {
	out := make([]bool, len(mask))
	for i := range mask {
		// Off the grid counts as not in mask.
		out[i] = !neighbours(mask, w, h, i, func(in bool) bool { return !in })
	}
	return out
}

// neighbours reports whether ok holds for every cell of i's 3x3
// neighbourhood in mask (w x h), ok(false) standing for cells off the grid.
func neighbours(mask []bool, w, h, i int, ok func(in bool) bool) bool {
	x, y := i%w, i/w
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			nx, ny := x+dx, y+dy
			if !ok(nx >= 0 && ny >= 0 && nx < w && ny < h && mask[ny*w+nx]) {
				return false
			}
		}
	}
	return true
}

// writingOnSheet reports whether lum (grid g of b x b cells) has at least as
// much writing, for its size, on the sheet's inner cells as away from the
// sheet (cells not near it): a digit in a shadow that covers most of the
// border, beside a lit patch, is not on a desk. Writing is what is much
// darker than its grid cell (lighting varies slowly, and a desk's dark
// corner is not writing).
func writingOnSheet(lum, g plane, b int, inner, near []bool) bool {
	var inkIn, nIn, inkOut, nOut float64
	for y := range lum.h {
		for x := range lum.w {
			cell := min(y/b, g.h-1)*g.w + min(x/b, g.w-1)
			v, ref := lum.p[y*lum.w+x], g.p[cell]
			mark := v < 0.6*ref && ref-v > 0.15 // not a dark desk's noise
			switch {
			case inner[cell]:
				nIn++
				if mark {
					inkIn++
				}
			case !near[cell]:
				nOut++
				if mark {
					inkOut++
				}
			}
		}
	}
	return inkIn/max(1, nIn) >= inkOut/max(1, nOut)
}
