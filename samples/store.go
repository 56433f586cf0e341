package samples

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"digitnet/imgproc"
)

// Errors for callers that treat them apart (an HTTP API answers ErrNotFound
// with 404, ErrLabel and ErrSeveralDigits with 400 or 422, ErrFull with
// 507). Errors about the image itself wrap imgproc's sentinels
// (imgproc.ErrTooLarge, ErrUnsupported, ErrCorrupt, ErrEmpty, ErrNoInk),
// which package recognize re-exports.
var (
	// ErrLabel: the label is not a digit from 0 to 9.
	ErrLabel = errors.New("samples: the label must be a digit from 0 to 9")
	// ErrSeveralDigits: the image holds more than one digit, so one label
	// cannot describe it.
	ErrSeveralDigits = errors.New("samples: the image holds several digits; save each digit on its own")
	// ErrNotFound: no sample has this ID.
	ErrNotFound = errors.New("samples: no such sample")
	// ErrFull: the store holds Options.MaxSamples samples already.
	ErrFull = errors.New("samples: the store is full")
)

// Options are a Store's limits. Zero values pick the defaults.
type Options struct {
	// Limits bounds each uploaded image, as for prediction
	// (imgproc.DefaultLimits).
	Limits imgproc.Limits
	// MaxSamples caps how many samples the store holds (10,000): fine-
	// tuning needs tens, and a cap keeps a client from filling the disk.
	MaxSamples int
}

// DefaultMaxSamples is Options.MaxSamples' default.
const DefaultMaxSamples = 10_000

// Sample names one stored sample. The HTTP API answers an upload with it
// as it is: {"id","label"}.
type Sample struct {
	// ID is safe in URLs and file names: the label, a dash and 16 hex
	// digits, e.g. "7-3f9a0c12d4e5b678".
	ID    string `json:"id"`
	Label int    `json:"label"`
}

// Listing is what a Store holds.
type Listing struct {
	// Counts[d] is how many samples of digit d there are.
	Counts [10]int `json:"counts"`
	// Samples lists them by label, then ID.
	Samples []Sample `json:"samples"`
}

// Store keeps samples in a folder. It is safe for concurrent use. A stored
// file never changes (it appears whole by a rename and goes by a removal),
// so reading needs no lock: a slow download of the zip holds up nobody.
type Store struct {
	dir  string
	opts Options
	// mu makes Add's count and rename one step, so that concurrent
	// uploads cannot overshoot MaxSamples.
	mu sync.Mutex
}

// Open returns the Store in dir, making dir and its ten label folders if
// they do not exist. It removes temporary files that a killed write left
// behind.
func Open(dir string, opts Options) (*Store, error) {
	if opts.MaxSamples <= 0 {
		opts.MaxSamples = DefaultMaxSamples
	}
	for d := range 10 {
		sub := filepath.Join(dir, strconv.Itoa(d))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, fmt.Errorf("samples: open %s: %w", dir, err)
		}
		removeStaleTemps(sub)
	}
	return &Store{dir: dir, opts: opts}, nil
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// Add checks that r holds an image of one digit within the store's limits,
// read as `digitnet predict` reads it, and stores the file as it is under
// label. The error says what is wrong: ErrLabel, ErrSeveralDigits, ErrFull,
// or an image error wrapping one of imgproc's sentinels.
func (s *Store) Add(label int, r io.Reader) (Sample, error) {
	if label < 0 || label > 9 {
		return Sample{}, fmt.Errorf("%w (got %d)", ErrLabel, label)
	}
	data, format, err := check(r, s.opts.Limits)
	if err != nil {
		return Sample{}, err
	}
	id := newID(label)
	sub := filepath.Join(s.dir, strconv.Itoa(label))
	// Write outside the lock: the rename below is what makes the sample
	// appear, all at once.
	tmp, err := writeTemp(sub, data)
	if err != nil {
		return Sample{}, fmt.Errorf("samples: save: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.count()
	if err == nil && n >= s.opts.MaxSamples {
		err = fmt.Errorf("%w: it holds %d samples; delete some first", ErrFull, n)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(sub, id+extensions[format]))
	}
	if err != nil {
		os.Remove(tmp)
		return Sample{}, fmt.Errorf("samples: save: %w", err)
	}
	return Sample{ID: id, Label: label}, nil
}

// extensions names stored files by the format found in them, whatever the
// client called the file.
var extensions = map[string]string{
	"png": ".png", "jpeg": ".jpg", "gif": ".gif", "bmp": ".bmp", "tiff": ".tif", "webp": ".webp",
}

// check reads an upload and makes sure it can be prepared as one digit. It
// returns the file's bytes and format.
func check(r io.Reader, lim imgproc.Limits) ([]byte, string, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = imgproc.DefaultLimits.MaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("samples: reading the image: %w", err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, "", fmt.Errorf("%w: file larger than %d bytes", imgproc.ErrTooLarge, lim.MaxBytes)
	}
	img, format, err := imgproc.Decode(bytes.NewReader(data), lim)
	if err != nil {
		return nil, "", err
	}
	if _, ok := extensions[format]; !ok { // a format registered by another package
		return nil, "", fmt.Errorf("%w: %s", imgproc.ErrUnsupported, format)
	}
	glyphs, err := imgproc.Segment(img)
	if err != nil {
		return nil, "", err
	}
	if _, ok := oneDigit(glyphs); !ok {
		return nil, "", fmt.Errorf("%w (found %d)", ErrSeveralDigits, len(glyphs))
	}
	return data, format, nil
}

// newID returns a fresh sample ID for label: 64 random bits, so IDs never
// collide in practice and reveal nothing.
func newID(label int) string {
	var b [8]byte
	rand.Read(b[:])
	return strconv.Itoa(label) + "-" + hex.EncodeToString(b[:])
}

// idLen is the length of an ID: digit, dash, 16 hex digits.
const idLen = 18

// idOf returns the ID of file name in the folder of label. A file the
// store wrote is named by its ID; any other (copied in by hand) gets an ID
// made from a hash of its name, so that every ID has the same safe form.
func idOf(label int, name string) string {
	stem := strings.TrimSuffix(name, filepath.Ext(name))
	if validID(stem) && int(stem[0]-'0') == label {
		return stem
	}
	h := sha256.Sum256([]byte(name))
	return strconv.Itoa(label) + "-" + hex.EncodeToString(h[:8])
}

// validID reports whether id has the form of an ID.
func validID(id string) bool {
	if len(id) != idLen || id[0] < '0' || id[0] > '9' || id[1] != '-' {
		return false
	}
	for _, c := range id[2:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// file is one sample on disk.
type file struct {
	Sample
	name string // the file's name in its label folder
}

func (f file) path(dir string) string { return filepath.Join(dir, strconv.Itoa(f.Label), f.name) }

// files lists the samples of the labels given (all when none are), by
// label, then ID. Hidden files (our temporary files, a desktop's .DS_Store)
// and folders are not samples.
func (s *Store) files(labels ...int) ([]file, error) { return scan(s.dir, labels...) }

func scan(dir string, labels ...int) ([]file, error) {
	if len(labels) == 0 {
		labels = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	var out []file
	for _, d := range labels {
		entries, err := os.ReadDir(filepath.Join(dir, strconv.Itoa(d)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a hand-made folder may lack some digits
		}
		if err != nil {
			return nil, fmt.Errorf("samples: %w", err)
		}
		start := len(out)
		for _, e := range entries {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			out = append(out, file{Sample: Sample{ID: idOf(d, e.Name()), Label: d}, name: e.Name()})
		}
		slices.SortFunc(out[start:], func(a, b file) int { return strings.Compare(a.ID, b.ID) })
	}
	return out, nil
}

func (s *Store) count() (int, error) {
	files, err := s.files()
	return len(files), err
}

// List returns the samples and how many there are of each digit.
func (s *Store) List() (Listing, error) {
	files, err := s.files()
	if err != nil {
		return Listing{}, err
	}
	l := Listing{Samples: make([]Sample, len(files))}
	for i, f := range files {
		l.Samples[i] = f.Sample
		l.Counts[f.Label]++
	}
	return l, nil
}

// Delete removes the sample with the given ID. An ID that is not a
// sample's, including any malformed one, gives ErrNotFound.
func (s *Store) Delete(id string) error {
	if !validID(id) {
		return fmt.Errorf("%w: %q is not a sample ID", ErrNotFound, id)
	}
	files, err := s.files(int(id[0] - '0'))
	if err != nil {
		return err
	}
	found := false
	for _, f := range files {
		if f.ID != id {
			continue
		}
		if err := os.Remove(f.path(s.dir)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("samples: delete %s: %w", id, err)
		}
		found = true
	}
	if !found {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}

// Zip writes every sample to w as a zip archive of the store's layout,
// LABEL/FILE, so that unpacking it gives a folder `digitnet finetune
// --samples` reads. The images are stored, not compressed again. Samples
// deleted while it runs may be left out.
func (s *Store) Zip(w io.Writer) error {
	files, err := s.files()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, f := range files {
		if err := addToZip(zw, f.path(s.dir), strconv.Itoa(f.Label)+"/"+f.name); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since the listing
			}
			return fmt.Errorf("samples: zip: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("samples: zip: %w", err)
	}
	return nil
}

func addToZip(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &zip.FileHeader{Name: name, Method: zip.Store, Modified: st.ModTime()}
	hdr.SetMode(0o644)
	zf, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(zf, f)
	return err
}

// tempPrefix starts the names of files being written: hidden, so that no
// listing counts them, and in the label folder, so that the rename stays
// on one file system.
const tempPrefix = ".tmp-"

// writeTemp writes data to a new temporary file in dir, synced to disk,
// and returns its path.
func writeTemp(dir string, data []byte) (path string, err error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Chmod(0o644); err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// staleAfter is how old a temporary file must be before Open removes it:
// a younger one may belong to a write in progress in another process.
const staleAfter = time.Hour

func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // the store's next operation reports the folder's problem
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
