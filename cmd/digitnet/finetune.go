package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"digitnet/models"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/train"
)

const finetuneSynopsis = `usage: digitnet finetune --samples DIR [flags]

Fine-tunes a model to one person's handwriting. DIR holds their digits as
image files in folders DIR/0 … DIR/9 (as "digitnet serve --samples DIR"
stores them, or copied there by hand); each is prepared as predict prepares
an upload. Starting from --model (default: the embedded model), it trains on
the samples, each distorted afresh many times, mixed with MNIST training
images so the model keeps what it knew. It prints the accuracy on held-out
samples (k-fold: each sample is read by a model that did not train on it)
and on the MNIST test set, before and after, and writes --out. Every digit
that has samples needs at least 3, and 10 in all. The same --seed gives the
same model on the same machine. Ctrl-C stops cleanly and leaves --out
untouched.`

func runFinetune(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("finetune", finetuneSynopsis, e)
	dir := fs.String("samples", "", "folder of samples: DIR/0 … DIR/9 hold images of each digit (required)")
	modelPath := fs.String("model", "", "model to start from (default: the embedded model)")
	epochs := fs.Int("epochs", train.DefaultFineTuneEpochs, "passes over the samples and the MNIST images mixed in")
	folds := fs.Int("folds", train.DefaultFineTuneFolds, "k of the k-fold measurement on held-out samples (1: skip it, tune once)")
	seed := fs.Uint64("seed", 1, "random seed for the folds, the MNIST images drawn, shuffling and distortions")
	data := fs.String("data", "", "folder with the four MNIST files (default: as for train)")
	out := fs.String("out", "finetuned.safetensors", "where to write the fine-tuned model")
	force := fs.Bool("force", false, "replace --out if it exists")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("finetune", "unexpected argument %q", fs.Arg(0))
	case *dir == "":
		return usagef("finetune", "--samples is required: the folder with the images of each digit in DIR/0 … DIR/9")
	case *epochs <= 0:
		return usagef("finetune", "--epochs must be positive, got %d", *epochs)
	case *folds <= 0:
		return usagef("finetune", "--folds must be positive, got %d", *folds)
	case *out == "":
		return usagef("finetune", "--out must name a file")
	}
	for _, c := range []struct {
		flag, path string
		dir        bool
	}{{"samples", *dir, true}, {"model", *modelPath, false}, {"data", *data, true}} {
		if err := checkPath("finetune", c.flag, c.path, c.dir); err != nil {
			return err
		}
	}
	if err := checkOutput("finetune", "out", *out, !*force); err != nil {
		return err
	}
	base, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	set, err := loadSamples(ctx, *dir, e.stderr)
	if err != nil {
		return err
	}
	if err := train.CheckSamples(set.PerLabel()); err != nil {
		return err
	}
	trainSet, testSet, err := loadMNIST(ctx, *data, e, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "fine-tuning %s (sha256 %.12s…) on %d samples from %s\n",
		describeSource(base), base.Meta.SHA256, set.Data.N, *dir)
	bar := newProgressBar(e.stderr)
	bar.unit = "run"
	var last train.FineTuneProgress
	start := time.Now()
	report := func(p train.FineTuneProgress) {
		if p.Stage != last.Stage && last.Run > 0 && last.Done == last.Total {
			bar.clear()
			fmt.Fprintf(e.stderr, "%s: loss %.4f, train accuracy %.2f%%, %s\n",
				last.Stage, last.Loss, 100*last.Accuracy, last.RunElapsed.Round(time.Second/10))
		}
		last = p
		if p.Run > 0 && p.Total > 0 {
			bar.update(train.Progress{Epoch: p.Run, Epochs: p.Runs, Done: p.Done, Total: p.Total,
				Loss: p.Loss, Accuracy: p.Accuracy, Elapsed: p.RunElapsed, RunElapsed: time.Since(start)})
		}
	}
	res, err := train.FineTune(ctx, base, set.Data, trainSet, testSet,
		train.FineTuneConfig{Epochs: *epochs, Folds: *folds, Seed: *seed}, report)
	bar.clear()
	if errors.Is(err, context.Canceled) {
		return interrupted(fmt.Sprintf("%s was not written", *out))
	}
	if err != nil {
		return err
	}
	printFineTune(e.stdout, res)
	res.Model.Meta.Source = *out
	if err := models.WriteFile(*out, res.Model); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved %s (sha256 %.12s…) in %.1f s\n", *out, res.Model.Meta.SHA256, res.Model.Meta.Training.FineTune.Seconds)
	return nil
}

// loadSamples reads the samples folder and says what it holds and what it
// skipped.
func loadSamples(ctx context.Context, dir string, w io.Writer) (*samples.Set, error) {
	set, err := samples.Load(ctx, dir, recognize.DefaultLimits)
	if err != nil {
		return nil, err
	}
	for _, s := range set.Skipped {
		fmt.Fprintf(w, "skipped %s\n", s)
	}
	var counts, missing []string
	for d, n := range set.PerLabel() {
		counts = append(counts, fmt.Sprintf("%d:%d", d, n))
		if n == 0 {
			missing = append(missing, fmt.Sprint(d))
		}
	}
	fmt.Fprintf(w, "samples per digit  %s\n", strings.Join(counts, " "))
	if len(missing) > 0 && len(missing) < 10 {
		fmt.Fprintf(w, "no samples of %s: the model keeps reading them as it did\n", strings.Join(missing, ", "))
	}
	return set, nil
}

func describeSource(m *models.Model) string {
	if m.Meta.Source == "embedded" {
		return "the embedded model"
	}
	return m.Meta.Source
}

// printFineTune prints the before and after figures.
func printFineTune(w io.Writer, res *train.FineTuneResult) {
	fmt.Fprintf(w, "%-18s %8s %8s\n", "", "before", "after")
	if res.Config.Folds > 1 {
		fmt.Fprintf(w, "%-18s %7.2f%% %7.2f%%   %d/%d → %d/%d (%d-fold: each read by a model that did not train on it)\n",
			"held-out samples", 100*res.HeldOutBefore.Accuracy, 100*res.HeldOutAfter.Accuracy,
			res.HeldOutBefore.Correct, res.HeldOutBefore.N, res.HeldOutAfter.Correct, res.HeldOutAfter.N, res.Config.Folds)
	}
	fmt.Fprintf(w, "%-18s %7.2f%% %7.2f%%\n", "MNIST test", 100*res.MNISTBefore.Accuracy, 100*res.MNISTAfter.Accuracy)
	if res.Config.Folds > 1 {
		// Which digits moved, for a person to see what was learnt (or
		// lost).
		var moved []string
		for d, row := range res.HeldOutAfter.Confusion {
			n := 0
			for _, v := range row {
				n += v
			}
			if was := res.HeldOutBefore.Confusion[d][d]; was != row[d] {
				moved = append(moved, fmt.Sprintf("%d: %d → %d of %d", d, was, row[d], n))
			}
		}
		if len(moved) > 0 {
			fmt.Fprintf(w, "%-18s %s; the others as before\n", "held-out by digit", strings.Join(moved, ", "))
		}
	}
}
