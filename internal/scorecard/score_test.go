package scorecard

import (
	"image"
	"math"
	"testing"

	"digitnet/imgproc"
	"digitnet/recognize"
)

func TestReliability(t *testing.T) {
	// Ten readings at 0.95, nine right: calibrated to within 0.05.
	// Ten at 0.55, all wrong: off by 0.55.
	var conf []float64
	var right []bool
	for i := range 10 {
		conf = append(conf, 0.95, 0.55)
		right = append(right, i < 9, false)
	}
	bins, ece := Reliability(conf, right)
	if b := bins[9]; b.N != 10 || math.Abs(b.Confidence-0.95) > 1e-9 || math.Abs(b.Accuracy-0.9) > 1e-9 {
		t.Errorf("top bin %+v", b)
	}
	if b := bins[5]; b.N != 10 || b.Accuracy != 0 {
		t.Errorf("bin 0.5-0.6 %+v", b)
	}
	if want := 0.5*0.05 + 0.5*0.55; math.Abs(ece-want) > 1e-9 {
		t.Errorf("ECE %v, want %v", ece, want)
	}
	// Confidence 1 falls in the top bin.
	if bins, _ := Reliability([]float64{1}, []bool{true}); bins[9].N != 1 {
		t.Error("confidence 1 not in the top bin")
	}
}

func probsOf(d int, p float32) [10]float32 {
	var out [10]float32
	for i := range out {
		out[i] = (1 - p) / 9
	}
	out[d] = p
	return out
}

func glyph(h int, s imgproc.Signals) Glyph { return Glyph{Box: image.Rect(0, 0, h/2, h), Signals: s} }

func TestRead(t *testing.T) {
	d := recognize.DefaultDoubt
	one := imgproc.Signals{Pieces: 1}
	number := Prepared{Truth: "42", Glyphs: []Glyph{glyph(100, one), glyph(95, one)}}
	r := Read(number, [][10]float32{probsOf(4, 0.99), probsOf(2, 0.98)}, d)
	if r.Text != "42" || r.Uncertain || math.Abs(r.Confidence-0.99*0.98) > 1e-6 {
		t.Errorf("number: %+v", r)
	}
	r = Read(number, [][10]float32{probsOf(4, 0.99), probsOf(2, 0.3)}, d)
	if !r.Uncertain {
		t.Errorf("a number with an unsure digit: %+v", r)
	}
	if r := Read(Prepared{Err: "no ink"}, nil, d); !r.Err || r.Text != "" {
		t.Errorf("refused upload: %+v", r)
	}
	var tl Tally
	tl.add("7", Reading{Text: "7"})
	tl.add("7", Reading{Text: "1"})
	tl.add("7", Reading{Text: "1", Uncertain: true})
	tl.add("", Reading{Err: true})
	if tl != (Tally{N: 4, Right: 1, Flagged: 2, WrongSure: 1}) {
		t.Errorf("tally %+v", tl)
	}
}

// TestTuneDoubtBudget builds digits the model is sure of (some less so)
// and non-digits it spreads its probabilities over, and checks that tuning
// flags the non-digits without flagging more digits than allowed.
func TestTuneDoubtBudget(t *testing.T) {
	var digits, others Scored
	digits.Set, others.Set = UserSet, NonDigitSet
	s := imgproc.Signals{Pieces: 1}
	for i := range 200 {
		p := float32(0.999)
		if i%20 == 0 {
			p = 0.6 // one in twenty: an untidy digit
		}
		digits.Prepared = append(digits.Prepared, Prepared{Truth: "3", Glyphs: []Glyph{glyph(100, s)}})
		digits.Probs = append(digits.Probs, [][10]float32{probsOf(3, p)})
		others.Prepared = append(others.Prepared, Prepared{Glyphs: []Glyph{glyph(100, s)}})
		others.Probs = append(others.Probs, [][10]float32{probsOf(i%10, 0.2+0.6*float32(i%4)/4)})
	}
	sets := []Scored{digits, others}
	loose := recognize.Doubt{MinConfidence: 0, MaxPieces: 100, MaxHoles: 100, MaxFill: 1, MaxStray: 1, MaxHeightRatio: 100}
	for _, budget := range []float64{0, 0.05} {
		d := TuneDoubt(sets, loose, budget, nil)
		r := Measure(sets, d)
		if r.DigitsFlagged > budget+1e-9 {
			t.Errorf("budget %v: %.3f of digits flagged", budget, r.DigitsFlagged)
		}
		want := 0.5 // the non-digits at 0.2 and 0.35 are below every sure digit
		if budget > 0 {
			want = 0.75 // and those at 0.5, below the untidy digits
		}
		if r.NonDigitFlagged < want {
			t.Errorf("budget %v: %.3f of non-digits flagged, want %v (limits %+v)", budget, r.NonDigitFlagged, want, d)
		}
	}
}
