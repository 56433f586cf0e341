// Package recognize reads handwritten digits and numbers from ordinary
// images: it decodes the upload, turns it into MNIST-style 28x28 inputs with
// package imgproc and runs a model on them. Its Reading is the one answer
// shape that `digitnet predict --json` and the HTTP API both print.
package recognize

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"

	"digitnet/imgproc"
	"digitnet/models"
	"digitnet/nn"
)

// Limits bounds what Read decodes: the file's size and its pixel count,
// checked from the header before any pixel is decoded.
type Limits = imgproc.Limits

// DefaultLimits accepts a 20 MB file of up to 40 megapixels.
var DefaultLimits = imgproc.DefaultLimits

// Errors Read returns, for callers that treat them apart (the HTTP API
// answers ErrTooLarge with 413, the others with 422). Read wraps them in
// an *Error that says them for people.
var (
	// ErrTooLarge: the file or its pixel count is over the Limits.
	ErrTooLarge = imgproc.ErrTooLarge
	// ErrUnsupported: not an image in a format digitnet reads.
	ErrUnsupported = imgproc.ErrUnsupported
	// ErrCorrupt: the image's data is damaged.
	ErrCorrupt = imgproc.ErrCorrupt
	// ErrEmpty: the file or the image is empty.
	ErrEmpty = imgproc.ErrEmpty
	// ErrNoInk: the image is blank or too faint to hold a digit.
	ErrNoInk = imgproc.ErrNoInk
	// ErrNotFinite: the model's output is not a number, so it is broken.
	ErrNotFinite = errors.New("recognize: the model's output is not a finite number")
)

// Recognizer reads digits with one model. It is safe for concurrent use.
type Recognizer struct {
	model  *models.Model
	limits Limits
	doubt  Doubt
}

// New returns a Recognizer on m, which must take 28x28x1 inputs and give 10
// classes, and give finite probabilities (it is tried on a blank and a
// full input, so a model with overflowing weights is refused here rather
// than answering NaN later).
func New(m *models.Model) (*Recognizer, error) {
	net := m.Net
	if in := net.InputShape(); in != (nn.Shape{H: 28, W: 28, C: 1}) || net.Classes() != 10 {
		return nil, fmt.Errorf("recognize: the model takes %dx%dx%d inputs and gives %d classes; digit reading needs 28x28x1 and 10",
			in.H, in.W, in.C, net.Classes())
	}
	r := &Recognizer{model: m, limits: DefaultLimits, doubt: DefaultDoubt}
	blank, full := image.NewGray(image.Rect(0, 0, 28, 28)), image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range full.Pix {
		full.Pix[i] = 255
	}
	if _, err := r.Classify([]*image.Gray{blank, full}); err != nil {
		return nil, fmt.Errorf("recognize: the model fails on a test input: %w", err)
	}
	return r, nil
}

// Default returns a Recognizer on the model embedded in the binary.
func Default() (*Recognizer, error) {
	m, err := models.Default()
	if err != nil {
		return nil, err
	}
	return New(m)
}

// Model returns the model the Recognizer uses.
func (r *Recognizer) Model() *models.Model { return r.model }

// Limits returns the decoding limits applied by Read.
func (r *Recognizer) Limits() Limits { return r.limits }

// SetLimits changes the decoding limits applied by Read. It must not be
// called while Read runs.
func (r *Recognizer) SetLimits(l Limits) { r.limits = l }

// Read decodes one image (PNG, JPEG, GIF, BMP, TIFF or WebP, within the
// Recognizer's limits) and reads it: one digit, or several side by side.
// An image it cannot read gives an *Error.
func (r *Recognizer) Read(rd io.Reader) (Reading, error) {
	glyphs, err := imgproc.DecodeSegment(rd, r.limits)
	if err != nil {
		return Reading{}, explain(err)
	}
	res, err := r.readGlyphs(glyphs)
	return res, explain(err)
}

// ReadImage reads an already decoded image: one digit, or several side by
// side.
func (r *Recognizer) ReadImage(img image.Image) (Reading, error) {
	glyphs, err := imgproc.Segment(img)
	if err != nil {
		return Reading{}, explain(err)
	}
	res, err := r.readGlyphs(glyphs)
	return res, explain(err)
}

// Cost returns the most memory, in bytes, that Read takes for the file
// data, from its header alone (see imgproc.DecodeCost), or the *Error Read
// would give for a file that is not an image it reads or over the limits.
func (r *Recognizer) Cost(data []byte) (int64, error) {
	cost, err := imgproc.DecodeCost(data, r.limits)
	return cost, explain(err)
}

func (r *Recognizer) readGlyphs(glyphs []imgproc.Glyph) (Reading, error) {
	if len(glyphs) == 0 { // Segment reports no ink as an error; be sure.
		return Reading{}, ErrNoInk
	}
	// One batch: the glyphs, then the pairs that may be one digit.
	inputs := make([]*image.Gray, 0, len(glyphs))
	signals := make([]imgproc.Signals, 0, len(glyphs))
	boxes := make([]image.Rectangle, 0, len(glyphs))
	add := func(g imgproc.Glyph) {
		inputs, signals, boxes = append(inputs, g.Image), append(signals, g.Signals), append(boxes, g.Box)
	}
	for _, g := range glyphs {
		add(g)
	}
	for _, g := range glyphs {
		if g.Joined != nil {
			add(*g.Joined)
		}
	}
	digits, err := r.classify(inputs, signals)
	if err != nil {
		return Reading{}, err
	}
	for i := range digits {
		digits[i].Box = boxOf(boxes[i])
	}
	var joined []*Digit
	if len(digits) > len(glyphs) {
		joined = make([]*Digit, len(glyphs))
		k := len(glyphs)
		for i, g := range glyphs {
			if g.Joined != nil {
				joined[i] = &digits[k]
				k++
			}
		}
	}
	return r.doubt.Combine(r.doubt.JoinPieces(digits[:len(glyphs)], joined)), nil
}

// Doubt returns the limits past which Read calls a reading uncertain.
func (r *Recognizer) Doubt() Doubt { return r.doubt }

// SetDoubt changes the limits past which Read calls a reading uncertain.
// It must not be called while Read runs.
func (r *Recognizer) SetDoubt(d Doubt) { r.doubt = d }

// Classify runs the model on 28x28 MNIST-style inputs (white ink on black)
// as one batch. A bare 28x28 input has only the model's probabilities to
// judge its doubt by.
func (r *Recognizer) Classify(inputs []*image.Gray) ([]Digit, error) { return r.classify(inputs, nil) }

// classify is Classify, judging each input also by what preparation saw of
// it, signals[i], when signals is not nil.
func (r *Recognizer) classify(inputs []*image.Gray, signals []imgproc.Signals) ([]Digit, error) {
	const size = 28 * 28
	x := make([]float32, size*len(inputs))
	for i, g := range inputs {
		if b := g.Bounds(); b.Dx() != 28 || b.Dy() != 28 {
			return nil, fmt.Errorf("recognize: input is %dx%d, want 28x28", b.Dx(), b.Dy())
		}
		for y := range 28 {
			nn.ScalePixels(x[i*size+y*28:], g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):][:28])
		}
	}
	probs := make([]float32, 10*len(inputs))
	if err := r.model.Net.Predict(x, len(inputs), probs); err != nil {
		return nil, err
	}
	out := make([]Digit, len(inputs))
	for i := range out {
		var p [10]float32
		copy(p[:], probs[i*10:])
		for _, v := range p {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, ErrNotFinite
			}
		}
		out[i] = NewDigit(p)
		out[i].Input = inputs[i]
		var seen imgproc.Signals
		if signals != nil {
			seen = signals[i]
		}
		out[i].Uncertain, out[i].Reason = r.doubt.Judge(p, seen)
	}
	return out, nil
}

// ModelInfo describes the model behind a Recognizer, for people and for
// GET /api/v1/model.
type ModelInfo struct {
	// Architecture lists the input and the layers, e.g. "conv2d(32,3x3,relu)".
	Architecture []string `json:"architecture"`
	Parameters   int      `json:"parameters"`
	// TestAccuracy is the MNIST test accuracy recorded with the model (0..1).
	TestAccuracy float64 `json:"test_accuracy"`
	// Training is how the model was trained, when its file says.
	Training *models.Training `json:"training,omitempty"`
	// SHA256 names the weights (see models.Meta).
	SHA256 string `json:"sha256"`
	// Source is "embedded" or the model file's name; Format its format.
	Source string `json:"source"`
	Format string `json:"format"`
}

// Info describes the model.
func (r *Recognizer) Info() ModelInfo {
	net, meta := r.model.Net, r.model.Meta
	spec := net.Spec()
	info := ModelInfo{
		Parameters:   len(net.Params),
		TestAccuracy: meta.TestAccuracy,
		Training:     meta.Training,
		SHA256:       meta.SHA256,
		Source:       filepath.Base(meta.Source), // never a server's folders
		Format:       meta.Format,
	}
	info.Architecture = append(info.Architecture, fmt.Sprintf("input(%dx%dx%d)", spec.Input[0], spec.Input[1], spec.Input[2]))
	for _, l := range spec.Layers {
		info.Architecture = append(info.Architecture, l.String())
	}
	return info
}
