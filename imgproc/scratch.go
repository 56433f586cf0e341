// Scratch memory the steps take and give back.

package imgproc

import (
	"sync"
	"unsafe"
)

// scratch hands out zeroed slices of T, reusing what earlier analyses
// gave back. A server prepares upload after upload, each a few hundred
// kilobytes of planes, labels, masks and histograms that live for one
// request: allocating them fresh, and collecting them, took about a sixth
// of the CPU time of preparing a 160x160 upload. Memory is given back only
// where nothing can still read it; what is never given back is collected
// as usual.
type scratch[T any] struct{ pool sync.Pool }

// get returns a zeroed slice of n values.
func (s *scratch[T]) get(n int) []T {
	if p, _ := s.pool.Get().(*[]T); p != nil && cap(*p) >= n {
		b := (*p)[:n]
		clear(b)
		return b
	}
	return make([]T, n)
}

// put gives b back. The caller must not use it, or any slice of it,
// afterwards.
func (s *scratch[T]) put(b []T) {
	if cap(b) == 0 || cap(b)*int(unsafe.Sizeof(b[0])) > keepBytes {
		return // a rare huge image's memory is not held on to
	}
	s.pool.Put(&b)
}

var (
	floats   scratch[float32]
	float64s scratch[float64]
	uint32s  scratch[uint32]
	int32s   scratch[int32]
	bools    scratch[bool]
)
