package samples_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"digitnet/imgproc"
	"digitnet/internal/handwriting"
	"digitnet/recognize"
	"digitnet/samples"
)

// digitPNG draws digit d in the Backhand writer's hand, a new instance for
// each seed.
func digitPNG(tb testing.TB, d int, seed uint64) []byte {
	tb.Helper()
	b, err := handwriting.Backhand.PNG(d, rand.New(rand.NewPCG(seed, uint64(d))))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// numberPNG draws the digits side by side: an image one label cannot
// describe.
func numberPNG(tb testing.TB, digits ...int) []byte {
	tb.Helper()
	b, err := handwriting.Backhand.NumberPNG(rand.New(rand.NewPCG(9, 9)), digits...)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func blankPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{230}), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func toJPEG(tb testing.TB, pngData []byte) []byte {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func open(tb testing.TB, opts samples.Options) *samples.Store {
	tb.Helper()
	s, err := samples.Open(filepath.Join(tb.TempDir(), "samples"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

var idForm = regexp.MustCompile(`^[0-9]-[0-9a-f]{16}$`)

func TestAddListZipDelete(t *testing.T) {
	s := open(t, samples.Options{})
	stored := map[string][]byte{} // ID -> file
	var added []samples.Sample
	for i, label := range []int{7, 7, 1, 0, 7} {
		data := digitPNG(t, label, uint64(i))
		if i == 2 {
			data = toJPEG(t, data)
		}
		sm, err := s.Add(label, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Add(%d): %v", label, err)
		}
		if sm.Label != label || !idForm.MatchString(sm.ID) || url.PathEscape(sm.ID) != sm.ID || sm.ID[0] != byte('0'+label) {
			t.Errorf("Add(%d) = %+v: want that label and an ID of the form %s", label, sm, idForm)
		}
		stored[sm.ID] = data
		added = append(added, sm)
	}
	l, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if want := [10]int{0: 1, 1: 1, 7: 3}; l.Counts != want || len(l.Samples) != 5 {
		t.Errorf("List: counts %v and %d samples, want %v and 5", l.Counts, len(l.Samples), want)
	}
	if !slices.IsSortedFunc(l.Samples, func(a, b samples.Sample) int {
		return strings.Compare(fmt.Sprint(a.Label, a.ID), fmt.Sprint(b.Label, b.ID))
	}) {
		t.Errorf("List is not ordered by label, then ID: %v", l.Samples)
	}
	for _, sm := range added {
		if !slices.Contains(l.Samples, sm) {
			t.Errorf("List lacks %+v", sm)
		}
	}
	// The JPEG is stored as a .jpg whatever it was called; files are the
	// uploads byte for byte.
	var buf bytes.Buffer
	if err := s.Zip(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 5 {
		t.Errorf("zip holds %d files, want 5", len(zr.File))
	}
	for _, zf := range zr.File {
		label, name, _ := strings.Cut(zf.Name, "/")
		id := strings.TrimSuffix(name, filepath.Ext(name))
		want, ok := stored[id]
		if !ok || label != id[:1] {
			t.Errorf("zip entry %q is no stored sample", zf.Name)
			continue
		}
		if wantExt := map[bool]string{true: ".jpg", false: ".png"}[id == added[2].ID]; filepath.Ext(name) != wantExt {
			t.Errorf("zip entry %q: want extension %s", zf.Name, wantExt)
		}
		rc, _ := zf.Open()
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("zip entry %q differs from the upload", zf.Name)
		}
	}
	if err := s.Delete(added[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(added[1].ID); !errors.Is(err, samples.ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	if l, _ = s.List(); l.Counts[7] != 2 || slices.Contains(l.Samples, added[1]) {
		t.Errorf("after Delete: %v", l)
	}
	// Nothing but samples in the folders: no temporary files left.
	hidden, _ := filepath.Glob(filepath.Join(s.Dir(), "*", ".*"))
	if len(hidden) > 0 {
		t.Errorf("left behind: %v", hidden)
	}
}

func TestAddRejects(t *testing.T) {
	bigLimits := samples.Options{Limits: imgproc.Limits{MaxBytes: 1000}}
	tests := []struct {
		name  string
		opts  samples.Options
		label int
		data  []byte
		want  error
	}{
		{"label -1", samples.Options{}, -1, digitPNG(t, 1, 1), samples.ErrLabel},
		{"label 10", samples.Options{}, 10, digitPNG(t, 1, 1), samples.ErrLabel},
		{"text", samples.Options{}, 3, []byte("this is not an image\n"), recognize.ErrUnsupported},
		{"empty", samples.Options{}, 3, nil, recognize.ErrEmpty},
		{"truncated", samples.Options{}, 3, digitPNG(t, 3, 1)[:300], recognize.ErrCorrupt},
		{"blank", samples.Options{}, 3, blankPNG(t), recognize.ErrNoInk},
		{"number", samples.Options{}, 4, numberPNG(t, 4, 2), samples.ErrSeveralDigits},
		{"file too large", bigLimits, 3, digitPNG(t, 3, 1), recognize.ErrTooLarge},
		{"too many pixels", samples.Options{Limits: imgproc.Limits{MaxPixels: 100 * 100}}, 3, digitPNG(t, 3, 1), recognize.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, tt.opts)
			sm, err := s.Add(tt.label, bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) {
				t.Errorf("Add = %+v, %v; want %v", sm, err, tt.want)
			}
			if l, _ := s.List(); len(l.Samples) != 0 {
				t.Errorf("a rejected upload was stored: %v", l)
			}
			if entries, _ := os.ReadDir(filepath.Join(s.Dir(), "3")); len(entries) != 0 {
				t.Errorf("files left in the folder: %v", entries)
			}
		})
	}
}

func TestFull(t *testing.T) {
	s := open(t, samples.Options{MaxSamples: 2})
	for i := range 2 {
		if _, err := s.Add(5, bytes.NewReader(digitPNG(t, 5, uint64(i)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Add(5, bytes.NewReader(digitPNG(t, 5, 3))); !errors.Is(err, samples.ErrFull) {
		t.Errorf("third Add: %v, want ErrFull", err)
	}
	if l, _ := s.List(); l.Counts[5] != 2 {
		t.Errorf("counts %v", l.Counts)
	}
}

// TestDeleteOnlyIDs tries IDs that are paths, or almost IDs: none may
// remove anything.
func TestDeleteOnlyIDs(t *testing.T) {
	s := open(t, samples.Options{})
	sm, err := s.Add(2, bytes.NewReader(digitPNG(t, 2, 1)))
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(s.Dir()), "keep.png")
	os.WriteFile(outside, digitPNG(t, 2, 2), 0o644)
	for _, id := range []string{"", "2", "../keep", "../keep.png", "2/" + sm.ID, sm.ID + ".png", strings.ToUpper(sm.ID),
		"3" + sm.ID[1:], sm.ID[:17], sm.ID + "0", "2-../../../keep", "..", "/", "2-0000000000000000"} {
		if err := s.Delete(id); !errors.Is(err, samples.ErrNotFound) {
			t.Errorf("Delete(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if l, _ := s.List(); len(l.Samples) != 1 {
		t.Errorf("samples after the bad deletes: %v", l)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a file outside the store: %v", err)
	}
}

// TestCopiedByHand: images a person puts in the folders get safe IDs and
// are listed, zipped, loaded and deleted like the rest; hidden files are
// ignored.
func TestCopiedByHand(t *testing.T) {
	s := open(t, samples.Options{})
	name := filepath.Join(s.Dir(), "4", "my four (2).png")
	os.WriteFile(name, digitPNG(t, 4, 1), 0o644)
	os.WriteFile(filepath.Join(s.Dir(), "4", ".DS_Store"), []byte("x"), 0o644)
	l, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if l.Counts[4] != 1 || len(l.Samples) != 1 || !idForm.MatchString(l.Samples[0].ID) {
		t.Fatalf("List = %+v, want one sample with a safe ID", l)
	}
	again, _ := s.List()
	if again.Samples[0].ID != l.Samples[0].ID {
		t.Error("a hand-copied file's ID changes between listings")
	}
	set, err := s.Load(context.Background())
	if err != nil || set.Data.N != 1 || set.IDs[0] != l.Samples[0].ID {
		t.Fatalf("Load: %v, %+v", err, set)
	}
	if err := s.Delete(l.Samples[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file is still there: %v", err)
	}
}

func TestOpenRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "3"), 0o755)
	stale := filepath.Join(dir, "3", ".tmp-123")
	fresh := filepath.Join(dir, "3", ".tmp-456")
	os.WriteFile(stale, []byte("half"), 0o644)
	os.WriteFile(fresh, []byte("half"), 0o644)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	if _, err := samples.Open(dir, samples.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Error("Open kept a stale temporary file")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("Open removed a temporary file that may be in use")
	}
	for d := range 10 {
		if st, err := os.Stat(filepath.Join(dir, fmt.Sprint(d))); err != nil || !st.IsDir() {
			t.Errorf("Open did not make folder %d: %v", d, err)
		}
	}
}

// TestConcurrent runs adds, deletes, listings, zips and loads at once (run
// it with -race); every listing must be consistent and every zip whole.
func TestConcurrent(t *testing.T) {
	s := open(t, samples.Options{})
	files := make([][]byte, 4)
	for i := range files {
		files[i] = digitPNG(t, i, 1)
	}
	var wg sync.WaitGroup
	ids := make(chan string, 100)
	for w := range 4 {
		wg.Go(func() {
			for i := range 6 {
				sm, err := s.Add(w, bytes.NewReader(files[w]))
				if err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					ids <- sm.ID
				}
			}
		})
	}
	wg.Go(func() {
		for range 12 {
			if err := s.Delete(<-ids); err != nil {
				t.Error(err)
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 10 {
				l, err := s.List()
				if err != nil {
					t.Error(err)
					return
				}
				sum := 0
				for _, c := range l.Counts {
					sum += c
				}
				if sum != len(l.Samples) {
					t.Errorf("counts %v do not add up to %d samples", l.Counts, len(l.Samples))
				}
				var buf bytes.Buffer
				if err := s.Zip(&buf); err != nil {
					t.Error(err)
					return
				}
				if _, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
					t.Errorf("zip: %v", err)
				}
				if _, err := s.Load(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if l, _ := s.List(); l.Counts != [10]int{3, 3, 3, 3} {
		t.Errorf("final counts %v, want 3 of each of 0-3", l.Counts)
	}
}

func ExampleStore() {
	dir, _ := os.MkdirTemp("", "samples")
	defer os.RemoveAll(dir)
	store, err := samples.Open(dir, samples.Options{})
	if err != nil {
		panic(err)
	}
	seven, _ := handwriting.Backhand.PNG(7, rand.New(rand.NewPCG(1, 2)))
	sample, err := store.Add(7, bytes.NewReader(seven))
	if err != nil {
		panic(err)
	}
	fmt.Println("label", sample.Label, "id", len(sample.ID), "characters")
	l, _ := store.List()
	fmt.Println("counts", l.Counts)
	set, _ := store.Load(context.Background())
	fmt.Printf("%d sample of %dx%d\n", set.Data.N, set.Data.Rows, set.Data.Cols)
	// Output:
	// label 7 id 18 characters
	// counts [0 0 0 0 0 0 0 1 0 0]
	// 1 sample of 28x28
}

// TestAddBrokenDigit: a 5 whose cap was lifted off is two marks, offered
// joined as one digit by preparation. Labelled 5, it is one sample, not
// "several digits", and Load prepares it as that one digit.
func TestAddBrokenDigit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "imgproc", "testdata", "lifted-cap-five.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, samples.Options{})
	if _, err := s.Add(5, bytes.NewReader(data)); err != nil {
		t.Fatalf("Add: %v", err)
	}
	set, err := samples.Load(context.Background(), s.Dir(), recognize.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if set.Data.N != 1 || set.PerLabel() != [10]int{5: 1} {
		t.Errorf("loaded %d samples, per label %v; want one 5", set.Data.N, set.PerLabel())
	}
}
