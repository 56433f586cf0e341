// Package testenv lets tests say what they need from the machine. A test
// that cannot run skips on a developer's machine, with the reason, and fails
// in CI (CI=true), so that a broken install step cannot pass CI by skipping.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing reports that something the test needs is absent: the test fails
// in CI and skips elsewhere. The message should say how to provide it.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		tb.Fatalf("CI=true and this test cannot run: %s", msg)
		return
	}
	tb.Skip(msg)
}
