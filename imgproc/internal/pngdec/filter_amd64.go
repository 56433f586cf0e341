//go:build amd64 && gc && !purego

package pngdec

import "golang.org/x/sys/cpu"

// useAVX picks the assembly Paeth filter and RGB widening, which need only
// AVX's 128-bit integer instructions (x/sys/cpu also checks that the OS
// saves the registers). It is a variable so tests can run the Go filter
// too.
var useAVX = cpu.X86.HasAVX

// paethRGB runs the kernel on all pixels but the last, whose four-byte read
// would pass the end of the row, and finishes that one in Go.
func paethRGB(cur, prev []byte) {
	n := len(cur) / 3
	if !useAVX || n < 2 {
		paeth3(cur, prev)
		return
	}
	prev = prev[:len(cur)]
	paethAVX3(&cur[0], &prev[0], n-1)
	paethFrom(cur[:3*n], prev, 3, 3*(n-1))
}

func paethRGBA(cur, prev []byte) {
	n := len(cur) / 4
	if !useAVX || n == 0 {
		paeth4(cur, prev)
		return
	}
	prev = prev[:len(cur)]
	paethAVX4(&cur[0], &prev[0], n)
}

// rgbToRGBA widens four pixels per shuffle while the kernel's 16-byte
// reads stay inside row, and the last few in Go.
func rgbToRGBA(dst, row []byte) {
	if g := (len(row) - 4) / 12; useAVX && g > 0 {
		rgbToRGBAAVX(&dst[:16*g][0], &row[0], g)
		dst, row = dst[16*g:], row[12*g:]
	}
	rgbToRGBAGo(dst, row)
}

// paethPair unfilters two Paeth rows, cur1 below cur0, together: the
// kernel interleaves their chains. It does pixel 0 of cur0 first and the
// pixels past the kernel's reach last, in Go.
func paethPair(cur0, cur1, prev []byte, bpp int) {
	n := len(cur0) / bpp
	if !useAVX || n < 3 || bpp < 3 {
		paethRows(cur0, cur1, prev, bpp)
		return
	}
	cur1, prev = cur1[:len(cur0)], prev[:len(cur0)]
	for i := range bpp { // a = c = 0: the predictor is b
		cur0[i] += prev[i]
	}
	var m int
	if bpp == 3 {
		m = n - 2 // four-byte reads stay inside the rows
		paethPairAVX3(&cur0[0], &cur1[0], &prev[0], m)
	} else {
		m = n - 1
		paethPairAVX4(&cur0[0], &cur1[0], &prev[0], m)
	}
	paethFrom(cur0, prev, bpp, bpp*(m+1))
	paethFrom(cur1, cur0, bpp, bpp*m)
}
