//go:build !amd64 || !gc || purego

package luma

// Without the assembly kernel only the Go reference exists.
const useAVX2 = false

func sumPairs(dst []float32, row0, row1 []byte) bool { return sumPairsGo(dst, row0, row1) }
