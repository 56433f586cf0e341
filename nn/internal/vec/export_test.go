package vec

// setImpl makes every function use the named implementation until restore
// is called. Tests that use it must not run in parallel with each other.
func setImpl(name string) (restore func()) {
	for _, im := range impls {
		if im.name == name {
			old := active.Swap(im)
			return func() { active.Store(old) }
		}
	}
	panic("vec: no implementation " + name)
}

// implNames lists the implementations available here, best first, ending
// in "go".
func implNames() []string {
	names := make([]string, len(impls))
	for i, im := range impls {
		names[i] = im.name
	}
	return names
}
