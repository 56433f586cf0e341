package testenv

import (
	"testing"
)

// fakeTB records how Missing ended the test.
type fakeTB struct {
	testing.TB
	fatal, skipped bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Fatalf(string, ...any) { f.fatal = true }
func (f *fakeTB) Skip(...any)           { f.skipped = true }

func TestMissing(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			var f fakeTB
			Missing(&f, "no %s", "tool")
			if want := ci == "true"; f.fatal != want || f.skipped == want {
				t.Errorf("CI=%q: fatal %v, skipped %v; want fatal %v", ci, f.fatal, f.skipped, want)
			}
		})
	}
}
