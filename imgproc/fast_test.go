package imgproc

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKth checks selection against sorting, with repeats and sorted input.
func TestKth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 40; n++ {
		for _, levels := range []int{2, 5, 1000} {
			p := make([]float32, n)
			for i := range p {
				p[i] = float32(r.IntN(levels))
			}
			inputs := [][]float32{p, slices.Sorted(slices.Values(p))}
			inputs = append(inputs, slices.Clone(inputs[1]))
			slices.Reverse(inputs[2])
			for _, in := range inputs {
				want := slices.Sorted(slices.Values(in))
				for k := range n {
					if got := kth(slices.Clone(in), k); got != want[k] {
						t.Fatalf("kth(%v, %d) = %v, want %v", in, k, got, want[k])
					}
				}
			}
		}
	}
}

// TestFrame checks that frame visits exactly the pixels within t of the
// edge, once each.
func TestFrame(t *testing.T) {
	for _, c := range []struct{ w, h, t int }{{1, 1, 1}, {2, 3, 1}, {5, 5, 2}, {10, 4, 1}, {7, 30, 3}, {50, 60, 1}} {
		pl := newPlane(c.w, c.h)
		for i := range pl.p {
			pl.p[i] = float32(i)
		}
		seen := make([]int, len(pl.p))
		frame(pl, c.t, func(v float32) { seen[int(v)]++ })
		for y := range c.h {
			for x := range c.w {
				want := 0
				if x < c.t || y < c.t || x >= c.w-c.t || y >= c.h-c.t {
					want = 1
				}
				if got := seen[y*c.w+x]; got != want {
					t.Fatalf("%dx%d t=%d: pixel (%d,%d) visited %d times, want %d", c.w, c.h, c.t, x, y, got, want)
				}
			}
		}
	}
}
