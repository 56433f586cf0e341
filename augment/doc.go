// Package augment makes training-time variations of 28x28 MNIST digits, so a
// model trained on them reads real uploads (slanted, rotated, thick or thin
// strokes, off-centre) and not only the tidy MNIST test set.
//
// Images are []float32 of length 784 (Size*Size), row-major, values in
// [0,1], white ink on black as in MNIST. The transforms are:
//
//   - an affine map (shift, rotation, scale, shear) sampled bilinearly with
//     zero outside the image: [NewTransform] and [Warp];
//   - stroke thickening or thinning by blending a grey-level dilation or
//     erosion with a plus-shaped element: [Morph];
//   - elastic distortion after Simard, Steinkraus and Platt, "Best Practices
//     for Convolutional Neural Networks Applied to Visual Document Analysis"
//     (ICDAR 2003), section 2: uniform noise fields smoothed by a Gaussian and
//     scaled by alpha, used as per-pixel displacements in the same [Warp];
//   - a mild tone curve standing in for gamma jitter: [Gamma].
//
// It also makes training data MNIST lacks: digits in the handwriting styles
// of [StyleDigits] drawn from stroke templates ([StyleDigit]), MNIST digits
// given the marks of those styles ([Restyle]: a flag on a 1, a bar across a
// 7, a slash through a 0), and non-digits for outlier exposure ([Outlier]:
// letters in the Go fonts, strokes, figures, scribbles, blobs, speckle).
// The evaluation sets of package internal/fixtures draw theirs with other
// templates, another pen and other fonts.
//
// [Augmenter.Apply] draws random parameters and combines them in one pass
// over the pixels: about 11 µs of CPU per image with Default (one core of
// a 2-vCPU EPYC, under load) and no allocations, cheap enough to
// run on every image of every epoch.
//
// # Determinism
//
// All randomness comes from the caller's *rand.Rand (math/rand/v2). With
// the same Options, the same input and a generator in the same state, for
// example rand.New(rand.NewPCG(seed, stream)), Apply writes the same output
// every time on a given platform. Results may differ in the last bits
// between architectures, since Go may fuse multiply-adds on some of them.
//
// # Concurrency
//
// An Augmenter owns its scratch buffers, so it must not be used by several
// goroutines at once; give each worker its own Augmenter (New is cheap:
// about 20 KB) and its own *rand.Rand, which is not safe for concurrent use
// either. The package-level functions are safe for concurrent use.
package augment
