package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"digitnet/augment"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/nn"
	"digitnet/train"
)

const trainSynopsis = `usage: digitnet train [flags]

Trains the Keras MNIST tutorial's CNN (conv 32 3x3, pool, conv 64 3x3, pool,
dense 128, dense 10; Adam, categorical cross-entropy) on the MNIST training
set, prints the test accuracy and saves the model as a safetensors file.
The defaults are the tutorial's recipe. The same --seed gives the same model
on the same machine. Ctrl-C stops cleanly and leaves --out untouched.`

func runTrain(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("train", trainSynopsis, e)
	data := fs.String("data", "", "folder with the four MNIST files (default: $DIGITNET_DATA, the cache, the Go module cache, then download)")
	epochs := fs.Int("epochs", 5, "passes over the training set")
	batch := fs.Int("batch", 32, "images per gradient step")
	lr := fs.Float64("lr", 0.001, "Adam learning rate")
	seed := fs.Uint64("seed", 1, "random seed for weights, shuffling and augmentation")
	limit := fs.Int("limit", 0, "train on the first N training images only (0: all 60000)")
	aug := fs.Bool("augment", false, "distort training images (shifts, rotations, elastic, stroke width) for robustness to real uploads")
	schedule := fs.String("schedule", train.ScheduleConstant, "learning-rate schedule: constant (the tutorial's) or cosine (decay to 0 over the run)")
	out := fs.String("out", "model.safetensors", "where to write the model")
	extra := fs.String("extra", "", fmt.Sprintf("also train on a person's samples in DIR/0 … DIR/9 (as finetune reads them), each shown %d times per epoch", train.DefaultFineTuneRepeat))
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("train", "unexpected argument %q", fs.Arg(0))
	case *epochs <= 0:
		return usagef("train", "--epochs must be positive, got %d", *epochs)
	case *batch <= 0:
		return usagef("train", "--batch must be positive, got %d", *batch)
	case !(*lr > 0) || *lr > 10:
		return usagef("train", "--lr must be in (0, 10], got %v", *lr)
	case *limit < 0:
		return usagef("train", "--limit must not be negative, got %d", *limit)
	case *schedule != train.ScheduleConstant && *schedule != train.ScheduleCosine:
		return usagef("train", "--schedule must be constant or cosine, got %q", *schedule)
	case *out == "":
		return usagef("train", "--out must name a file")
	}
	if err := checkPath("train", "data", *data, true); err != nil {
		return err
	}
	if err := checkPath("train", "extra", *extra, true); err != nil {
		return err
	}
	if err := checkWritable(*out); err != nil {
		return usagef("train", "--out: %v", err)
	}
	trainSet, testSet, err := loadMNIST(ctx, *data, e)
	if err != nil {
		return err
	}
	cfg := train.Config{Epochs: *epochs, Batch: *batch, Seed: *seed, Limit: *limit, Schedule: *schedule,
		Adam: nn.Adam{LR: *lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}}
	if *aug {
		opt := augment.Default
		cfg.Augment = &opt
	}
	m, err := nn.New(nn.Tutorial(), *seed)
	if err != nil {
		return err
	}
	n := trainSet.N
	if *limit > 0 && *limit < n {
		n = *limit
	}
	if *extra != "" {
		set, err := loadSamples(ctx, *extra, e.stderr)
		if err != nil {
			return err
		}
		cfg.Extra = set.Data
		n += set.Data.N * train.DefaultFineTuneRepeat
	}
	fmt.Fprintf(e.stderr, "training %s\non %d images, %d epochs, batch %d, lr %g (%s), seed %d, augment %v\n",
		nn.Tutorial(), n, *epochs, *batch, *lr, *schedule, *seed, *aug)
	bar := newProgressBar(e.stderr)
	start := time.Now()
	err = train.Fit(ctx, m, trainSet, cfg, bar.update, bar.epochDone)
	if errors.Is(err, context.Canceled) {
		bar.clear()
		return fmt.Errorf("training interrupted; %s was not written", *out)
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	metrics, err := train.Evaluate(m, testSet)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "test accuracy %.2f%% (%d/%d) after %d epochs in %s\n",
		100*metrics.Accuracy, metrics.Correct, metrics.N, *epochs, elapsed.Round(time.Second/10))
	model := &models.Model{Net: m, Meta: models.Meta{
		Input:        models.MNISTInput,
		TestAccuracy: metrics.Accuracy,
		Training: &models.Training{
			Epochs: cfg.Epochs, Batch: cfg.Batch, LR: cfg.Adam.LR, Schedule: cfg.Schedule, Seed: cfg.Seed,
			Images: n, Augment: cfg.Augment != nil, TestAccuracy: metrics.Accuracy, ExtraSamples: extraSamples(cfg),
			Seconds: math.Round(elapsed.Seconds()*10) / 10, Date: time.Now().UTC().Truncate(time.Second), Go: runtime.Version(),
		},
	}}
	if err := models.WriteFile(*out, model); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved %s\n", *out)
	return nil
}

// checkWritable fails early, before minutes of training, when the model
// could not be saved where asked.
func checkWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".digitnet-write-check*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

func loadMNIST(ctx context.Context, dir string, e env) (trainSet, testSet *mnist.Set, err error) {
	// Downloads and warnings only, without timestamps: this is a terminal
	// program, not a service.
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	trainSet, testSet, _, err = mnist.Load(ctx, mnist.Options{Dir: dir, Getenv: e.getenv, Logger: log})
	return trainSet, testSet, err
}

// extraSamples is how many of a person's samples --extra added.
func extraSamples(cfg train.Config) int {
	if cfg.Extra == nil {
		return 0
	}
	return cfg.Extra.N
}
