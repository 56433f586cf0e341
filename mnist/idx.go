package mnist

// This file is the IDX parser: headers, sizes, gzip sniffing. It knows
// nothing about file names on disk or checksums (see open.go).

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Limits on what a header may claim. They are far above MNIST (60000
// images of 28x28) and its relatives such as EMNIST (about 800000), and low
// enough that a lying header cannot make the reader reserve gigabytes.
const (
	MaxImages = 1 << 24 // images or labels in one file
	MaxSide   = 1 << 12 // rows or columns of one image
	MaxPixels = 1 << 30 // total pixel bytes in one file (1 GiB)
)

// Set is one part (training or test) of the database.
type Set struct {
	Images []byte // N*Rows*Cols pixels, image after image, row-major; 0 is background, 255 is ink
	Labels []byte // N digits, 0 to 9
	N      int    // number of images and labels
	Rows   int    // image height (28 for MNIST)
	Cols   int    // image width (28 for MNIST)
}

// Image returns the pixels of image i (Rows*Cols bytes, row-major), sharing
// memory with s.Images. Like a slice index, it panics if i is out of range.
func (s *Set) Image(i int) []byte {
	n := s.Rows * s.Cols
	return s.Images[i*n : (i+1)*n : (i+1)*n]
}

// FormatError reports input that is not a valid IDX file of the expected
// kind: bad magic, impossible dimensions, wrong length, broken gzip, labels
// out of range, or images and labels that disagree.
type FormatError struct {
	File string // path of the file, or "" when reading from an io.Reader
	Msg  string
	Err  error // underlying cause, if any (e.g. a gzip error)
}

func (e *FormatError) Error() string { return message(e.File, e.Msg, e.Err) }
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a valid IDX file that this package does not read:
// another element type (e.g. float32) or a header beyond MaxImages,
// MaxSide or MaxPixels.
type UnsupportedError struct {
	File string // path of the file, or "" when reading from an io.Reader
	Msg  string
}

func (e *UnsupportedError) Error() string { return message(e.File, e.Msg, nil) }

func message(file, msg string, err error) string {
	s := "mnist: "
	if file != "" {
		s += file + ": "
	}
	s += msg
	if err != nil {
		s += ": " + err.Error()
	}
	return s
}

// maxDeflateRatio bounds how much deflate can expand its input: a 258-byte
// match costs at least two bits, so about 1032 to 1 (RFC 1951, section 3.2.5).
const maxDeflateRatio = 1040

// kind describes one of the two IDX layouts we read.
type kind struct {
	what  string // "images" or "labels"
	magic uint32
	dims  int
}

var (
	imagesKind = kind{"images", 0x00000803, 3}
	labelsKind = kind{"labels", 0x00000801, 1}
)

// idxTypes names the element types of the IDX spec, by the magic's third byte.
var idxTypes = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// ReadImages reads an images file (magic 0x00000803), raw or gzipped, from
// r until EOF. It returns n images of rows x cols pixels, concatenated.
func ReadImages(r io.Reader) (images []byte, n, rows, cols int, err error) {
	data, dims, err := readIDX(r, imagesKind, "", source{})
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return data, dims[0], dims[1], dims[2], nil
}

// ReadLabels reads a labels file (magic 0x00000801), raw or gzipped, from r
// until EOF. Every label must be a digit 0 to 9.
func ReadLabels(r io.Reader) ([]byte, error) {
	data, _, err := readIDX(r, labelsKind, "", source{})
	return data, err
}

// ReadSet reads an images file and a labels file (each raw or gzipped) and
// checks that their counts agree. It does not verify checksums, so it also
// reads data other than the canonical MNIST files.
func ReadSet(images, labels io.Reader) (*Set, error) {
	img, n, rows, cols, err := ReadImages(images)
	if err != nil {
		return nil, err
	}
	lab, err := ReadLabels(labels)
	if err != nil {
		return nil, err
	}
	if len(lab) != n {
		return nil, &FormatError{Msg: fmt.Sprintf("%d images but %d labels", n, len(lab))}
	}
	return &Set{Images: img, Labels: lab, N: n, Rows: rows, Cols: cols}, nil
}

// source carries what Open knows about a file beyond its bytes, so that it
// can reject a wrong length before allocating and size buffers exactly.
type source struct {
	size int64       // length of the file in bytes, or 0 if unknown
	tail io.ReaderAt // the file, to read the gzip trailer; may be nil
}

// readIDX parses one IDX file of kind k. name is only used in errors.
func readIDX(r io.Reader, k kind, name string, src source) ([]byte, []int, error) {
	ferr := func(format string, args ...any) error {
		return &FormatError{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	br := bufio.NewReaderSize(r, 1<<16)
	var in io.Reader = br
	gz := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, gzipError(name, err)
		}
		in, gz = zr, true
	}

	// Header: magic, then one uint32 per dimension.
	hdrLen := 4 + 4*k.dims
	hdr, err := readN(in, hdrLen, true)
	if err != nil {
		if gz && isGzipError(err) {
			return nil, nil, gzipError(name, err)
		}
		if err != io.EOF {
			return nil, nil, readError(name, err)
		}
		if len(hdr) == 0 {
			return nil, nil, ferr("empty file, want an IDX %s file", k.what)
		}
		// Too short for our header, but maybe another kind of file: say so.
		if len(hdr) >= 4 {
			if err := checkMagic(name, k, binary.BigEndian.Uint32(hdr)); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, ferr("truncated header: %d of %d bytes", len(hdr), hdrLen)
	}
	if err := checkMagic(name, k, binary.BigEndian.Uint32(hdr)); err != nil {
		return nil, nil, err
	}
	dims := make([]int, k.dims)
	want := uint64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4+4*i:])
		lim := uint32(MaxSide)
		if i == 0 {
			lim = MaxImages
		}
		if i > 0 && d == 0 {
			return nil, nil, ferr("bad dimensions %s: images must have at least one row and column", dimString(hdr[4:], k.dims))
		}
		if d > lim {
			return nil, nil, &UnsupportedError{File: name, Msg: fmt.Sprintf("dimensions %s exceed the limit %d", dimString(hdr[4:], k.dims), lim)}
		}
		dims[i] = int(d)
		want *= uint64(d)
	}
	if want > MaxPixels {
		return nil, nil, &UnsupportedError{File: name, Msg: fmt.Sprintf("dimensions %s: %d bytes of data exceed the limit %d", dimString(hdr[4:], k.dims), want, uint64(MaxPixels))}
	}
	total := uint64(hdrLen) + want
	what := func() string {
		if k.dims == 3 {
			return fmt.Sprintf("%d images of %dx%d", dims[0], dims[1], dims[2])
		}
		return fmt.Sprintf("%d labels", dims[0])
	}

	// A raw file of known size must be exactly header + data; say so before
	// allocating anything the header asks for.
	exact := false
	if src.size > 0 {
		if !gz {
			if uint64(src.size) != total {
				return nil, nil, lengthError(name, what(), total, uint64(src.size))
			}
			exact = true
		} else if src.tail != nil && src.size >= 18 && total <= maxDeflateRatio*uint64(src.size) {
			// The gzip trailer's ISIZE is the decompressed length mod 2^32.
			// It is only a hint for allocation (the reading below checks),
			// and is ignored when the header asks for more than deflate
			// could possibly expand the file to, so a small file with a
			// lying header and trailer cannot reserve a gigabyte.
			var b [4]byte
			if _, err := src.tail.ReadAt(b[:], src.size-4); err == nil && binary.LittleEndian.Uint32(b[:]) == uint32(total) {
				exact = true
			}
		}
	}

	data, err := readN(in, int(want), exact)
	if err != nil {
		if gz && isGzipError(err) {
			return nil, nil, gzipError(name, err)
		}
		if err == io.EOF {
			return nil, nil, lengthError(name, what(), total, uint64(hdrLen)+uint64(len(data)))
		}
		return nil, nil, readError(name, err)
	}
	// Anything after the data is an error too; count a bounded amount of it
	// so a gzip bomb cannot keep us busy.
	const maxCount = 1 << 20
	extra, err := io.Copy(io.Discard, io.LimitReader(in, maxCount))
	if err != nil {
		if gz && isGzipError(err) {
			return nil, nil, gzipError(name, err)
		}
		return nil, nil, readError(name, err)
	}
	if extra > 0 {
		if extra == maxCount {
			return nil, nil, ferr("at least %d trailing bytes after %s", extra, what())
		}
		return nil, nil, ferr("%d trailing bytes after %s", extra, what())
	}
	if k == labelsKind {
		for i, l := range data {
			if l > 9 {
				return nil, nil, ferr("label %d at index %d is not a digit 0-9", l, i)
			}
		}
	}
	return data, dims, nil
}

// checkMagic accepts exactly k.magic. Another IDX element type with the same
// number of dimensions is unsupported; anything else is malformed.
func checkMagic(name string, k kind, m uint32) error {
	if m == k.magic {
		return nil
	}
	typ, nd := byte(m>>8), int(m&0xff)
	if m>>16 == 0 && nd == k.dims {
		if t, ok := idxTypes[typ]; ok {
			return &UnsupportedError{File: name, Msg: fmt.Sprintf("IDX element type 0x%02x (%s), only 0x08 (unsigned byte) is supported", typ, t)}
		}
	}
	hint := ""
	switch {
	case m == imagesKind.magic:
		hint = " (this is an images file)"
	case m == labelsKind.magic:
		hint = " (this is a labels file)"
	case m>>16 == 0x1f8b:
		hint = " (gzipped twice?)"
	}
	return &FormatError{File: name, Msg: fmt.Sprintf("bad magic 0x%08x, want 0x%08x%s", m, k.magic, hint)}
}

func dimString(b []byte, n int) string {
	s := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(binary.BigEndian.Uint32(b[4*i:]))
	}
	return s
}

func lengthError(name, what string, want, got uint64) error {
	word := "truncated"
	if got > want {
		word = "trailing bytes"
	}
	return &FormatError{File: name, Msg: fmt.Sprintf("%s: header says %s (%d bytes), data is %d bytes", word, what, want, got)}
}

// readN reads exactly n bytes. If exact is false the buffer starts small and
// doubles as data arrives, so memory follows the input, not the header. If r
// ends cleanly too early it returns the bytes read and io.EOF; unlike
// io.ReadFull it passes io.ErrUnexpectedEOF through untouched, because from
// a gzip reader that means the compressed stream is cut.
func readN(r io.Reader, n int, exact bool) ([]byte, error) {
	c := n
	if !exact {
		c = min(n, 1<<16)
	}
	buf := make([]byte, 0, c)
	for len(buf) < n {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(2*cap(buf), n))
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF && len(buf) == n {
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func isGzipError(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) ||
		errors.As(err, &ce) || errors.Is(err, io.ErrUnexpectedEOF)
}

func gzipError(name string, err error) error {
	msg := "bad gzip data"
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "truncated gzip data"
	}
	return &FormatError{File: name, Msg: msg, Err: err}
}

func readError(name string, err error) error {
	if name == "" {
		return fmt.Errorf("mnist: read: %w", err)
	}
	return fmt.Errorf("mnist: %s: %w", name, err)
}
