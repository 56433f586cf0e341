package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"time"

	"digitnet/augment"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/nn"
	"digitnet/plot"
	"digitnet/train"
)

const trainSynopsis = `usage: digitnet train [flags]

Trains the Keras MNIST tutorial's CNN (conv 32 3x3, pool, conv 64 3x3, pool,
dense 128, dense 10; Adam, categorical cross-entropy) on the MNIST training
set, prints the test accuracy and saves the model as a safetensors file.
The defaults are the tutorial's recipe. The same --seed gives the same model
on the same machine.

After each epoch it measures the model, as Keras does with validation
data: on the 10,000 test images by default (watching only: nothing is
tuned on them), or on the last --validation fraction of the training
images, which are then not trained on. The progress bar's ETA is for the
whole run. The model file keeps every epoch's figures (--plot draws them)
and the final confusion matrix.

The embedded model adds the handwriting styles MNIST lacks and non-digits
(so that it can say "not a digit"), and a deskew in front of the network;
this reproduces it bit for bit, on a CPU with the same kernel (AVX-512),
in 5 to 11 minutes on 2 cores:

  digitnet train --epochs 18 --augment --deskew --schedule cosine --seed 1 \
    --styles 12000 --restyled 6000 --outliers 12000 --rendered-styles 12000

An existing --out is kept unless --force is given; --out is checked
before any work starts. Ctrl-C stops cleanly and leaves --out untouched.`

func runTrain(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("train", trainSynopsis, e)
	data := fs.String("data", "", "folder `DIR` with the four MNIST files (default: $DIGITNET_DATA, the cache, the Go module cache, then download)")
	epochs := fs.Int("epochs", 5, "`N` passes over the training set")
	batch := fs.Int("batch", 32, "`N` images per gradient step")
	lr := fs.Float64("lr", 0.001, "Adam learning `RATE`")
	seed := fs.Uint64("seed", 1, "random seed `N` for weights, shuffling and augmentation")
	limit := fs.Int("limit", 0, "use the first `N` training images only (0: all 60000)")
	validation := fs.Float64("validation", 0, "hold out this `FRACTION` of the training images (the last ones, as Keras' validation_split) and measure each epoch on them instead of the test set")
	aug := fs.Bool("augment", false, "distort training images (shifts, rotations, elastic, stroke width) for robustness to real uploads")
	schedule := fs.String("schedule", train.ScheduleConstant, "learning-rate `SCHEDULE`: constant (the tutorial's) or cosine (decay to 0 over the run)")
	out := fs.String("out", "model.safetensors", "model `FILE` to write")
	force := fs.Bool("force", false, "replace --out if it exists")
	logPath := fs.String("log", "", "write one JSON line per epoch to `FILE`: epoch, loss, accuracy, test_loss and test_accuracy (or val_loss and val_accuracy), seconds, images_per_sec")
	plotPath := fs.String("plot", "", "draw the loss and accuracy curves into SVG `FILE`")
	quiet := fs.Bool("quiet", false, "print the results only: no progress bar, no per-epoch lines")
	styles := fs.Int("styles", 0, "add `N` digits per epoch in handwriting styles MNIST lacks (flagged 1, crossed 7, flat-topped 6, open 4, ...), drawn afresh each epoch")
	restyled := fs.Int("restyled", 0, "add `N` MNIST 1s, 7s and 0s per epoch with a style's marks added (flags and bases, bars, slashes)")
	outliers := fs.Int("outliers", 0, "add `N` non-digits per epoch (strokes, shapes, tangles, blobs) taught as \"none of the ten\", so the model spreads its probabilities on what is not a digit")
	renderedStyles := fs.Int("rendered-styles", 0, "add `N` style digits drawn large and prepared as uploads are")
	rendered := fs.Int("rendered", 0, "add `N` MNIST training digits drawn large on paper and prepared as uploads are, so the model learns what preparation makes of a digit")
	deskew := fs.Bool("deskew", false, "shear each image halfway to upright before the network (a deskew layer without parameters), so slant costs the network less and a slanted European 1 is less often taken for a 7")
	extra := fs.String("extra", "", fmt.Sprintf("also train on a person's samples in `DIR`/0 … DIR/9 (as finetune reads them), each shown %d times per epoch", train.DefaultFineTuneRepeat))
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
	case !(*validation >= 0 && *validation < 1):
		return usagef("train", "--validation must be a fraction in [0, 1), e.g. 0.1, got %v", *validation)
	case *schedule != train.ScheduleConstant && *schedule != train.ScheduleCosine:
		return usagef("train", "--schedule must be constant or cosine, got %q", *schedule)
	case *out == "":
		return usagef("train", "--out must name a file")
	case *styles < 0 || *restyled < 0 || *outliers < 0 || *renderedStyles < 0 || *rendered < 0:
		return usagef("train", "--styles, --restyled, --outliers, --rendered-styles and --rendered must not be negative")
	}
	if err := checkPath("train", "data", *data, true); err != nil {
		return err
	}
	if err := checkPath("train", "extra", *extra, true); err != nil {
		return err
	}
	if err := checkOutput("train", "out", *out, !*force); err != nil {
		return err
	}
	for _, o := range []struct{ flag, path string }{{"log", *logPath}, {"plot", *plotPath}} {
		if o.path == "" {
			continue
		}
		if err := checkOutput("train", o.flag, o.path, false); err != nil {
			return err
		}
	}
	stderr := e.stderr
	if *quiet {
		stderr = io.Discard
	}
	trainSet, testSet, err := loadMNIST(ctx, *data, e, *quiet)
	if err != nil {
		return err
	}
	if *limit > trainSet.N {
		return usagef("train", "--limit %d is more than the %d training images", *limit, trainSet.N)
	}
	fitSet, measureSet := trainSet, testSet
	measured := "test"
	cfg := train.Config{Epochs: *epochs, Batch: *batch, Seed: *seed, Limit: *limit, Schedule: *schedule,
		Adam: nn.Adam{LR: *lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}}
	if *validation > 0 {
		fitSet, measureSet, err = train.Holdout(trainSet, *limit, *validation)
		if err != nil {
			return usagef("train", "--validation %v: %v", *validation, err)
		}
		cfg.Limit = 0 // Holdout applied it
		measured = "validation"
	}
	if *aug {
		opt := augment.Default
		cfg.Augment = &opt
	}
	spec := nn.Tutorial()
	if *deskew {
		spec = spec.Deskewed()
	}
	m, err := nn.New(spec, *seed)
	if err != nil {
		return err
	}
	n := fitSet.N
	if cfg.Limit > 0 {
		n = cfg.Limit
	}
	mix := models.Mix{Styles: *styles, Restyled: *restyled, Outliers: *outliers, RenderedStyles: *renderedStyles, Rendered: *rendered}
	if cfg.Mix, err = train.MixSources(fitSet, mix, *seed); err != nil {
		return fmt.Errorf("draw the training mix: %w", err)
	}
	for _, src := range cfg.Mix {
		n += src.Len()
	}
	if *extra != "" {
		set, err := loadSamples(ctx, *extra, stderr)
		if err != nil {
			return err
		}
		cfg.Extra = set.Data
		n += set.Data.N * train.DefaultFineTuneRepeat
	}
	var epochLog io.Writer
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		defer f.Close()
		epochLog = f
	}

	fmt.Fprintf(stderr, "training %s\non %d images, %s, batch %d, lr %g (%s), seed %d, augment %v; measuring each epoch on %d %s images\n",
		spec, n, count(*epochs, "epoch"), *batch, *lr, *schedule, *seed, *aug, measureSet.N, measured)
	bar := newProgressBar(stderr)
	start := time.Now()
	history, last, err := train.FitMeasured(ctx, m, fitSet, measureSet, cfg, *validation > 0, bar.update, func(ep models.Epoch) error {
		bar.epochDone(ep, *epochs, measured)
		if epochLog == nil {
			return nil
		}
		if err := writeEpochLine(epochLog, ep); err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		return nil
	})
	if errors.Is(err, context.Canceled) {
		bar.clear()
		return interrupted(fmt.Sprintf("%s was not written", *out))
	}
	if err != nil {
		return err
	}
	final := last
	if *validation > 0 {
		if final, err = train.Evaluate(m, testSet); err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(e.stdout, "test accuracy %.2f%% (%d/%d) after %s in %s\n",
		100*final.Accuracy, final.Correct, final.N, count(*epochs, "epoch"), elapsed.Round(time.Second/10))
	model := &models.Model{Net: m, Meta: models.Meta{
		Input:        models.MNISTInput,
		TestAccuracy: final.Accuracy,
		Training: &models.Training{
			Epochs: cfg.Epochs, Batch: cfg.Batch, LR: cfg.Adam.LR, Schedule: cfg.Schedule, Seed: cfg.Seed,
			Images: n, Augment: cfg.Augment != nil, Validation: *validation,
			TestAccuracy: final.Accuracy, TestConfusion: final.Confusion, ExtraSamples: extraSamples(cfg),
			Mix:     mixMeta(mix),
			Seconds: math.Round(elapsed.Seconds()*10) / 10, Date: time.Now().UTC().Truncate(time.Second), Go: runtime.Version(),
			History: history,
		},
	}}
	if err := models.WriteFile(*out, model); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved %s\n", *out)
	if *plotPath != "" {
		if err := writePlot(*plotPath, func(w io.Writer) error { return plot.Curves(w, history) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "drew %s\n", *plotPath)
	}
	return nil
}

// mixMeta is mix as the model's metadata keeps it: nothing for MNIST alone.
func mixMeta(mix models.Mix) *models.Mix {
	if mix == (models.Mix{}) {
		return nil
	}
	return &mix
}

// count says "1 epoch", "5 epochs".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeEpochLine appends one JSON line to the --log file. Each line is
// written whole, so a reader (tail -f, a notebook) never sees half a line.
func writeEpochLine(w io.Writer, ep models.Epoch) error {
	b, err := json.Marshal(ep)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// loadMNIST finds (or downloads) MNIST. quiet keeps warnings only.
func loadMNIST(ctx context.Context, dir string, e env, quiet bool) (trainSet, testSet *mnist.Set, err error) {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	// Downloads and warnings only, without timestamps: this is a terminal
	// program, not a service.
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		Level: level,
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
