//go:build !amd64 || !gc || purego

package luma

// Without the assembly kernel only the Go reference exists.
func sumPairs(dst []float32, row0, row1 []byte) bool { return sumPairsGo(dst, row0, row1) }
