package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"digitnet/models"
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
	stats := fmt.Sprintf(" %d/%d %.0f img/s ETA %s loss %.4f acc %.2f%%",
		pr.Done, pr.Total, pr.ImagesPerSec(), formatETA(pr.RunETA()), pr.Loss, 100*pr.Accuracy)
	head := fmt.Sprintf("%s %d/%d ", p.unit, pr.Epoch, pr.Epochs)
	barLen := max(10, p.width-len(head)-len(stats)-3)
	fill := barLen * pr.Done / pr.Total
	fmt.Fprintf(p.w, "\r%s[%s%s]%s\x1b[K", head, strings.Repeat("=", fill), strings.Repeat(" ", barLen-fill), stats)
}

// formatETA rounds the time left to what a person reads at a glance:
// seconds under two minutes, then minutes.
func formatETA(d time.Duration) string {
	if d < 2*time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

// epochDone prints one line per epoch, Keras-like: the running training
// figures, then those measured on the held-out images.
func (p *progressBar) epochDone(ep models.Epoch, epochs int, measured string) {
	p.clear()
	held, heldLoss := ep.TestAccuracy, ep.TestLoss
	if measured == "validation" {
		held, heldLoss = ep.ValAccuracy, ep.ValLoss
	}
	fmt.Fprintf(p.w, "epoch %d/%d: loss %.4f, accuracy %.2f%%; %s loss %.4f, %s accuracy %.2f%%; %.1fs (%.0f img/s)\n",
		ep.Epoch, epochs, ep.Loss, 100*ep.Accuracy, measured, heldLoss, measured, 100*held, ep.Seconds, ep.ImagesPerSec)
}

func (p *progressBar) clear() {
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
