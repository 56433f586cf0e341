package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/internal/handwriting"
	"digitnet/models"
	"digitnet/samples"
)

// writerDir stores per digits of each label in labels, in the Backhand
// writer's hand, as `digitnet serve --samples` would, and returns the
// folder.
func writerDir(t *testing.T, per int, labels ...int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "samples")
	st, err := samples.Open(dir, samples.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := handwriting.Backhand.Save(st, per, rand.New(rand.NewPCG(1, 1)), labels...); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFinetuneUsage(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "m.safetensors")
	os.WriteFile(existing, []byte("x"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"finetune"}, "--samples is required"},
		{[]string{"finetune", "--samples", "/nonexistent"}, "--samples: stat /nonexistent"},
		{[]string{"finetune", "--samples", existing}, "is not a folder"},
		{[]string{"finetune", "--samples", dir, "--epochs", "0"}, "--epochs must be positive"},
		{[]string{"finetune", "--samples", dir, "--folds", "-1"}, "--folds must be positive"},
		{[]string{"finetune", "--samples", dir, "--model", dir}, "is a folder, not a file"},
		{[]string{"finetune", "--samples", dir, "--out", existing}, "exists; add --force to replace it"},
		{[]string{"finetune", "--samples", dir, "--out", "/nonexistent-dir/m.safetensors"}, "--out"},
		{[]string{"finetune", "--samples", dir, "extra"}, `unexpected argument "extra"`},
		{[]string{"train", "--extra", "/nonexistent"}, "--extra: stat /nonexistent"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
	if code, stdout, _ := runCLI(t, "", "finetune", "-h"); code != 0 || !strings.Contains(stdout, "usage: digitnet finetune") {
		t.Errorf("finetune -h: exit %d, %q", code, stdout)
	}
}

// TestFinetuneTooFew: a folder with too few samples is refused before any
// training, saying which digits need more.
func TestFinetuneTooFew(t *testing.T) {
	findMNIST(t)
	dir := writerDir(t, 2, 7)
	out := filepath.Join(t.TempDir(), "ft.safetensors")
	code, _, stderr := runCLI(t, "", "finetune", "--samples", dir, "--out", out)
	if code != 1 || !strings.Contains(stderr, "digit 7 has 2 (add 1 more)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a model was written")
	}
	if !strings.Contains(stderr, "no samples of 0, 1, 2, 3, 4, 5, 6, 8, 9") {
		t.Errorf("stderr does not say which digits have no samples: %q", stderr)
	}
}

func TestFinetuneSavesModel(t *testing.T) {
	findMNIST(t)
	dir := writerDir(t, 5, 0, 1)
	os.WriteFile(filepath.Join(dir, "1", "notes.txt"), []byte("not an image"), 0o644)
	out := filepath.Join(t.TempDir(), "ft.safetensors")
	args := []string{"finetune", "--samples", dir, "--epochs", "1", "--folds", "2", "--seed", "3", "--out", out}
	code, stdout, stderr := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"held-out samples", "2-fold", "MNIST test", "saved " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, want := range []string{"skipped 1/notes.txt: ", "samples per digit  0:5 1:5 2:0", "fine-tuning the embedded model", "tuning on all samples: loss"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	m, err := models.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := models.Default()
	ft := m.Meta.Training.FineTune
	if ft == nil || ft.Samples != 10 || ft.PerLabel != [10]int{5, 5} || ft.Base != base.Meta.SHA256 || ft.Epochs != 1 || ft.Folds != 2 || ft.Seed != 3 {
		t.Errorf("fine-tune metadata %+v", ft)
	}
	// The result is not overwritten by accident, and is with --force.
	if code, _, stderr := runCLI(t, "", args...); code != 2 || !strings.Contains(stderr, "add --force") {
		t.Errorf("second run without --force: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", append(args, "--force", "--folds", "1", "--model", out)...); code != 0 {
		t.Errorf("--force, fine-tuning the fine-tuned model: exit %d, %q", code, stderr)
	}
	again, err := models.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if ft := again.Meta.Training.FineTune; ft == nil || ft.Base != m.Meta.SHA256 || ft.Folds != 1 {
		t.Errorf("second fine-tune's metadata %+v, want base %s", ft, m.Meta.SHA256)
	}
}

func TestTrainExtra(t *testing.T) {
	findMNIST(t)
	dir := writerDir(t, 3, 4)
	out := filepath.Join(t.TempDir(), "m.safetensors")
	code, _, stderr := runCLI(t, "", "train", "--epochs", "1", "--limit", "640", "--extra", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "samples per digit  0:0 1:0 2:0 3:0 4:3") || !strings.Contains(stderr, "on 670 images") {
		t.Errorf("stderr does not show the extra samples:\n%s", stderr)
	}
	m, err := models.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if tr := m.Meta.Training; tr == nil || tr.ExtraSamples != 3 || tr.Images != 670 {
		t.Errorf("training metadata %+v, want 3 extra samples and 640+3×10 images", tr)
	}
}
