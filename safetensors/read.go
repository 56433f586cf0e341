package safetensors

// Reading is done on a byte slice that holds the whole file: a safetensors
// file is only valid if its tensors exactly fill the bytes after the header,
// so the total size must be known anyway, and the tensors can then alias the
// input instead of being copied.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxHeaderSize caps the JSON header length, as the reference implementation
// does (MAX_HEADER_SIZE, 100 MB), so that a lying length cannot make a reader
// parse or allocate without bound.
const maxHeaderSize = 100_000_000

const metadataKey = "__metadata__"

// Read reads a whole safetensors file from r and parses it. It fails without
// reading further if r holds more than maxSize bytes, and never allocates
// more than the bytes r actually delivers.
func Read(r io.Reader, maxSize int64) (*File, error) {
	if maxSize < 0 {
		maxSize = 0
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading: %w", err)
	}
	if int64(len(data)) > maxSize {
		return nil, fmt.Errorf("safetensors: file is larger than the limit of %d bytes", maxSize)
	}
	return Parse(data)
}

// Parse parses a complete safetensors file. The Data of the returned tensors
// aliases data (with capacity capped, so appending to it cannot clobber a
// neighbour); copy it if data will be reused.
func Parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, FormatError(fmt.Sprintf("file is %d bytes, shorter than the 8-byte header length", len(data)))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeaderSize {
		return nil, FormatError(fmt.Sprintf("header length %d exceeds the limit of %d", n, maxHeaderSize))
	}
	if n > uint64(len(data)-8) {
		return nil, FormatError(fmt.Sprintf("header length %d exceeds the %d bytes after it", n, len(data)-8))
	}
	header, body := data[8:8+n], data[8+n:]
	f, infos, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := layOut(infos, int64(len(body))); err != nil {
		return nil, err
	}
	f.Tensors = make([]Tensor, len(infos))
	for i, in := range infos {
		f.Tensors[i] = Tensor{Name: in.name, DType: in.dtype, Shape: in.shape, Data: body[in.begin:in.end:in.end]}
	}
	return f, nil
}

// tensorInfo is one header entry before its data is attached.
type tensorInfo struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int64
}

// parseHeader decodes the JSON header. It walks tokens rather than
// unmarshalling into maps so that it can reject duplicate keys (which
// encoding/json silently merges), match field names exactly (encoding/json
// ignores case), and never recurse into nested values a valid header cannot
// hold.
func parseHeader(header []byte) (*File, []tensorInfo, error) {
	// The spec requires the header to start with '{' and to be UTF-8;
	// encoding/json would accept leading space and replace bad UTF-8.
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, FormatError("header does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, nil, FormatError("header is not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(header))
	d.UseNumber()
	p := &headerParser{d: d}
	f := &File{}
	var infos []tensorInfo
	seen := map[string]bool{}
	p.delim('{')
	for p.err == nil && d.More() {
		key := p.string()
		if p.err != nil {
			break
		}
		if seen[key] {
			return nil, nil, FormatError(fmt.Sprintf("duplicate header key %q", key))
		}
		seen[key] = true
		if key == metadataKey {
			f.Metadata = p.metadata()
			continue
		}
		in := p.tensor(key)
		if p.err == nil {
			infos = append(infos, in)
		}
	}
	p.delim('}')
	if p.err == nil {
		// Only whitespace (the spec's padding is spaces) may follow.
		if _, err := d.Token(); err != io.EOF {
			p.fail("data after the header object")
		}
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	return f, infos, nil
}

// headerParser reads JSON tokens and keeps the first error, so the walking
// code can stay linear.
type headerParser struct {
	d   *json.Decoder
	ctx string // what is being read, for messages
	err error
}

func (p *headerParser) fail(msg string) {
	if p.err == nil {
		p.err = FormatError("header: " + p.ctx + msg)
	}
}

func (p *headerParser) token() json.Token {
	if p.err != nil {
		return nil
	}
	t, err := p.d.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		p.fail(err.Error())
		return nil
	}
	return t
}

func (p *headerParser) delim(want json.Delim) {
	if t := p.token(); p.err == nil && t != want {
		p.fail(fmt.Sprintf("got %v, want %v", describe(t), describe(want)))
	}
}

func (p *headerParser) string() string {
	t := p.token()
	s, ok := t.(string)
	if p.err == nil && !ok {
		p.fail(fmt.Sprintf("got %v, want a string", describe(t)))
	}
	return s
}

// int reads a non-negative integer that fits in int64 (so every offset and
// dimension is also an int on 64-bit machines).
func (p *headerParser) int() int64 {
	t := p.token()
	if p.err != nil {
		return 0
	}
	num, ok := t.(json.Number)
	if !ok {
		p.fail(fmt.Sprintf("got %v, want a number", describe(t)))
		return 0
	}
	// ParseUint also rejects "-0", which JSON allows but no size needs.
	v, err := strconv.ParseUint(string(num), 10, strconv.IntSize-1)
	if err != nil {
		p.fail(fmt.Sprintf("%s is not a non-negative integer that fits in an int", num))
		return 0
	}
	return int64(v)
}

func (p *headerParser) metadata() map[string]string {
	m := map[string]string{}
	p.ctx = metadataKey + ": "
	defer func() { p.ctx = "" }()
	p.delim('{')
	for p.err == nil && p.d.More() {
		k := p.string()
		if _, dup := m[k]; dup && p.err == nil {
			p.fail(fmt.Sprintf("duplicate key %q", k))
		}
		t := p.token()
		v, ok := t.(string)
		if p.err == nil && !ok {
			p.fail(fmt.Sprintf("key %q: got %v, want a string", k, describe(t)))
		}
		m[k] = v
	}
	p.delim('}')
	return m
}

func (p *headerParser) tensor(name string) tensorInfo {
	in := tensorInfo{name: name}
	var haveDType, haveShape, haveOffsets bool
	p.ctx = fmt.Sprintf("tensor %q: ", name)
	defer func() { p.ctx = "" }()
	p.delim('{')
	for p.err == nil && p.d.More() {
		field := p.string()
		if p.err != nil {
			break
		}
		var dup bool
		switch field {
		case "dtype":
			dup, haveDType = haveDType, true
			s := p.string()
			if p.err == nil {
				in.dtype, p.err = parseDType(name, s)
			}
		case "shape":
			dup, haveShape = haveShape, true
			in.shape = []int{}
			p.delim('[')
			for p.err == nil && p.d.More() {
				in.shape = append(in.shape, int(p.int()))
			}
			p.delim(']')
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
			p.delim('[')
			in.begin = p.int()
			in.end = p.int()
			p.delim(']')
		default:
			p.fail(fmt.Sprintf("unknown field %q", field))
		}
		if dup {
			p.fail(fmt.Sprintf("duplicate field %q", field))
		}
	}
	p.delim('}')
	if p.err == nil && !(haveDType && haveShape && haveOffsets) {
		p.fail("needs dtype, shape and data_offsets")
	}
	return in
}

// describe names a token for error messages.
func describe(t json.Token) string {
	switch t := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		return fmt.Sprintf("'%v'", t)
	case string:
		return "string " + strconv.Quote(t)
	case json.Number:
		return "number " + string(t)
	default:
		return fmt.Sprintf("%T %v", t, t)
	}
}

// layOut sorts infos into data order and checks that each tensor's byte
// range matches its shape and that together they tile [0, size) exactly,
// like the reference implementation's Metadata::validate plus its
// whole-buffer check.
func layOut(infos []tensorInfo, size int64) error {
	// Ties are empty tensors at the same offset; the name keeps the order
	// deterministic.
	slices.SortFunc(infos, func(a, b tensorInfo) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	var next int64
	for _, in := range infos {
		switch {
		case in.end < in.begin:
			return FormatError(fmt.Sprintf("tensor %q: data_offsets [%d, %d] end before they begin", in.name, in.begin, in.end))
		case in.end > size:
			return FormatError(fmt.Sprintf("tensor %q: data_offsets [%d, %d] reach past the %d-byte data section", in.name, in.begin, in.end, size))
		case in.begin < next:
			return FormatError(fmt.Sprintf("tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", in.name, in.begin, in.end, next))
		case in.begin > next:
			return FormatError(fmt.Sprintf("tensor %q: data_offsets [%d, %d] leave a hole at [%d, %d]", in.name, in.begin, in.end, next, in.begin))
		}
		want, ok := byteSize(in.shape, in.dtype)
		if !ok {
			return FormatError(fmt.Sprintf("tensor %q: shape %v overflows", in.name, in.shape))
		}
		if in.end-in.begin != want {
			return FormatError(fmt.Sprintf("tensor %q: data_offsets [%d, %d] hold %d bytes, shape %v of %v needs %d",
				in.name, in.begin, in.end, in.end-in.begin, in.shape, in.dtype, want))
		}
		next = in.end
	}
	if next != size {
		return FormatError(fmt.Sprintf("tensors end at %d, data section is %d bytes", next, size))
	}
	return nil
}
