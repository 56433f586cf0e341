package recognize_test

import (
	"fmt"
	"strings"
	"testing"

	"digitnet/imgproc"
	"digitnet/recognize"
)

// sure returns probabilities with p on digit d and the rest spread evenly.
func sure(d int, p float32) [10]float32 {
	var out [10]float32
	for i := range out {
		out[i] = (1 - p) / 9
	}
	out[d] = p
	return out
}

func TestJudge(t *testing.T) {
	digit := imgproc.Signals{Pieces: 1, Holes: 1, Fill: 0.2, Aspect: 0.7}
	with := func(f func(s *imgproc.Signals)) imgproc.Signals {
		s := digit
		f(&s)
		return s
	}
	d := recognize.Doubt{MinConfidence: 0.8, MaxPieces: 4, MaxHoles: 2, MaxFill: 0.6, MaxStray: 0.5, MaxHeightRatio: 1.8}
	tests := []struct {
		name   string
		probs  [10]float32
		s      imgproc.Signals
		unsure bool
		reason string
	}{
		{"a clear 7", sure(7, 0.99), digit, false, ""},
		{"4 or 9", func() [10]float32 { p := sure(4, 0.5); p[9] = 0.45; return p }(), digit, true, "4 (50%) and 9 (45%)"},
		{"spread over all", sure(3, 0.12), digit, true, "cannot decide"},
		{"a star", sure(8, 0.99), with(func(s *imgproc.Signals) { s.Holes = 6 }), true, "6 closed loops"},
		{"a tangle", sure(2, 0.99), with(func(s *imgproc.Signals) { s.Pieces = 9 }), true, "9 separate strokes"},
		{"a blob", sure(0, 0.99), with(func(s *imgproc.Signals) { s.Fill = 0.8 }), true, "solid shape"},
		{"a ruler-straight 1", sure(1, 0.99), imgproc.Signals{Pieces: 1, Fill: 1, Aspect: 0.1}, false, ""},
		{"a dash", sure(7, 0.99), imgproc.Signals{Pieces: 1, Fill: 0.95, Aspect: 4}, false, ""},
		{"a texture", sure(0, 0.99), with(func(s *imgproc.Signals) { s.Stray = 0.7 }), true, "not part of any digit"},
		{"at the limits", sure(1, 0.8), imgproc.Signals{Pieces: 4, Holes: 2, Fill: 0.6, Stray: 0.5}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unsure, reason := d.Judge(tt.probs, tt.s)
			if unsure != tt.unsure || !strings.Contains(reason, tt.reason) || (!unsure && reason != "") {
				t.Errorf("Judge = %v %q, want %v and a reason with %q", unsure, reason, tt.unsure, tt.reason)
			}
			// The model's own doubt names its runner-up; a doubt from
			// preparation's signals leaves that to the caller.
			top3 := recognize.NewDigit(tt.probs).Top3
			runnerUp := fmt.Sprintf("%d (", top3[1].Digit)
			named := recognize.Digit{Uncertain: unsure, Reason: reason}.NamesRunnerUp()
			if named != strings.Contains(reason, runnerUp) {
				t.Errorf("NamesRunnerUp = %v for %q (runner-up %d)", named, reason, top3[1].Digit)
			}
		})
	}
}

func TestJudgeNumber(t *testing.T) {
	d := recognize.DefaultDoubt
	// number returns sure digits with boxes of the given heights.
	number := func(heights ...int) []recognize.Digit {
		ds := make([]recognize.Digit, len(heights))
		for i, h := range heights {
			ds[i].Box = recognize.Box{X: 60 * i, W: 50, H: h}
		}
		return ds
	}
	if u, _ := d.JudgeNumber(number(100, 92, 105)); u {
		t.Error("three digits of one height were flagged")
	}
	unsure := number(100, 100)
	unsure[1].Uncertain, unsure[1].Reason = true, "the model cannot decide"
	u, reason := d.JudgeNumber(unsure)
	if !u || !strings.Contains(reason, "digit 2 of 2") {
		t.Errorf("a number with an uncertain digit: %v %q", u, reason)
	}
	// "Total": a capital and lower-case letters.
	if u, _ := d.JudgeNumber(number(100, 45, 48)); !u {
		t.Error("marks of very different heights were not flagged")
	}
}

func ExampleDoubt_Judge() {
	var probs [10]float32
	probs[4], probs[9] = 0.55, 0.45 // the model hesitates between 4 and 9
	unsure, reason := recognize.DefaultDoubt.Judge(probs, imgproc.Signals{Pieces: 1, Holes: 1, Fill: 0.2})
	fmt.Println(unsure, reason)
	// Output: true the model cannot decide between 4 (55%) and 9 (45%)
}
