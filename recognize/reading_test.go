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
