package imgproc

import "testing"

// TestScratchZeroed holds scratch memory to make's promise: what get
// returns is zero, whatever was written to it before it was given back,
// and sizes above what was given back are met.
func TestScratchZeroed(t *testing.T) {
	var s scratch[float32]
	for _, n := range []int{100, 40, 100, 300, 0} {
		b := s.get(n)
		if len(b) != n {
			t.Fatalf("get(%d) has length %d", n, len(b))
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("get(%d)[%d] = %g, want 0", n, i, v)
			}
		}
		for i := range b {
			b[i] = 7
		}
		s.put(b)
	}
}
