package imgproc

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// strokeWidth estimates the mean stroke width of a binary shape as
// 2*area/edges, where edges counts 4-neighbour ink/background pairs: a
// stroke of width w and length L has area wL and two sides of L, each
// costing on average 4/pi edges per unit length over all directions.
func strokeWidth(mask []bool, w, h int) float64 {
	return widthOf(maskEdges(mask, w, h))
}

// maskEdges is shapeEdges for a whole mask, eight pixels at a time: it
// runs on every upload's full-resolution mask, where the pixel loop cost
// 4% of a request. A Go bool is one byte holding 0 or 1, so the mask's
// rows are read as bytes and counted with word arithmetic.
func maskEdges(mask []bool, w, h int) (area, edges int) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	mask = mask[:w*h] // bounds-checked before it is read unchecked
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(mask))), len(mask))
	n := 0
	for y := range h {
		row := b[y*w : y*w+w]
		above := row // for the first row, whose changes across are its ink
		if y > 0 {
			above = b[(y-1)*w : y*w]
		}
		var along, across int
		n, along, across = rowChanges(row, above)
		if y == 0 {
			across = n
		}
		area += n
		// Changes along the row, with background before and after it,
		// and from the row above.
		edges += int(row[0]) + along + int(row[w-1]) + across
	}
	return area, edges + n // the last row against the background below
}

// rowChanges counts the ones in row, the places where row differs from
// the byte before (from the second on), and where it differs from above:
// all bytes are 0 or 1. Whole words are added bytewise into accumulators
// (at most 255 of them between sums, so no byte carries into the next),
// the XOR of two words having a 1 in each byte where they differ.
func rowChanges(row, above []byte) (ones, along, across int) {
	above = above[:len(row)]
	if len(row) == 0 {
		return 0, 0, 0
	}
	ones, across = int(row[0]), int(row[0]^above[0])
	x := 1
	for x+8 <= len(row) {
		end := min(x+8*255, len(row)-(len(row)-x)%8)
		var o, l, a uint64
		for ; x+8 <= end; x += 8 {
			v := binary.LittleEndian.Uint64(row[x : x+8])
			o += v
			l += v ^ binary.LittleEndian.Uint64(row[x-1:x+7])
			a += v ^ binary.LittleEndian.Uint64(above[x:x+8])
		}
		ones += byteSum(o)
		along += byteSum(l)
		across += byteSum(a)
	}
	for ; x < len(row); x++ {
		ones += int(row[x])
		along += int(row[x] ^ row[x-1])
		across += int(row[x] ^ above[x])
	}
	return ones, along, across
}

// byteSum adds the eight bytes of v: pairs into 16-bit lanes, then the
// lanes into the top one by a multiply.
func byteSum(v uint64) int {
	const bytes = 0x00ff00ff00ff00ff
	v = v&bytes + v>>8&bytes
	return int(v * 0x0001000100010001 >> 48)
}

// widthOf is strokeWidth's estimate from a shape's area and edges.
func widthOf(area, edges int) float64 {
	if edges == 0 {
		return 0
	}
	return 2 * float64(area) / float64(edges) * 4 / math.Pi
}

// shapeEdges returns the area and the 4-neighbour ink/background pairs of
// the shape of the values equal to in of a w x h window of p, whose rows
// are stride apart: one component of a label plane (in its label), read
// where it is without copying it into a mask (componentWidth). Whole
// masks go through maskEdges, a word at a time; BenchmarkStrokeWidth
// times the two on the same mask.
func shapeEdges[T comparable](p []T, w, h, stride int, in T) (area, edges int) {
	// Every ink/background pair is a change of value along a row or a
	// column, with the outside counted as background: counting changes
	// row by row and between rows needs no neighbour tests per pixel.
	for y := range h {
		row := p[y*stride : y*stride+w]
		var above []T // nil for the first row: background above it
		if y > 0 {
			above = p[(y-1)*stride : (y-1)*stride+w]
		}
		prev := false
		for x, v := range row {
			m := v == in
			if m {
				area++
			}
			if m != prev {
				edges++
			}
			if m != (above != nil && above[x] == in) {
				edges++
			}
			prev = m
		}
		if prev {
			edges++
		}
	}
	if h > 0 { // the last row against the background below
		for _, v := range p[(h-1)*stride : (h-1)*stride+w] {
			if v == in {
				edges++
			}
		}
	}
	return area, edges
}

// normaliseStroke makes strokes of width have about as wide as MNIST's
// (want, in the same pixels): thin pen lines on a big canvas are grown by
// the missing width with an anti-aliased edge, and very heavy marker strokes
// thinned, using the distance to the shape (or to the background).
func normaliseStroke(g plane, mask []bool, have, want float64) plane {
	switch {
	case have < 0.7*want:
		r := float32(want-have) / 2
		d := edt(mask, g.w, g.h)
		for i, di := range d {
			g.p[i] = max(g.p[i], min(1, max(0, r+0.5-di)))
		}
	case have > 2.2*want:
		r := float32(have-1.6*want) / 2
		bg := make([]bool, len(mask))
		for i, m := range mask {
			bg[i] = !m
		}
		d := edt(bg, g.w, g.h)
		for i, di := range d {
			if !mask[i] {
				g.p[i] = 0
			} else {
				g.p[i] *= min(1, max(0, di-r))
			}
		}
	}
	return g
}
