package matmul

// setKernel makes Gemm use the named kernel until restore is called. Tests
// that use it must not run in parallel with each other.
func setKernel(name string) (restore func()) {
	for _, k := range kernels {
		if k.name == name {
			old := active.Swap(k)
			return func() { active.Store(old) }
		}
	}
	panic("matmul: no kernel " + name)
}

// kernelNames lists the kernels available here, best first, ending in "go".
func kernelNames() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}
