// Package handwriting draws digits as one imaginary person writes them:
// pen strokes with that person's habits (a barred 7, a 1 with a long flag
// and a base, an open 4, a strong slant, a thick marker), varied from one
// digit to the next as real handwriting is.
//
// It exists to measure fine-tuning honestly. A Writer's digits are
// different enough from MNIST that a model trained on MNIST misreads many
// of them, and each call draws a new instance, so a test can give a model
// some of a writer's digits as corrections and measure it on others it has
// never seen. The strokes are defined here, not derived from MNIST, so no
// MNIST image leaks into either set.
package handwriting
