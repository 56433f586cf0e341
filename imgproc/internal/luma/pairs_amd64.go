//go:build amd64 && gc && !purego

package luma

import "golang.org/x/sys/cpu"

// useAVX2 picks the kernel. It is a variable so tests can run the Go
// reference on the same machine.
var useAVX2 = cpu.X86.HasAVX2

// sumPairs runs the kernel on whole groups of eight blocks and finishes
// in Go.
func sumPairs(dst []float32, row0, row1 []byte) (opaque bool) {
	if n := len(dst) / 8; useAVX2 && n > 0 {
		all := sumPairsAVX2(&dst[0], &row0[0], &row1[0], n)
		dst, row0, row1 = dst[8*n:], row0[64*n:], row1[64*n:]
		return sumPairsGo(dst, row0, row1) && all>>24 == 0xff
	}
	return sumPairsGo(dst, row0, row1)
}
