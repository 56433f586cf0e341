package luma

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSumPairs holds every implementation to the Go reference, bit for
// bit, on random rows of lengths around the kernel's group of eight, and
// on the extremes of each channel.
func TestSumPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, impl := range implNames() {
		t.Run(impl, func(t *testing.T) {
			defer setImpl(impl)()
			for _, n := range []int{0, 1, 7, 8, 9, 16, 23, 80, 640} {
				row0, row1 := make([]byte, 8*n), make([]byte, 8*n)
				for i := range row0 {
					row0[i], row1[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
				}
				if n == 80 { // the extremes, where rounding is most exposed
					for i := range row0 {
						row0[i], row1[i] = 255*uint8(i/4%2), 255
					}
				}
				for _, hole := range []int{-1, 0, 2*n - 1, r.IntN(2*n + 1)} {
					// Opaque, but for at most one pixel of row1.
					for i := 3; i < len(row0); i += 4 {
						row0[i], row1[i] = 255, 255
					}
					if hole >= 0 && hole < 2*n {
						row1[4*hole+3] = 254
					}
					got, want := make([]float32, n), make([]float32, n)
					gotOpaque := SumPairs(got, row0, row1)
					wantOpaque := sumPairsGo(want, row0, row1)
					if !slices.Equal(got, want) {
						t.Errorf("%d blocks: %v, want %v", n, got, want)
					}
					if isHole := hole >= 0 && hole < 2*n; gotOpaque != wantOpaque || gotOpaque == isHole {
						t.Errorf("%d blocks, pixel %d not opaque: reported opaque %v, Go says %v", n, hole, gotOpaque, wantOpaque)
					}
				}
			}
		})
	}
}

// TestSumPairsAllValues checks each channel value's weight through the
// kernel: a block of four equal pixels with one channel at v sums four
// copies of the table's term.
func TestSumPairsAllValues(t *testing.T) {
	for _, impl := range implNames() {
		t.Run(impl, func(t *testing.T) {
			defer setImpl(impl)()
			for ch, table := range [][256]float32{Tables.R, Tables.G, Tables.B} {
				row := make([]byte, 8*256)
				for v := range 256 {
					row[8*v+ch], row[8*v+4+ch] = uint8(v), uint8(v)
				}
				got := make([]float32, 256)
				SumPairs(got, row, row)
				for v, s := range got {
					if want := (table[v] + table[v]) + (table[v] + table[v]); s != want {
						t.Errorf("channel %d value %d: %g, want %g", ch, v, s, want)
					}
				}
			}
		})
	}
}

func TestOpaque(t *testing.T) {
	row := []byte{1, 2, 3, 255, 4, 5, 6, 255}
	if !Opaque(row, row) {
		t.Error("opaque rows reported as not")
	}
	for _, n := range []int{1, 2, 3, 5, 8} { // each pixel of odd and even rows
		for k := range n {
			other := make([]byte, 4*n)
			for i := range other {
				other[i] = 255
			}
			other[4*k+3] = 254
			if Opaque(row, other) {
				t.Errorf("pixel %d of %d has alpha 254, reported opaque", k, n)
			}
			other[4*k+3], other[4*k] = 255, 0
			if !Opaque(other, row) {
				t.Errorf("%d opaque pixels, one black, reported as not opaque", n)
			}
		}
	}
}

func BenchmarkSumPairs(b *testing.B) {
	// One 160-pixel row pair of the page's example uploads.
	row0, row1 := make([]byte, 4*160), make([]byte, 4*160)
	for i := range row0 {
		row0[i], row1[i] = uint8(i), uint8(3*i)
	}
	dst := make([]float32, 80)
	for _, impl := range implNames() {
		b.Run(impl, func(b *testing.B) {
			defer setImpl(impl)()
			for b.Loop() {
				SumPairs(dst, row0, row1)
			}
		})
	}
}
