package mnist

// This file reads the four canonical files from a folder and verifies them.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// canonicalFile is one of the four MNIST files with the SHA-256 of its .gz
// form (as published on the mirrors) and of its decompressed contents (as
// some mirrors and users keep them).
type canonicalFile struct {
	name   string // without .gz
	kind   kind
	gzSum  string
	rawSum string
}

// canonical lists the files in the order Open reads them. Tests replace it
// to check the machinery on tiny files.
var canonical = []canonicalFile{
	{"train-images-idx3-ubyte", imagesKind,
		"440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
	{"train-labels-idx1-ubyte", labelsKind,
		"3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		"65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
	{"t10k-images-idx3-ubyte", imagesKind,
		"8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		"0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
	{"t10k-labels-idx1-ubyte", labelsKind,
		"f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
		"ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
}

// ChecksumError reports a file whose SHA-256 is not the canonical one: a
// corrupt download, or a file under the wrong name (e.g. train and test
// swapped).
type ChecksumError struct {
	File string // path of the file
	Got  string // hex SHA-256 of the file
	Want string // hex SHA-256 the file's name calls for
}

func (e *ChecksumError) Error() string {
	s := fmt.Sprintf("mnist: %s: SHA-256 is %s, want %s", e.File, e.Got, e.Want)
	if other := knownAs(e.Got); other != "" {
		s += " (that is the hash of " + other + ": files swapped or misnamed?)"
	} else {
		s += " (corrupt, incomplete or another file)"
	}
	return s
}

// knownAs names the canonical file whose hash is sum, or returns "".
func knownAs(sum string) string {
	for _, f := range canonical {
		switch sum {
		case f.gzSum:
			return f.name + ".gz"
		case f.rawSum:
			return f.name
		}
	}
	return ""
}

// Open reads the four MNIST files from dir: train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
// each either gzipped with a .gz suffix (preferred when both exist) or raw
// without it. Every file must have its canonical SHA-256, and the counts of
// images and labels must agree. If files are missing the error lists them
// all and matches fs.ErrNotExist.
func Open(dir string) (train, test *Set, err error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	paths := make([]string, len(canonical))
	var missing []string
	for i, f := range canonical {
		p := filepath.Join(dir, f.name+".gz")
		if _, err := os.Stat(p); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, nil, fmt.Errorf("mnist: %w", err)
			}
			p = filepath.Join(dir, f.name)
			if _, err := os.Stat(p); err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					return nil, nil, fmt.Errorf("mnist: %w", err)
				}
				missing = append(missing, f.name+"[.gz]")
				continue
			}
		}
		paths[i] = p
	}
	if len(missing) > 0 {
		return nil, nil, &missingError{dir: dir, names: missing}
	}

	// The files are independent; gunzipping the two image files in
	// parallel halves the wall time on two cores.
	data := make([][]byte, len(canonical))
	dims := make([][]int, len(canonical))
	errs := make([]error, len(canonical))
	var wg sync.WaitGroup
	for i := range canonical {
		wg.Go(func() { data[i], dims[i], errs[i] = readVerified(paths[i], canonical[i]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	sets := make([]*Set, 2)
	for s := range sets {
		img, lab := 2*s, 2*s+1
		d := dims[img]
		if d[0] != len(data[lab]) {
			return nil, nil, &FormatError{File: paths[lab], Msg: fmt.Sprintf("%d labels but %s has %d images", len(data[lab]), paths[img], d[0])}
		}
		sets[s] = &Set{Images: data[img], Labels: data[lab], N: d[0], Rows: d[1], Cols: d[2]}
	}
	return sets[0], sets[1], nil
}

// readVerified parses one file and checks its SHA-256, hashing the bytes as
// the parser reads them so the file is read once. A parse error wins over
// a hash mismatch because it says more ("bad magic ... this is a labels
// file").
func readVerified(path string, f canonicalFile) ([]byte, []int, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	h := sha256.New()
	data, dims, err := readIDX(io.TeeReader(fd, h), f.kind, path, source{size: st.Size(), tail: fd})
	if err != nil {
		return nil, nil, err
	}
	// The parser stops at the end of the IDX data; hash anything after it
	// (for gzip, the parser has already consumed the trailer).
	if _, err := io.Copy(h, fd); err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if got == f.gzSum || got == f.rawSum {
		return data, dims, nil
	}
	want := f.rawSum
	if strings.HasSuffix(path, ".gz") {
		want = f.gzSum
	}
	return nil, nil, &ChecksumError{File: path, Got: got, Want: want}
}

// missingError reports files absent from a folder.
type missingError struct {
	dir   string
	names []string
}

func (e *missingError) Error() string {
	return fmt.Sprintf("mnist: %s: missing %s", e.dir, strings.Join(e.names, ", "))
}

func (e *missingError) Unwrap() error { return fs.ErrNotExist }
