package recognize

import (
	"fmt"
	"strings"

	"digitnet/imgproc"
)

// Doubt holds the limits beyond which a reading is uncertain: the model
// cannot decide, or does not see a digit, or preparation saw something
// unlike one handwritten digit. A reading past any limit is uncertain; it
// is still a reading (the digit and its confidence stand).
//
// DefaultDoubt's limits were tuned on the tuning halves of the style,
// non-digit and user-like sets of package internal/scorecard (`go run
// ./cmd/digitnet-reading -tune`: as many non-digits flagged as possible
// with at most 2% of digits) and are reported on the other halves
// (docs/reading.md).
type Doubt struct {
	// MinConfidence is the least top probability of a sure reading. The
	// default model was trained to spread its probabilities evenly over
	// the ten digits for anything that is not one, so a low top
	// probability says "not a digit" as well as "4 or 9?".
	MinConfidence float32
	// MinMargin is the least lead of the top probability over the
	// runner-up in a sure reading: 55% for 4 against 45% for 9 is a coin
	// toss however far above MinConfidence it is.
	MinMargin float32
	// MaxPieces is the most separate strokes one digit is made of.
	MaxPieces int
	// MaxHoles is the most enclosed loops a digit has (an 8 has two).
	MaxHoles int
	// MaxFill is the largest share of its box a digit's ink covers.
	MaxFill float64
	// MaxStray is the largest share of an image's ink that may be left
	// out of every digit (specks, smudges): more is a texture or a scene.
	MaxStray float64
	// MaxHeightRatio bounds, for a number, the tallest digit's height over
	// the shortest's: handwritten digits of one number are about equally
	// tall, the letters of a line of text are not.
	MaxHeightRatio float64
}

// DefaultDoubt is the Doubt a Recognizer uses unless told otherwise.
var DefaultDoubt = Doubt{
	MinConfidence:  0.75,
	MinMargin:      0.6,
	MaxPieces:      10,
	MaxHoles:       3,
	MaxFill:        0.65,
	MaxStray:       0.35,
	MaxHeightRatio: 1.3,
}

// Judge says whether the reading of one digit, with the model's
// probabilities probs and preparation's signals s, is uncertain, and if so
// why, in words for the person who uploaded it.
func (d Doubt) Judge(probs [10]float32, s imgproc.Signals) (bool, string) {
	best, second := topTwo(probs)
	switch {
	case s.Holes > d.MaxHoles:
		return true, fmt.Sprintf("this has %d closed loops; a digit has at most %d", s.Holes, d.MaxHoles)
	case s.Pieces > d.MaxPieces:
		return true, fmt.Sprintf("this is made of %d separate strokes, more than a digit", s.Pieces)
	case s.Fill > d.MaxFill && s.Aspect > 0.4 && s.Aspect < 2.5:
		// A lone bar fills its box too: a ruler-straight 1 or a dash is
		// a stroke, not a blob, so only a squat glyph counts as solid.
		return true, "this is a solid shape, not pen strokes"
	case s.Stray > d.MaxStray:
		return true, "much of the ink in the image is not part of any digit-like mark"
	case probs[best] < d.MinConfidence || probs[best]-probs[second] < d.MinMargin:
		return true, fmt.Sprintf(undecided+" between %d (%.0f%%) and %d (%.0f%%)",
			best, 100*probs[best], second, 100*probs[second])
	}
	return false, ""
}

// undecided opens the reason Judge gives when the doubt is the model's own.
const undecided = "the model cannot decide"

// NamesRunnerUp reports whether d's Reason names the runner-up and its
// probability already (the model could not decide between its top two),
// so that a caller showing the runner-up beside the reason does not name
// it twice.
func (d Digit) NamesRunnerUp() bool { return strings.HasPrefix(d.Reason, undecided) }

// JudgeNumber says whether a reading of several digits, left to right,
// each judged and with its Box, is uncertain as a whole: when any digit
// is, or when the marks are unlike the digits of one number (their boxes'
// heights differ like the letters of a line of text).
func (d Doubt) JudgeNumber(digits []Digit) (bool, string) {
	for i, dg := range digits {
		if dg.Uncertain {
			return true, fmt.Sprintf("digit %d of %d: %s", i+1, len(digits), dg.Reason)
		}
	}
	if len(digits) > 1 {
		lo, hi := digits[0].Box.H, digits[0].Box.H
		for _, dg := range digits[1:] {
			lo, hi = min(lo, dg.Box.H), max(hi, dg.Box.H)
		}
		if float64(hi) > d.MaxHeightRatio*float64(max(1, lo)) {
			return true, "the marks differ in height like the letters of a line of text"
		}
	}
	return false, ""
}

// Combine joins the digits read from one image, left to right, into its
// Reading, each digit judged already (Judge), and judges a number as a
// whole (JudgeNumber). Readers that keep the model's probabilities (the
// scorecard behind docs/reading.md) form their readings with it too, so
// that they measure what Read answers.
func (d Doubt) Combine(digits []Digit) Reading {
	r := newReading(digits)
	if len(digits) > 1 {
		r.Uncertain, r.Reason = d.JudgeNumber(digits)
	}
	return r
}

// topTwo returns the classes of the largest and second largest of p.
func topTwo(p [10]float32) (best, second int) {
	best, second = 0, 1
	if p[1] > p[0] {
		best, second = 1, 0
	}
	for i := 2; i < len(p); i++ {
		switch {
		case p[i] > p[best]:
			best, second = i, best
		case p[i] > p[second]:
			second = i
		}
	}
	return best, second
}
