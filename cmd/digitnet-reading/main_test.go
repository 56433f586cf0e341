package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"digitnet/internal/testenv"
	"digitnet/mnist"
)

// TestRunPrintsEveryFigure runs the command on a few samples of each set
// and checks that every section of docs/reading.md's figures is printed.
func TestRunPrintsEveryFigure(t *testing.T) {
	if _, _, _, err := mnist.Load(context.Background(), mnist.Options{NoDownload: true}); errors.Is(err, mnist.ErrNotFound) {
		testenv.Missing(t, "MNIST not found (%v)", err)
	}
	var out bytes.Buffer
	if err := run([]string{"-styles", "1", "-nondigits", "1", "-userlike", "1", "-strips", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Reading figures on the report halves", "one-flag", "all non-digits", "userlike", "strip",
		"style and user-like sets together", "expected calibration error", "MNIST test accuracy",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run([]string{"-styles", "-1"}, &out); err == nil {
		t.Error("-styles -1 was accepted")
	}
}
