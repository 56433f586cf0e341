package plot

import (
	"errors"
	"fmt"
	"io"
	"math"

	"digitnet/models"
)

// MaxEpochs bounds the history Curves draws. Model files come from
// anywhere; a longer history than this is refused rather than drawn.
const MaxEpochs = 10000

// ErrNoHistory reports a model whose file holds no training history
// (models made before digitnet stored one, or by other tools).
var ErrNoHistory = errors.New("plot: the model file holds no training history")

// The curves' colours stay apart for colour-blind readers (blue and
// orange), and the held-out curve is dashed as well.
const (
	trainColour = "#1f77b4"
	heldColour  = "#e86a00"
	gridColour  = "#e4e4e4"
	axisColour  = "#888"
)

// ModelCurves draws the training curves stored in a model's metadata.
func ModelCurves(w io.Writer, meta models.Meta) error {
	if meta.Training == nil || len(meta.Training.History) == 0 {
		return ErrNoHistory
	}
	return Curves(w, meta.Training.History)
}

// series is one curve: a value per epoch, NaN where there is none.
type series struct {
	name   string
	colour string
	dash   string
	values []float64
}

// Curves draws the loss (left) and the accuracy (right) of each epoch of
// a training run as an SVG: the running training figures in blue, and the
// held-out ones (validation, or the test set when there was no
// validation) in dashed orange.
func Curves(w io.Writer, history []models.Epoch) error {
	n := len(history)
	switch {
	case n == 0:
		return errors.New("plot: no epochs to draw")
	case n > MaxEpochs:
		return fmt.Errorf("plot: %d epochs; at most %d are drawn", n, MaxEpochs)
	}
	held, heldLoss, heldAcc := "", func(models.Epoch) float64 { return 0 }, func(models.Epoch) float64 { return 0 }
	for _, e := range history {
		if e.ValAccuracy > 0 || e.ValLoss > 0 {
			held = "validation"
			heldLoss = func(e models.Epoch) float64 { return e.ValLoss }
			heldAcc = func(e models.Epoch) float64 { return e.ValAccuracy }
			break
		}
		if e.TestAccuracy > 0 || e.TestLoss > 0 {
			held = "test"
			heldLoss = func(e models.Epoch) float64 { return e.TestLoss }
			heldAcc = func(e models.Epoch) float64 { return e.TestAccuracy }
		}
	}
	collect := func(f func(models.Epoch) float64, scale float64) []float64 {
		v := make([]float64, n)
		for i, e := range history {
			v[i] = f(e) * scale
			if f(e) <= 0 || math.IsInf(v[i], 0) {
				v[i] = math.NaN() // 0 means "not measured" in an Epoch
			}
		}
		return v
	}
	loss := []series{{"training", trainColour, "", collect(func(e models.Epoch) float64 { return e.Loss }, 1)}}
	acc := []series{{"training", trainColour, "", collect(func(e models.Epoch) float64 { return e.Accuracy }, 100)}}
	if held != "" {
		loss = append(loss, series{held, heldColour, "6 4", collect(heldLoss, 1)})
		acc = append(acc, series{held, heldColour, "6 4", collect(heldAcc, 100)})
	}

	const width, height = 720, 330
	epochs := "epochs"
	if n == 1 {
		epochs = "epoch"
	}
	c := newCanvas(width, height, fmt.Sprintf("Training curves: loss and accuracy over %d %s", n, epochs))
	c.text(width/2, 22, "middle", `font-size="15" font-weight="bold"`, fmt.Sprintf("Training: %d %s", n, epochs))
	lossLo, lossHi := 0.0, maxOf(loss)
	if !(lossHi > 0) {
		lossHi = 1
	}
	accLo := minOf(acc)
	if math.IsNaN(accLo) || accLo >= 100 {
		accLo = 99
	}
	panel(c, 0, "loss (cross-entropy)", loss, n, lossLo, lossHi, false)
	panel(c, width/2, "accuracy (%)", acc, n, accLo, 100, true)

	// The legend gives each curve's last value: the figures people quote.
	x := 56.0
	for i, s := range loss {
		y := float64(height - 14)
		c.polylineSample(x, y-4, s.colour, s.dash)
		label := s.name
		if l, a := last(s.values), last(acc[i].values); !math.IsNaN(l) || !math.IsNaN(a) {
			label += ": last loss " + fmtOrDash(l, "%.4f") + ", accuracy " + fmtOrDash(a, "%.2f%%")
		}
		c.text(x+30, y, "start", "", label)
		x += 330
	}
	return c.writeTo(w)
}

// panel draws one chart in the half of the canvas starting at x0. Values
// run from lo to hi (rounded out to ticks); ceiling keeps hi as the top
// tick (100% accuracy) instead of rounding past it.
func panel(c *canvas, x0 float64, title string, ss []series, n int, lo, hi float64, ceiling bool) {
	left, right, top, bottom := x0+60, x0+340, 56.0, 262.0
	c.text((left+right)/2, top-12, "middle", `font-weight="bold"`, title)

	ticks, step := niceTicks(lo, hi, 5)
	lo = math.Floor(lo/step+1e-9) * step
	if !ceiling {
		hi = math.Ceil(hi/step-1e-9) * step
	}
	if len(ticks) == 0 || ticks[0] > lo {
		ticks = append([]float64{lo}, ticks...)
	}
	if !ceiling && ticks[len(ticks)-1] < hi {
		ticks = append(ticks, hi)
	}
	if hi <= lo {
		hi = lo + step
	}
	yOf := func(v float64) float64 { return bottom - (v-lo)/(hi-lo)*(bottom-top) }
	xLo, xHi := 1.0, float64(n)
	if n == 1 {
		xLo, xHi = 0, 2
	}
	xOf := func(epoch int) float64 { return left + (float64(epoch)-xLo)/(xHi-xLo)*(right-left) }

	for _, t := range ticks {
		y := yOf(t)
		c.line(left, y, right, y, gridColour)
		c.text(left-6, y+4, "end", "", tickLabel(t, step))
	}
	c.line(left, top, left, bottom, axisColour)
	c.line(left, bottom, right, bottom, axisColour)
	for _, e := range epochTicks(n) {
		x := xOf(e)
		c.line(x, bottom, x, bottom+4, axisColour)
		c.text(x, bottom+17, "middle", "", fmt.Sprint(e))
	}
	c.text((left+right)/2, bottom+34, "middle", "", "epoch")

	for _, s := range ss {
		var pts [][2]float64
		flush := func() {
			if len(pts) > 1 {
				c.polyline(pts, s.colour, s.dash)
			}
			pts = pts[:0]
		}
		for i, v := range s.values {
			if math.IsNaN(v) {
				flush() // a gap where an epoch was not measured
				continue
			}
			pts = append(pts, [2]float64{xOf(i + 1), yOf(math.Max(lo, math.Min(hi, v)))})
		}
		flush()
		if n <= 50 {
			for i, v := range s.values {
				if !math.IsNaN(v) {
					c.circle(xOf(i+1), yOf(math.Max(lo, math.Min(hi, v))), 3, s.colour)
				}
			}
		}
	}
}

// polylineSample draws a short stretch of a curve's line for the legend.
func (c *canvas) polylineSample(x, y float64, colour, dash string) {
	c.polyline([][2]float64{{x, y}, {x + 24, y}}, colour, dash)
}

// epochTicks labels every epoch up to 10, else round steps.
func epochTicks(n int) []int {
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		step = s
		if n/s <= 10 {
			break
		}
	}
	ticks := []int{1}
	for e := step; e <= n; e += step {
		if e > 1 {
			ticks = append(ticks, e)
		}
	}
	return ticks
}

func maxOf(ss []series) float64 {
	m := math.NaN()
	for _, s := range ss {
		for _, v := range s.values {
			if !math.IsNaN(v) && !(v <= m) {
				m = v
			}
		}
	}
	return m
}

func minOf(ss []series) float64 {
	m := math.NaN()
	for _, s := range ss {
		for _, v := range s.values {
			if !math.IsNaN(v) && !(v >= m) {
				m = v
			}
		}
	}
	return m
}

func last(v []float64) float64 {
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) {
			return v[i]
		}
	}
	return math.NaN()
}

func fmtOrDash(v float64, format string) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf(format, v)
}
