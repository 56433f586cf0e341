//go:build !amd64 || !gc || purego

package pngdec

// Without the assembly kernel only the Go filters exist.
func paethRGB(cur, prev []byte)  { paeth3(cur, prev) }
func paethRGBA(cur, prev []byte) { paeth4(cur, prev) }

func rgbToRGBA(dst, row []byte) { rgbToRGBAGo(dst, row) }

func paethPair(cur0, cur1, prev []byte, bpp int) { paethRows(cur0, cur1, prev, bpp) }
