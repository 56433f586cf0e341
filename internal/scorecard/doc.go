// Package scorecard measures how a model reads what people upload: the
// sets of issue 11 (handwriting styles MNIST lacks, non-digits, user-like
// renderings of MNIST test digits, numbers), their preparation by package
// imgproc, and the figures: accuracy per style, the share of non-digits
// flagged as uncertain, the share of digits flagged, wrong readings left
// unflagged, numbers read whole, and the calibration of confidence.
//
// Every set has two halves drawn from disjoint generator streams (and, for
// MNIST digits, disjoint halves of the test set): recognize.Doubt's limits
// are tuned on one (Tune) and every figure is reported on the other
// (Report). Training never sees either: package augment draws its own
// styles and non-digits with another pen, other templates and other fonts.
// cmd/digitnet-reading prints the figures.
package scorecard
