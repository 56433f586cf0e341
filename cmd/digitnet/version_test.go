package main

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"digitnet/models"
	"digitnet/nn"
)

func TestVersion(t *testing.T) {
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"version", "--version"} {
		code, stdout, stderr := runCLI(t, "", arg)
		if code != 0 || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, stderr)
		}
		for _, want := range []string{
			"go       " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n",
			"gemm     " + nn.Kernel() + "\n",
			"model    sha256 " + m.Meta.SHA256 + " (embedded, ",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", arg, want, stdout)
			}
		}
		if !regexp.MustCompile(`^digitnet \S+`).MatchString(stdout) {
			t.Errorf("%s: no version on the first line:\n%s", arg, stdout)
		}
	}
}
