package scorecard_test

import (
	"context"
	"errors"
	"testing"

	"digitnet/internal/scorecard"
	"digitnet/internal/testenv"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/recognize"
)

// TestEmbeddedModelIsHonest reads a slice of the report halves with the
// embedded model and recognize.DefaultDoubt, so that a new default model,
// new limits or a change to preparation that loses what docs/reading.md
// reports fails here. The slice is small (a few samples of each kind) to
// keep the test within CI's time, so its thresholds leave room for the
// sampling error; `go run ./cmd/digitnet-reading` gives the full figures.
func TestEmbeddedModelIsHonest(t *testing.T) {
	_, test, _, err := mnist.Load(context.Background(), mnist.Options{NoDownload: true})
	if errors.Is(err, mnist.ErrNotFound) {
		testenv.Missing(t, "MNIST not found (%v)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{scorecard.StyleSet: 10, scorecard.NonDigitSet: 10, scorecard.UserSet: 10}
	var digits, nonDigits []scorecard.Scored
	for set, n := range sizes {
		ps, err := scorecard.Prepare(set, scorecard.Report, n, test, "")
		if err != nil {
			t.Fatal(err)
		}
		probs, err := scorecard.Classify(m.Net, ps)
		if err != nil {
			t.Fatal(err)
		}
		s := scorecard.Scored{Set: set, Prepared: ps, Probs: probs}
		if set == scorecard.NonDigitSet {
			nonDigits = append(nonDigits, s)
		} else {
			digits = append(digits, s)
		}
	}
	d := recognize.DefaultDoubt
	nd, dg := scorecard.Measure(nonDigits, d), scorecard.Measure(digits, d)
	t.Logf("non-digits flagged %.1f%%; digits right %.1f%%, flagged %.1f%%, wrong and not flagged %.1f%%",
		100*nd.NonDigitFlagged, 100*dg.Right, 100*dg.DigitsFlagged, 100*dg.WrongSure)
	if nd.NonDigitFlagged < 0.88 {
		t.Errorf("non-digits flagged %.1f%%, want ≥ 88%% (docs/reading.md: 95.3%%)", 100*nd.NonDigitFlagged)
	}
	if dg.DigitsFlagged > 0.04 {
		t.Errorf("digits flagged %.1f%%, want ≤ 4%% (docs/reading.md: 2.17%%)", 100*dg.DigitsFlagged)
	}
	if dg.Right < 0.96 {
		t.Errorf("digits right %.1f%%, want ≥ 96%% (docs/reading.md: 98.9%%)", 100*dg.Right)
	}
	if dg.WrongSure > 0.025 {
		t.Errorf("digits wrong and not flagged %.1f%%, want ≤ 2.5%% (docs/reading.md: 0.47%%)", 100*dg.WrongSure)
	}
}
