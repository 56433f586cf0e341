//go:build amd64 && gc && !purego

package pngdec

import "golang.org/x/sys/cpu"

// implNames lists the Paeth filters this CPU can run.
func implNames() []string {
	if cpu.X86.HasAVX {
		return []string{"avx", "go"}
	}
	return []string{"go"}
}

// setImpl makes unfilter use the named Paeth filter until restore is
// called.
func setImpl(name string) (restore func()) {
	old := useAVX
	useAVX = name == "avx"
	return func() { useAVX = old }
}
