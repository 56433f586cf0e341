//go:build unix

package train_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"digitnet/models"
	"digitnet/train"
)

var (
	writerDir = flag.String("writer", "", "TestFineTuneWriter also writes the writer's corrections as DIR/0 … DIR/9, for timing `digitnet finetune --samples DIR`")
	writerPer = flag.Int("per", 10, "TestFineTuneWriter's corrections per digit; the targets are checked for 10")
)

// TestFineTuneWriter measures issue 13's targets on the Backhand writer,
// whose slashed 0s and European 1s a model trained on MNIST alone
// misreads (testdata/mnist-only.safetensors: the embedded model before it
// learnt the styles MNIST lacks, 99.48% on MNIST test, as a tutorial
// user's own model would be). Fine-tuned on 10 corrections of each digit
// with the default recipe, the model must
// read at least 97% of 500 other digits of theirs, keep at least 99.2% on
// MNIST test, and take at most 120 CPU seconds (60 s on 2 cores). Wall
// time is logged: on a shared machine it says little.
func TestFineTuneWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("fine-tunes the default model: about a minute")
	}
	trainSet, testSet := loadMNIST(t)
	corrections := writerSamples(t, *writerPer, 1)
	unseen := writerSamples(t, 50, 2)
	if *writerDir != "" {
		drawWriter(t, *writerDir, *writerPer, 1) // the same draws as the corrections
	}
	base, err := models.Load(filepath.Join("testdata", "mnist-only.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := train.Evaluate(base.Net, unseen)
	if err != nil {
		t.Fatal(err)
	}
	cpu0, start := cpuTime(t), time.Now()
	res, err := train.FineTune(context.Background(), base, corrections, trainSet, testSet, train.FineTuneConfig{Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wall, cpu := time.Since(start), cpuTime(t)-cpu0
	after, err := train.Evaluate(res.Model.Net, unseen)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recipe %d epochs, each sample %d times, %d MNIST images per epoch, %d folds",
		res.Config.Epochs, res.Config.Repeat, res.Config.MNIST, res.Config.Folds)
	t.Logf("unseen digits of the writer: %.1f%% -> %.1f%% (%d -> %d of %d)", 100*before.Accuracy, 100*after.Accuracy, before.Correct, after.Correct, after.N)
	t.Logf("per digit before: %s", percents(before.Recall))
	t.Logf("per digit after:  %s", percents(after.Recall))
	t.Logf("held-out corrections (%d-fold): %.1f%% -> %.1f%%", res.Config.Folds, 100*res.HeldOutBefore.Accuracy, 100*res.HeldOutAfter.Accuracy)
	t.Logf("MNIST test: %.2f%% -> %.2f%%", 100*res.MNISTBefore.Accuracy, 100*res.MNISTAfter.Accuracy)
	t.Logf("fine-tuning %d samples: %.1f s wall, %.1f CPU seconds (GOMAXPROCS %d)", corrections.N, wall.Seconds(), cpu.Seconds(), runtime.GOMAXPROCS(0))
	if *writerPer != 10 {
		return // the targets are for 10 corrections per digit
	}
	if after.Accuracy < 0.97 {
		t.Errorf("the writer's unseen digits: %.1f%% after fine-tuning, want ≥ 97%%", 100*after.Accuracy)
	}
	if res.MNISTAfter.Accuracy < 0.992 {
		t.Errorf("MNIST test after fine-tuning: %.2f%%, want ≥ 99.2%%", 100*res.MNISTAfter.Accuracy)
	}
	if cpu > 120*time.Second {
		t.Errorf("fine-tuning took %.0f CPU seconds, want ≤ 120 (60 s on 2 cores)", cpu.Seconds())
	}
	if before.Accuracy >= 0.95 {
		t.Errorf("the base model already reads %.1f%% of this writer: the test would not show learning", 100*before.Accuracy)
	}
}

func percents(v []float64) string {
	s := ""
	for d, x := range v {
		s += fmt.Sprintf(" %d:%3.0f%%", d, 100*x)
	}
	return s
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
