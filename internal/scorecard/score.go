package scorecard

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"digitnet/recognize"
)

// Predictor is what Classify runs: an *nn.Model, or several averaged.
type Predictor interface {
	Predict(x []float32, n int, probs []float32) error
}

// inputs returns the glyphs of p that a reader runs its model on: each
// glyph, then each joined pair, in order.
func (p Prepared) inputs() []*[784]byte {
	var in []*[784]byte
	for i := range p.Glyphs {
		in = append(in, &p.Glyphs[i].Input)
	}
	for _, g := range p.Glyphs {
		if g.Joined != nil {
			in = append(in, &g.Joined.Input)
		}
	}
	return in
}

// Classify runs m on every glyph of ps, and on each joined pair, and
// returns the probabilities sample by sample, in the order of inputs.
func Classify(m Predictor, ps []Prepared) ([][][10]float32, error) {
	var x []float32
	counts := make([]int, len(ps))
	for i, p := range ps {
		ins := p.inputs()
		counts[i] = len(ins)
		for _, in := range ins {
			for _, v := range in {
				x = append(x, float32(v)/255)
			}
		}
	}
	n := len(x) / 784
	probs := make([]float32, 10*n)
	if err := m.Predict(x, n, probs); err != nil {
		return nil, fmt.Errorf("scorecard: %w", err)
	}
	out := make([][][10]float32, len(ps))
	k := 0
	for i := range ps {
		out[i] = make([][10]float32, counts[i])
		for j := range out[i] {
			copy(out[i][j][:], probs[10*k:])
			k++
		}
	}
	return out, nil
}

// Reading is what a reader answers for one sample.
type Reading struct {
	Text       string  // the digit or number read; "" when preparation refused
	Confidence float64 // of the digit, or the product over a number's digits
	Uncertain  bool
	Reason     string
	Err        bool // preparation refused the upload: an error, not a reading
}

// Read forms the reading of a prepared sample from its glyphs'
// probabilities, as package recognize does, and judges it with d.
func Read(p Prepared, probs [][10]float32, d recognize.Doubt) Reading {
	if p.Err != "" || len(p.Glyphs) == 0 {
		return Reading{Err: true}
	}
	digit := func(g Glyph, probs [10]float32) recognize.Digit {
		dg := recognize.NewDigit(probs)
		dg.Box.H = g.Box.Dy()
		dg.Uncertain, dg.Reason = d.Judge(probs, g.Signals)
		return dg
	}
	digits := make([]recognize.Digit, len(p.Glyphs))
	var joined []*recognize.Digit
	k := len(p.Glyphs)
	for i, g := range p.Glyphs {
		digits[i] = digit(g, probs[i])
		if g.Joined != nil {
			if joined == nil {
				joined = make([]*recognize.Digit, len(p.Glyphs))
			}
			j := digit(*g.Joined, probs[k])
			joined[i] = &j
			k++
		}
	}
	rd := d.Combine(d.JoinPieces(digits, joined))
	text := rd.Number
	if text == "" {
		text = strconv.Itoa(rd.Digit.Digit)
	}
	return Reading{Text: text, Confidence: float64(rd.Confidence), Uncertain: rd.Uncertain, Reason: rd.Reason}
}

// Tally counts the outcomes of one group of samples.
type Tally struct {
	N         int
	Right     int // read as the truth (digit sets)
	Flagged   int // uncertain or refused
	WrongSure int // wrong and not flagged (digit sets)
}

func (t *Tally) add(truth string, r Reading) {
	t.N++
	right := !r.Err && r.Text == truth
	if right {
		t.Right++
	}
	if r.Err || r.Uncertain {
		t.Flagged++
	} else if !right {
		t.WrongSure++
	}
}

func pct(a, n int) float64 { return 100 * float64(a) / float64(max(1, n)) }

// Bin is one row of a reliability table.
type Bin struct {
	Lo, Hi     float64
	N          int
	Confidence float64 // mean
	Accuracy   float64
}

// Reliability bins readings by confidence (ten equal bins) and returns the
// table and the expected calibration error: the mean, weighted by bin size,
// of |accuracy - confidence|. right[i] says whether reading i was right.
func Reliability(conf []float64, right []bool) ([]Bin, float64) {
	bins := make([]Bin, 10)
	for i := range bins {
		bins[i].Lo, bins[i].Hi = float64(i)/10, float64(i+1)/10
	}
	for i, c := range conf {
		b := &bins[min(9, int(c*10))]
		b.N++
		b.Confidence += c
		if right[i] {
			b.Accuracy++
		}
	}
	var ece float64
	for i := range bins {
		b := &bins[i]
		if b.N == 0 {
			continue
		}
		b.Confidence /= float64(b.N)
		b.Accuracy /= float64(b.N)
		ece += float64(b.N) / float64(len(conf)) * math.Abs(b.Accuracy-b.Confidence)
	}
	return bins, ece
}

// Result is a set's readings, with what was asked.
type Result struct {
	Set      string
	Prepared []Prepared
	Readings []Reading
}

// Groups tallies a result by group, in the order groups first appear, and
// in total.
func (r Result) Groups() (names []string, by map[string]*Tally, total Tally) {
	by = map[string]*Tally{}
	for i, p := range r.Prepared {
		t, ok := by[p.Group]
		if !ok {
			t = &Tally{}
			by[p.Group] = t
			names = append(names, p.Group)
		}
		t.add(p.Truth, r.Readings[i])
		total.add(p.Truth, r.Readings[i])
	}
	return names, by, total
}

// Print writes a result as a table.
func (r Result) Print(w io.Writer) {
	names, by, total := r.Groups()
	if r.Set == NonDigitSet {
		kinds := map[string]*Tally{}
		var order []string
		for i, p := range r.Prepared {
			if kinds[p.Kind] == nil {
				kinds[p.Kind] = &Tally{}
				order = append(order, p.Kind)
			}
			kinds[p.Kind].add(p.Truth, r.Readings[i])
		}
		fmt.Fprintf(w, "%-16s %5s %8s\n", "non-digit", "n", "flagged")
		for _, k := range order {
			fmt.Fprintf(w, "%-16s %5d %7.1f%%\n", k, kinds[k].N, pct(kinds[k].Flagged, kinds[k].N))
		}
		for _, g := range names {
			fmt.Fprintf(w, "%-16s %5d %7.1f%%\n", "= "+g, by[g].N, pct(by[g].Flagged, by[g].N))
		}
		fmt.Fprintf(w, "%-16s %5d %7.1f%%\n", "all non-digits", total.N, pct(total.Flagged, total.N))
		return
	}
	fmt.Fprintf(w, "%-16s %5s %8s %8s %12s\n", r.Set, "n", "right", "flagged", "wrong, sure")
	for _, g := range names {
		t := by[g]
		fmt.Fprintf(w, "%-16s %5d %7.1f%% %7.1f%% %11.1f%%\n", g, t.N, pct(t.Right, t.N), pct(t.Flagged, t.N), pct(t.WrongSure, t.N))
	}
	fmt.Fprintf(w, "%-16s %5d %7.2f%% %7.2f%% %11.2f%%\n", "all", total.N, pct(total.Right, total.N), pct(total.Flagged, total.N), pct(total.WrongSure, total.N))
}

// Judge reads every prepared sample with probabilities probs and d.
func Judge(set string, ps []Prepared, probs [][][10]float32, d recognize.Doubt) Result {
	res := Result{Set: set, Prepared: ps, Readings: make([]Reading, len(ps))}
	for i, p := range ps {
		res.Readings[i] = Read(p, probs[i], d)
	}
	return res
}

// Calibration returns the confidences of the single-digit readings of
// results and whether each was right; a non-digit is never right.
func Calibration(results ...Result) (conf []float64, right []bool) {
	for _, r := range results {
		if r.Set == StripSet {
			continue
		}
		for i, p := range r.Prepared {
			rd := r.Readings[i]
			if rd.Err {
				continue
			}
			conf = append(conf, rd.Confidence)
			right = append(right, p.Truth != "" && rd.Text == p.Truth)
		}
	}
	return conf, right
}

// PrintReliability writes a reliability table and its ECE.
func PrintReliability(w io.Writer, title string, conf []float64, right []bool) float64 {
	bins, ece := Reliability(conf, right)
	fmt.Fprintf(w, "%s (%d readings)\n%-11s %6s %11s %9s\n", title, len(conf), "confidence", "n", "mean conf.", "accuracy")
	for _, b := range bins {
		if b.N == 0 {
			continue
		}
		fmt.Fprintf(w, "%.1f – %.1f %7d %10.3f %9.3f\n", b.Lo, b.Hi, b.N, b.Confidence, b.Accuracy)
	}
	fmt.Fprintf(w, "expected calibration error %.4f\n", ece)
	return ece
}

// Ensemble averages the probabilities of several models.
type Ensemble []Predictor

// Predict writes the mean of the members' probabilities.
func (e Ensemble) Predict(x []float32, n int, probs []float32) error {
	sum := make([]float32, len(probs))
	for _, m := range e {
		if err := m.Predict(x, n, probs); err != nil {
			return err
		}
		for i, p := range probs[:10*n] {
			sum[i] += p / float32(len(e))
		}
	}
	copy(probs, sum)
	return nil
}
