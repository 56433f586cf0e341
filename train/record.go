package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"digitnet/mnist"
	"digitnet/models"
	"digitnet/nn"
)

// MixSources returns the training sources beyond MNIST that mix asks for,
// set being the MNIST training set the restyled and rendered digits come
// from. The banks (outliers, rendered styles, rendered digits) are drawn
// once, from seed, so a seed gives the same mix.
func MixSources(set *mnist.Set, mix models.Mix, seed uint64) ([]Source, error) {
	var srcs []Source
	if mix.Styles > 0 {
		srcs = append(srcs, Styles{N: mix.Styles})
	}
	if mix.Restyled > 0 {
		srcs = append(srcs, NewRestyled(set, mix.Restyled))
	}
	for _, bank := range []struct {
		n    int
		draw func() (*Bank, error)
	}{
		{mix.Outliers, func() (*Bank, error) { return NewOutliers(mix.Outliers, seed) }},
		{mix.RenderedStyles, func() (*Bank, error) { return NewRenderedStyles(mix.RenderedStyles, seed) }},
		{mix.Rendered, func() (*Bank, error) { return NewRendered(set, mix.Rendered, seed) }},
	} {
		if bank.n > 0 {
			b, err := bank.draw()
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, b)
		}
	}
	return srcs, nil
}

// FitMeasured is Fit with a measurement after every epoch, as Keras does
// with validation data: m is evaluated on measure, and the epoch's figures
// go to epoch (when not nil) as a model file keeps them, measure's loss and
// accuracy as validation figures when validation is true and as test
// figures otherwise. Evaluating only reads the weights, and Fit's random
// streams are its own, so the trained model is bit for bit the one Fit
// alone gives. An error from epoch stops the run after that epoch and is
// returned. FitMeasured returns every epoch's figures and the last
// measurement.
func FitMeasured(ctx context.Context, m *nn.Model, set, measure *mnist.Set, cfg Config, validation bool,
	progress func(Progress), epoch func(models.Epoch) error) ([]models.Epoch, Metrics, error) {
	// Fit's epoch callback returns nothing, so a failure stops the run
	// through this context instead.
	fitCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var history []models.Epoch
	var last Metrics
	err := Fit(fitCtx, m, set, cfg, progress, func(r EpochResult) {
		mt, err := Evaluate(m, measure)
		if err != nil {
			stop(fmt.Errorf("train: measure epoch %d: %w", r.Epoch, err))
			return
		}
		last = mt
		ep := models.Epoch{Epoch: r.Epoch, Loss: r.Loss, Accuracy: r.Accuracy,
			Seconds: r.Duration.Seconds(), ImagesPerSec: float64(r.Images) / r.Duration.Seconds()}
		if validation {
			ep.ValLoss, ep.ValAccuracy = mt.Loss, mt.Accuracy
		} else {
			ep.TestLoss, ep.TestAccuracy = mt.Loss, mt.Accuracy
		}
		ep = roundEpoch(ep)
		history = append(history, ep)
		if epoch != nil {
			if err := epoch(ep); err != nil {
				stop(err)
			}
		}
	})
	// A failed measurement or callback cancelled fitCtx: its cause is the
	// error, not the context.Canceled Fit saw. A cancelled ctx stays
	// context.Canceled.
	if cause := context.Cause(fitCtx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	}
	return history, last, err
}

// roundEpoch keeps an epoch's figures to the digits that mean something,
// so logs and model files stay short.
func roundEpoch(ep models.Epoch) models.Epoch {
	round := func(v float64, digits float64) float64 {
		p := math.Pow(10, digits)
		return math.Round(v*p) / p
	}
	return models.Epoch{Epoch: ep.Epoch,
		Loss: round(ep.Loss, 6), Accuracy: round(ep.Accuracy, 6),
		ValLoss: round(ep.ValLoss, 6), ValAccuracy: round(ep.ValAccuracy, 6),
		TestLoss: round(ep.TestLoss, 6), TestAccuracy: round(ep.TestAccuracy, 6),
		Seconds: round(ep.Seconds, 3), ImagesPerSec: round(ep.ImagesPerSec, 0)}
}
