package samples

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"digitnet/imgproc"
	"digitnet/mnist"
)

// Set is a folder of samples prepared for training.
type Set struct {
	// Data holds the samples as model inputs: 28x28, white ink on black
	// as in MNIST, with their labels, by label, then by the inputs' pixels:
	// the same samples come in the same order whatever IDs the store gave
	// them (IDs are random), so that fine-tuning with a seed gives the same
	// model.
	Data *mnist.Set
	// IDs names the sample behind each image of Data.
	IDs []string
	// Skipped lists the files that could not be used, and why.
	Skipped []Skipped
}

// Skipped is a file Load could not use.
type Skipped struct {
	// File is the file's path within the folder, e.g. "3/scan.jpg".
	File string
	Err  error
}

func (s Skipped) String() string { return s.File + ": " + s.Err.Error() }

// PerLabel counts the samples of each digit.
func (s *Set) PerLabel() [10]int {
	var n [10]int
	for _, l := range s.Data.Labels {
		n[l]++
	}
	return n
}

// Load prepares every sample in the store; see the function Load.
func (s *Store) Load(ctx context.Context) (*Set, error) {
	return Load(ctx, s.dir, s.opts.Limits)
}

// Load prepares the samples in dir/0 … dir/9 as `digitnet predict`
// prepares an upload, within the limits lim (zero: imgproc.DefaultLimits).
// A file that is not an image, is beyond the limits, holds no ink or holds
// several digits is skipped and listed in Set.Skipped with the reason; one
// deleted while Load runs is left out.
// Load fails only when dir cannot be read, has none of the ten folders, or
// ctx is cancelled.
func Load(ctx context.Context, dir string, lim imgproc.Limits) (*Set, error) {
	found := false
	for d := range 10 {
		st, err := os.Stat(filepath.Join(dir, strconv.Itoa(d)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("samples: %w", err)
		}
		found = found || err == nil && st.IsDir()
	}
	if !found {
		return nil, fmt.Errorf("samples: %s has no folders named 0 to 9; put the images of each digit in a folder named after it, e.g. %s", dir, filepath.Join(dir, "7", "my-seven.png"))
	}
	files, err := scan(dir)
	if err != nil {
		return nil, err
	}
	type result struct {
		img *imgproc.Glyph
		err error
	}
	results := make([]result, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(len(files), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range jobs {
				g, err := prepare(files[i].path(dir), lim)
				results[i] = result{g, err}
			}
		})
	}
	var cancelled error
	for i := range files {
		if cancelled = ctx.Err(); cancelled != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if cancelled != nil {
		return nil, cancelled
	}
	type loaded struct {
		label int
		id    string
		pix   []byte
	}
	var kept []loaded
	set := &Set{Data: &mnist.Set{Rows: imgproc.Size, Cols: imgproc.Size}}
	for i, f := range files {
		if err := results[i].err; errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			set.Skipped = append(set.Skipped, Skipped{File: strconv.Itoa(f.Label) + "/" + f.name, Err: err})
			continue
		}
		g := results[i].img.Image
		pix := make([]byte, 0, imgproc.Size*imgproc.Size)
		for y := range imgproc.Size {
			pix = append(pix, g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):][:imgproc.Size]...)
		}
		kept = append(kept, loaded{f.Label, f.ID, pix})
	}
	slices.SortStableFunc(kept, func(a, b loaded) int {
		return cmp.Or(cmp.Compare(a.label, b.label), bytes.Compare(a.pix, b.pix))
	})
	for _, k := range kept {
		set.Data.Images = append(set.Data.Images, k.pix...)
		set.Data.Labels = append(set.Data.Labels, byte(k.label))
		set.IDs = append(set.IDs, k.id)
	}
	set.Data.N = len(set.IDs)
	return set, nil
}

// prepare reads one sample file as predict reads an upload, and requires
// one digit in it.
func prepare(path string, lim imgproc.Limits) (*imgproc.Glyph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	glyphs, err := imgproc.DecodeSegment(f, lim)
	if err != nil {
		return nil, err
	}
	g, ok := oneDigit(glyphs)
	if !ok {
		return nil, fmt.Errorf("%w (found %d)", ErrSeveralDigits, len(glyphs))
	}
	if b := g.Image.Bounds(); b.Dx() != imgproc.Size || b.Dy() != imgproc.Size {
		return nil, fmt.Errorf("samples: prepared as %dx%d, want %dx%d", b.Dx(), b.Dy(), imgproc.Size, imgproc.Size)
	}
	return g, nil
}

// oneDigit returns the one digit of a sample: its one glyph, or two glyphs
// that preparation offered as possibly one (imgproc.Glyph.Joined). A
// sample is labelled as one digit, so a 5 with its cap lifted off is one.
func oneDigit(glyphs []imgproc.Glyph) (*imgproc.Glyph, bool) {
	switch {
	case len(glyphs) == 1:
		return &glyphs[0], true
	case len(glyphs) == 2 && glyphs[0].Joined != nil:
		return glyphs[0].Joined, true
	}
	return nil, false
}
