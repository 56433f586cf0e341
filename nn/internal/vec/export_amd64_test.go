//go:build amd64 && gc && !purego

package vec

// implNames lists the implementations this CPU can run, best first, ending
// in "go".
func implNames() []string {
	var names []string
	if useAVX512 {
		names = append(names, "avx512")
	}
	if useAVX2 {
		names = append(names, "avx2")
	}
	return append(names, "go")
}

// setImpl makes every function use the named implementation until restore
// is called. Tests that use it must not run in parallel with each other.
func setImpl(name string) (restore func()) {
	old512, old2 := useAVX512, useAVX2
	switch name {
	case "avx512":
	case "avx2":
		useAVX512 = false
	case "go":
		useAVX512, useAVX2 = false, false
	default:
		panic("vec: no implementation " + name)
	}
	return func() { useAVX512, useAVX2 = old512, old2 }
}
