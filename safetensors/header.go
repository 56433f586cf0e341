package safetensors

// The header is parsed by hand rather than with encoding/json, which would
// merge duplicate keys, match field names case-insensitively and replace bad
// UTF-8; its Decoder.Token, the only way to see duplicates, was also about 3
// times slower here, with several times the allocations, on a 99 MB header of
// 1.7 million entries. The grammar accepted is a strict subset of JSON (RFC
// 8259): an object of tensor entries and one optional metadata object, with
// only non-negative integer numbers. FuzzSafetensors and FuzzHeaderString
// check it against encoding/json.

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// parseHeader decodes the JSON header into the metadata and the tensor
// entries in header order.
func parseHeader(header []byte) (*File, []tensorInfo, error) {
	// The spec requires the header to start with '{' and to be UTF-8.
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, FormatError("header does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, nil, FormatError("header is not valid UTF-8")
	}
	s := &scanner{b: header}
	f := &File{}
	var infos []tensorInfo
	seen := map[string]bool{}
	s.object(func(key string) {
		if seen[key] {
			s.fail(fmt.Sprintf("duplicate key %q", key))
			return
		}
		seen[key] = true
		if key == metadataKey {
			f.Metadata = s.metadata()
			return
		}
		if in := s.tensor(key); s.err == nil {
			infos = append(infos, in)
		}
	})
	// Only whitespace may follow; the spec's padding is spaces.
	if s.next(); s.i != len(s.b) && s.err == nil {
		s.fail("data after the header object")
	}
	if s.err != nil {
		return nil, nil, s.err
	}
	return f, infos, nil
}

// scanner reads the header and keeps the first error, so the parsing code
// can stay linear.
type scanner struct {
	b   []byte
	i   int
	err error
	// What is being read, for messages.
	inTensor, inMetadata bool
	tensorName           string
}

func (s *scanner) fail(msg string) {
	if s.err == nil {
		where := ""
		switch {
		case s.inMetadata:
			where = metadataKey + ": "
		case s.inTensor:
			where = fmt.Sprintf("tensor %q: ", s.tensorName)
		}
		s.err = FormatError(fmt.Sprintf("header: byte %d: %s%s", s.i, where, msg))
	}
}

// next skips whitespace and returns the next byte, or 0 at the end (and for
// a NUL byte, which no caller expects).
func (s *scanner) next() byte {
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// got describes what is at the current position, for messages.
func (s *scanner) got() string {
	if s.i >= len(s.b) {
		return "end of header"
	}
	r, _ := utf8.DecodeRune(s.b[s.i:])
	return strconv.QuoteRune(r)
}

func (s *scanner) expect(c byte) {
	if s.err != nil {
		return
	}
	if s.next() != c {
		s.fail(fmt.Sprintf("got %s, want '%c'", s.got(), c))
		return
	}
	s.i++
}

// list reads open, then items separated by commas, then close.
func (s *scanner) list(open, close byte, item func()) {
	s.expect(open)
	if s.err != nil {
		return
	}
	if s.next() == close {
		s.i++
		return
	}
	for s.err == nil {
		item()
		if s.err == nil && s.next() == ',' {
			s.i++
			continue
		}
		s.expect(close)
		return
	}
}

// object reads an object, calling member for each key with the position at
// its value.
func (s *scanner) object(member func(key string)) {
	s.list('{', '}', func() {
		key := s.string()
		s.expect(':')
		if s.err == nil {
			member(key)
		}
	})
}

// string reads a JSON string. Like encoding/json, it turns unpaired
// surrogate escapes into U+FFFD.
func (s *scanner) string() string {
	if s.err != nil {
		return ""
	}
	if s.next() != '"' {
		s.fail(fmt.Sprintf("got %s, want a string", s.got()))
		return ""
	}
	s.i++
	start := s.i
	var out []byte // nil until the first escape
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			str := string(s.b[start:s.i])
			if out != nil {
				str = string(append(out, s.b[start:s.i]...))
			}
			s.i++
			return str
		case c < 0x20:
			s.fail("control character in string")
			return ""
		case c == '\\':
			out = append(out, s.b[start:s.i]...)
			if out == nil {
				out = []byte{}
			}
			out = s.escape(out)
			if s.err != nil {
				return ""
			}
			start = s.i
		default:
			s.i++
		}
	}
	s.fail("unterminated string")
	return ""
}

// escape decodes the escape sequence at s.i onto out.
func (s *scanner) escape(out []byte) []byte {
	if s.i+1 >= len(s.b) {
		s.fail("unterminated string")
		return out
	}
	c := s.b[s.i+1]
	s.i += 2
	switch c {
	case '"', '\\', '/':
		return append(out, c)
	case 'b':
		return append(out, '\b')
	case 'f':
		return append(out, '\f')
	case 'n':
		return append(out, '\n')
	case 'r':
		return append(out, '\r')
	case 't':
		return append(out, '\t')
	case 'u':
		r := s.hex4()
		if utf16.IsSurrogate(r) {
			r2 := rune(-1)
			if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				save := s.i
				s.i += 2
				if r2 = s.hex4(); utf16.DecodeRune(r, r2) == utf8.RuneError {
					s.i = save // not a pair: the second escape stands alone
					r2 = -1
				}
			}
			r = utf16.DecodeRune(r, r2)
		}
		return utf8.AppendRune(out, r)
	}
	s.i -= 2
	s.fail(fmt.Sprintf("invalid escape \\%c", c))
	return out
}

// hex4 reads the four hex digits of a \u escape.
func (s *scanner) hex4() rune {
	if s.i+4 > len(s.b) {
		s.fail("short \\u escape")
		return 0
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 16)
	if err != nil {
		s.fail(fmt.Sprintf("invalid \\u escape %q", s.b[s.i:s.i+4]))
		return 0
	}
	s.i += 4
	return rune(v)
}

// int reads a non-negative integer that fits in an int, so every offset and
// dimension can index a slice. JSON number syntax beyond that (sign,
// fraction, exponent, even "-0") is rejected: no size needs it.
func (s *scanner) int() int64 {
	if s.err != nil {
		return 0
	}
	s.next()
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if !('0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		s.i++
	}
	text := string(s.b[start:s.i])
	if text == "" {
		s.fail(fmt.Sprintf("got %s, want a number", s.got()))
		return 0
	}
	v, err := strconv.ParseUint(text, 10, strconv.IntSize-1)
	if err != nil || text[0] == '+' || (text[0] == '0' && len(text) > 1) {
		s.i = start
		s.fail(fmt.Sprintf("%s is not a non-negative integer that fits in an int", text))
		return 0
	}
	return int64(v)
}

func (s *scanner) metadata() map[string]string {
	m := map[string]string{}
	s.inMetadata = true
	s.object(func(key string) {
		if _, dup := m[key]; dup {
			s.fail(fmt.Sprintf("duplicate key %q", key))
			return
		}
		if s.next() != '"' {
			s.fail(fmt.Sprintf("key %q: got %s, want a string", key, s.got()))
			return
		}
		m[key] = s.string()
	})
	s.inMetadata = false
	return m
}

func (s *scanner) tensor(name string) tensorInfo {
	in := tensorInfo{name: name}
	var haveDType, haveShape, haveOffsets bool
	s.inTensor, s.tensorName = true, name
	s.object(func(field string) {
		var dup bool
		switch field {
		case "dtype":
			dup, haveDType = haveDType, true
			if d := s.string(); s.err == nil {
				in.dtype, s.err = parseDType(name, d)
			}
		case "shape":
			dup, haveShape = haveShape, true
			in.shape = []int{}
			s.list('[', ']', func() { in.shape = append(in.shape, int(s.int())) })
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
			s.expect('[')
			in.begin = s.int()
			s.expect(',')
			in.end = s.int()
			s.expect(']')
		default:
			s.fail(fmt.Sprintf("unknown field %q", field))
		}
		if dup {
			s.fail(fmt.Sprintf("duplicate field %q", field))
		}
	})
	if s.err == nil && !(haveDType && haveShape && haveOffsets) {
		s.fail("needs dtype, shape and data_offsets")
	}
	s.inTensor = false
	return in
}
