//go:build !amd64 || !gc || purego

package pngdec

func implNames() []string { return []string{"go"} }

func setImpl(string) (restore func()) { return func() {} }
