package imgproc

import "slices"

// removeRuledLines erases ruled or squared paper lines from ink: rows (or
// columns) where ink runs across 85% of the image, at least four of them,
// evenly spaced. Pixels where a stroke (ink above t) crosses the line, just
// above and just below it, are kept, so digits are not cut. Evenly spaced
// repetition is what tells a ruling from a digit's own bar, which in a
// tight crop also spans the image.
//
// Faint rulings are looked for first, at low, the faint ink hysteresis
// keeps: a faint grid under a phone's uneven light rises above t only in
// patches, too broken to run across the image at t, and those patches
// were kept as ink, beside the digit (a 5 read with a tail of grid) or on
// their own (a 4 read as "45"). Lines found at low count only if they are
// faint, most of their pixels under t: evenly spaced dark marks that only
// join up at low (a texture of stripes) are not paper. When no faint
// ruling is found, rulings are looked for at t, as they always were.
func removeRuledLines(ink plane, t, low float32) {
	line := bools.get(len(ink.p))
	defer bools.put(line)
	// find marks in line the rulings of ink above levels[k], rows and
	// columns.
	levels := [2]float32{low, t}
	rowCount, colCount := inkCounts(ink, levels)
	find := func(k int) (rowBand, colBand [][2]int) {
		return findLines(ink, levels[k], true, rowCount[k], line), findLines(ink, levels[k], false, colCount[k], line)
	}
	var rowBand, colBand [][2]int
	if low < t {
		rowBand, colBand = find(0)
		if (rowBand != nil || colBand != nil) && !faint(ink, line, t) {
			rowBand, colBand = nil, nil
			clear(line)
		}
	}
	if rowBand == nil && colBand == nil {
		rowBand, colBand = find(1)
	}
	if rowBand == nil && colBand == nil {
		return
	}
	// A line pixel stays where a stroke crosses the line: ink that is not
	// itself line just beyond both sides of the line's band.
	on := func(x, y int) bool {
		return x >= 0 && y >= 0 && x < ink.w && y < ink.h && ink.p[y*ink.w+x] > t && !line[y*ink.w+x]
	}
	across := func(x, y int) bool { return on(x-1, y) || on(x, y) || on(x+1, y) }
	down := func(x, y int) bool { return on(x, y-1) || on(x, y) || on(x, y+1) }
	for i, l := range line {
		if !l {
			continue
		}
		x, y := i%ink.w, i/ink.w
		if rowBand != nil && rowBand[y][1] >= 0 && across(x, rowBand[y][0]-2) && across(x, rowBand[y][1]+2) {
			continue
		}
		if colBand != nil && colBand[x][1] >= 0 && down(colBand[x][0]-2, y) && down(colBand[x][1]+2, y) {
			continue
		}
		ink.p[i] = 0
	}
	// The lines' soft edges, which the threshold left, go too.
	for i, v := range ink.p {
		if v > 0 && v <= t {
			x, y := i%ink.w, i/ink.w
			if (y > 0 && line[i-ink.w]) || (y < ink.h-1 && line[i+ink.w]) || (x > 0 && line[i-1]) || (x < ink.w-1 && line[i+1]) {
				ink.p[i] = 0
			}
		}
	}
}

// faint reports whether most of the pixels marked in line are ink at or
// under t.
func faint(ink plane, line []bool, t float32) bool {
	var n, strong int
	for i, l := range line {
		if l {
			n++
			if ink.p[i] > t {
				strong++
			}
		}
	}
	return strong*2 < n
}

// inkCounts returns the number of pixels above each of two levels in each
// row and in each column of ink, in one pass in memory order, without a
// branch per pixel.
func inkCounts(ink plane, levels [2]float32) (rows, cols [2][]int) {
	for k := range levels {
		rows[k], cols[k] = make([]int, ink.h), make([]int, ink.w)
	}
	r0, r1, c0, c1 := rows[0], rows[1], cols[0][:ink.w], cols[1][:ink.w]
	for y := range ink.h {
		n0, n1 := 0, 0
		for x, v := range ink.p[y*ink.w : (y+1)*ink.w] {
			var a, b int
			if v > levels[0] {
				a = 1
			}
			if v > levels[1] {
				b = 1
			}
			n0 += a
			n1 += b
			c0[x] += a
			c1[x] += b
		}
		r0[y], r1[y] = n0, n1
	}
	return rows, cols
}

// anyOn reports whether any of the n pixels of p from k on, step apart,
// is above t.
func anyOn(p []float32, k, step, n int, t float32) bool {
	for range n {
		if p[k] > t {
			return true
		}
		k += step
	}
	return false
}

// findLines marks in line the pixels of evenly spaced long lines in one
// direction (rows when rows is true). It returns, for each row (column),
// the first and last row of the band it belongs to ({-1, -1} if none), or
// nil when there is no ruling.
func findLines(ink plane, t float32, rows bool, count []int, line []bool) [][2]int {
	n, m := ink.h, ink.w       // n lines of m pixels
	lineStep, step := ink.w, 1 // pixel i of line j is at j*lineStep + i*step
	if !rows {
		n, m = ink.w, ink.h
		lineStep, step = 1, ink.w
	}
	idx := func(j, i int) int { return j*lineStep + i*step }
	if m < 40 || n < 20 {
		return nil
	}
	on := func(j, i int) bool { return j >= 0 && j < n && ink.p[idx(j, i)] > t }
	// long[j] lists the spans of runs covering 85% of line j, with gaps of
	// up to 3 pixels bridged (a faint line thresholded in pieces).
	long := make([][][2]int, n)
	hasRun := make([]bool, n)
	// Such a run holds more than a quarter of its span's pixels, so a line
	// with fewer ink pixels (count) has none and is not scanned.
	minRun := m * 85 / 100
	for j := range n {
		if 4*count[j] <= minRun || !anyOn(ink.p, j*lineStep, step, m-minRun+1, t) {
			// A run spanning minRun pixels starts within the first
			// m-minRun+1 of the line; a digit's stroke rarely does.
			continue
		}
		start, last := -1, -10
		for i, k := 0, j*lineStep; i <= m; i, k = i+1, k+step {
			if i < m && ink.p[k] > t {
				if i-last > 4 {
					if start >= 0 && last-start+1 >= minRun {
						long[j] = append(long[j], [2]int{start, last})
					}
					start = i
				}
				last = i
			}
		}
		if start >= 0 && last-start+1 >= minRun {
			long[j] = append(long[j], [2]int{start, last})
		}
		hasRun[j] = len(long[j]) > 0
	}
	// Bands of consecutive lines, thin ones only.
	var bands [][2]int
	maxThick := max(4, n/40)
	for j := 0; j < n; {
		if !hasRun[j] {
			j++
			continue
		}
		k := j
		for k < n && hasRun[k] {
			k++
		}
		if k-j <= maxThick {
			bands = append(bands, [2]int{j, k - 1})
		}
		j = k
	}
	if len(bands) < 4 {
		return nil
	}
	var gaps []int
	for b := 1; b < len(bands); b++ {
		gaps = append(gaps, (bands[b][0]+bands[b][1]-bands[b-1][0]-bands[b-1][1])/2)
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	med := sorted[len(sorted)/2]
	even := 0
	for _, g := range gaps {
		if g*10 >= med*8 && g*10 <= med*12 {
			even++
		}
	}
	if even*10 < len(gaps)*7 {
		return nil
	}
	band := make([][2]int, n)
	for j := range band {
		band[j] = [2]int{-1, -1}
	}
	for _, b := range bands {
		for j := b[0]; j <= b[1]; j++ {
			band[j] = b
			for _, s := range long[j] {
				for i := s[0]; i <= s[1]; i++ {
					if on(j, i) {
						line[idx(j, i)] = true
					}
				}
			}
		}
	}
	return band
}

// keepOwnStrokes unflags a component markLines took for a page line when
// it behaves like a stroke of the digit beside it: the stem of an open 4
// whose bar stops short of it, in a crop so tight that the stem runs from
// edge to edge. A ruling or a page edge runs on well past the writing, or
// keeps its distance from it; a digit's own stroke lies within a stroke's
// width or two of the rest of the digit, alongside it for a good part of
// its length, and is not much longer than the digit.
func keepOwnStrokes(comps []component) {
	for i, l := range comps {
		if !l.line {
			continue
		}
		vertical := l.box.Dy() > l.box.Dx()
		long, thick := l.box.Dx(), l.box.Dy()
		if vertical {
			long, thick = thick, long
		}
		for _, o := range comps {
			if o.line || o.area*4 < l.area {
				continue
			}
			along, overlap := o.box.Dx(), min(l.box.Max.X, o.box.Max.X)-max(l.box.Min.X, o.box.Min.X)
			if vertical {
				along, overlap = o.box.Dy(), min(l.box.Max.Y, o.box.Max.Y)-max(l.box.Min.Y, o.box.Min.Y)
			}
			if rectDistance(l.box, o.box)*2 <= max(4, 3*thick) && overlap*10 >= 3*long && long*2 <= 5*along {
				comps[i].line = false
				break
			}
		}
	}
}
