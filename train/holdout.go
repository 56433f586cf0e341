package train

import (
	"fmt"
	"math"

	"digitnet/mnist"
)

// Holdout splits the first n images of set (all of them when n is 0) into
// the images to train on and a last fraction to validate on. Like Keras'
// validation_split, the validation images are the last ones, taken before
// any shuffling, so the split is the same every epoch and every run. Both
// parts share memory with set.
func Holdout(set *mnist.Set, n int, fraction float64) (fit, val *mnist.Set, err error) {
	if n == 0 {
		n = set.N
	}
	switch {
	case n < 0 || n > set.N:
		return nil, nil, fmt.Errorf("train: %d images asked for, the set has %d", n, set.N)
	case !(fraction >= 0 && fraction < 1):
		return nil, nil, fmt.Errorf("train: validation fraction %v is not in [0, 1)", fraction)
	}
	nVal := int(math.Round(float64(n) * fraction))
	if fraction > 0 && (nVal == 0 || nVal == n) {
		return nil, nil, fmt.Errorf("train: a validation fraction of %v of %d images leaves %d to validate and %d to train on", fraction, n, nVal, n-nVal)
	}
	return sliceSet(set, 0, n-nVal), sliceSet(set, n-nVal, n), nil
}

// sliceSet returns images lo to hi-1 of set, sharing its memory.
func sliceSet(set *mnist.Set, lo, hi int) *mnist.Set {
	size := set.Rows * set.Cols
	return &mnist.Set{
		Images: set.Images[lo*size : hi*size : hi*size],
		Labels: set.Labels[lo:hi:hi],
		N:      hi - lo,
		Rows:   set.Rows,
		Cols:   set.Cols,
	}
}
