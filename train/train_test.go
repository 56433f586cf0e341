package train_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"digitnet/augment"
	"digitnet/internal/testenv"
	"digitnet/mnist"
	"digitnet/nn"
	"digitnet/train"
)

// loadMNIST finds the real data as the CLI does. It skips only when the data
// cannot be found anywhere; CI always has it through the Go module cache.
func loadMNIST(tb testing.TB) (trainSet, testSet *mnist.Set) {
	tb.Helper()
	trainSet, testSet, _, err := mnist.Load(context.Background(), mnist.Options{NoDownload: true})
	if errors.Is(err, mnist.ErrNotFound) {
		testenv.Missing(tb, "MNIST not found (%v)", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return trainSet, testSet
}

// TestShortTraining trains the tutorial model for one epoch on a fifth of
// the training set: it must already beat 95% on the full test set.
func TestShortTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	trainSet, testSet := loadMNIST(t)
	m, err := nn.New(nn.Tutorial(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var last train.EpochResult
	err = train.Fit(context.Background(), m, trainSet, train.Config{Epochs: 1, Limit: 12000, Seed: 1}, nil,
		func(r train.EpochResult) { last = r })
	if err != nil {
		t.Fatal(err)
	}
	mt, err := train.Evaluate(m, testSet)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1 epoch on 12000 images: train loss %.4f, test accuracy %.2f%% (%s)", last.Loss, 100*mt.Accuracy, last.Duration)
	if mt.Accuracy < 0.95 {
		t.Errorf("test accuracy %.2f%%, want > 95%%", 100*mt.Accuracy)
	}
	if mt.N != 10000 || len(mt.Confusion) != 10 {
		t.Errorf("metrics cover %d images and %d classes", mt.N, len(mt.Confusion))
	}
	var sum int
	for _, row := range mt.Confusion {
		for _, v := range row {
			sum += v
		}
	}
	if sum != mt.N {
		t.Errorf("confusion matrix sums to %d, want %d", sum, mt.N)
	}
}

// TestDeterministic checks that a seed fixes the trained weights, with and
// without augmentation, and that another seed changes them.
func TestDeterministic(t *testing.T) {
	trainSet, _ := loadMNIST(t)
	fit := func(seed uint64, aug bool) []float32 {
		m, err := nn.New(nn.Tutorial(), seed)
		if err != nil {
			t.Fatal(err)
		}
		cfg := train.Config{Epochs: 1, Limit: 256, Seed: seed}
		if aug {
			opt := augment.Default
			cfg.Augment = &opt
		}
		if err := train.Fit(context.Background(), m, trainSet, cfg, nil, nil); err != nil {
			t.Fatal(err)
		}
		return m.Params
	}
	for _, aug := range []bool{false, true} {
		a, b := fit(5, aug), fit(5, aug)
		if !slices.Equal(a, b) {
			t.Errorf("augment=%v: same seed gave different weights", aug)
		}
		if c := fit(6, aug); slices.Equal(a, c) {
			t.Errorf("augment=%v: different seeds gave the same weights", aug)
		}
	}
}

func TestFitCancel(t *testing.T) {
	trainSet, _ := loadMNIST(t)
	m, _ := nn.New(nn.Tutorial(), 1)
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	err := train.Fit(ctx, m, trainSet, train.Config{Epochs: 1, Limit: 3200}, func(p train.Progress) {
		steps++
		if steps == 3 {
			cancel()
		}
	}, nil)
	if !errors.Is(err, context.Canceled) || steps != 3 {
		t.Errorf("Fit after cancel: err %v after %d steps, want context.Canceled after 3", err, steps)
	}
}

func TestFitRejects(t *testing.T) {
	set := &mnist.Set{Images: make([]byte, 2*10*10), Labels: []byte{1, 2}, N: 2, Rows: 10, Cols: 10}
	m, _ := nn.New(nn.Tutorial(), 1)
	if err := train.Fit(context.Background(), m, set, train.Config{}, nil, nil); err == nil {
		t.Error("Fit accepted 10x10 images for a 28x28 model")
	}
	if _, err := train.Evaluate(m, set); err == nil {
		t.Error("Evaluate accepted 10x10 images for a 28x28 model")
	}
}

func TestEvaluateMetrics(t *testing.T) {
	// A model that always answers the same class: its recall for that
	// class is 1 and its precision the class's share.
	m, _ := nn.New(nn.Tutorial(), 1)
	clear(m.Params)
	ts := m.Tensors()
	ts[len(ts)-1].Data[3] = 5 // dense2.bias favours class 3
	set := &mnist.Set{Images: make([]byte, 4*784), Labels: []byte{3, 3, 1, 7}, N: 4, Rows: 28, Cols: 28}
	mt, err := train.Evaluate(m, set)
	if err != nil {
		t.Fatal(err)
	}
	if mt.Correct != 2 || mt.Accuracy != 0.5 || mt.Recall[3] != 1 || mt.Precision[3] != 0.5 || mt.Confusion[7][3] != 1 {
		t.Errorf("metrics %+v", mt)
	}
}
