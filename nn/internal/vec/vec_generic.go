//go:build !amd64 || !gc || purego

package vec

// Without the assembly kernels only the pure-Go loops exist.
const (
	useAVX512 = false
	useAVX2   = false
)

// archImpls lists no assembly implementations: there are none here.
func archImpls() []*impl { return nil }
