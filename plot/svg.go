package plot

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// canvas accumulates an SVG document. Coordinates are rounded to a tenth
// of a pixel so that files are small and the same on every machine.
type canvas struct {
	b strings.Builder
}

func newCanvas(width, height int, title string) *canvas {
	c := &canvas{}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12" fill="#222">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&c.b, "<title>%s</title>\n", escape(title))
	// An explicit background: a transparent picture on a dark page (GitHub
	// in dark mode) would be unreadable.
	fmt.Fprintf(&c.b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
	return c
}

func (c *canvas) writeTo(w io.Writer) error {
	c.b.WriteString("</svg>\n")
	_, err := io.WriteString(w, c.b.String())
	return err
}

// text writes s at (x, y); anchor is "start", "middle" or "end"; extra
// holds further attributes, e.g. `font-weight="bold"`.
func (c *canvas) text(x, y float64, anchor, extra, s string) {
	if extra != "" {
		extra = " " + extra
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`+"\n", num(x), num(y), anchor, extra, escape(s))
}

func (c *canvas) line(x1, y1, x2, y2 float64, stroke string) {
	fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(x1), num(y1), num(x2), num(y2), stroke)
}

func (c *canvas) rect(x, y, w, h float64, fill, stroke string) {
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"`, num(x), num(y), num(w), num(h), fill)
	if stroke != "" {
		fmt.Fprintf(&c.b, ` stroke="%s"`, stroke)
	}
	c.b.WriteString("/>\n")
}

// polyline draws a line through points; dash is a stroke-dasharray or "".
func (c *canvas) polyline(points [][2]float64, stroke, dash string) {
	c.b.WriteString(`<polyline fill="none" stroke-width="2" stroke="` + stroke + `"`)
	if dash != "" {
		c.b.WriteString(` stroke-dasharray="` + dash + `"`)
	}
	c.b.WriteString(` points="`)
	for i, p := range points {
		if i > 0 {
			c.b.WriteByte(' ')
		}
		c.b.WriteString(num(p[0]) + "," + num(p[1]))
	}
	c.b.WriteString("\"/>\n")
}

func (c *canvas) circle(x, y, r float64, fill string) {
	fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", num(x), num(y), num(r), fill)
}

// num formats a coordinate with at most one decimal.
func num(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// mix blends white into the colour rgb: t = 0 gives white, 1 the colour.
func mix(rgb [3]float64, t float64) string {
	t = math.Max(0, math.Min(1, t))
	var out [3]int
	for i, v := range rgb {
		out[i] = int(math.Round(255 + (v-255)*t))
	}
	return fmt.Sprintf("#%02x%02x%02x", out[0], out[1], out[2])
}

// niceTicks returns about n round values from lo to hi (both included
// when they are round): steps of 1, 2, 2.5 or 5 times a power of ten.
func niceTicks(lo, hi float64, n int) (ticks []float64, step float64) {
	if !(hi > lo) {
		return []float64{lo}, 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if !(step > 0) || math.IsInf(step, 0) {
		return []float64{lo}, 1 // a range too small or too large for float64 steps
	}
	first := math.Ceil(lo/step - 1e-9)
	for i := 0.0; i <= float64(n)*3; i++ {
		v := (first + i) * step
		if v > hi+step*1e-9 {
			break
		}
		ticks = append(ticks, v)
	}
	return ticks, step
}

// tickLabel formats a tick value with as many decimals as step needs.
func tickLabel(v, step float64) string {
	decimals := 0
	for s := step; decimals < 6 && math.Abs(s-math.Round(s)) > 1e-9; s *= 10 {
		decimals++
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// thousands formats n ≥ 0 with commas: 10,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
