package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// idx builds an IDX file: magic, dims, then data.
func idx(magic uint32, dims []uint32, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

// images returns n images of rows x cols whose pixels count up from seed.
func images(n, rows, cols int, seed byte) []byte {
	p := make([]byte, n*rows*cols)
	for i := range p {
		p[i] = seed + byte(i)
	}
	return idx(0x803, []uint32{uint32(n), uint32(rows), uint32(cols)}, p)
}

// labels returns n labels cycling through the digits from seed.
func labels(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = (seed + byte(i)) % 10
	}
	return idx(0x801, []uint32{uint32(n)}, p)
}

func gz(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// errKind names the error type for table tests.
func errKind(err error) string {
	var fe *FormatError
	var ue *UnsupportedError
	var ce *ChecksumError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &fe):
		return "format"
	case errors.As(err, &ue):
		return "unsupported"
	case errors.As(err, &ce):
		return "checksum"
	}
	return "other"
}

func TestReadImages(t *testing.T) {
	good := images(3, 4, 5, 0)
	gzGood := gz(t, good)
	badDeflate := bytes.Clone(gzGood)
	badDeflate[12] ^= 0xff
	badCRC := bytes.Clone(gzGood)
	badCRC[len(badCRC)-8] ^= 0xff
	tests := []struct {
		name string
		in   []byte
		kind string // errKind of the result
		msg  string // substring of the error
	}{
		{"raw", good, "ok", ""},
		{"gzip", gzGood, "ok", ""},
		{"zero images", images(0, 28, 28, 0), "ok", ""},
		{"empty", nil, "format", "empty file"},
		{"labels file", labels(3, 0), "format", "bad magic 0x00000801, want 0x00000803 (this is a labels file)"},
		{"garbage magic", idx(0x12345678, []uint32{1, 1, 1}, []byte{0}), "format", "bad magic 0x12345678"},
		{"gzip twice", gz(t, gzGood), "format", "gzipped twice"},
		{"float images", idx(0x0D03, []uint32{1, 1, 1}, make([]byte, 4)), "unsupported", "float32"},
		{"unknown type", idx(0x0703, []uint32{1, 1, 1}, []byte{0}), "format", "bad magic 0x00000703"},
		{"4 dims", idx(0x0804, []uint32{1, 1, 1, 1}, []byte{0}), "format", "bad magic 0x00000804"},
		{"zero rows", idx(0x803, []uint32{1, 0, 28}, nil), "format", "bad dimensions 1x0x28"},
		{"zero cols", idx(0x803, []uint32{1, 28, 0}, nil), "format", "bad dimensions"},
		{"too many images", idx(0x803, []uint32{1 << 30, 28, 28}, nil), "unsupported", "exceed the limit"},
		{"too wide", idx(0x803, []uint32{1, 1, 1 << 20}, nil), "unsupported", "exceed the limit"},
		{"too many pixels", idx(0x803, []uint32{1 << 24, 4096, 4096}, nil), "unsupported", "exceed the limit"},
		{"truncated header", good[:10], "format", "truncated header: 10 of 16 bytes"},
		{"truncated magic", good[:3], "format", "truncated header: 3 of 16"},
		{"truncated data", good[:len(good)-1], "format", "truncated: header says 3 images of 4x5 (76 bytes), data is 75 bytes"},
		{"truncated data gzip", gz(t, good[:len(good)-1]), "format", "truncated: header says"},
		{"lying header", idx(0x803, []uint32{60000, 28, 28}, []byte{1, 2, 3}), "format", "truncated"},
		{"trailing bytes", append(bytes.Clone(good), 0, 0), "format", "2 trailing bytes after 3 images of 4x5"},
		{"trailing bytes gzip", gz(t, append(bytes.Clone(good), 7)), "format", "1 trailing bytes"},
		{"short garbage after gzip", append(bytes.Clone(gzGood), 1, 2, 3), "format", "gzip"},
		{"garbage after gzip", append(bytes.Clone(gzGood), bytes.Repeat([]byte{1}, 20)...), "format", "bad gzip data: gzip: invalid header"},
		{"truncated gzip", gzGood[:len(gzGood)-5], "format", "truncated gzip data"},
		{"truncated gzip header", gzGood[:5], "format", "truncated gzip data"},
		{"corrupt deflate", badDeflate, "format", "gzip"},
		{"bad gzip crc", badCRC, "format", "bad gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, n, rows, cols, err := ReadImages(bytes.NewReader(tt.in))
			if got := errKind(err); got != tt.kind {
				t.Fatalf("error kind %s (%v), want %s", got, err, tt.kind)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %q does not contain %q", err, tt.msg)
				}
				if !strings.HasPrefix(err.Error(), "mnist: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if len(img) != n*rows*cols {
				t.Errorf("got %d bytes for %dx%dx%d", len(img), n, rows, cols)
			}
		})
	}
}

func TestReadImagesContent(t *testing.T) {
	for _, r := range []func([]byte) io.Reader{
		func(b []byte) io.Reader { return bytes.NewReader(b) },
		func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
	} {
		in := images(2, 3, 4, 10)
		img, n, rows, cols, err := ReadImages(r(in))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || rows != 3 || cols != 4 || !bytes.Equal(img, in[16:]) {
			t.Errorf("got n=%d %dx%d %v", n, rows, cols, img)
		}
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	_, _, _, _, err := ReadImages(iotest.TimeoutReader(bytes.NewReader(images(1, 28, 28, 0))))
	if err == nil || errKind(err) != "other" {
		t.Errorf("got %v, want a read error", err)
	}
	_, err = ReadLabels(io.MultiReader(bytes.NewReader(labels(5, 0)[:9]), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || errKind(err) != "other" {
		t.Errorf("got %v, want the reader's error", err)
	}
}

func TestReadLabels(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		kind string
		msg  string
	}{
		{"raw", labels(10, 0), "ok", ""},
		{"gzip", gz(t, labels(10, 3)), "ok", ""},
		{"images file", images(1, 2, 2, 0), "format", "bad magic 0x00000803, want 0x00000801 (this is an images file)"},
		{"int32 labels", idx(0x0C01, []uint32{1}, make([]byte, 4)), "unsupported", "int32"},
		{"label 10", idx(0x801, []uint32{3}, []byte{1, 10, 2}), "format", "label 10 at index 1 is not a digit"},
		{"truncated", labels(10, 0)[:15], "format", "truncated: header says 10 labels (18 bytes), data is 15 bytes"},
		{"trailing", append(labels(10, 0), 1), "format", "1 trailing bytes"},
		{"too many", idx(0x801, []uint32{1 << 25}, nil), "unsupported", "exceed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadLabels(bytes.NewReader(tt.in))
			if k := errKind(err); k != tt.kind {
				t.Fatalf("error kind %s (%v), want %s", k, err, tt.kind)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %q does not contain %q", err, tt.msg)
				}
				return
			}
			if want := labels(len(got), 0)[8:]; len(got) != 10 || got[0] > 9 || (tt.name == "raw" && !bytes.Equal(got, want)) {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestReadSet(t *testing.T) {
	s, err := ReadSet(bytes.NewReader(gz(t, images(3, 2, 2, 0))), bytes.NewReader(labels(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 3 || s.Rows != 2 || s.Cols != 2 || !bytes.Equal(s.Image(1), []byte{4, 5, 6, 7}) || s.Labels[2] != 6 {
		t.Errorf("got %+v", s)
	}
	// Image's result must not let an append spill into the next image.
	_ = append(s.Image(0), 99)
	if s.Image(1)[0] != 4 {
		t.Error("append to Image(0) overwrote Image(1)")
	}
	_, err = ReadSet(bytes.NewReader(images(3, 2, 2, 0)), bytes.NewReader(labels(2, 0)))
	if errKind(err) != "format" || !strings.Contains(err.Error(), "3 images but 2 labels") {
		t.Errorf("count mismatch: got %v", err)
	}
}

// refParse is the slow reference for FuzzIDX: the whole input in memory,
// gunzipped first if it starts with the gzip magic.
func refParse(in []byte, k kind) (data []byte, ok bool) {
	if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
		r, err := gzip.NewReader(bytes.NewReader(in))
		if err != nil {
			return nil, false
		}
		if in, err = io.ReadAll(io.LimitReader(r, 1<<26)); err != nil {
			return nil, false
		}
	}
	h := 4 + 4*k.dims
	if len(in) < h || binary.BigEndian.Uint32(in) != k.magic {
		return nil, false
	}
	n := 1
	for i := 0; i < k.dims; i++ {
		d := int(binary.BigEndian.Uint32(in[4+4*i:]))
		if i > 0 && (d == 0 || d > MaxSide) || d > MaxImages {
			return nil, false
		}
		n *= d
		if n > 1<<26 {
			return nil, false
		}
	}
	if len(in) != h+n {
		return nil, false
	}
	for _, l := range in[h:] {
		if k == labelsKind && l > 9 {
			return nil, false
		}
	}
	return in[h:], true
}

func FuzzIDX(f *testing.F) {
	for _, s := range [][]byte{
		images(2, 3, 3, 0), labels(4, 0), gz(f, images(1, 2, 2, 0)), gz(f, labels(3, 1)),
		images(1, 28, 28, 0)[:20], idx(0x803, []uint32{60000, 28, 28}, nil),
		idx(0x0D03, []uint32{1, 1, 1}, make([]byte, 4)), {0x1f, 0x8b}, nil,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, k := range []kind{imagesKind, labelsKind} {
			got, _, err := readIDX(bytes.NewReader(in), k, "", source{})
			want, ok := refParse(in, k)
			if (err == nil) != ok {
				t.Fatalf("%s: reader error %v, reference ok=%v", k.what, err, ok)
			}
			if err == nil && !bytes.Equal(got, want) {
				t.Fatalf("%s: data differs from the reference", k.what)
			}
			if err != nil && errKind(err) == "other" {
				t.Fatalf("%s: untyped error %v from an in-memory reader", k.what, err)
			}
		}
		_, _, _, _, _ = ReadImages(iotest.HalfReader(bytes.NewReader(in)))
		_, _ = ReadLabels(iotest.HalfReader(bytes.NewReader(in)))
	})
}
