package samples_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"testing"

	"digitnet/imgproc"
	"digitnet/samples"
)

// FuzzAdd holds Add to what Load does: whatever Add accepts, Load prepares
// as one sample with that label, and nothing Add refuses is left on disk.
func FuzzAdd(f *testing.F) {
	png := digitPNG(f, 3, 1)
	f.Add(3, png)
	f.Add(3, toJPEG(f, png))
	f.Add(12, png)
	f.Add(0, png[:200])
	f.Add(5, []byte("GIF89a"))
	f.Add(1, blankPNG(f))
	var g bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})
	gif.Encode(&g, pal, nil)
	f.Add(2, g.Bytes())
	f.Fuzz(func(t *testing.T, label int, data []byte) {
		// Small limits keep a fuzzed header from asking for a huge image.
		s, err := samples.Open(t.TempDir(), samples.Options{Limits: imgproc.Limits{MaxBytes: 1 << 18, MaxPixels: 1 << 18}})
		if err != nil {
			t.Fatal(err)
		}
		sm, err := s.Add(label, bytes.NewReader(data))
		l, lerr := s.List()
		if lerr != nil {
			t.Fatal(lerr)
		}
		if err != nil {
			if len(l.Samples) != 0 {
				t.Fatalf("Add failed (%v) but stored %v", err, l.Samples)
			}
			return
		}
		if !idForm.MatchString(sm.ID) || sm.Label != label {
			t.Fatalf("Add = %+v", sm)
		}
		set, err := s.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if set.Data.N != 1 || int(set.Data.Labels[0]) != label || set.IDs[0] != sm.ID {
			t.Fatalf("Add accepted a file Load does not use: %+v, skipped %v", set, set.Skipped)
		}
	})
}

// FuzzDelete: no string but the sample's ID removes it.
func FuzzDelete(f *testing.F) {
	for _, id := range []string{"", "..", "7-0123456789abcdef", "../x", "7-/../../etc/passwd", "7-0123456789ABCDEF"} {
		f.Add(id)
	}
	png := digitPNG(f, 7, 1)
	f.Fuzz(func(t *testing.T, id string) {
		s, err := samples.Open(t.TempDir(), samples.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sm, err := s.Add(7, bytes.NewReader(png))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Delete(id)
		l, _ := s.List()
		switch {
		case id == sm.ID:
			if err != nil || len(l.Samples) != 0 {
				t.Fatalf("Delete(own ID): %v, left %v", err, l.Samples)
			}
		case !errors.Is(err, samples.ErrNotFound) || len(l.Samples) != 1:
			t.Fatalf("Delete(%q): %v, left %v", id, err, l.Samples)
		}
	})
}
