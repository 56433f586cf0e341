//go:build !amd64 || !gc || purego

package matmul

// Without the assembly kernels only the pure-Go one exists.
const (
	useAVX512 = false
	useAVX2   = false
)

func archKernels() []*kernel { return nil }
