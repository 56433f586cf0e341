package recognize

import "testing"

// TestNumberReading checks how a number's digits combine: the box spans
// all of them (issue 15), the confidence is the chance that all are right,
// and one uncertain digit makes the number uncertain.
func TestNumberReading(t *testing.T) {
	var p2, p0 [10]float32
	p2[2], p2[7] = 0.9, 0.1
	p0[0], p0[6] = 0.5, 0.5
	two, zero := NewDigit(p2), NewDigit(p0)
	two.Box = Box{X: 10, Y: 20, W: 30, H: 40}
	zero.Box = Box{X: 50, Y: 5, W: 30, H: 40}
	zero.Uncertain = true

	r := newReading([]Digit{two, zero})
	if r.Number != "20" || len(r.Digits) != 2 {
		t.Fatalf("number %q with %d digits, want \"20\" with 2", r.Number, len(r.Digits))
	}
	if want := (Box{X: 10, Y: 5, W: 70, H: 55}); r.Box != want {
		t.Errorf("box %+v, want %+v around both digits", r.Box, want)
	}
	if r.Digit.Digit != 2 || r.Confidence != 0.45 || !r.Uncertain {
		t.Errorf("digit %d confidence %v uncertain %v, want 2, 0.9*0.5, true", r.Digit.Digit, r.Confidence, r.Uncertain)
	}
	if one := newReading([]Digit{two}); one.Number != "" || one.Digits != nil || one.Box != two.Box {
		t.Errorf("one digit: %+v, want the digit alone", one)
	}
}

// TestCombine checks that Combine judges a number as a whole: the digits'
// own doubt carries over with its reason, and sure digits whose heights
// differ like letters of text make the number uncertain; a single digit
// keeps its own judgement.
func TestCombine(t *testing.T) {
	digit := func(d, h int, uncertain bool) Digit {
		var p [10]float32
		p[d] = 1
		g := NewDigit(p)
		g.Box.H = h
		if uncertain {
			g.Uncertain, g.Reason = true, "why"
		}
		return g
	}
	d := DefaultDoubt
	for _, tc := range []struct {
		name      string
		digits    []Digit
		uncertain bool
		reason    string
	}{
		{"one sure digit", []Digit{digit(3, 40, false)}, false, ""},
		{"one unsure digit", []Digit{digit(3, 40, true)}, true, "why"},
		{"a sure number", []Digit{digit(2, 40, false), digit(6, 44, false)}, false, ""},
		{"an unsure digit in a number", []Digit{digit(2, 40, false), digit(6, 44, true)}, true, "digit 2 of 2: why"},
		{"heights like text", []Digit{digit(2, 40, false), digit(6, 100, false)}, true, "the marks differ in height like the letters of a line of text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.Combine(tc.digits)
			if r.Uncertain != tc.uncertain || r.Reason != tc.reason {
				t.Errorf("uncertain %v (%q), want %v (%q)", r.Uncertain, r.Reason, tc.uncertain, tc.reason)
			}
			if len(tc.digits) > 1 && len(r.Number) != len(tc.digits) {
				t.Errorf("number %q, want %d digits", r.Number, len(tc.digits))
			}
		})
	}
}
