package train_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"digitnet/augment"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/nn"
	"digitnet/train"
)

// TestMeasuringEachEpochKeepsTraining checks that FitMeasured, which
// evaluates the model after every epoch as `digitnet train` does, leaves
// the trained weights bit for bit as Fit alone: a model file's sha256 must
// not depend on whether anyone watched. It also checks the figures it
// hands on.
func TestMeasuringEachEpochKeepsTraining(t *testing.T) {
	trainSet, testSet := loadMNIST(t)
	testSet, _, _ = train.Holdout(testSet, 1000, 0) // the call matters, not the figure
	for _, aug := range []bool{false, true} {
		cfg := train.Config{Epochs: 2, Limit: 256, Seed: 7}
		if aug {
			opt := augment.Default
			cfg.Augment = &opt
		}
		model := func() *nn.Model {
			m, err := nn.New(nn.Tutorial(), 7)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		alone := model()
		if err := train.Fit(context.Background(), alone, trainSet, cfg, nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, validation := range []bool{false, true} {
			watched := model()
			var seen []models.Epoch
			history, last, err := train.FitMeasured(context.Background(), watched, trainSet, testSet, cfg, validation, nil,
				func(ep models.Epoch) error { seen = append(seen, ep); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(alone.Params, watched.Params) {
				t.Errorf("augment=%v: measuring each epoch changed the trained weights", aug)
			}
			if len(history) != 2 || !slices.Equal(history, seen) {
				t.Fatalf("history %+v, epoch callback saw %+v; want the same 2 epochs", history, seen)
			}
			measured, other := history[1].TestAccuracy, history[1].ValAccuracy
			if validation {
				measured, other = other, measured
			}
			if last.N != testSet.N || measured != math.Round(last.Accuracy*1e6)/1e6 || other != 0 {
				t.Errorf("validation=%v: last epoch %+v, last measurement %d images at %v", validation, history[1], last.N, last.Accuracy)
			}
		}
	}
}

// TestFitMeasuredStops checks that an error from the epoch callback (a
// full disk under --log) ends the run after that epoch and comes back.
func TestFitMeasuredStops(t *testing.T) {
	trainSet, testSet := loadMNIST(t)
	testSet, _, _ = train.Holdout(testSet, 200, 0)
	m, err := nn.New(nn.Tutorial(), 1)
	if err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device")
	history, _, err := train.FitMeasured(context.Background(), m, trainSet, testSet, train.Config{Epochs: 3, Limit: 64, Seed: 1}, false, nil,
		func(models.Epoch) error { return full })
	if !errors.Is(err, full) || len(history) != 1 {
		t.Errorf("got %v after %d epochs; want %v after 1", err, len(history), full)
	}
}

func TestRunETA(t *testing.T) {
	tests := []struct {
		p    train.Progress
		want time.Duration
	}{
		// Half of epoch 1 of 5 took 10 s: 90 s to go for the run, not
		// the 10 s left in the epoch.
		{train.Progress{Epoch: 1, Epochs: 5, Done: 500, Total: 1000, RunElapsed: 10 * time.Second}, 90 * time.Second},
		{train.Progress{Epoch: 3, Epochs: 4, Done: 1000, Total: 1000, RunElapsed: 30 * time.Second}, 10 * time.Second},
		{train.Progress{Epoch: 4, Epochs: 4, Done: 1000, Total: 1000, RunElapsed: 40 * time.Second}, 0},
		{train.Progress{Epoch: 1, Epochs: 4, Done: 0, Total: 1000}, 0},
	}
	for _, tt := range tests {
		if got := tt.p.RunETA(); got != tt.want {
			t.Errorf("%+v: RunETA %s, want %s", tt.p, got, tt.want)
		}
	}
}

// TestFitReportsRunElapsed checks that the time since the run began
// grows across epochs, unlike Elapsed, which restarts each epoch.
func TestFitReportsRunElapsed(t *testing.T) {
	set := twoBars(64)
	m, err := nn.New(nn.Tutorial(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var last train.Progress
	err = train.Fit(context.Background(), m, set, train.Config{Epochs: 3, Batch: 16, Seed: 1}, func(p train.Progress) {
		if p.RunElapsed < last.RunElapsed || p.RunElapsed < p.Elapsed {
			t.Errorf("RunElapsed %s after %s (epoch elapsed %s)", p.RunElapsed, last.RunElapsed, p.Elapsed)
		}
		last = p
	}, func(train.EpochResult) { time.Sleep(20 * time.Millisecond) })
	if err != nil {
		t.Fatal(err)
	}
	if last.Epoch != 3 || last.RunElapsed < 40*time.Millisecond || last.RunElapsed <= last.Elapsed {
		t.Errorf("last progress %+v: want the run's time, with two epoch callbacks' 20 ms", last)
	}
}

func TestHoldout(t *testing.T) {
	set := twoBars(100)
	fit, val, err := train.Holdout(set, 80, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if fit.N != 60 || val.N != 20 || len(fit.Labels) != 60 || len(val.Images) != 20*28*28 {
		t.Fatalf("fit %d, val %d images; want 60 and 20", fit.N, val.N)
	}
	// Validation is images 60..79 of set, as Keras' validation_split takes
	// the last ones.
	if !slices.Equal(val.Image(0), set.Image(60)) || val.Labels[19] != set.Labels[79] || !slices.Equal(fit.Image(59), set.Image(59)) {
		t.Error("the split is not images 0-59 and 60-79")
	}
	fit, val, err = train.Holdout(set, 0, 0)
	if err != nil || fit.N != 100 || val.N != 0 {
		t.Errorf("no validation: %d and %d images, %v", fit.N, val.N, err)
	}
	for _, bad := range []struct {
		n int
		f float64
	}{{101, 0.1}, {-1, 0.1}, {10, 1}, {10, -0.1}, {10, math.NaN()}, {10, 0.01}, {10, 0.99}} {
		if _, _, err := train.Holdout(set, bad.n, bad.f); err == nil {
			t.Errorf("Holdout(%d images, %v): no error", bad.n, bad.f)
		}
	}
}

// TestEvaluateLoss checks Metrics.Loss against the mean cross-entropy of
// Predict's probabilities.
func TestEvaluateLoss(t *testing.T) {
	set := twoBars(10)
	m, err := nn.New(nn.Tutorial(), 1)
	if err != nil {
		t.Fatal(err)
	}
	mt, err := train.Evaluate(m, set)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, set.N*28*28)
	nn.ScalePixels(x, set.Images)
	probs := make([]float32, set.N*10)
	if err := m.Predict(x, set.N, probs); err != nil {
		t.Fatal(err)
	}
	var want float64
	for i := range set.N {
		want -= math.Log(float64(probs[i*10+int(set.Labels[i])]))
	}
	want /= float64(set.N)
	if math.Abs(mt.Loss-want) > 1e-6 || !(want > 0) {
		t.Errorf("loss %v, want %v", mt.Loss, want)
	}
}

// twoBars is a made-up set of n images: a bar on the left (0) or the
// right (1).
func twoBars(n int) *mnist.Set {
	set := &mnist.Set{Rows: 28, Cols: 28, N: n}
	for i := range n {
		img := make([]byte, 28*28)
		label := byte(i % 2)
		for y := 4; y < 24; y++ {
			img[y*28+6+12*int(label)] = 255
		}
		set.Images = append(set.Images, img...)
		set.Labels = append(set.Labels, label)
	}
	return set
}
