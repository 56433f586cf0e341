package luma

import "encoding/binary"

// Tables holds the terms of Rec. 601 luma and alpha for each 8-bit value,
// the same float32 products a reader would compute, so that a pixel costs
// three loads and two adds instead of four int-to-float conversions and
// multiplies: the luma of an RGB pixel is (R[r] + G[g]) + B[b], in that
// order, and its alpha K[a].
var Tables = func() (t struct{ R, G, B, K [256]float32 }) {
	const k = 1.0 / 255
	const r601, g601, b601 = 0.299 * k, 0.587 * k, 0.114 * k
	for i := range 256 {
		v := float32(i)
		t.R[i], t.G[i], t.B[i], t.K[i] = r601*v, g601*v, b601*v, v*k
	}
	return t
}()

// SumPairs sets dst[i] to the luma sum of the 2x2 block of RGBA pixels
// 2i and 2i+1 of row0 and row1, for every i < len(dst): (L(row0[2i]) +
// L(row0[2i+1])) + (L(row1[2i]) + L(row1[2i+1])), alpha ignored. Both
// rows hold at least 8 bytes per value of dst. It reports whether those
// pixels are all opaque (alpha 255): when not, the sums are no luma of
// the image, and the caller reads the rows another way.
func SumPairs(dst []float32, row0, row1 []byte) (opaque bool) {
	return sumPairs(dst, row0[:8*len(dst)], row1[:8*len(dst)])
}

// sumPairsGo is SumPairs in Go: the reference the kernel is held to.
func sumPairsGo(dst []float32, row0, row1 []byte) (opaque bool) {
	t := &Tables
	for i := range dst {
		p := row0[8*i : 8*i+8 : 8*i+8]
		q := row1[8*i : 8*i+8 : 8*i+8]
		dst[i] = ((t.R[p[0]] + t.G[p[1]] + t.B[p[2]]) + (t.R[p[4]] + t.G[p[5]] + t.B[p[6]])) +
			((t.R[q[0]] + t.G[q[1]] + t.B[q[2]]) + (t.R[q[4]] + t.G[q[5]] + t.B[q[6]]))
	}
	return Opaque(row0, row1)
}

// Opaque reports whether every pixel of the RGBA rows has alpha 255. It
// ANDs eight bytes (two pixels) at a time and looks at the alpha bytes
// once at the end: byte by byte, it cost more than the sums.
func Opaque(rows ...[]byte) bool {
	const alphas = 0xff000000_ff000000
	acc := uint64(alphas)
	for _, r := range rows {
		for len(r) >= 8 {
			acc &= binary.LittleEndian.Uint64(r)
			r = r[8:]
		}
		if len(r) >= 4 { // a last pixel
			acc &= uint64(binary.LittleEndian.Uint32(r)) | 0xffffffff_00000000
		}
	}
	return acc&alphas == alphas
}
