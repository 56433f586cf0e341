package recognize

import (
	"image"
	"slices"

	"digitnet/nn"
)

// Digit is the reading of one digit. `digitnet predict --json` and the
// HTTP API print these fields as they are.
type Digit struct {
	Digit int `json:"digit"`
	// Confidence is the model's probability for Digit.
	Confidence    float32     `json:"confidence"`
	Probabilities [10]float32 `json:"probabilities"`
	// Top3 are the three likeliest digits, most likely first.
	Top3 [3]Class `json:"top3"`
	// Box is where the digit was found in the (orientation-corrected)
	// image; zero for inputs given as 28x28 model inputs.
	Box Box `json:"box,omitzero"`
	// Uncertain is true when the reading should not be trusted: the input
	// is probably not a digit, or the model cannot decide.
	Uncertain bool `json:"uncertain"`
	// Reason says, for people, why a reading is uncertain.
	Reason string `json:"reason,omitempty"`
	// Input is what the model saw: 28x28, white ink on black as in MNIST.
	Input *image.Gray `json:"-"`
}

// Class is one digit and its probability.
type Class struct {
	Digit       int     `json:"digit"`
	Probability float32 `json:"probability"`
}

// Box is a rectangle in image pixels: its top-left corner, width and height.
type Box struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

func boxOf(r image.Rectangle) Box { return Box{X: r.Min.X, Y: r.Min.Y, W: r.Dx(), H: r.Dy()} }

// Rect returns b as an image.Rectangle.
func (b Box) Rect() image.Rectangle { return image.Rect(b.X, b.Y, b.X+b.W, b.Y+b.H) }

// NewDigit fills a Digit's reading from the model's probabilities: the
// likeliest digit, its confidence and the top three.
func NewDigit(probs [10]float32) Digit {
	d := Digit{Probabilities: probs}
	d.Digit = nn.Argmax(probs[:])
	d.Confidence = probs[d.Digit]
	order := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case probs[a] > probs[b]:
			return -1
		case probs[a] < probs[b]:
			return 1
		}
		return 0
	})
	for i := range d.Top3 {
		d.Top3[i] = Class{Digit: order[i], Probability: probs[order[i]]}
	}
	return d
}

// Reading is what was read from one image. For one digit, the embedded
// Digit is that digit's reading. For several digits side by side, Number
// holds them all and Digits each one; the embedded Digit then describes the
// number as a whole: the leftmost digit's digit, probabilities and top
// three, the product of the digits' confidences (the chance that the whole
// number is right), a box around all of them, and Uncertain when any digit
// is.
type Reading struct {
	Digit
	// Number is set when the image holds several digits, e.g. "2026".
	Number string `json:"number,omitempty"`
	// Digits holds each digit of Number from left to right.
	Digits []Digit `json:"digits,omitempty"`
}

// newReading combines the digits read from one image, left to right.
func newReading(digits []Digit) Reading {
	r := Reading{Digit: digits[0]}
	if len(digits) == 1 {
		return r
	}
	num := make([]byte, len(digits))
	box := digits[0].Box.Rect()
	for i, d := range digits {
		num[i] = byte('0' + d.Digit)
		if i > 0 {
			r.Confidence *= d.Confidence
			box = box.Union(d.Box.Rect())
		}
		r.Uncertain = r.Uncertain || d.Uncertain
	}
	r.Number = string(num)
	r.Digits = digits
	r.Box = boxOf(box)
	return r
}
