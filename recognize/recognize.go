// Package recognize reads handwritten digits and numbers from ordinary
// images: it decodes the upload, turns it into MNIST-style 28x28 inputs with
// package imgproc and runs a trained nn.Model on them.
package recognize

import (
	"errors"
	"image"
	"io"
)

// Digit is the model's reading of one 28x28 input.
type Digit struct {
	Digit         int         `json:"digit"`
	Confidence    float32     `json:"confidence"`
	Probabilities [10]float32 `json:"probabilities"`
	// Box is where the digit was found in the (orientation-corrected) image.
	Box image.Rectangle `json:"-"`
	// Input is what the model saw: 28x28, white ink on black as in MNIST.
	Input *image.Gray `json:"-"`
}

// Result is what was read from one image. Its embedded Digit is the single
// digit when the image holds one, or the least confident digit of a number
// otherwise (so Confidence is the confidence of the whole reading).
type Result struct {
	Digit
	// Number is set when the image holds several digits side by side, e.g. "2026".
	Number string `json:"number,omitempty"`
	// Digits holds each digit of Number from left to right.
	Digits []Digit `json:"digits,omitempty"`
}

// Recognizer reads digits with one model. It is safe for concurrent use.
type Recognizer struct{}

// Read decodes one image (PNG, JPEG, GIF, BMP, TIFF or WebP) and reads it.
func (r *Recognizer) Read(rd io.Reader) (Result, error) {
	return Result{}, errors.New("recognize: not implemented yet")
}

// ReadImage reads an already decoded image.
func (r *Recognizer) ReadImage(img image.Image) (Result, error) {
	return Result{}, errors.New("recognize: not implemented yet")
}

// ModelInfo describes the model behind a Recognizer, for people and for
// GET /api/v1/model.
type ModelInfo struct {
	// Architecture lists the layers, e.g. "conv2d(32,3x3,relu)".
	Architecture []string `json:"architecture"`
	Parameters   int      `json:"parameters"`
	// TestAccuracy is the MNIST test accuracy recorded at training time (0..1).
	TestAccuracy float64 `json:"test_accuracy"`
	// Training holds the training summary stored in the model file
	// (epochs, batch, seed, augment, date, ...).
	Training map[string]string `json:"training"`
}

// Info describes the model.
func (r *Recognizer) Info() ModelInfo { return ModelInfo{} }

// Default returns a Recognizer on the model embedded in the binary.
func Default() (*Recognizer, error) {
	return nil, errors.New("recognize: not implemented yet")
}

// Load returns a Recognizer on the model file at path.
func Load(path string) (*Recognizer, error) {
	return nil, errors.New("recognize: not implemented yet")
}
