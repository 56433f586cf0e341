package imgproc

import (
	"math/rand/v2"
	"testing"
)

// rankDirect is the definition of rankFilter: the reduction over each
// clipped (2r+1)^2 square, computed directly.
func rankDirect(pl plane, r int, take func(a, b float32) float32) plane {
	out := newPlane(pl.w, pl.h)
	for y := range pl.h {
		for x := range pl.w {
			v := pl.p[y*pl.w+x]
			for j := max(0, y-r); j <= min(pl.h-1, y+r); j++ {
				for i := max(0, x-r); i <= min(pl.w-1, x+r); i++ {
					v = take(v, pl.p[j*pl.w+i])
				}
			}
			out.p[y*pl.w+x] = v
		}
	}
	return out
}

func TestRankFilterMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	for _, size := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {5, 5}, {13, 8}, {31, 17}, {40, 40}} {
		pl := newPlane(size[0], size[1])
		for i := range pl.p {
			pl.p[i] = float32(rng.IntN(50)) / 7
		}
		for _, r := range []int{0, 1, 2, 3, 5, 8, 20, 45} {
			for name, take := range map[string]func(a, b float32) float32{"min": minf, "max": maxf} {
				got, want := rankFilter(pl, r, take), rankDirect(pl, r, take)
				for i := range want.p {
					if got.p[i] != want.p[i] {
						t.Fatalf("%dx%d r=%d %s: at %d got %v, want %v", pl.w, pl.h, r, name, i, got.p[i], want.p[i])
					}
				}
			}
		}
	}
}

func BenchmarkRankFilter(b *testing.B) {
	pl := newPlane(400, 400)
	for i := range pl.p {
		pl.p[i] = float32(i % 97)
	}
	for b.Loop() {
		rankFilter(pl, 12, minf)
	}
}
