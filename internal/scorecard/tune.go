package scorecard

import (
	"fmt"
	"io"

	"digitnet/recognize"
)

// Scored is a prepared set with its glyphs' probabilities: what tuning and
// reporting judge again and again with different limits.
type Scored struct {
	Set      string
	Prepared []Prepared
	Probs    [][][10]float32
}

// Judge reads the set with d.
func (s Scored) Judge(d recognize.Doubt) Result { return Judge(s.Set, s.Prepared, s.Probs, d) }

// Rates are the figures the limits are tuned for, over some scored sets.
type Rates struct {
	DigitsFlagged   float64 // digits (styles, user-like, numbers) flagged or refused
	NonDigitFlagged float64 // non-digits flagged or refused
	WrongSure       float64 // digits read wrong and not flagged
	Right           float64 // digits read right
}

// Measure judges every set with d.
func Measure(sets []Scored, d recognize.Doubt) Rates {
	var digits, nonDigits Tally
	for _, s := range sets {
		_, _, total := s.Judge(d).Groups()
		if s.Set == NonDigitSet {
			nonDigits = add(nonDigits, total)
		} else {
			digits = add(digits, total)
		}
	}
	return Rates{
		DigitsFlagged:   float64(digits.Flagged) / float64(max(1, digits.N)),
		NonDigitFlagged: float64(nonDigits.Flagged) / float64(max(1, nonDigits.N)),
		WrongSure:       float64(digits.WrongSure) / float64(max(1, digits.N)),
		Right:           float64(digits.Right) / float64(max(1, digits.N)),
	}
}

func add(a, b Tally) Tally {
	return Tally{N: a.N + b.N, Right: a.Right + b.Right, Flagged: a.Flagged + b.Flagged, WrongSure: a.WrongSure + b.WrongSure}
}

// TuneDoubt chooses the limits of d, one at a time over a grid of values, for
// the largest share of non-digits flagged and of wrong digits caught with
// at most budget of all digits flagged, starting from start. Run it on the
// tuning halves only.
func TuneDoubt(sets []Scored, start recognize.Doubt, budget float64, log io.Writer) recognize.Doubt {
	score := func(d recognize.Doubt) float64 {
		r := Measure(sets, d)
		over := max(0, r.DigitsFlagged-budget)
		return r.NonDigitFlagged - 4*r.WrongSure - 100*over
	}
	type knob struct {
		name   string
		values []float64
		set    func(d *recognize.Doubt, v float64)
	}
	span := func(lo, hi, step float64) []float64 {
		var vs []float64
		for v := lo; v <= hi+1e-9; v += step {
			vs = append(vs, v)
		}
		return vs
	}
	knobs := []knob{
		{"MinConfidence", append(span(0.3, 0.9, 0.05), span(0.91, 0.99, 0.01)...), func(d *recognize.Doubt, v float64) { d.MinConfidence = float32(v) }},
		{"MinMargin", span(0, 0.6, 0.05), func(d *recognize.Doubt, v float64) { d.MinMargin = float32(v) }},
		{"MaxPieces", span(2, 10, 1), func(d *recognize.Doubt, v float64) { d.MaxPieces = int(v) }},
		{"MaxHoles", span(1, 6, 1), func(d *recognize.Doubt, v float64) { d.MaxHoles = int(v) }},
		{"MaxFill", span(0.3, 1, 0.05), func(d *recognize.Doubt, v float64) { d.MaxFill = v }},
		{"MaxStray", span(0.1, 1, 0.05), func(d *recognize.Doubt, v float64) { d.MaxStray = v }},
		{"MaxHeightRatio", span(1.2, 4, 0.1), func(d *recognize.Doubt, v float64) { d.MaxHeightRatio = v }},
	}
	d := start
	best := score(d)
	for round := range 4 {
		changed := false
		for _, k := range knobs {
			for _, v := range k.values {
				c := d
				k.set(&c, v)
				if s := score(c); s > best+1e-12 {
					d, best, changed = c, s, true
				}
			}
		}
		if log != nil {
			r := Measure(sets, d)
			fmt.Fprintf(log, "round %d: %+v: non-digits flagged %.1f%%, digits flagged %.2f%%, wrong and sure %.2f%%\n",
				round+1, d, 100*r.NonDigitFlagged, 100*r.DigitsFlagged, 100*r.WrongSure)
		}
		if !changed {
			break
		}
	}
	return d
}
