package plot

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"digitnet/models"
)

// MaxClasses bounds the matrices Confusion draws.
const MaxClasses = 100

// ErrNoConfusion reports a model whose file holds no confusion matrix.
var ErrNoConfusion = errors.New("plot: the model file holds no confusion matrix")

var (
	rightRGB = [3]float64{0x1f, 0x77, 0xb4} // blue: read right
	wrongRGB = [3]float64{0xd6, 0x27, 0x28} // red: read wrong
)

// ModelConfusion draws the MNIST test set's confusion matrix stored in a
// model's metadata when it was trained.
func ModelConfusion(w io.Writer, meta models.Meta) error {
	if meta.Training == nil || len(meta.Training.TestConfusion) == 0 {
		return ErrNoConfusion
	}
	return Confusion(w, meta.Training.TestConfusion)
}

// Confusion draws a confusion matrix as an SVG: confusion[t][p] counts the
// images of class t read as p. Each cell shows its count, shaded by its
// share of the row: blue on the diagonal (read right), red elsewhere, where
// even a few images in a thousand stand out. Beside each row is the class's
// recall: the share of its images read right.
func Confusion(w io.Writer, confusion [][]int) error {
	k := len(confusion)
	if k == 0 || k > MaxClasses {
		return fmt.Errorf("plot: a confusion matrix of %d classes; want 1 to %d", k, MaxClasses)
	}
	rows := make([]int64, k)
	var total, correct int64
	largest := 0
	for t, row := range confusion {
		if len(row) != k {
			return fmt.Errorf("plot: confusion row %d has %d counts, want %d", t, len(row), k)
		}
		for p, v := range row {
			if v < 0 || v > math.MaxInt32 {
				return fmt.Errorf("plot: confusion count [%d][%d] = %d is out of range", t, p, v)
			}
			rows[t] += int64(v)
			largest = max(largest, v)
		}
		total += rows[t]
		correct += int64(row[t])
	}
	if total == 0 {
		return errors.New("plot: the confusion matrix counts no images")
	}

	cell := max(30, 7*len(strconv.Itoa(largest))+12)
	const left, top = 64, 76
	gridW := k * cell
	width, height := left+gridW+84, top+gridW+40
	acc := float64(correct) / float64(total)
	c := newCanvas(width, height, fmt.Sprintf("Confusion matrix: %.2f%% of %s images read right", 100*acc, thousands(total)))
	c.text(float64(width)/2, 22, "middle", `font-size="15" font-weight="bold"`,
		fmt.Sprintf("Confusion matrix: %.2f%% of %s read right", 100*acc, thousands(total)))
	c.text(float64(left+gridW/2), 46, "middle", "", "read as")
	c.text(18, float64(top+gridW/2), "middle", fmt.Sprintf(`transform="rotate(-90 18 %d)"`, top+gridW/2), "true digit")
	c.text(float64(left+gridW+44), float64(top-10), "middle", "", "recall")

	half := float64(cell) / 2
	for i := range k {
		label := strconv.Itoa(i)
		c.text(float64(left+i*cell)+half, float64(top-10), "middle", "", label)
		c.text(float64(left-8), float64(top+i*cell)+half+4, "end", "", label)
	}
	for t, row := range confusion {
		y := float64(top + t*cell)
		for p, v := range row {
			x := float64(left + p*cell)
			share := 0.0
			if rows[t] > 0 {
				share = float64(v) / float64(rows[t])
			}
			fill, shade := "#fff", 0.0
			switch {
			case t == p:
				shade = share
				fill = mix(rightRGB, shade)
			case v > 0:
				// Errors are rare: a square root lifts 1 in 1,000 to a
				// visible tint while 10% is already full red.
				shade = math.Min(1, math.Sqrt(share*10))
				fill = mix(wrongRGB, shade)
			}
			c.rect(x, y, float64(cell), float64(cell), fill, "#ddd")
			if v == 0 && t != p {
				continue // blank cells make the mistakes easy to find
			}
			colour := ""
			if shade > 0.55 {
				colour = `fill="#fff"`
			}
			c.text(x+half, y+half+4, "middle", colour, strconv.Itoa(v))
		}
		recall := "-"
		if rows[t] > 0 {
			recall = fmt.Sprintf("%.1f%%", 100*float64(row[t])/float64(rows[t]))
		}
		c.text(float64(left+gridW+44), y+half+4, "middle", "", recall)
	}
	c.text(float64(left), float64(top+gridW+26), "start", `font-size="11" fill="#666"`,
		"rows: the true digit; columns: what it was read as")
	return c.writeTo(w)
}
