package samples_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"digitnet/recognize"
	"digitnet/samples"
)

// TestLoadLikePredict: each sample becomes exactly the input predict gives
// the model for the same file, and what cannot be used is listed with the
// reason.
func TestLoadLikePredict(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"0/a.png":    digitPNG(t, 0, 1),
		"0/b.jpg":    toJPEG(t, digitPNG(t, 0, 2)),
		"7/c.png":    digitPNG(t, 7, 1),
		"7/notes":    []byte("not an image"),
		"7/42.png":   numberPNG(t, 4, 2),
		"9/d.png":    blankPNG(t),
		"9/.hidden":  []byte("ignored"),
		"README.txt": []byte("outside the label folders: ignored"),
	}
	for name, data := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := samples.Load(context.Background(), dir, recognize.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if set.Data.N != 3 || set.PerLabel() != [10]int{0: 2, 7: 1} || len(set.IDs) != 3 {
		t.Errorf("loaded %d samples, per label %v; want 2 zeros and a seven", set.Data.N, set.PerLabel())
	}
	rec, err := recognize.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"0/a.png", "0/b.jpg", "7/c.png"} {
		// IDs sort by hash for hand-named files: find this one's index.
		k := -1
		for j := range set.Data.N {
			if bytes.Equal(set.Data.Image(j), input(t, rec, files[name])) {
				k = j
			}
		}
		if k < 0 {
			t.Errorf("%s (#%d): no loaded image equals predict's input for it", name, i)
			continue
		}
		if want := byte(name[0] - '0'); set.Data.Labels[k] != want {
			t.Errorf("%s: label %d, want %d", name, set.Data.Labels[k], want)
		}
	}
	want := map[string]error{"7/notes": recognize.ErrUnsupported, "7/42.png": samples.ErrSeveralDigits, "9/d.png": recognize.ErrNoInk}
	if len(set.Skipped) != len(want) {
		t.Errorf("skipped %v, want %d files", set.Skipped, len(want))
	}
	for _, s := range set.Skipped {
		if !errors.Is(s.Err, want[s.File]) {
			t.Errorf("skipped %s: %v, want %v", s.File, s.Err, want[s.File])
		}
		if !strings.HasPrefix(s.String(), s.File+": ") {
			t.Errorf("Skipped.String() = %q", s.String())
		}
	}
}

// input is what predict feeds the model for an image file.
func input(t *testing.T, rec *recognize.Recognizer, data []byte) []byte {
	t.Helper()
	r, err := rec.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return r.Input.Pix
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := samples.Load(context.Background(), dir, recognize.DefaultLimits); err == nil || !strings.Contains(err.Error(), "no folders named 0 to 9") {
		t.Errorf("Load of a folder without label folders: %v", err)
	}
	if _, err := samples.Load(context.Background(), filepath.Join(dir, "missing"), recognize.DefaultLimits); err == nil {
		t.Error("Load of a missing folder: no error")
	}
	os.MkdirAll(filepath.Join(dir, "3"), 0o755)
	os.WriteFile(filepath.Join(dir, "3", "a.png"), digitPNG(t, 3, 1), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := samples.Load(ctx, dir, recognize.DefaultLimits); !errors.Is(err, context.Canceled) {
		t.Errorf("Load after cancel: %v", err)
	}
	set, err := samples.Load(context.Background(), dir, recognize.DefaultLimits)
	if err != nil || set.Data.N != 1 {
		t.Errorf("Load with only folder 3: %v, %+v", err, set)
	}
}

// TestLoadOrderIsTheContents: the store names samples by random IDs, so
// the same samples saved twice sort differently by ID. Load orders them by
// what they hold, so fine-tuning on them with a seed gives the same model;
// it used to follow the IDs, and a browser test of "Learn my handwriting"
// learnt a different model on every run.
func TestLoadOrderIsTheContents(t *testing.T) {
	var images [][]byte
	for seed := range uint64(6) {
		images = append(images, digitPNG(t, 3, seed+1))
	}
	var loaded [2]*samples.Set
	for k := range loaded {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "3"), 0o755)
		for i, data := range images {
			name := fmt.Sprintf("%c.png", 'a'+i) // a.png … f.png
			if k == 1 {
				name = fmt.Sprintf("%c.png", 'f'-i) // the same images, named the other way round
			}
			if err := os.WriteFile(filepath.Join(dir, "3", name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		set, err := samples.Load(context.Background(), dir, recognize.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if set.Data.N != len(images) {
			t.Fatalf("loaded %d of %d samples: %v", set.Data.N, len(images), set.Skipped)
		}
		loaded[k] = set
	}
	if !bytes.Equal(loaded[0].Data.Images, loaded[1].Data.Images) || !bytes.Equal(loaded[0].Data.Labels, loaded[1].Data.Labels) {
		t.Error("the same samples under other names load in another order")
	}
	if slices.Equal(loaded[0].IDs, loaded[1].IDs) {
		t.Error("the IDs did not follow their samples")
	}
}
