// Package train fits an nn.Model to a labelled image set and measures it:
// the epoch loop (shuffling, optional augmentation, minibatches, progress,
// cancellation) and evaluation (accuracy, per-class precision and recall,
// confusion matrix). Extra data can be mixed into every epoch: digits in
// handwriting styles MNIST lacks and non-digits labelled nn.NoClass for
// outlier exposure (MixSources). FitMeasured is the run `digitnet train`
// makes: Fit with a measurement after every epoch, in the figures a model
// file keeps.
package train
