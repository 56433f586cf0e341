package augment

import "math/rand/v2"

// Restroke redraws the digit in src into dst with another pen: its
// skeleton, traced with a round nib of the given width in pixels. Uploads
// drawn with a thin pen reach the model this way (preparation grows their
// strokes to MNIST's width around the line the pen left), so a model
// trained on MNIST's own strokes alone misreads some of them. dst and src
// must be distinct slices of Pixels values. The line's edge is soft pixels
// wide (1: crisp).
func Restroke(dst, src []float32, width, soft float64) {
	checkLen(dst, src)
	on := make([]bool, Pixels)
	for i, v := range src {
		on[i] = v > 0.5
	}
	skel := Skeleton(on, Size, Size)
	clear(dst)
	rad := width / 2
	for i, s := range skel {
		if s {
			x, y := float64(i%Size), float64(i/Size)
			// A dab joined to each skeleton neighbour to its right or below,
			// so that diagonal steps leave no gaps.
			segmentOn(dst, Size, Size, x, y, x, y, rad, soft)
			for _, d := range [4][2]int{{1, 0}, {0, 1}, {1, 1}, {-1, 1}} {
				nx, ny := i%Size+d[0], i/Size+d[1]
				if nx >= 0 && nx < Size && ny < Size && skel[ny*Size+nx] {
					segmentOn(dst, Size, Size, x, y, float64(nx), float64(ny), rad, soft)
				}
			}
		}
	}
}

// RestrokeRandom is Restroke with a width drawn from r, 1.5 to 3.5 pixels
// (MNIST's range), and an edge 0.7 to 2 pixels soft.
func RestrokeRandom(dst, src []float32, r *rand.Rand) {
	Restroke(dst, src, uniform(r, 1.5, 3.5), uniform(r, 0.7, 2))
}

// Skeleton returns the skeleton of a binary image (w x h, row by row) by
// Zhang and Suen's parallel thinning, "A fast parallel algorithm for
// thinning digital patterns" (CACM, 1984).
func Skeleton(img []bool, w, h int) []bool {
	m := append([]bool(nil), img...)
	at := func(x, y int) int {
		if x < 0 || y < 0 || x >= w || y >= h || !m[y*w+x] {
			return 0
		}
		return 1
	}
	var del []int
	for changed := true; changed; {
		changed = false
		for pass := range 2 {
			del = del[:0]
			for y := range h {
				for x := range w {
					if !m[y*w+x] {
						continue
					}
					// Neighbours P2..P9 clockwise from north.
					p := [8]int{at(x, y-1), at(x+1, y-1), at(x+1, y), at(x+1, y+1), at(x, y+1), at(x-1, y+1), at(x-1, y), at(x-1, y-1)}
					b, a := 0, 0
					for i := range 8 {
						b += p[i]
						if p[i] == 0 && p[(i+1)%8] == 1 {
							a++
						}
					}
					if b < 2 || b > 6 || a != 1 {
						continue
					}
					if pass == 0 && (p[0]*p[2]*p[4] != 0 || p[2]*p[4]*p[6] != 0) {
						continue
					}
					if pass == 1 && (p[0]*p[2]*p[6] != 0 || p[0]*p[4]*p[6] != 0) {
						continue
					}
					del = append(del, y*w+x)
				}
			}
			for _, i := range del {
				m[i] = false
			}
			changed = changed || len(del) > 0
		}
	}
	return m
}
