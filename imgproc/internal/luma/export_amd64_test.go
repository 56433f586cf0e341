//go:build amd64 && gc && !purego

package luma

import "golang.org/x/sys/cpu"

// implNames lists the implementations of SumPairs this CPU can run.
func implNames() []string {
	if cpu.X86.HasAVX2 {
		return []string{"avx2", "go"}
	}
	return []string{"go"}
}

// setImpl makes SumPairs use the named implementation until restore is
// called.
func setImpl(name string) (restore func()) {
	old := useAVX2
	useAVX2 = name == "avx2"
	return func() { useAVX2 = old }
}
