// Package recognize reads handwritten digits and numbers from ordinary
// images: it decodes the upload, turns it into MNIST-style 28x28 inputs with
// package imgproc and runs a trained nn.Model on them.
package recognize

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"strconv"
	"strings"

	"digitnet/imgproc"
	"digitnet/models"
	"digitnet/nn"
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

// Result is what was read from one image. For an image of one digit, the
// embedded Digit is that digit. For several digits side by side, Number
// holds them all, Digits each one, the embedded Digit is the leftmost digit
// and Confidence is the product of the digits' confidences: the model's
// chance that the whole number is right.
type Result struct {
	Digit
	// Number is set when the image holds several digits side by side, e.g. "2026".
	Number string `json:"number,omitempty"`
	// Digits holds each digit of Number from left to right.
	Digits []Digit `json:"digits,omitempty"`
}

// Recognizer reads digits with one model. It is safe for concurrent use.
type Recognizer struct {
	model  *nn.Model
	limits imgproc.Limits
}

// New returns a Recognizer on m, which must take 28x28x1 inputs and give 10
// classes.
func New(m *nn.Model) (*Recognizer, error) {
	if in := m.InputShape(); in != (nn.Shape{H: 28, W: 28, C: 1}) || m.Classes() != 10 {
		return nil, fmt.Errorf("recognize: model takes %dx%dx%d inputs and gives %d classes; want 28x28x1 and 10",
			in.H, in.W, in.C, m.Classes())
	}
	return &Recognizer{model: m, limits: imgproc.DefaultLimits}, nil
}

// Default returns a Recognizer on the model embedded in the binary.
func Default() (*Recognizer, error) {
	m, err := models.Default()
	if err != nil {
		return nil, err
	}
	return New(m)
}

// Load returns a Recognizer on the model file at path.
func Load(path string) (*Recognizer, error) {
	m, err := nn.Load(path)
	if err != nil {
		return nil, err
	}
	return New(m)
}

// Model returns the model the Recognizer uses.
func (r *Recognizer) Model() *nn.Model { return r.model }

// Limits returns the decoding limits applied by Read.
func (r *Recognizer) Limits() imgproc.Limits { return r.limits }

// SetLimits changes the decoding limits applied by Read. It must not be
// called while Read runs.
func (r *Recognizer) SetLimits(l imgproc.Limits) { r.limits = l }

// Read decodes one image (PNG, JPEG, GIF, BMP, TIFF or WebP, within the
// Recognizer's limits) and reads it.
func (r *Recognizer) Read(rd io.Reader) (Result, error) {
	glyphs, err := imgproc.DecodeSegment(rd, r.limits)
	if err != nil {
		return Result{}, err
	}
	return r.readGlyphs(glyphs)
}

// ReadImage reads an already decoded image: one digit, or several side by
// side.
func (r *Recognizer) ReadImage(img image.Image) (Result, error) {
	glyphs, err := imgproc.Segment(img)
	if err != nil {
		return Result{}, err
	}
	return r.readGlyphs(glyphs)
}

func (r *Recognizer) readGlyphs(glyphs []imgproc.Glyph) (Result, error) {
	if len(glyphs) == 0 { // Segment reports no ink as an error; be sure.
		return Result{}, imgproc.ErrNoInk
	}
	inputs := make([]*image.Gray, len(glyphs))
	for i, g := range glyphs {
		inputs[i] = g.Image
	}
	digits, err := r.Classify(inputs)
	if err != nil {
		return Result{}, err
	}
	for i := range digits {
		digits[i].Box = glyphs[i].Box
	}
	res := Result{Digit: digits[0]}
	if len(digits) > 1 {
		var num strings.Builder
		conf := float32(1)
		for _, d := range digits {
			num.WriteString(strconv.Itoa(d.Digit))
			conf *= d.Confidence
		}
		res.Number = num.String()
		res.Digits = digits
		res.Confidence = conf
	}
	return res, nil
}

// Classify runs the model on 28x28 MNIST-style inputs (white ink on black)
// as one batch.
func (r *Recognizer) Classify(inputs []*image.Gray) ([]Digit, error) {
	x := make([]float32, 0, 784*len(inputs))
	for _, g := range inputs {
		if b := g.Bounds(); b.Dx() != 28 || b.Dy() != 28 {
			return nil, fmt.Errorf("recognize: input is %dx%d, want 28x28", b.Dx(), b.Dy())
		}
		x = append(x, imgproc.Pixels(g)...)
	}
	probs := make([]float32, 10*len(inputs))
	if err := r.model.Predict(x, len(inputs), probs); err != nil {
		return nil, err
	}
	out := make([]Digit, len(inputs))
	for i := range out {
		d := Digit{Input: inputs[i]}
		copy(d.Probabilities[:], probs[i*10:])
		d.Digit = nn.Argmax(d.Probabilities[:])
		d.Confidence = d.Probabilities[d.Digit]
		out[i] = d
	}
	return out, nil
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
func (r *Recognizer) Info() ModelInfo {
	spec := r.model.Spec()
	info := ModelInfo{Parameters: len(r.model.Params)}
	info.Architecture = append(info.Architecture, fmt.Sprintf("input(%dx%dx%d)", spec.Input[0], spec.Input[1], spec.Input[2]))
	for _, l := range spec.Layers {
		info.Architecture = append(info.Architecture, l.String())
	}
	if v, err := strconv.ParseFloat(r.model.Meta["test_accuracy"], 64); err == nil {
		info.TestAccuracy = v
	}
	if s := r.model.Meta["training"]; s != "" {
		info.Training = flatJSON(s)
	}
	return info
}

// flatJSON turns a JSON object of scalars into strings, keeping numbers as
// written; anything else is returned whole under "summary".
func flatJSON(s string) map[string]string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return map[string]string{"summary": s}
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		out[k] = fmt.Sprint(v)
	}
	return out
}
