package models

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"time"

	"digitnet/nn"
)

// Model is a network and what is known about it.
type Model struct {
	Net  *nn.Model
	Meta Meta
}

// Meta is what a model file says about its network.
type Meta struct {
	// Input describes the inputs the network was trained on.
	Input Input `json:"input"`
	// TestAccuracy is the MNIST test accuracy measured when the model was
	// made, from 0 to 1; 0 when unknown.
	TestAccuracy float64 `json:"test_accuracy"`
	// Training is how the network was trained; nil when the file does not
	// say.
	Training *Training `json:"training,omitempty"`
	// SHA256 names the weights: the hex SHA-256 of Net.Params as
	// little-endian float32, whatever file they came from. Writing stores
	// it; reading checks a stored one and refuses a file whose weights do
	// not match.
	SHA256 string `json:"sha256"`
	// Format is the file format the model was read from ("safetensors"),
	// and Source where from ("embedded" or a path). Neither is stored.
	Format string `json:"format,omitempty"`
	Source string `json:"source,omitempty"`
}

// Input describes what a network takes: the "input" metadata of a file.
type Input struct {
	Shape      [3]int `json:"shape"`
	Layout     string `json:"layout"`
	Scale      string `json:"scale"`
	Polarity   string `json:"polarity"`
	Preprocess string `json:"preprocess"`
}

// MNISTInput is what every digitnet model takes: a 28x28 grey image, white
// ink on black, prepared as MNIST was and scaled by nn.ScalePixels.
var MNISTInput = Input{
	Shape:      [3]int{28, 28, 1},
	Layout:     "NHWC",
	Scale:      "pixel/255",
	Polarity:   "white ink on black",
	Preprocess: "MNIST: ink fitted in 20x20, centre of mass at (14,14)",
}

// Training is how a network was trained: the "training" metadata of a
// file.
type Training struct {
	Epochs   int     `json:"epochs"`
	Batch    int     `json:"batch"`
	LR       float64 `json:"lr"`
	Schedule string  `json:"schedule"`
	Seed     uint64  `json:"seed"`
	// Images is how many training images an epoch used.
	Images  int  `json:"images"`
	Augment bool `json:"augment"`
	// Validation is the fraction of the training images held out to
	// measure each epoch (0: the epochs were measured on the test set).
	Validation float64 `json:"validation,omitempty"`
	// TestAccuracy is the MNIST test accuracy at the end of training.
	TestAccuracy float64 `json:"test_accuracy"`
	// TestConfusion is the MNIST test set's confusion matrix at the end of
	// training: TestConfusion[t][p] counts images of digit t read as p.
	TestConfusion [][]int   `json:"test_confusion,omitempty"`
	Seconds       float64   `json:"seconds"`
	Date          time.Time `json:"date"`
	// Go is the Go version that built the trainer.
	Go string `json:"go"`
	// History has one record per epoch, in order.
	History []Epoch `json:"history,omitempty"`

	// ExtraSamples is how many of a person's samples were added to MNIST
	// (`digitnet train --extra`); Images counts them as often as shown.
	ExtraSamples int `json:"extra_samples,omitempty"`
	// Mix says how many images of each kind beyond MNIST an epoch added
	// (`digitnet train --styles, --restyled, --outliers, --rendered-styles, --rendered`).
	Mix *Mix `json:"mix,omitempty"`
	// FineTune, when set, says that the network is another model
	// fine-tuned on a person's samples; the fields above then describe
	// how that base model was trained.
	FineTune *FineTune `json:"fine_tune,omitempty"`
}

// Mix counts the images beyond MNIST in each epoch of training.
type Mix struct {
	// Styles are digits in handwriting styles MNIST lacks, drawn afresh.
	Styles int `json:"styles,omitempty"`
	// Restyled are MNIST digits with a style's marks added (flags, bars).
	Restyled int `json:"restyled,omitempty"`
	// Outliers are non-digits taught as "none of the ten".
	Outliers int `json:"outliers,omitempty"`
	// RenderedStyles are styles drawn large and prepared as uploads.
	RenderedStyles int `json:"rendered_styles,omitempty"`
	// Rendered are MNIST training digits drawn as uploads and prepared:
	// the round trip every upload makes and MNIST's own images never did.
	Rendered int `json:"rendered,omitempty"`
}

// Epoch is how one epoch of training went: a line of `digitnet train
// --log` and an element of Training.History. Loss is the mean
// cross-entropy; accuracies are fractions from 0 to 1. Loss and Accuracy
// are running means over the epoch's training images, as Keras reports
// them; the epoch is measured on the held-out validation images (Val*) or,
// without them, on the test set (Test*).
type Epoch struct {
	Epoch        int     `json:"epoch"`
	Loss         float64 `json:"loss"`
	Accuracy     float64 `json:"accuracy"`
	ValLoss      float64 `json:"val_loss,omitempty"`
	ValAccuracy  float64 `json:"val_accuracy,omitempty"`
	TestLoss     float64 `json:"test_loss,omitempty"`
	TestAccuracy float64 `json:"test_accuracy,omitempty"`
	// Seconds is the epoch's training time, without its measurement.
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_sec"`
}

// FineTune is how a network was fine-tuned on a person's handwriting (see
// train.FineTune). Accuracies are fractions from 0 to 1.
type FineTune struct {
	// Base is the SHA-256 of the base model's weights (Meta.SHA256).
	Base string `json:"base"`
	// Samples is how many of the person's samples it learnt from, and
	// PerLabel how many of each digit.
	Samples  int     `json:"samples"`
	PerLabel [10]int `json:"per_label"`
	// Epochs, Repeat and MNIST describe an epoch: each sample Repeat
	// times, distorted afresh, mixed with MNIST training images.
	Epochs int     `json:"epochs"`
	Repeat int     `json:"repeat"`
	MNIST  int     `json:"mnist"`
	LR     float64 `json:"lr"`
	Seed   uint64  `json:"seed"`
	// Folds is k of the k-fold cross-validation that measured
	// HeldOutBefore and HeldOutAfter: each sample read by a model that did
	// not train on it.
	Folds         int     `json:"folds"`
	HeldOutBefore float64 `json:"held_out_before"`
	HeldOutAfter  float64 `json:"held_out_after"`
	// MNISTBefore and MNISTAfter are the MNIST test accuracies of the
	// base and the fine-tuned model.
	MNISTBefore float64   `json:"mnist_before"`
	MNISTAfter  float64   `json:"mnist_after"`
	Seconds     float64   `json:"seconds"`
	Date        time.Time `json:"date"`
}

// WeightsSHA256 returns the hex SHA-256 of params as little-endian float32:
// the value Meta.SHA256 holds.
func WeightsSHA256(params []float32) string {
	h := sha256.New()
	var buf [4096]byte
	for len(params) > 0 {
		n := min(len(params), len(buf)/4)
		for i, v := range params[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		h.Write(buf[:4*n])
		params = params[n:]
	}
	return hex.EncodeToString(h.Sum(nil))
}
