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
	h := newHistogram(0, 1, 256)
	h.addAll(g.p)
	t := h.otsu(0)
	light := make([]bool, len(g.p))
	var sumLight, sumDark, nLight, nDark float64
	for i, v := range g.p {
		light[i] = v > t
		if light[i] {
			sumLight += float64(v)
			nLight++
		} else {
			sumDark += float64(v)
			nDark++
		}
	}
	if nLight == 0 || nDark == 0 || sumLight/nLight-sumDark/nDark < 0.2 {
		return false
	}
	// The border must be mostly dark: the sheet does not fill the frame.
	var border, darkBorder int
	for y := range g.h {
		for x := range g.w {
			if x == 0 || y == 0 || x == g.w-1 || y == g.h-1 {
				border++
				if !light[y*g.w+x] {
					darkBorder++
				}
			}
		}
	}
	if darkBorder*10 < border*6 {
		return false
	}
	// Largest light region.
	label := make([]int32, len(light))
	var best, bestArea int32
	var stack []int
	for start := range light {
		if !light[start] || label[start] != 0 {
			continue
		}
		id := int32(start + 1)
		var area int32
		label[start] = id
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			area++
			x, y := i%g.w, i/g.w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx >= 0 && ny >= 0 && nx < g.w && ny < g.h && light[ny*g.w+nx] && label[ny*g.w+nx] == 0 {
						label[ny*g.w+nx] = id
						stack = append(stack, ny*g.w+nx)
					}
				}
			}
		}
		if area > bestArea {
			best, bestArea = id, area
		}
	}
	x0, y0, x1, y1 := g.w, g.h, -1, -1
	for i, l := range label {
		if l == best {
			x0, y0, x1, y1 = min(x0, i%g.w), min(y0, i/g.w), max(x1, i%g.w), max(y1, i/g.w)
		}
	}
	boxArea := int32((x1 - x0 + 1) * (y1 - y0 + 1))
	if bestArea*10 < boxArea*7 || boxArea*4 < int32(g.w*g.h) {
		return false
	}
	// The sheet: its region with the writing's holes filled, shrunk by one
	// cell to stay clear of the edge's shading.
	sheet := make([]bool, len(label))
	outside := make([]bool, len(label)) // reachable from the border without crossing the region
	stack = stack[:0]
	for i := range label {
		x, y := i%g.w, i/g.w
		if (x == 0 || y == 0 || x == g.w-1 || y == g.h-1) && label[i] != best {
			outside[i] = true
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := i%g.w, i/g.w
		for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			nx, ny := x+d[0], y+d[1]
			if nx >= 0 && ny >= 0 && nx < g.w && ny < g.h && !outside[ny*g.w+nx] && label[ny*g.w+nx] != best {
				outside[ny*g.w+nx] = true
				stack = append(stack, ny*g.w+nx)
			}
		}
	}
	var holes int32
	for i := range sheet {
		sheet[i] = !outside[i]
		if sheet[i] && label[i] != best {
			holes++
		}
	}
	if holes*10 > bestArea*3 {
		return false // more writing than paper: not a sheet
	}
	inner := make([]bool, len(sheet))
	var paper []float32
	for i := range sheet {
		x, y := i%g.w, i/g.w
		inner[i] = sheet[i]
		for dy := -1; dy <= 1 && inner[i]; dy++ {
			for dx := -1; dx <= 1 && inner[i]; dx++ {
				nx, ny := x+dx, y+dy
				inner[i] = nx >= 0 && ny >= 0 && nx < g.w && ny < g.h && sheet[ny*g.w+nx]
			}
		}
		if inner[i] && label[i] == best {
			paper = append(paper, g.p[i])
		}
	}
	if len(paper) == 0 {
		return false
	}
	ph := newHistogram(0, 1, 256)
	ph.addAll(paper)
	level := ph.quantile(0.5)
	// The writing must be on the sheet: a digit in a shadow that covers
	// most of the border, beside a lit patch, is not on a desk. Writing is
	// what is much darker than its grid cell (lighting varies slowly, and
	// a desk's dark corner is not writing).
	// Cells along the sheet's edge mix paper and desk and count for neither.
	in := func(x, y int) bool { return inner[min(y/b, g.h-1)*g.w+min(x/b, g.w-1)] }
	away := make([]bool, len(sheet))
	for i := range sheet {
		x, y := i%g.w, i/g.w
		away[i] = true
		for dy := -1; dy <= 1 && away[i]; dy++ {
			for dx := -1; dx <= 1 && away[i]; dx++ {
				nx, ny := x+dx, y+dy
				away[i] = nx < 0 || ny < 0 || nx >= g.w || ny >= g.h || !sheet[ny*g.w+nx]
			}
		}
	}
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
			case away[cell]:
				nOut++
				if mark {
					inkOut++
				}
			}
		}
	}
	if inkIn/max(1, nIn) < inkOut/max(1, nOut) {
		return false
	}
	for y := range lum.h {
		for x := range lum.w {
			if !in(x, y) {
				lum.p[y*lum.w+x] = level
			}
		}
	}
	return true
}
