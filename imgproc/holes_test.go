package imgproc

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// holesFlood is the plain flood fill that holes replaced: the reference.
func holesFlood(mask []bool, w, h, least int) int {
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

// TestHolesMatchesFloodFill checks holes against a flood fill on random
// masks of every density, shapes with U-turns that join labels late
// included, and on a ring and an 8.
func TestHolesMatchesFloodFill(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k := range 3000 {
		w, h := 1+r.IntN(40), 1+r.IntN(40)
		mask := make([]bool, w*h)
		p := r.Float64()
		for i := range mask {
			mask[i] = r.Float64() < p
		}
		least := 1 + r.IntN(6)
		if got, want := holes(mask, w, h, least), holesFlood(mask, w, h, least); got != want {
			t.Fatalf("case %d (%dx%d, density %.2f, least %d): holes %d, flood fill %d", k, w, h, p, least, got, want)
		}
	}
	eight := []string{
		".......",
		".#####.",
		".#...#.",
		".#####.",
		".#...#.",
		".#####.",
		".......",
	}
	mask := make([]bool, 49)
	for y, row := range eight {
		for x, c := range row {
			mask[y*7+x] = c == '#'
		}
	}
	if n := holes(mask, 7, 7, 1); n != 2 {
		t.Errorf("an 8 has %d holes, want 2", n)
	}
}

func BenchmarkHoles(b *testing.B) {
	const w, h = 200, 280
	mask := make([]bool, w*h)
	for y := range h { // a thick ring, like a 0 at working resolution
		for x := range w {
			dx, dy := float64(x-w/2)/float64(w/2-10), float64(y-h/2)/float64(h/2-10)
			d := dx*dx + dy*dy
			mask[y*w+x] = d < 1 && d > 0.6
		}
	}
	b.Run("runs", func(b *testing.B) {
		for b.Loop() {
			holes(mask, w, h, 4)
		}
	})
	b.Run("flood", func(b *testing.B) {
		for b.Loop() {
			holesFlood(mask, w, h, 4)
		}
	})
}

// strokeWidthNeighbours is the per-pixel neighbour count strokeWidth
// replaced: the reference.
func strokeWidthNeighbours(mask []bool, w, h int) (area, edges int) {
	for y := range h {
		for x := range w {
			if !mask[y*w+x] {
				continue
			}
			area++
			if x == 0 || !mask[y*w+x-1] {
				edges++
			}
			if x == w-1 || !mask[y*w+x+1] {
				edges++
			}
			if y == 0 || !mask[(y-1)*w+x] {
				edges++
			}
			if y == h-1 || !mask[(y+1)*w+x] {
				edges++
			}
		}
	}
	return area, edges
}

func TestStrokeWidthMatchesNeighbours(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for k := range 3000 {
		w, h := 1+r.IntN(30), 1+r.IntN(30)
		switch {
		case k%100 == 0: // rows of more words than one sum holds
			w, h = 2030+r.IntN(3000), 1+r.IntN(3)
		case k%10 == 0: // rows of many words, as on uploads
			w, h = 1+r.IntN(300), 1+r.IntN(200)
		}
		mask := make([]bool, w*h)
		p := r.Float64()
		for i := range mask {
			mask[i] = r.Float64() < p
		}
		area, edges := strokeWidthNeighbours(mask, w, h)
		want := 0.0
		if edges > 0 {
			want = 2 * float64(area) / float64(edges) * 4 / math.Pi
		}
		if gotArea, gotEdges := maskEdges(mask, w, h); gotArea != area || gotEdges != edges {
			t.Fatalf("case %d (%dx%d): maskEdges %d, %d, want %d, %d", k, w, h, gotArea, gotEdges, area, edges)
		}
		if got := strokeWidth(mask, w, h); got != want {
			t.Fatalf("case %d (%dx%d): strokeWidth %v, want %v", k, w, h, got, want)
		}
	}
}

// TestComponentWidthMatchesMask holds componentWidth, which reads a label
// plane in place, to strokeWidth on a mask of the component's box.
func TestComponentWidthMatchesMask(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for k := range 1000 {
		w, h := 1+r.IntN(30), 1+r.IntN(30)
		labels := make([]int32, w*h)
		for i := range labels {
			labels[i] = int32(r.IntN(3))
		}
		x0, y0 := r.IntN(w), r.IntN(h)
		box := image.Rect(x0, y0, x0+1+r.IntN(w-x0), y0+1+r.IntN(h-y0))
		id := int32(1 + r.IntN(2))
		mask := make([]bool, box.Dx()*box.Dy())
		for y := box.Min.Y; y < box.Max.Y; y++ {
			for x := box.Min.X; x < box.Max.X; x++ {
				mask[(y-box.Min.Y)*box.Dx()+x-box.Min.X] = labels[y*w+x] == id
			}
		}
		if got, want := componentWidth(labels, w, box, id), strokeWidth(mask, box.Dx(), box.Dy()); got != want {
			t.Fatalf("case %d (%dx%d, box %v): componentWidth %v, want %v", k, w, h, box, got, want)
		}
	}
}

// TestPiecesMatchesComponents checks pieces against the flood fill of
// components on random masks of every density.
func TestPiecesMatchesComponents(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for k := range 3000 {
		w, h := 1+r.IntN(30), 1+r.IntN(30)
		mask := make([]bool, w*h)
		pl := newPlane(w, h)
		p := r.Float64()
		for i := range mask {
			if mask[i] = r.Float64() < p; mask[i] {
				pl.p[i] = 1
			}
		}
		_, comps := componentsRef(pl, 0.5)
		if got := pieces(mask, w, h); got != len(comps) {
			t.Fatalf("case %d (%dx%d): pieces %d, want %d", k, w, h, got, len(comps))
		}
	}
}

// BenchmarkStrokeWidth measures the edge count on a 160x160 upload's mask
// (a ring), word at a time against the generic pixel loop.
func BenchmarkStrokeWidth(b *testing.B) {
	const w, h = 160, 160
	mask := make([]bool, w*h)
	for y := range h {
		for x := range w {
			dx, dy := float64(x-w/2), float64(y-h/2)
			r := math.Hypot(dx, dy)
			mask[y*w+x] = r > 40 && r < 52
		}
	}
	b.Run("words", func(b *testing.B) {
		for b.Loop() {
			maskEdges(mask, w, h)
		}
	})
	b.Run("pixels", func(b *testing.B) {
		for b.Loop() {
			shapeEdges(mask, w, h, w, true)
		}
	})
}
