//go:build !amd64 || !gc || purego

package luma

func implNames() []string { return []string{"go"} }

func setImpl(string) (restore func()) { return func() {} }
