package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"digitnet/train"
)

// progressBar draws one updating line per epoch on a terminal, and prints
// one plain line per finished epoch otherwise (logs, CI, pipes).
type progressBar struct {
	w     io.Writer
	tty   bool
	last  time.Time
	width int
	// unit names what the bar counts in Progress.Epoch: "epoch", or
	// "run" for fine-tuning's runs.
	unit string
}

func newProgressBar(w io.Writer) *progressBar {
	p := &progressBar{w: w, width: 80, unit: "epoch"}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 40 {
			p.width = cols
		}
	}
	return p
}

func (p *progressBar) update(pr train.Progress) {
	if !p.tty || (time.Since(p.last) < 100*time.Millisecond && pr.Done < pr.Total) {
		return
	}
	p.last = time.Now()
	rate := pr.ImagesPerSec()
	eta := time.Duration(0)
	if rate > 0 {
		eta = time.Duration(float64(pr.Total-pr.Done) / rate * float64(time.Second))
	}
	stats := fmt.Sprintf(" %d/%d %.0f img/s ETA %s loss %.4f acc %.2f%%",
		pr.Done, pr.Total, rate, eta.Round(time.Second), pr.Loss, 100*pr.Accuracy)
	head := fmt.Sprintf("%s %d/%d ", p.unit, pr.Epoch, pr.Epochs)
	barLen := max(10, p.width-len(head)-len(stats)-3)
	fill := barLen * pr.Done / pr.Total
	fmt.Fprintf(p.w, "\r%s[%s%s]%s\x1b[K", head, strings.Repeat("=", fill), strings.Repeat(" ", barLen-fill), stats)
}

func (p *progressBar) epochDone(r train.EpochResult) {
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintf(p.w, "epoch %d: loss %.4f, train accuracy %.2f%%, %s (%.0f img/s)\n",
		r.Epoch, r.Loss, 100*r.Accuracy, r.Duration.Round(time.Second/10),
		float64(r.Images)/r.Duration.Seconds())
}

func (p *progressBar) clear() {
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
