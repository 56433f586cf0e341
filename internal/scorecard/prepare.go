package scorecard

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"digitnet/imgproc"
	"digitnet/mnist"
)

// Glyph is one digit-sized mark preparation found in an upload.
type Glyph struct {
	Input   [784]byte // what the model sees: 28x28, white on black
	Box     image.Rectangle
	Signals imgproc.Signals
	// Joined is this glyph and the next as one, when preparation offered
	// them as possibly one digit (imgproc.Glyph.Joined).
	Joined *Glyph
}

// Prepared is a sample after decoding and preparation: what the model and
// the judgement of uncertainty work on.
type Prepared struct {
	Set, Kind, Group, Truth string
	// Err is set when preparation refused the upload (no ink in it, say):
	// the reader answers with an error, not a reading.
	Err    string
	Glyphs []Glyph
}

// Prepare renders and prepares every sample of a set in a split, on all
// cores. With cache not empty, it keeps the result in that folder and
// reuses it: rendering and preparing a few thousand uploads takes minutes,
// running a model on them a second.
func Prepare(set string, split Split, n int, test *mnist.Set, cache string) ([]Prepared, error) {
	var path string
	if cache != "" {
		path = filepath.Join(cache, fmt.Sprintf("%s-%s-%d-v%d.gob", set, split, n, cacheVersion[set]))
		if b, err := os.ReadFile(path); err == nil {
			var out []Prepared
			if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&out); err == nil {
				return out, nil
			}
		}
	}
	size := Size(set, n)
	out := make([]Prepared, size)
	errs := make([]error, size)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = prepareOne(set, split, n, test, i)
			}
		})
	}
	for i := range size {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if path != "" {
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).Encode(out); err != nil {
			return nil, fmt.Errorf("scorecard: cache %s: %w", path, err)
		}
		if err := os.MkdirAll(cache, 0o755); err != nil {
			return nil, fmt.Errorf("scorecard: cache: %w", err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("scorecard: cache: %w", err)
		}
	}
	return out, nil
}

// cacheVersion changes when a set or the preparation changes what a
// cached file would hold.
var cacheVersion = map[string]int{StyleSet: 14, NonDigitSet: 13, UserSet: 13, StripSet: 13}

func glyphOf(g imgproc.Glyph) Glyph {
	out := Glyph{Box: g.Box, Signals: g.Signals}
	copy(out.Input[:], g.Image.Pix)
	return out
}

func prepareOne(set string, split Split, n int, test *mnist.Set, i int) (Prepared, error) {
	s, err := At(set, split, n, test, i)
	if err != nil {
		return Prepared{}, err
	}
	p := Prepared{Set: s.Set, Kind: s.Kind, Group: s.Group, Truth: s.Truth}
	glyphs, err := imgproc.DecodeSegment(bytes.NewReader(s.File), imgproc.DefaultLimits)
	if err != nil {
		p.Err = err.Error()
		return p, nil
	}
	for _, g := range glyphs {
		p.Glyphs = append(p.Glyphs, glyphOf(g))
		if g.Joined != nil {
			j := glyphOf(*g.Joined)
			p.Glyphs[len(p.Glyphs)-1].Joined = &j
		}
	}
	return p, nil
}
