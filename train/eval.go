package train

import (
	"fmt"
	"math"

	"digitnet/mnist"
	"digitnet/nn"
)

// Metrics are a model's scores on a labelled set.
type Metrics struct {
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"` // fraction in [0,1]
	// Loss is the mean cross-entropy, clipped as in training (and Keras)
	// at -log(1e-7).
	Loss float64 `json:"loss"`
	// Confusion[t][p] counts images of true class t predicted as p.
	Confusion [][]int `json:"confusion"`
	// Precision[c] and Recall[c] are fractions; a class never predicted
	// (or never present) has precision (recall) 0.
	Precision []float64 `json:"precision"`
	Recall    []float64 `json:"recall"`
}

// evalBatch is how many images Evaluate hands to Predict at once.
const evalBatch = 1000

// Evaluate classifies every image of set with m.
func Evaluate(m *nn.Model, set *mnist.Set) (Metrics, error) {
	size := set.Rows * set.Cols
	if m.InputShape().Size() != size {
		return Metrics{}, fmt.Errorf("train: model takes %v inputs, data has %dx%d images", m.InputShape(), set.Rows, set.Cols)
	}
	k := m.Classes()
	mt := Metrics{N: set.N, Confusion: make([][]int, k), Precision: make([]float64, k), Recall: make([]float64, k)}
	for i := range mt.Confusion {
		mt.Confusion[i] = make([]int, k)
	}
	x := make([]float32, evalBatch*size)
	probs := make([]float32, evalBatch*k)
	var loss float64
	for lo := 0; lo < set.N; lo += evalBatch {
		b := min(evalBatch, set.N-lo)
		nn.ScalePixels(x[:b*size], set.Images[lo*size:(lo+b)*size])
		if err := m.Predict(x, b, probs); err != nil {
			return Metrics{}, err
		}
		for i := 0; i < b; i++ {
			truth := int(set.Labels[lo+i])
			if truth >= k {
				return Metrics{}, fmt.Errorf("train: label %d of image %d out of range for %d classes", truth, lo+i, k)
			}
			p := probs[i*k : (i+1)*k]
			mt.Confusion[truth][nn.Argmax(p)]++
			loss -= math.Log(max(float64(p[truth]), 1e-7))
		}
	}
	mt.tally()
	if mt.N > 0 {
		mt.Loss = loss / float64(mt.N)
	}
	return mt, nil
}

// tally fills in Correct, Accuracy, Precision and Recall from N and
// Confusion.
func (mt *Metrics) tally() {
	k := len(mt.Confusion)
	mt.Correct = 0
	for c := 0; c < k; c++ {
		var predicted, actual int
		for o := 0; o < k; o++ {
			predicted += mt.Confusion[o][c]
			actual += mt.Confusion[c][o]
		}
		mt.Correct += mt.Confusion[c][c]
		if predicted > 0 {
			mt.Precision[c] = float64(mt.Confusion[c][c]) / float64(predicted)
		}
		if actual > 0 {
			mt.Recall[c] = float64(mt.Confusion[c][c]) / float64(actual)
		}
	}
	if mt.N > 0 {
		mt.Accuracy = float64(mt.Correct) / float64(mt.N)
	}
}
