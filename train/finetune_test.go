package train_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"digitnet/internal/handwriting"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/samples"
	"digitnet/train"
)

// drawWriter stores per images of each digit in digits (all when none
// are given), in the Backhand writer's hand, as uploads in a samples store
// at dir. Different seeds give different instances.
func drawWriter(tb testing.TB, dir string, per int, seed uint64, digits ...int) *samples.Store {
	tb.Helper()
	st, err := samples.Open(dir, samples.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := handwriting.Backhand.Save(st, per, rand.New(rand.NewPCG(seed, 0x77726974)), digits...); err != nil {
		tb.Fatal(err)
	}
	return st
}

// writerSamples draws the writer's digits as drawWriter does and loads
// them as `digitnet finetune` does.
func writerSamples(tb testing.TB, per int, seed uint64, digits ...int) *mnist.Set {
	tb.Helper()
	st := drawWriter(tb, filepath.Join(tb.TempDir(), "samples"), per, seed, digits...)
	set, err := st.Load(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if len(set.Skipped) > 0 {
		tb.Fatalf("loading the writer's samples skipped %v", set.Skipped)
	}
	return set.Data
}

// countsSet returns a set with n[d] blank 28x28 images labelled d.
func countsSet(n [10]int) *mnist.Set {
	s := &mnist.Set{Rows: 28, Cols: 28}
	for d, k := range n {
		for range k {
			s.Images = append(s.Images, make([]byte, 28*28)...)
			s.Labels = append(s.Labels, byte(d))
			s.N++
		}
	}
	return s
}

func TestFineTuneRefusesTooFew(t *testing.T) {
	base, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		counts [10]int
		want   []string
	}{
		{[10]int{}, []string{"there are 0 in all (add 10 more)"}},
		{[10]int{7: 9}, []string{"there are 9 in all (add 1 more)"}},
		{[10]int{1: 10, 7: 2}, []string{"digit 7 has 2 (add 1 more)"}},
		{[10]int{0: 1, 1: 5, 4: 2, 9: 5}, []string{"digit 0 has 1 (add 2 more), digit 4 has 2 (add 1 more)"}},
		{[10]int{1: 1, 2: 1}, []string{"digit 1 has 1 (add 2 more)", "there are 2 in all (add 8 more)"}},
	}
	empty := &mnist.Set{Rows: 28, Cols: 28}
	for _, tt := range tests {
		_, err := train.FineTune(context.Background(), base, countsSet(tt.counts), empty, empty, train.FineTuneConfig{}, nil)
		var tf *train.TooFewError
		if !errors.As(err, &tf) || !errors.Is(err, train.ErrTooFewSamples) || tf.PerLabel != tt.counts {
			t.Errorf("%v: %v, want a TooFewError", tt.counts, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", tt.counts, err, w)
			}
		}
	}
}

// TestFineTuneSmall runs a tiny recipe end to end: the figures are
// consistent, the metadata says what was done, the base is untouched, a
// seed fixes the result, progress ends at 1 and cancelling stops it.
func TestFineTuneSmall(t *testing.T) {
	trainSet, testSet := loadMNIST(t)
	// A tenth of the test set keeps the four measurements quick.
	testSet = &mnist.Set{Rows: 28, Cols: 28, N: 1000, Images: testSet.Images[:1000*784], Labels: testSet.Labels[:1000]}
	smp := writerSamples(t, 6, 1, 0, 1)
	base, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(base.Net.Params)
	cfg := train.FineTuneConfig{Epochs: 1, Repeat: 2, MNIST: 300, Folds: 3, Seed: 4}
	var fractions []float64
	var stages []string
	res, err := train.FineTune(context.Background(), base, smp, trainSet, testSet, cfg, func(p train.FineTuneProgress) {
		fractions = append(fractions, p.Fraction)
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		if p.Runs != 4 {
			t.Errorf("progress: %d runs, want 4", p.Runs)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(base.Net.Params, before) {
		t.Error("FineTune changed the base model")
	}
	wantStages := []string{"measuring the base model", "fold 1 of 3", "fold 2 of 3", "fold 3 of 3", "tuning on all samples", "measuring the tuned model"}
	if !slices.Equal(stages, wantStages) {
		t.Errorf("stages %q, want %q", stages, wantStages)
	}
	if !slices.IsSorted(fractions) || fractions[len(fractions)-1] != 1 {
		t.Errorf("progress fractions are not rising to 1: %v", fractions)
	}
	if res.HeldOutBefore.N != 12 || res.HeldOutAfter.N != 12 || res.MNISTAfter.N != testSet.N {
		t.Errorf("measured %d and %d held-out samples and %d MNIST images", res.HeldOutBefore.N, res.HeldOutAfter.N, res.MNISTAfter.N)
	}
	sum := 0
	for _, row := range res.HeldOutAfter.Confusion {
		for _, v := range row {
			sum += v
		}
	}
	if sum != 12 || res.HeldOutAfter.Accuracy != float64(res.HeldOutAfter.Correct)/12 {
		t.Errorf("held-out confusion sums to %d, accuracy %v for %d correct", sum, res.HeldOutAfter.Accuracy, res.HeldOutAfter.Correct)
	}
	m := res.Model
	ft := m.Meta.Training.FineTune
	if ft == nil || ft.Base != base.Meta.SHA256 || ft.Samples != 12 || ft.PerLabel != [10]int{6, 6} || ft.Folds != 3 ||
		ft.Epochs != 1 || ft.Repeat != 2 || ft.MNIST != 300 || ft.Seed != 4 || ft.MNISTAfter != res.MNISTAfter.Accuracy ||
		ft.HeldOutAfter != res.HeldOutAfter.Accuracy || ft.Date.IsZero() {
		t.Errorf("fine-tune metadata %+v", ft)
	}
	if m.Meta.SHA256 != models.WeightsSHA256(m.Net.Params) || m.Meta.SHA256 == base.Meta.SHA256 || m.Meta.TestAccuracy != res.MNISTAfter.Accuracy {
		t.Errorf("meta %+v", m.Meta)
	}
	// The metadata survives a file.
	path := filepath.Join(t.TempDir(), "ft.safetensors")
	if err := models.WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	back, err := models.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Meta.Training.FineTune; got == nil || *got != *ft {
		t.Errorf("read back %+v, wrote %+v", got, ft)
	}

	again, err := train.FineTune(context.Background(), base, smp, trainSet, testSet, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Model.Meta.SHA256 != m.Meta.SHA256 {
		t.Error("the same seed gave a different model")
	}

	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	_, err = train.FineTune(ctx, base, smp, trainSet, testSet, cfg, func(p train.FineTuneProgress) {
		if p.Run > 0 {
			if steps++; steps == 2 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) || steps != 2 {
		t.Errorf("after cancel: %v after %d steps", err, steps)
	}
}

// TestFitExtra: images given as Config.Extra are trained on. A class that
// only the extra images show is learnt.
func TestFitExtra(t *testing.T) {
	bar := func(x int) []byte {
		img := make([]byte, 28*28)
		for y := 4; y < 24; y++ {
			img[y*28+x], img[y*28+x+1] = 255, 255
		}
		return img
	}
	set := &mnist.Set{Rows: 28, Cols: 28}
	for i := range 64 {
		set.Images = append(set.Images, bar(4+16*(i%2))...)
		set.Labels = append(set.Labels, byte(i%2))
		set.N++
	}
	extra := &mnist.Set{Rows: 28, Cols: 28, N: 2, Images: append(bar(12), bar(13)...), Labels: []byte{2, 2}}
	net, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := train.Fit(context.Background(), net.Net, set, train.Config{Epochs: 4, Batch: 8, Seed: 1, Extra: extra, ExtraRepeat: 16}, nil, nil); err != nil {
		t.Fatal(err)
	}
	mt, err := train.Evaluate(net.Net, extra)
	if err != nil {
		t.Fatal(err)
	}
	if mt.Accuracy != 1 {
		t.Errorf("the extra images' class was not learnt: %v", mt.Confusion[2])
	}
	wrong := &mnist.Set{Rows: 14, Cols: 56, N: 1, Images: make([]byte, 784), Labels: []byte{1}}
	if err := train.Fit(context.Background(), net.Net, set, train.Config{Extra: wrong}, nil, nil); err == nil {
		t.Error("Fit accepted extra images of another size")
	}
}
