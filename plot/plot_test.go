package plot

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/models"
)

var update = flag.Bool("update", false, "rewrite the golden SVG files in testdata")

// history5 is a five-epoch run measured on the test set, as `digitnet
// train` records it.
var history5 = []models.Epoch{
	{Epoch: 1, Loss: 0.2012, Accuracy: 0.9391, TestLoss: 0.0583, TestAccuracy: 0.9812, Seconds: 3.1, ImagesPerSec: 19300},
	{Epoch: 2, Loss: 0.0561, Accuracy: 0.9826, TestLoss: 0.0412, TestAccuracy: 0.9861, Seconds: 3.0, ImagesPerSec: 20000},
	{Epoch: 3, Loss: 0.0389, Accuracy: 0.9878, TestLoss: 0.0355, TestAccuracy: 0.9884, Seconds: 3.0, ImagesPerSec: 20000},
	{Epoch: 4, Loss: 0.0291, Accuracy: 0.9908, TestLoss: 0.0330, TestAccuracy: 0.9893, Seconds: 3.0, ImagesPerSec: 20000},
	{Epoch: 5, Loss: 0.0224, Accuracy: 0.9929, TestLoss: 0.0318, TestAccuracy: 0.9907, Seconds: 3.0, ImagesPerSec: 20000},
}

// confusion10 is a model's confusion matrix on the 10,000 MNIST test images.
var confusion10 = [][]int{
	{976, 0, 1, 0, 0, 0, 1, 1, 1, 0},
	{0, 1132, 1, 1, 0, 0, 0, 1, 0, 0},
	{1, 1, 1024, 0, 0, 0, 0, 5, 1, 0},
	{0, 0, 1, 1004, 0, 3, 0, 1, 1, 0},
	{0, 0, 0, 0, 975, 0, 2, 0, 0, 5},
	{1, 0, 0, 4, 0, 884, 2, 0, 0, 1},
	{4, 2, 0, 0, 1, 2, 948, 0, 1, 0},
	{0, 2, 4, 0, 0, 0, 0, 1019, 1, 2},
	{2, 0, 2, 1, 0, 1, 0, 1, 965, 2},
	{1, 0, 0, 1, 5, 2, 0, 3, 1, 996},
}

func TestGolden(t *testing.T) {
	val := make([]models.Epoch, 3)
	for i := range val {
		val[i] = history5[i]
		val[i].ValLoss, val[i].ValAccuracy = val[i].TestLoss, val[i].TestAccuracy
		val[i].TestLoss, val[i].TestAccuracy = 0, 0
	}
	tests := []struct {
		name string
		draw func(io.Writer) error
		want []string // texts the picture must show
	}{
		{"curves.svg", func(w io.Writer) error { return Curves(w, history5) },
			[]string{"Training: 5 epochs", "loss (cross-entropy)", "accuracy (%)", "test: last loss 0.0318, accuracy 99.07%", "training: last loss 0.0224, accuracy 99.29%"}},
		{"curves-validation.svg", func(w io.Writer) error { return Curves(w, val) },
			[]string{"Training: 3 epochs", "validation: last loss 0.0355, accuracy 98.84%"}},
		{"curves-one-epoch.svg", func(w io.Writer) error { return Curves(w, history5[:1]) },
			[]string{"Training: 1 epoch", "test: last loss 0.0583"}},
		{"confusion.svg", func(w io.Writer) error { return Confusion(w, confusion10) },
			[]string{"Confusion matrix: 99.23% of 10,000 read right", "read as", "true digit", "recall", "99.6%", "1132"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.draw(&buf); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			checkSVG(t, got)
			for _, s := range tt.want {
				if !bytes.Contains(got, []byte(">"+s)) && !bytes.Contains(got, []byte(s+"<")) {
					t.Errorf("the picture lacks the text %q", s)
				}
			}
			golden := filepath.Join("testdata", tt.name)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; look at both in a browser, then run go test -update if the change is meant", tt.name)
			}
		})
	}
}

// checkSVG checks that b is one well-formed SVG element with a size and
// a background: what browsers and GitHub need to show it.
func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root element %v, want svg in the SVG namespace", tok.Name)
				}
			}
			if tok.Name.Local == "script" || tok.Name.Local == "style" || tok.Name.Local == "image" {
				t.Errorf("the picture uses <%s>", tok.Name.Local)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		t.Errorf("%d root elements", roots)
	}
	for _, s := range []string{` width="`, ` viewBox="`, `fill="#fff"`} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("the picture lacks %s", s)
		}
	}
	if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Inf")) {
		t.Error("the picture holds a NaN or Inf coordinate")
	}
}

func TestCurvesOddHistories(t *testing.T) {
	long := make([]models.Epoch, 200)
	for i := range long {
		long[i] = models.Epoch{Epoch: i + 1, Loss: 1 / float64(i+1), Accuracy: 1 - 0.5/float64(i+1)}
	}
	gaps := append([]models.Epoch(nil), history5...)
	gaps[2].TestLoss, gaps[2].TestAccuracy = 0, 0 // not measured
	gaps[3].Loss = math.Inf(1)
	for name, h := range map[string][]models.Epoch{
		"200 epochs, no held-out figures": long,
		"gaps":                            gaps,
		"all zero":                        {{Epoch: 1}, {Epoch: 2}},
		"tiny loss":                       {{Epoch: 1, Loss: 5e-324, Accuracy: 1}},
		"huge loss":                       {{Epoch: 1, Loss: 1e300, Accuracy: 0.1}, {Epoch: 2, Loss: 1e-300, Accuracy: 7}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Curves(&buf, h); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, buf.Bytes())
		})
	}
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Curves(&buf, nil); err == nil {
		t.Error("Curves of no epochs: no error")
	}
	if err := Curves(&buf, make([]models.Epoch, MaxEpochs+1)); err == nil {
		t.Error("Curves of too many epochs: no error")
	}
	for name, m := range map[string][][]int{
		"empty":    nil,
		"ragged":   {{1, 2}, {3}},
		"negative": {{1, -1}, {0, 1}},
		"no count": {{0, 0}, {0, 0}},
		"huge":     {{math.MaxInt32 + 1}},
	} {
		if err := Confusion(&buf, m); err == nil {
			t.Errorf("Confusion of %s matrix: no error", name)
		}
	}
	if err := ModelCurves(&buf, models.Meta{}); !errors.Is(err, ErrNoHistory) {
		t.Errorf("ModelCurves without history: %v, want ErrNoHistory", err)
	}
	if err := ModelConfusion(&buf, models.Meta{Training: &models.Training{}}); !errors.Is(err, ErrNoConfusion) {
		t.Errorf("ModelConfusion without a matrix: %v, want ErrNoConfusion", err)
	}
}

func TestModelPlots(t *testing.T) {
	meta := models.Meta{Training: &models.Training{History: history5, TestConfusion: confusion10}}
	var a, b bytes.Buffer
	if err := ModelCurves(&a, meta); err != nil {
		t.Fatal(err)
	}
	Curves(&b, history5)
	if a.String() != b.String() {
		t.Error("ModelCurves draws another picture than Curves of the same history")
	}
	a.Reset()
	b.Reset()
	if err := ModelConfusion(&a, meta); err != nil {
		t.Fatal(err)
	}
	Confusion(&b, confusion10)
	if a.String() != b.String() {
		t.Error("ModelConfusion draws another picture than Confusion of the same matrix")
	}
}

// FuzzModelPlots draws the "training" metadata of model files, which come
// from anywhere: no input may panic or make a malformed picture.
func FuzzModelPlots(f *testing.F) {
	seed, _ := json.Marshal(models.Training{History: history5, TestConfusion: confusion10})
	f.Add(seed)
	f.Add([]byte(`{"history":[{"epoch":1,"loss":1e308,"accuracy":-3}],"test_confusion":[[1]]}`))
	f.Add([]byte(`{"history":[{"epoch":1}],"test_confusion":[[0,1],[2147483647,0]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr models.Training
		if json.Unmarshal(data, &tr) != nil {
			return
		}
		meta := models.Meta{Training: &tr}
		var buf bytes.Buffer
		if ModelCurves(&buf, meta) == nil {
			checkSVG(t, buf.Bytes())
		}
		buf.Reset()
		if ModelConfusion(&buf, meta) == nil {
			checkSVG(t, buf.Bytes())
		}
	})
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{0, 0.2012, "0.00 0.05 0.10 0.15 0.20"},
		{93.91, 100, "94 96 98 100"},
		{0, 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{98.12, 100, "98.5 99.0 99.5 100.0"},
		{5, 5, "5"},
	}
	for _, tt := range tests {
		ticks, step := niceTicks(tt.lo, tt.hi, 5)
		var got []string
		for _, v := range ticks {
			got = append(got, tickLabel(v, step))
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("niceTicks(%v, %v) = %s, want %s", tt.lo, tt.hi, s, tt.want)
		}
	}
}
