package pngdec

import "encoding/binary"

// PNG filter types (PNG spec, section 7.3).
const (
	ftNone = iota
	ftSub
	ftUp
	ftAverage
	ftPaeth
)

// unfilter reverses filter ft on cur in place, prev being the unfiltered
// row above (all zeros for the first row) and bpp the bytes per pixel
// (1..4 here). It reports false for an unknown filter type.
func unfilter(ft byte, cur, prev []byte, bpp int) bool {
	switch ft {
	case ftNone:
	case ftSub:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case ftUp:
		addBytes(cur, prev)
	case ftAverage:
		prev = prev[:len(cur)]
		for i := 0; i < bpp && i < len(cur); i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case ftPaeth:
		switch bpp {
		case 3:
			paethRGB(cur, prev)
		case 4:
			paethRGBA(cur, prev)
		default:
			paethN(cur, prev, bpp)
		}
	default:
		return false
	}
	return true
}

// paethRows unfilters two Paeth rows, cur1 below cur0 below prev, one
// after the other.
func paethRows(cur0, cur1, prev []byte, bpp int) {
	unfilter(ftPaeth, cur0, prev, bpp)
	unfilter(ftPaeth, cur1, cur0, bpp)
}

// addBytes adds src to dst byte by byte, modulo 256, eight bytes at a time:
// the low seven bits of each byte add without crossing into the next byte,
// and the top bit is their carry XORed with the two top bits.
func addBytes(dst, src []byte) {
	src = src[:len(dst)]
	const low, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		x := binary.LittleEndian.Uint64(dst[i:])
		y := binary.LittleEndian.Uint64(src[i:])
		binary.LittleEndian.PutUint64(dst[i:], ((x&low)+(y&low))^((x^y)&high))
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// paeth returns the Paeth predictor of a (left), b (above) and c (above
// left), as the spec's PaethPredictor: the one nearest to a+b-c, ties going
// to a, then b. Written so that the compiler emits conditional moves: with
// branches, photographs and anti-aliased strokes make the CPU mispredict
// about one pixel in three.
func paeth(a, b, c int) int {
	pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
	if pb < pa {
		pa, a = pb, b
	}
	if pc < pa {
		a = c
	}
	return a
}

// abs without a branch; Go compiles "if x < 0" here to a jump.
func abs(x int) int {
	m := x >> 63
	return (x ^ m) - m
}

// paeth3 is the Paeth filter for RGB in Go. Each channel's left neighbour
// is the previous result, a chain of about ten dependent operations per
// pixel; the three channels are independent chains, so they run side by
// side, and the some 75 instructions per pixel bound the speed.
func paeth3(cur, prev []byte) {
	n := len(cur) / 3 * 3
	cur, prev = cur[:n], prev[:n]
	var a0, a1, a2, c0, c1, c2 int
	for i := 0; i+3 <= len(cur); i += 3 {
		p := prev[i : i+3 : i+3]
		q := cur[i : i+3 : i+3]
		b0, b1, b2 := int(p[0]), int(p[1]), int(p[2])
		a0 = (int(q[0]) + paeth(a0, b0, c0)) & 0xff
		a1 = (int(q[1]) + paeth(a1, b1, c1)) & 0xff
		a2 = (int(q[2]) + paeth(a2, b2, c2)) & 0xff
		q[0], q[1], q[2] = byte(a0), byte(a1), byte(a2)
		c0, c1, c2 = b0, b1, b2
	}
}

// paeth4 is paeth3 for RGBA.
func paeth4(cur, prev []byte) {
	n := len(cur) / 4 * 4
	cur, prev = cur[:n], prev[:n]
	var a0, a1, a2, a3, c0, c1, c2, c3 int
	for i := 0; i+4 <= len(cur); i += 4 {
		p := prev[i : i+4 : i+4]
		q := cur[i : i+4 : i+4]
		b0, b1, b2, b3 := int(p[0]), int(p[1]), int(p[2]), int(p[3])
		a0 = (int(q[0]) + paeth(a0, b0, c0)) & 0xff
		a1 = (int(q[1]) + paeth(a1, b1, c1)) & 0xff
		a2 = (int(q[2]) + paeth(a2, b2, c2)) & 0xff
		a3 = (int(q[3]) + paeth(a3, b3, c3)) & 0xff
		q[0], q[1], q[2], q[3] = byte(a0), byte(a1), byte(a2), byte(a3)
		c0, c1, c2, c3 = b0, b1, b2, b3
	}
}

// paethN is the Paeth filter for any bpp (grey and grey+alpha here).
func paethN(cur, prev []byte, bpp int) {
	prev = prev[:len(cur)]
	for i := 0; i < bpp && i < len(cur); i++ {
		cur[i] += prev[i] // a = c = 0: the predictor is b
	}
	paethFrom(cur, prev, bpp, bpp)
}

// paethFrom unfilters the bytes of a Paeth row from byte from (at least
// bpp) on, those before being done: the tail a kernel leaves.
func paethFrom(cur, prev []byte, bpp, from int) {
	prev = prev[:len(cur)]
	for i := from; i < len(cur); i++ {
		cur[i] += byte(paeth(int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])))
	}
}
