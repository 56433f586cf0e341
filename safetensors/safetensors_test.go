package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"digitnet/safetensors"
)

var update = flag.Bool("update", false, "rewrite testdata/tiny.safetensors")

// tinyTensors is the content of testdata/tiny.safetensors: two F32 tensors
// and a U8 one, given out of name order so the golden shows that the header
// is sorted while the data keeps this order.
func tinyTensors() ([]safetensors.Tensor, map[string]string) {
	return []safetensors.Tensor{
		safetensors.F32("weight", []int{2, 3}, []float32{1, -2, 0.5, 3.25, 0, -1e-3}),
		safetensors.F32("bias", []int{3}, []float32{0.125, -7, 1e9}),
		{Name: "mask", DType: safetensors.Uint8, Shape: []int{2, 2}, Data: []byte{0, 1, 2, 255}},
	}, map[string]string{"format": "pt", "note": "a \"tiny\" <test>"}
}

func TestGolden(t *testing.T) {
	tensors, meta := tinyTensors()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "tiny.safetensors")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("Write output differs from %s:\ngot  %q\nwant %q", path, buf.Bytes(), want)
	}

	// The header as the spec reader sees it, so a change in layout shows up
	// here in readable form, not only as a byte diff.
	n := binary.LittleEndian.Uint64(want)
	const header = `{"__metadata__":{"format":"pt","note":"a \"tiny\" <test>"},` +
		`"bias":{"data_offsets":[24,36],"dtype":"F32","shape":[3]},` +
		`"mask":{"data_offsets":[36,40],"dtype":"U8","shape":[2,2]},` +
		`"weight":{"data_offsets":[0,24],"dtype":"F32","shape":[2,3]}}`
	if got := string(want[8 : 8+n]); strings.TrimRight(got, " ") != header || n%8 != 0 || len(got)-len(header) >= 8 {
		t.Errorf("header = %q (%d bytes)\nwant %q padded with spaces to a multiple of 8", got, n, header)
	}

	f, err := safetensors.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, f, tensors, meta)
}

// checkSame fails unless f holds exactly tensors, in order, and meta.
func checkSame(tb testing.TB, f *safetensors.File, tensors []safetensors.Tensor, meta map[string]string) {
	tb.Helper()
	if len(f.Tensors) != len(tensors) {
		tb.Fatalf("got %d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for i, got := range f.Tensors {
		want := tensors[i]
		if got.Name != want.Name || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
			tb.Errorf("tensor %d = %s %v %v % x\nwant %s %v %v % x", i,
				got.Name, got.DType, got.Shape, got.Data, want.Name, want.DType, want.Shape, want.Data)
		}
	}
	if !maps.Equal(f.Metadata, meta) {
		tb.Errorf("metadata = %q, want %q", f.Metadata, meta)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		tensors []safetensors.Tensor
		meta    map[string]string
	}{
		{"empty", nil, nil},
		{"metadata only", nil, map[string]string{"": "", "k\x00\n": "ü\t\\"}},
		{"scalar", []safetensors.Tensor{safetensors.F32("s", nil, []float32{42})}, nil},
		// Given in data order, which for tensors at the same offset
		// (zero-size ones) is name order.
		{"zero-size tensors", []safetensors.Tensor{
			safetensors.F32("z1", []int{0}, nil),
			safetensors.F32("a", []int{1}, []float32{1}),
			safetensors.F32("z2", []int{3, 0}, nil),
			safetensors.F32("b", []int{1}, []float32{2}),
			safetensors.F32("z0", []int{0, 5}, nil),
		}, nil},
		{"every dtype", []safetensors.Tensor{
			{Name: "f64", DType: safetensors.Float64, Shape: []int{1}, Data: make([]byte, 8)},
			{Name: "f32", DType: safetensors.Float32, Shape: []int{1}, Data: make([]byte, 4)},
			{Name: "f16", DType: safetensors.Float16, Shape: []int{1}, Data: make([]byte, 2)},
			{Name: "bf16", DType: safetensors.BFloat16, Shape: []int{1}, Data: make([]byte, 2)},
			{Name: "i64", DType: safetensors.Int64, Shape: []int{1}, Data: make([]byte, 8)},
			{Name: "i32", DType: safetensors.Int32, Shape: []int{1}, Data: make([]byte, 4)},
			{Name: "i16", DType: safetensors.Int16, Shape: []int{1}, Data: make([]byte, 2)},
			{Name: "i8", DType: safetensors.Int8, Shape: []int{1}, Data: make([]byte, 1)},
			{Name: "u64", DType: safetensors.Uint64, Shape: []int{1}, Data: make([]byte, 8)},
			{Name: "u32", DType: safetensors.Uint32, Shape: []int{1}, Data: make([]byte, 4)},
			{Name: "u16", DType: safetensors.Uint16, Shape: []int{1}, Data: make([]byte, 2)},
			{Name: "u8", DType: safetensors.Uint8, Shape: []int{1}, Data: make([]byte, 1)},
			{Name: "bool", DType: safetensors.Bool, Shape: []int{1}, Data: []byte{1}},
		}, nil},
		{"odd names", []safetensors.Tensor{
			safetensors.F32("", []int{1}, []float32{1}),
			safetensors.F32("conv1.weight", []int{1}, []float32{2}),
			safetensors.F32("\"quoted\" \\ <&> ✓ \x1f", []int{1}, []float32{3}),
		}, map[string]string{"__metadata__": "allowed as a metadata key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := safetensors.Write(&buf, tt.tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.Read(&buf, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			meta := tt.meta
			if len(meta) == 0 {
				meta = nil
			}
			checkSame(t, f, tt.tensors, meta)
		})
	}
}

func TestFloat32s(t *testing.T) {
	want := []float32{1, -2.5, 3e-38}
	got, err := safetensors.F32("x", []int{3}, want).Float32s()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Float32s = %v, %v; want %v", got, err, want)
	}
	bad := []safetensors.Tensor{
		{Name: "u8", DType: safetensors.Uint8, Shape: []int{4}, Data: make([]byte, 4)},
		{Name: "short", DType: safetensors.Float32, Shape: []int{2}, Data: make([]byte, 7)},
		safetensors.F32("wrong shape", []int{2, 2}, want),
	}
	for _, tn := range bad {
		if _, err := tn.Float32s(); err == nil || !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Errorf("%s: Float32s error = %v, want a safetensors error", tn.Name, err)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ok := safetensors.F32("ok", []int{1}, []float32{1})
	tests := []struct {
		name    string
		tensors []safetensors.Tensor
		meta    map[string]string
		want    string
	}{
		{"data too short", []safetensors.Tensor{safetensors.F32("x", []int{2, 2}, []float32{1, 2, 3})}, nil, "needs 16"},
		{"negative dim", []safetensors.Tensor{{Name: "x", DType: safetensors.Uint8, Shape: []int{-1}}}, nil, "negative or too large"},
		{"overflow", []safetensors.Tensor{{Name: "x", DType: safetensors.Uint8, Shape: []int{1 << 40, 1 << 40, 0}}}, nil, "negative or too large"},
		{"zero dtype", []safetensors.Tensor{{Name: "x", Shape: []int{}}}, nil, "invalid dtype"},
		{"duplicate", []safetensors.Tensor{ok, ok}, nil, "duplicate"},
		{"reserved", []safetensors.Tensor{safetensors.F32("__metadata__", nil, []float32{1})}, nil, "reserved"},
		{"bad utf8 name", []safetensors.Tensor{safetensors.F32("\xff", nil, []float32{1})}, nil, "UTF-8"},
		{"bad utf8 metadata", []safetensors.Tensor{ok}, map[string]string{"k": "\xff"}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := safetensors.Write(&buf, tt.tensors, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("Write error = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

// file assembles a safetensors file from a raw header and data section.
func file(header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// f32x1 is a one-tensor header entry for brevity in the tables.
const f32x1 = `"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`

var parseOK = []struct {
	name string
	in   []byte
	n    int // tensors
}{
	{"no tensors", file(`{}`), 0},
	{"padded with spaces", file(`{`+f32x1+`}      `, 0, 0, 0, 0), 1},
	{"whitespace inside", file("{ \n\t"+`"a" : { "dtype" : "F32" , "shape" : [ 1 ] , "data_offsets" : [ 0 , 4 ] } }`, 0, 0, 0, 0), 1},
	{"scalar", file(`{"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}`, make([]byte, 8)...), 1},
	{"empty tensor", file(`{"a":{"dtype":"F32","shape":[2,0],"data_offsets":[0,0]}}`), 1},
	{"metadata", file(`{"__metadata__":{"a":"b"},`+f32x1+`}`, 0, 0, 0, 0), 1},
	{"empty metadata", file(`{"__metadata__":{}}`), 0},
	{"data out of name order", file(`{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 1, 2), 2},
	{"escaped key", file(`{"\u0061\n":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, 1), 1},
	{"every escape", file(`{"__metadata__":{"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800\u0041\udc00":""}}`), 0},
	{"empty key", file(`{"":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`), 1},
	{"zero offsets and dims", file(`{"a":{"dtype":"U8","shape":[0,10],"data_offsets":[0,0]}}`), 1},
}

// TestParseStrings checks the hand-written string decoding against
// encoding/json's, including its U+FFFD for unpaired surrogates.
func TestParseStrings(t *testing.T) {
	for _, js := range []string{
		`""`, `"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u00C9"`, `"\ud83d\ude00"`,
		`"\ud800"`, `"\udc00\ud800"`, `"\ud800\u0041"`, `"\ud800\ud800\udc00"`, `"a\u0000b"`, `"ü✓"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(js), &want); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		f, err := safetensors.Parse(file(`{"__metadata__":{"k":` + js + `}}`))
		if err != nil {
			t.Errorf("%s: %v", js, err)
			continue
		}
		if got := f.Metadata["k"]; got != want {
			t.Errorf("%s decodes to %q, encoding/json gives %q", js, got, want)
		}
	}
}

func TestParseValid(t *testing.T) {
	for _, tt := range parseOK {
		t.Run(tt.name, func(t *testing.T) {
			f, err := safetensors.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Tensors) != tt.n {
				t.Fatalf("got %d tensors, want %d", len(f.Tensors), tt.n)
			}
		})
	}
}

const (
	format      = "format"
	unsupported = "unsupported"
)

var parseBad = []struct {
	name string
	in   []byte
	kind string // format or unsupported
	want string // substring of the message, to pin down the reason
}{
	{"empty", nil, format, "shorter than the 8-byte"},
	{"7 bytes", make([]byte, 7), format, "shorter than the 8-byte"},
	{"header over cap", binary.LittleEndian.AppendUint64(nil, 100_000_001), format, "exceeds the limit"},
	{"header length 2^64-1", binary.LittleEndian.AppendUint64(nil, 1<<64-1), format, "exceeds the limit"},
	{"header past end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), format, "exceeds the 2 bytes"},
	{"zero header", file(``), format, "start with '{'"},
	{"leading space", file(` {}`), format, "start with '{'"},
	{"array header", file(`[]`), format, "start with '{'"},
	{"bad utf8", file("{\"\xff\":{}}"), format, "UTF-8"},
	{"truncated json", file(`{"a":`), format, "header:"},
	{"unclosed", file(`{`+f32x1, 0, 0, 0, 0), format, "header:"},
	{"trailing object", file(`{} {}`), format, "after the header"},
	{"trailing junk", file(`{}x`), format, "header:"},
	{"trailing nul padding", file("{}\x00"), format, "header:"},
	{"key not string", file(`{1:2}`), format, "header:"},
	{"tensor not object", file(`{"a":1}`), format, "want '{'"},
	{"tensor null", file(`{"a":null}`), format, "want '{'"},
	{"missing offsets", file(`{"a":{"dtype":"F32","shape":[1]}}`), format, "needs dtype, shape and data_offsets"},
	{"missing dtype", file(`{"a":{"shape":[0],"data_offsets":[0,0]}}`), format, "needs dtype"},
	{"unknown field", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, 0, 0, 0, 0), format, "unknown field \"x\""},
	{"field case", file(`{"a":{"DTYPE":"F32","shape":[1],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "unknown field \"DTYPE\""},
	{"duplicate field", file(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "duplicate field"},
	{"unknown dtype", file(`{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "unknown dtype"},
	{"lowercase dtype", file(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "unknown dtype"},
	{"dtype not string", file(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "want a string"},
	{"F8 dtype", file(`{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`, 0), unsupported, "F8_E4M3"},
	{"F4 dtype", file(`{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}`, 0), unsupported, "F4"},
	{"negative dim", file(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`), format, "non-negative integer"},
	{"minus zero dim", file(`{"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}`), format, "non-negative integer"},
	{"fractional dim", file(`{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}`, 0), format, "non-negative integer"},
	{"exponent dim", file(`{"a":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}`, 0), format, "non-negative integer"},
	{"huge dim", file(`{"a":{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,1]}}`, 0), format, "non-negative integer"},
	{"string dim", file(`{"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}`, 0), format, "want a number"},
	{"nested shape", file(`{"a":{"dtype":"U8","shape":[[1]],"data_offsets":[0,1]}}`, 0), format, "want a number"},
	{"shape not array", file(`{"a":{"dtype":"U8","shape":1,"data_offsets":[0,1]}}`, 0), format, "want '['"},
	{"shape overflow", file(`{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "overflows"},
	{"shape overflow before zero", file(`{"a":{"dtype":"U8","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`), format, "overflows"},
	{"one offset", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0]}}`), format, "want ','"},
	{"three offsets", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0,0]}}`), format, "want ']'"},
	{"negative offset", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[-1,0]}}`), format, "non-negative integer"},
	{"offset beyond int64", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,18446744073709551616]}}`), format, "non-negative integer"},
	{"end before begin", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}`, 0), format, "end before they begin"},
	{"past data", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, 0, 0, 0), format, "reach past"},
	{"huge end", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,9223372036854775807]}}`, 0, 0, 0, 0), format, "reach past"},
	{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 0, 0, 0, 0), format, "needs 8"},
	{"hole at start", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 0, 0), format, "hole at [0, 1]"},
	{"hole between", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`, 0, 0, 0), format, "hole at [1, 2]"},
	{"overlap", file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, 0, 0, 0), format, "overlap"},
	{"same range", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 0), format, "overlap"},
	{"trailing data", file(`{`+f32x1+`}`, 0, 0, 0, 0, 0), format, "data section is 5 bytes"},
	{"data but no tensors", file(`{}`, 0), format, "data section is 1 bytes"},
	{"duplicate tensor", file(`{`+f32x1+`,`+f32x1+`}`, 0, 0, 0, 0), format, `duplicate key "a"`},
	{"duplicate via escape", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"\u0061":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`), format, "duplicate key"},
	{"metadata not object", file(`{"__metadata__":"x"}`), format, "want '{'"},
	{"metadata number value", file(`{"__metadata__":{"a":1}}`), format, "want a string"},
	{"metadata null value", file(`{"__metadata__":{"a":null}}`), format, "want a string"},
	{"metadata nested", file(`{"__metadata__":{"a":{}}}`), format, "want a string"},
	{"metadata duplicate key", file(`{"__metadata__":{"a":"1","a":"2"}}`), format, "__metadata__: duplicate key"},
	{"metadata twice", file(`{"__metadata__":{},"__metadata__":{}}`), format, "duplicate key"},
	{"bad escape", file(`{"__metadata__":{"k":"\x41"}}`), format, `invalid escape \x`},
	{"short unicode escape", file(`{"__metadata__":{"k":"\u12"}}`), format, `invalid \u escape`},
	{"unicode escape at end", file(`{"__metadata__":{"k":"\u12`), format, `short \u escape`},
	{"backslash at end", file(`{"__metadata__":{"k":"\`), format, "unterminated string"},
	{"unterminated string", file(`{"__metadata__":{"k":"abc`), format, "unterminated string"},
	{"raw control char", file("{\"__metadata__\":{\"k\":\"a\nb\"}}"), format, "control character"},
	{"single quotes", file(`{'a':1}`), format, "want a string"},
	{"missing colon", file(`{"a" {}}`), format, "want ':'"},
	{"trailing comma in object", file(`{"__metadata__":{},}`), format, "want a string"},
	{"trailing comma in shape", file(`{"a":{"dtype":"U8","shape":[1,],"data_offsets":[0,1]}}`, 0), format, "want a number"},
	{"missing comma", file(`{"a":{"dtype":"U8" "shape":[1],"data_offsets":[0,1]}}`, 0), format, "want '}'"},
	{"leading zero", file(`{"a":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}`, 0), format, "non-negative integer"},
	{"plus sign", file(`{"a":{"dtype":"U8","shape":[+1],"data_offsets":[0,1]}}`, 0), format, "non-negative integer"},
	{"offsets as object", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":{}}}`), format, "want '['"},
	{"deep nesting", file(`{"a":` + strings.Repeat("[", 100000) + `}`), format, "want '{'"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseBad {
		t.Run(tt.name, func(t *testing.T) {
			f, err := safetensors.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse succeeded with %d tensors, want an error containing %q", len(f.Tensors), tt.want)
			}
			var fe safetensors.FormatError
			var ue safetensors.UnsupportedError
			switch {
			case tt.kind == format && !errors.As(err, &fe):
				t.Errorf("error %q (%T) is not a FormatError", err, err)
			case tt.kind == unsupported && !errors.As(err, &ue):
				t.Errorf("error %q (%T) is not an UnsupportedError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestRead(t *testing.T) {
	good := file(`{`+f32x1+`}`, 0, 0, 0, 0)
	if _, err := safetensors.Read(bytes.NewReader(good), int64(len(good))); err != nil {
		t.Errorf("Read at exactly maxSize: %v", err)
	}
	if _, err := safetensors.Read(bytes.NewReader(good), int64(len(good)-1)); err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Errorf("Read over maxSize: error = %v", err)
	}
	if _, err := safetensors.Read(bytes.NewReader(good), math.MaxInt64); err != nil {
		t.Errorf("Read with maxSize MaxInt64: %v", err)
	}
	errBoom := errors.New("boom")
	if _, err := safetensors.Read(iotest.ErrReader(errBoom), 100); !errors.Is(err, errBoom) {
		t.Errorf("Read error = %v, want it to wrap %v", err, errBoom)
	}
	// A header claiming 100 MB in a short stream must fail on the length
	// check, after reading only what is there.
	lie := binary.LittleEndian.AppendUint64(nil, 99_999_999)
	if _, err := safetensors.Read(iotest.OneByteReader(bytes.NewReader(lie)), 1<<30); err == nil {
		t.Error("Read accepted a header length beyond the stream")
	}
}

func TestFileTensor(t *testing.T) {
	tensors, meta := tinyTensors()
	f := &safetensors.File{Tensors: tensors, Metadata: meta}
	if got, ok := f.Tensor("bias"); !ok || got.Name != "bias" {
		t.Errorf("Tensor(bias) = %v, %v", got.Name, ok)
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Error("Tensor(nope) found something")
	}
}

func TestDType(t *testing.T) {
	if got := safetensors.BFloat16.String(); got != "BF16" {
		t.Errorf("BFloat16.String() = %q", got)
	}
	if got := safetensors.Float64.Size(); got != 8 {
		t.Errorf("Float64.Size() = %d", got)
	}
	if got, size := safetensors.DType(0).String(), safetensors.DType(200).Size(); got != "DType(0)" || size != 0 {
		t.Errorf("invalid DType: String %q, Size %d", got, size)
	}
}

// Parsed tensors alias the input, but appending to one must not overwrite
// its neighbour.
func TestParseCapsCapacity(t *testing.T) {
	var buf bytes.Buffer
	tensors, meta := tinyTensors()
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	w := f.Tensors[0]
	_ = append(w.Data, 0xAA)
	checkSame(t, f, tensors, meta)
}

func FuzzSafetensors(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "tiny.safetensors"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	for _, tt := range parseOK {
		f.Add(tt.in)
	}
	for _, tt := range parseBad {
		if len(tt.in) < 1000 {
			f.Add(tt.in)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := safetensors.Parse(in)
		if err != nil {
			var fe safetensors.FormatError
			var ue safetensors.UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("error %q is %T, not FormatError or UnsupportedError", err, err)
			}
			return
		}
		checkAgainstEncodingJSON(t, in, file)
		var out bytes.Buffer
		if err := safetensors.Write(&out, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("parsed file does not write: %v", err)
		}
		again, err := safetensors.Parse(out.Bytes())
		if err != nil {
			t.Fatalf("written file does not parse: %v\n%q", err, out.Bytes())
		}
		meta := file.Metadata
		if len(meta) == 0 {
			meta = nil
		}
		checkSame(t, again, file.Tensors, meta)
		var out2 bytes.Buffer
		if err := safetensors.Write(&out2, again.Tensors, again.Metadata); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatalf("rewrite is not stable:\n%q\n%q", out.Bytes(), out2.Bytes())
		}
	})
}

// checkAgainstEncodingJSON decodes the header of an accepted file with
// encoding/json and fails unless it finds the same tensors and metadata as
// the hand-written parser.
func checkAgainstEncodingJSON(t *testing.T, in []byte, f *safetensors.File) {
	t.Helper()
	n := binary.LittleEndian.Uint64(in)
	header, body := in[8:8+n], in[8+n:]
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(header, &entries); err != nil {
		t.Fatalf("accepted header that encoding/json rejects: %v\n%q", err, header)
	}
	want := len(f.Tensors)
	if f.Metadata != nil {
		want++
		var meta map[string]string
		if err := json.Unmarshal(entries["__metadata__"], &meta); err != nil || !maps.Equal(meta, f.Metadata) {
			t.Fatalf("metadata: encoding/json gives %q (%v), Parse %q", meta, err, f.Metadata)
		}
	}
	if len(entries) != want {
		t.Fatalf("encoding/json finds %d header entries, Parse %d", len(entries), want)
	}
	for _, tn := range f.Tensors {
		var e struct {
			DType   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets [2]int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(entries[tn.Name], &e); err != nil {
			t.Fatalf("tensor %q: encoding/json: %v", tn.Name, err)
		}
		if e.DType != tn.DType.String() || !slices.Equal(e.Shape, tn.Shape) || !bytes.Equal(body[e.Offsets[0]:e.Offsets[1]], tn.Data) {
			t.Fatalf("tensor %q: encoding/json gives %+v, Parse %v %v", tn.Name, e, tn.DType, tn.Shape)
		}
	}
}

// FuzzHeaderString compares string decoding with encoding/json both ways:
// on a metadata value, each must accept what the other accepts and decode it
// to the same Go string.
func FuzzHeaderString(f *testing.F) {
	for _, s := range []string{`plain`, `\"\\\/\b\f\n\r\t`, `\u00e9`, `\ud83d\ude00`, `\ud800\u0041`, `\x`, `\u12`, "\x01", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		js := `"` + s + `"`
		var want string
		jsonErr := json.Unmarshal([]byte(js), &want)
		// encoding/json replaces invalid UTF-8 that the spec forbids.
		if !utf8.ValidString(s) {
			return
		}
		got, err := safetensors.Parse(file(`{"__metadata__":{"k":` + js + `}}`))
		switch {
		case err != nil && jsonErr == nil:
			t.Fatalf("Parse rejects %s that encoding/json accepts as %q: %v", js, want, err)
		case err == nil && jsonErr != nil:
			t.Fatalf("Parse accepts %s that encoding/json rejects: %v", js, jsonErr)
		case err == nil && got.Metadata["k"] != want:
			t.Fatalf("%s: Parse gives %q, encoding/json %q", js, got.Metadata["k"], want)
		}
	})
}

// failWriter accepts n bytes, then fails.
type failWriter struct{ n int }

var errWrite = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteIOError(t *testing.T) {
	tensors, meta := tinyTensors()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < buf.Len(); n++ {
		if err := safetensors.Write(&failWriter{n}, tensors, meta); !errors.Is(err, errWrite) {
			t.Fatalf("failing after %d bytes: error = %v, want it to wrap %v", n, err, errWrite)
		}
	}
}
