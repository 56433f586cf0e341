// Histograms for the threshold step: quantiles and Otsu's method.

package imgproc

// histogram is a fixed-range histogram for quantiles and Otsu's method.
type histogram struct {
	lo, hi float32
	scale  float32 // bins per unit
	n      []float64
	total  float64
}

func newHistogram(lo, hi float32, bins int) *histogram {
	return &histogram{lo: lo, hi: hi, scale: float32(bins) / (hi - lo), n: float64s.get(bins)}
}

// release gives the counts back to scratch memory; h is not used after.
func (h *histogram) release() {
	float64s.put(h.n)
	h.n = nil
}

// bin multiplies by the precomputed scale instead of dividing by hi-lo:
// the same bins when hi-lo is a power of two (every caller uses 1 or 2),
// since dividing by it is then exact.
func (h *histogram) bin(v float32) int {
	i := int((v - h.lo) * h.scale)
	return min(max(i, 0), len(h.n)-1)
}

func (h *histogram) value(i int) float32 {
	return h.lo + (float32(i)+0.5)*(h.hi-h.lo)/float32(len(h.n))
}

func (h *histogram) add(v float32) { h.n[h.bin(v)]++; h.total++ }

// addAll adds every value of p. Adding one by one, a run of values in one
// bin (a page's background) makes each count wait for the store of the
// one before, about 12 cycles a value; four sets of integer counts, merged
// at the end, keep four short chains in flight instead. The counts are the
// same integers, so every quantile and threshold is unchanged.
func (h *histogram) addAll(p []float32) {
	bins := len(h.n)
	c := uint32s.get(4 * bins)
	defer uint32s.put(c)
	c0, c1, c2, c3 := c[:bins], c[bins:2*bins], c[2*bins:3*bins], c[3*bins:]
	i := 0
	for ; i+4 <= len(p); i += 4 {
		c0[h.bin(p[i])]++
		c1[h.bin(p[i+1])]++
		c2[h.bin(p[i+2])]++
		c3[h.bin(p[i+3])]++
	}
	for ; i < len(p); i++ {
		c0[h.bin(p[i])]++
	}
	for j := range h.n {
		h.n[j] += float64(c0[j] + c1[j] + c2[j] + c3[j])
	}
	h.total += float64(len(p))
}

// addAbove adds the values of p above floor, keeping integer counts as
// addAll does: an upload's strokes are mostly saturated ink, one bin.
func (h *histogram) addAbove(p []float32, floor float32) {
	c := uint32s.get(len(h.n))
	defer uint32s.put(c)
	n := 0
	for _, v := range p {
		if v > floor {
			c[h.bin(v)]++
			n++
		}
	}
	for j, k := range c {
		h.n[j] += float64(k)
	}
	h.total += float64(n)
}

// quantile returns the value below which a fraction q of the samples lie.
func (h *histogram) quantile(q float64) float32 {
	want, acc := q*h.total, 0.0
	for i, c := range h.n {
		acc += c
		if acc >= want && c > 0 {
			return h.value(i)
		}
	}
	return h.hi
}

// fraction returns the share of samples between lo and hi.
func (h *histogram) fraction(lo, hi float32) float64 {
	var n float64
	for i := h.bin(lo); i <= h.bin(hi); i++ {
		n += h.n[i]
	}
	return n / max(1, h.total)
}

// otsu returns the threshold that maximises the between-class variance of
// the samples at or above from (Otsu, 1979), or from if there are too few.
//
// Empty bins are skipped: adding their zero counts changes no sum, so
// the variance at an empty bin is the one at the bin before, which can
// only tie the best so far, and a tie keeps the first. Most of the 1,024
// bins of an upload's ink are empty, and each costs two divisions.
func (h *histogram) otsu(from float32) float32 {
	start := h.bin(from)
	var n, sum float64
	for i := start; i < len(h.n); i++ {
		if h.n[i] == 0 {
			continue
		}
		n += h.n[i]
		sum += h.n[i] * float64(h.value(i))
	}
	if n < 2 {
		return from
	}
	best, bestT := -1.0, from
	var n0, s0 float64
	for i := start; i < len(h.n)-1; i++ {
		if h.n[i] == 0 {
			continue
		}
		n0 += h.n[i]
		s0 += h.n[i] * float64(h.value(i))
		n1 := n - n0
		if n0 == 0 || n1 == 0 {
			continue
		}
		m0, m1 := s0/n0, (sum-s0)/n1
		if v := n0 * n1 * (m0 - m1) * (m0 - m1); v > best {
			best, bestT = v, (h.value(i)+h.value(i+1))/2
		}
	}
	return bestT
}
