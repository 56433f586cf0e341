package mnist

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// tiny is a stand-in for the four canonical files: the same names, a few
// 2x3 images, and hashes installed in canonical for the test's duration.
type tiny struct {
	raw, gz map[string][]byte // by name without .gz
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// useTiny replaces the canonical table with tiny files (4 training and 3
// test images) until the test ends. Tests using it must not run in parallel.
func useTiny(tb testing.TB) tiny {
	tb.Helper()
	td := tiny{raw: map[string][]byte{}, gz: map[string][]byte{}}
	contents := [][]byte{images(4, 2, 3, 0), labels(4, 5), images(3, 2, 3, 100), labels(3, 7)}
	old := canonical
	tb.Cleanup(func() { canonical = old })
	canonical = make([]canonicalFile, len(old))
	for i, f := range old {
		td.raw[f.name] = contents[i]
		td.gz[f.name] = gz(tb, contents[i])
		f.gzSum, f.rawSum = sum(td.gz[f.name]), sum(td.raw[f.name])
		canonical[i] = f
	}
	return td
}

// write puts the files in a new folder: gzipped unless raw names them.
func (td tiny) write(tb testing.TB, raw ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, b := range td.gz {
		path := filepath.Join(dir, name+".gz")
		for _, r := range raw {
			if r == name {
				b, path = td.raw[name], filepath.Join(dir, name)
			}
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func TestOpen(t *testing.T) {
	td := useTiny(t)
	const (
		trI = "train-images-idx3-ubyte"
		trL = "train-labels-idx1-ubyte"
		teI = "t10k-images-idx3-ubyte"
		teL = "t10k-labels-idx1-ubyte"
	)
	tests := []struct {
		name  string
		raw   []string                       // files written raw instead of gzipped
		edit  func(t *testing.T, dir string) // damage done after writing
		kind  string
		msg   []string
		isErr error
	}{
		{name: "gzip"},
		{name: "raw", raw: []string{trI, trL, teI, teL}},
		{name: "mixed", raw: []string{trI, teL}},
		{name: "both forms, gzip preferred", edit: func(t *testing.T, dir string) {
			put(t, dir, trI, []byte("this raw copy must be ignored"))
		}},
		{name: "missing", edit: func(t *testing.T, dir string) {
			rm(t, dir, trL+".gz")
			rm(t, dir, teI+".gz")
		}, kind: "other", msg: []string{"missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]"}, isErr: fs.ErrNotExist},
		{name: "swapped train and test", edit: func(t *testing.T, dir string) {
			swap(t, dir, trI+".gz", teI+".gz")
			swap(t, dir, trL+".gz", teL+".gz")
		}, kind: "checksum", msg: []string{trI + ".gz: SHA-256 is " + sum(td.gz[teI]), "want " + sum(td.gz[trI]), "that is the hash of " + teI + ".gz: files swapped or misnamed?"}},
		{name: "swapped raw", raw: []string{trL, teL}, edit: func(t *testing.T, dir string) {
			swap(t, dir, trL, teL)
		}, kind: "checksum", msg: []string{trL + ": SHA-256 is " + sum(td.raw[teL]), "want " + sum(td.raw[trL]), "hash of " + teL + ":"}},
		{name: "labels named images", edit: func(t *testing.T, dir string) {
			put(t, dir, teI+".gz", td.gz[teL])
		}, kind: "format", msg: []string{teI + ".gz: bad magic 0x00000801, want 0x00000803 (this is a labels file)"}},
		{name: "valid IDX, wrong bytes", edit: func(t *testing.T, dir string) {
			b := append([]byte(nil), td.raw[trI]...)
			b[20] ^= 1
			put(t, dir, trI+".gz", gz(t, b))
		}, kind: "checksum", msg: []string{trI + ".gz: SHA-256 is", "(corrupt, incomplete or another file)"}},
		{name: "truncated raw", raw: []string{teI}, edit: func(t *testing.T, dir string) {
			put(t, dir, teI, td.raw[teI][:30])
		}, kind: "format", msg: []string{teI + ": truncated: header says 3 images of 2x3 (34 bytes), data is 30 bytes"}},
		{name: "trailing raw", raw: []string{teL}, edit: func(t *testing.T, dir string) {
			put(t, dir, teL, append(append([]byte(nil), td.raw[teL]...), 0))
		}, kind: "format", msg: []string{teL + ": trailing bytes: header says 3 labels (11 bytes), data is 12 bytes"}},
		{name: "bad gzip", edit: func(t *testing.T, dir string) {
			b := append([]byte(nil), td.gz[trL]...)
			put(t, dir, trL+".gz", b[:len(b)-3])
		}, kind: "format", msg: []string{trL + ".gz: truncated gzip data"}},
		{name: "lying raw header", raw: []string{trI}, edit: func(t *testing.T, dir string) {
			put(t, dir, trI, idx(0x803, []uint32{60000, 28, 28}, []byte{1, 2}))
		}, kind: "format", msg: []string{"header says 60000 images of 28x28 (47040016 bytes), data is 18 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := td.write(t, tt.raw...)
			if tt.edit != nil {
				tt.edit(t, dir)
			}
			train, test, err := Open(dir)
			want := tt.kind
			if want == "" {
				want = "ok"
			}
			if k := errKind(err); k != want {
				t.Fatalf("error kind %s (%v), want %s", k, err, want)
			}
			if err != nil {
				for _, m := range tt.msg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not contain %q", err, m)
					}
				}
				if tt.isErr != nil && !errors.Is(err, tt.isErr) {
					t.Errorf("error %v does not match %v", err, tt.isErr)
				}
				return
			}
			if train.N != 4 || test.N != 3 || train.Rows != 2 || test.Cols != 3 ||
				train.Image(3)[0] != 18 || test.Image(0)[0] != 100 || train.Labels[0] != 5 || test.Labels[0] != 7 {
				t.Errorf("train %+v test %+v", train, test)
			}
		})
	}
}

// TestOpenCountMismatch needs files whose canonical hashes are of
// disagreeing images and labels, which the real table can never contain.
func TestOpenCountMismatch(t *testing.T) {
	td := useTiny(t)
	short := labels(2, 0)
	canonical[3].rawSum = sum(short)
	dir := td.write(t, "t10k-labels-idx1-ubyte")
	put(t, dir, "t10k-labels-idx1-ubyte", short)
	_, _, err := Open(dir)
	if errKind(err) != "format" || !strings.Contains(err.Error(), "t10k-labels-idx1-ubyte: 2 labels but") || !strings.Contains(err.Error(), "has 3 images") {
		t.Errorf("got %v", err)
	}
}

func TestOpenNoDir(t *testing.T) {
	_, _, err := Open(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want fs.ErrNotExist", err)
	}
}

func put(tb testing.TB, dir, name string, b []byte) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func rm(tb testing.TB, dir, name string) {
	tb.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		tb.Fatal(err)
	}
}

func swap(tb testing.TB, dir, a, b string) {
	tb.Helper()
	pa, pb, tmp := filepath.Join(dir, a), filepath.Join(dir, b), filepath.Join(dir, "swap")
	for _, mv := range [][2]string{{pa, tmp}, {pb, pa}, {tmp, pb}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestLyingHeaderMemory checks that a small file whose header (and gzip
// trailer) claims 800 MB of pixels is rejected without reserving them.
func TestLyingHeaderMemory(t *testing.T) {
	td := useTiny(t)
	const n, side = 1 << 20, 28
	lie := idx(0x803, []uint32{n, side, side}, make([]byte, 100))
	lieGz := gz(t, lie)
	binary.LittleEndian.PutUint32(lieGz[len(lieGz)-4:], uint32(16+n*side*side)) // ISIZE agrees with the lie
	for _, tc := range []struct {
		name string
		read func() error
	}{
		{"ReadImages", func() error { _, _, _, _, err := ReadImages(bytes.NewReader(lie)); return err }},
		{"ReadImages gzip", func() error { _, _, _, _, err := ReadImages(bytes.NewReader(lieGz)); return err }},
		{"Open raw", func() error {
			dir := td.write(t, "train-images-idx3-ubyte")
			put(t, dir, "train-images-idx3-ubyte", lie)
			_, _, err := Open(dir)
			return err
		}},
		{"Open gzip", func() error {
			dir := td.write(t)
			put(t, dir, "train-images-idx3-ubyte.gz", lieGz)
			_, _, err := Open(dir)
			return err
		}},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := tc.read()
		runtime.ReadMemStats(&after)
		if errKind(err) != "format" {
			t.Errorf("%s: got %v, want a FormatError", tc.name, err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 {
			t.Errorf("%s: allocated %d bytes", tc.name, d)
		}
	}
}
