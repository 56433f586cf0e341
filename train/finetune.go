package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"digitnet/augment"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/nn"
)

// FineTuneConfig is a fine-tuning recipe. Zero values pick the defaults,
// which train Folds+1 runs of (Repeat×samples + MNIST)×Epochs images: for
// 100 samples, 6 runs of 9,000.
type FineTuneConfig struct {
	// Epochs is how many passes each run makes (3).
	Epochs int
	// Repeat is how many times an epoch shows each sample, distorted
	// afresh each time (10): a few corrections must weigh against the
	// MNIST images.
	Repeat int
	// MNIST is how many MNIST training images each epoch mixes in, drawn
	// anew each epoch (twice the samples' images, at least 2,000), so the
	// model keeps what it knew.
	MNIST int
	// Folds is k of the k-fold cross-validation that measures accuracy on
	// held-out samples (5): the samples are split into k folds, stratified
	// by digit, and each fold is read by a model tuned on the others. The
	// model returned is then tuned on all samples. Folds = 1 skips the
	// measurement and tunes once.
	Folds int
	// Batch is the minibatch size (32) and LR Adam's learning rate at the
	// start of a run (3e-4), decayed to zero along a half cosine.
	Batch int
	LR    float64
	// Seed fixes the folds, the MNIST images drawn, the shuffling and the
	// distortions: a seed gives the same model on the same machine.
	Seed uint64
	// Augment distorts every training image (augment.Default).
	Augment *augment.Options
	// Shards splits each batch between goroutines (nn.DefaultShards()).
	Shards int
}

// Fine-tuning's defaults; see FineTuneConfig.
const (
	DefaultFineTuneEpochs = 3
	DefaultFineTuneRepeat = 10
	DefaultFineTuneFolds  = 5
	DefaultFineTuneLR     = 3e-4
	minFineTuneMNIST      = 2000
)

// Fine-tuning refuses fewer samples than these: MinSamples in all, and
// MinPerDigit of each digit that has any. A digit without samples is
// fine: the MNIST images keep it as the base model reads it.
const (
	MinSamples  = 10
	MinPerDigit = 3
)

func (c FineTuneConfig) withDefaults(samples int) FineTuneConfig {
	if c.Epochs <= 0 {
		c.Epochs = DefaultFineTuneEpochs
	}
	if c.Repeat <= 0 {
		c.Repeat = DefaultFineTuneRepeat
	}
	if c.MNIST <= 0 {
		c.MNIST = max(minFineTuneMNIST, 2*c.Repeat*samples)
	}
	if c.Folds <= 0 {
		c.Folds = DefaultFineTuneFolds
	}
	if c.Batch <= 0 {
		c.Batch = 32
	}
	if !(c.LR > 0) {
		c.LR = DefaultFineTuneLR
	}
	if c.Augment == nil {
		opt := augment.Default
		c.Augment = &opt
	}
	return c
}

// ErrTooFewSamples is wrapped by the *TooFewError FineTune returns.
var ErrTooFewSamples = errors.New("too few samples to fine-tune on")

// TooFewError says which digits need more samples.
type TooFewError struct {
	PerLabel [10]int
}

func (e *TooFewError) Unwrap() error { return ErrTooFewSamples }

func (e *TooFewError) Error() string {
	var b strings.Builder
	total := 0
	for _, n := range e.PerLabel {
		total += n
	}
	fmt.Fprintf(&b, "fine-tuning needs at least %d samples of each digit it learns and %d in all", MinPerDigit, MinSamples)
	var short []string
	for d, n := range e.PerLabel {
		if n > 0 && n < MinPerDigit {
			short = append(short, fmt.Sprintf("%d has %d (add %d more)", d, n, MinPerDigit-n))
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(&b, "; digit %s", strings.Join(short, ", digit "))
	}
	if total < MinSamples {
		fmt.Fprintf(&b, "; there are %d in all (add %d more)", total, MinSamples-total)
	}
	return b.String()
}

// CheckSamples returns a *TooFewError when samples with these counts per
// digit are too few to fine-tune on (see MinSamples and MinPerDigit), so
// that a caller can refuse before loading anything else.
func CheckSamples(perLabel [10]int) error {
	total := 0
	for _, n := range perLabel {
		total += n
		if n > 0 && n < MinPerDigit {
			return &TooFewError{PerLabel: perLabel}
		}
	}
	if total < MinSamples {
		return &TooFewError{PerLabel: perLabel}
	}
	return nil
}

// FineTuneProgress is reported after each training step and between
// stages.
type FineTuneProgress struct {
	// Stage says what is happening, for people: "measuring the base
	// model", "fold 2 of 5", "tuning on all samples", "measuring the
	// tuned model".
	Stage string
	// Run counts the training runs from 1 to Runs (Folds+1, or 1 when
	// Folds is 1); it is 0 while measuring, before the first run and
	// after the last.
	Run, Runs int
	// Done and Total count the images of this run; Loss and Accuracy are
	// running means over them.
	Done, Total    int
	Loss, Accuracy float64
	// Fraction is how much of the whole job is done, from 0 to 1.
	Fraction float64
	// Elapsed is the time since FineTune started, RunElapsed since this
	// run did.
	Elapsed, RunElapsed time.Duration
}

// FineTuneResult is a fine-tuned model and what it was measured at.
type FineTuneResult struct {
	// Model is the base model tuned on all samples, its metadata saying
	// so (Meta.Training.FineTune); its Source is empty.
	Model *models.Model
	// HeldOutBefore is the base model on every sample; HeldOutAfter each
	// sample read by the fold's model that did not train on it (both zero
	// when Folds is 1). The confusion matrices show which digits moved.
	HeldOutBefore, HeldOutAfter Metrics
	// MNISTBefore and MNISTAfter are the base and the tuned model on the
	// MNIST test set.
	MNISTBefore, MNISTAfter Metrics
	// Config is the recipe used, defaults filled in.
	Config FineTuneConfig
}

// FineTune adapts base to a person's handwriting. samples holds their
// digits prepared as model inputs (28x28, as package samples loads them);
// mnistTrain is mixed into training so the model keeps reading MNIST-like
// digits, and mnistTest measures that it does. base is not changed.
//
// It refuses too few samples with a *TooFewError. progress, if not nil, is
// called after each training step. Cancelling ctx stops it within a step
// and returns ctx.Err().
func FineTune(ctx context.Context, base *models.Model, samples, mnistTrain, mnistTest *mnist.Set, cfg FineTuneConfig, progress func(FineTuneProgress)) (*FineTuneResult, error) {
	start := time.Now()
	var perLabel [10]int
	for i, l := range samples.Labels[:samples.N] {
		if l > 9 {
			return nil, fmt.Errorf("train: sample %d has label %d", i, l)
		}
		perLabel[l]++
	}
	if err := CheckSamples(perLabel); err != nil {
		return nil, err
	}
	for _, s := range []*mnist.Set{samples, mnistTrain, mnistTest} {
		if s.Rows != 28 || s.Cols != 28 {
			return nil, fmt.Errorf("train: fine-tuning needs 28x28 images, got %dx%d", s.Rows, s.Cols)
		}
	}
	cfg = cfg.withDefaults(samples.N)
	if mnistTrain.N < cfg.MNIST {
		return nil, fmt.Errorf("train: %d MNIST images per epoch asked, the training set has %d", cfg.MNIST, mnistTrain.N)
	}
	res := &FineTuneResult{Config: cfg}
	runs := 1
	if cfg.Folds > 1 {
		runs = cfg.Folds + 1
	}
	// Every run trains on about the same number of images; measuring is
	// cheap beside them.
	report := func(p FineTuneProgress) {
		if progress == nil {
			return
		}
		p.Runs = runs
		p.Elapsed = time.Since(start)
		if p.Run > 0 && p.Total > 0 {
			p.Fraction = (float64(p.Run-1) + float64(p.Done)/float64(p.Total)) / float64(runs)
		}
		progress(p)
	}

	report(FineTuneProgress{Stage: "measuring the base model"})
	var err error
	if res.MNISTBefore, err = Evaluate(base.Net, mnistTest); err != nil {
		return nil, err
	}
	if cfg.Folds > 1 {
		if res.HeldOutBefore, err = Evaluate(base.Net, samples); err != nil {
			return nil, err
		}
		// Each fold's model reads its fold; the counts add up to one
		// reading of every sample.
		res.HeldOutAfter = res.HeldOutBefore
		res.HeldOutAfter.Confusion = make([][]int, 10)
		for i := range res.HeldOutAfter.Confusion {
			res.HeldOutAfter.Confusion[i] = make([]int, 10)
		}
		res.HeldOutAfter.Precision, res.HeldOutAfter.Recall = make([]float64, 10), make([]float64, 10)
		folds := stratifiedFolds(samples, cfg.Folds, cfg.Seed)
		for f := range cfg.Folds {
			var trainIdx, heldIdx []int
			for i, fi := range folds {
				if fi == f {
					heldIdx = append(heldIdx, i)
				} else {
					trainIdx = append(trainIdx, i)
				}
			}
			if len(heldIdx) == 0 {
				continue
			}
			stage := fmt.Sprintf("fold %d of %d", f+1, cfg.Folds)
			net, err := tune(ctx, base.Net, samples, trainIdx, mnistTrain, cfg, uint64(f+1), func(p FineTuneProgress) {
				p.Stage, p.Run = stage, f+1
				report(p)
			})
			if err != nil {
				return nil, err
			}
			mt, err := Evaluate(net, subset(samples, heldIdx))
			if err != nil {
				return nil, err
			}
			for t, row := range mt.Confusion {
				for p, v := range row {
					res.HeldOutAfter.Confusion[t][p] += v
				}
			}
		}
		res.HeldOutAfter.tally()
	}
	all := make([]int, samples.N)
	for i := range all {
		all[i] = i
	}
	net, err := tune(ctx, base.Net, samples, all, mnistTrain, cfg, 0, func(p FineTuneProgress) {
		p.Stage, p.Run = "tuning on all samples", runs
		report(p)
	})
	if err != nil {
		return nil, err
	}
	report(FineTuneProgress{Stage: "measuring the tuned model", Fraction: 1})
	if res.MNISTAfter, err = Evaluate(net, mnistTest); err != nil {
		return nil, err
	}

	var tr models.Training
	if base.Meta.Training != nil {
		tr = *base.Meta.Training
	}
	tr.TestAccuracy = res.MNISTAfter.Accuracy
	tr.FineTune = &models.FineTune{
		Base: base.Meta.SHA256, Samples: samples.N, PerLabel: perLabel,
		Epochs: cfg.Epochs, Repeat: cfg.Repeat, MNIST: cfg.MNIST, LR: cfg.LR, Seed: cfg.Seed, Folds: cfg.Folds,
		HeldOutBefore: res.HeldOutBefore.Accuracy, HeldOutAfter: res.HeldOutAfter.Accuracy,
		MNISTBefore: res.MNISTBefore.Accuracy, MNISTAfter: res.MNISTAfter.Accuracy,
		Seconds: math.Round(time.Since(start).Seconds()*10) / 10,
		Date:    time.Now().UTC().Truncate(time.Second),
	}
	if tr.FineTune.Base == "" {
		tr.FineTune.Base = models.WeightsSHA256(base.Net.Params)
	}
	input := base.Meta.Input
	if input == (models.Input{}) {
		input = models.MNISTInput
	}
	res.Model = &models.Model{Net: net, Meta: models.Meta{
		Input:        input,
		TestAccuracy: res.MNISTAfter.Accuracy,
		Training:     &tr,
		SHA256:       models.WeightsSHA256(net.Params),
	}}
	return res, nil
}

// tune trains a copy of base on the samples idx mixed with MNIST, as one
// run of cfg; run numbers the run for the seeds.
func tune(ctx context.Context, base *nn.Model, samples *mnist.Set, idx []int, mnistTrain *mnist.Set, cfg FineTuneConfig, run uint64, progress func(FineTuneProgress)) (*nn.Model, error) {
	net, err := nn.Build(base.Spec())
	if err != nil {
		return nil, err
	}
	copy(net.Params, base.Params)
	seed := cfg.Seed ^ run<<48
	set := &mnist.Set{Rows: 28, Cols: 28}
	for e := range cfg.Epochs {
		rng := rand.New(rand.NewPCG(seed, uint64(e)))
		appendImages(set, mnistTrain, rng.Perm(mnistTrain.N)[:cfg.MNIST], 1)
		appendImages(set, samples, idx, cfg.Repeat)
	}
	// One pass over all epochs' images, shuffled together: the MNIST
	// images differ from epoch to epoch, and Adam's state and the cosine
	// schedule span the whole run.
	fit := Config{Epochs: 1, Batch: cfg.Batch, Seed: seed, Augment: cfg.Augment, Shards: cfg.Shards,
		Schedule: ScheduleCosine, Adam: nn.Adam{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}}
	start := time.Now()
	err = Fit(ctx, net, set, fit, func(p Progress) {
		if progress != nil {
			progress(FineTuneProgress{Done: p.Done, Total: p.Total, Loss: p.Loss, Accuracy: p.Accuracy, RunElapsed: time.Since(start)})
		}
	}, nil)
	if err != nil {
		return nil, err
	}
	return net, nil
}

// appendImages appends the images idx of src to dst, each times times.
func appendImages(dst, src *mnist.Set, idx []int, times int) {
	for _, i := range idx {
		for range times {
			dst.Images = append(dst.Images, src.Image(i)...)
			dst.Labels = append(dst.Labels, src.Labels[i])
			dst.N++
		}
	}
}

// withExtra returns a set of the first n images of set, then each image
// of extra repeated times (DefaultFineTuneRepeat if 0): Config.Extra.
func withExtra(set *mnist.Set, n int, extra *mnist.Set, repeat int) (*mnist.Set, error) {
	if extra.Rows != set.Rows || extra.Cols != set.Cols {
		return nil, fmt.Errorf("train: extra images are %dx%d, the training set's %dx%d", extra.Rows, extra.Cols, set.Rows, set.Cols)
	}
	if repeat <= 0 {
		repeat = DefaultFineTuneRepeat
	}
	size := set.Rows * set.Cols
	out := &mnist.Set{Rows: set.Rows, Cols: set.Cols, N: n,
		Images: append(make([]byte, 0, (n+extra.N*repeat)*size), set.Images[:n*size]...),
		Labels: append(make([]byte, 0, n+extra.N*repeat), set.Labels[:n]...)}
	all := make([]int, extra.N)
	for i := range all {
		all[i] = i
	}
	appendImages(out, extra, all, repeat)
	return out, nil
}

// subset returns the images idx of s.
func subset(s *mnist.Set, idx []int) *mnist.Set {
	out := &mnist.Set{Rows: s.Rows, Cols: s.Cols}
	appendImages(out, s, idx, 1)
	return out
}

// stratifiedFolds assigns each image of s to one of k folds so that every
// digit's images spread evenly over the folds: fold[i] for image i.
func stratifiedFolds(s *mnist.Set, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x666f6c6473))
	fold := make([]int, s.N)
	next := 0 // the fold the next digit's first image goes to, so folds stay level
	for d := range byte(10) {
		var idx []int
		for i, l := range s.Labels[:s.N] {
			if l == d {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			fold[i] = next % k
			next++
		}
	}
	return fold
}
