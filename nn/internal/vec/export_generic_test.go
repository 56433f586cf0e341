//go:build !amd64 || !gc || purego

package vec

func implNames() []string { return []string{"go"} }

func setImpl(name string) (restore func()) {
	if name != "go" {
		panic("vec: no implementation " + name)
	}
	return func() {}
}
