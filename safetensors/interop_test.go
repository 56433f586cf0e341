package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"digitnet/internal/testenv"
	"digitnet/safetensors"
)

// The reference library is not installable offline, so interoperability is
// checked against the spec as a Python user would apply it by hand: json and
// struct for the header, numpy.frombuffer for the data.

// pythonWithNumpy returns a Python interpreter that can import numpy, or
// reports it missing. It tries more than the first python3 on PATH because a
// pyenv shim often shadows the system Python that has numpy.
func pythonWithNumpy(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import numpy").Run() == nil {
			return py
		}
	}
	testenv.Missing(t, "no python3 with numpy (python3 -c 'import numpy' fails; apt-get install python3-numpy)")
	return ""
}

// readPy prints, for every tensor, numpy's view of it, and checks that the
// header is byte for byte what json.dumps gives with sorted keys and compact
// separators, plus space padding to 8 bytes.
const readPy = `
import json, struct, sys
import numpy as np
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
text = data[8:8 + n].decode("utf-8")
header = json.loads(text)
body = data[8 + n:]
canon = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
canon += " " * (-len(canon.encode("utf-8")) % 8)
dtypes = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U8": "u1", "BOOL": "?"}
out = {"__canonical__": canon == text, "__metadata__": header.pop("__metadata__", {})}
for name, info in header.items():
    b, e = info["data_offsets"]
    a = np.frombuffer(body[b:e], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    if a.dtype == np.bool_:
        a = a.astype(np.int64)
    out[name] = {"shape": list(a.shape), "values": a.reshape(-1).tolist()}
json.dump(out, sys.stdout)
`

// writePy writes a file the way a careless hand-rolled writer might: header
// keys unsorted and not in data order, metadata last, spaces after
// separators, and numpy's tobytes for the data.
const writePy = `
import json, struct, sys
import numpy as np
a = np.array([[1.5, -2.0], [3.0, 1e-7]], dtype="<f4")
z = np.array([7, -9, 2**40], dtype="<i8")
header = {
    "z": {"dtype": "I64", "shape": [3], "data_offsets": [16, 40]},
    "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
    "__metadata__": {"format": "np"},
}
text = json.dumps(header).encode("utf-8")
text += b" " * (-len(text) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + a.tobytes() + z.tobytes())
`

type pyTensor struct {
	Shape  []int
	Values []json.Number
}

func TestNumpyInterop(t *testing.T) {
	py := pythonWithNumpy(t)
	dir := t.TempDir()

	le := binary.LittleEndian
	f64 := le.AppendUint64(le.AppendUint64(nil, math.Float64bits(math.Pi)), math.Float64bits(-1e300))
	f16 := []byte{0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B} // 1, -2, 0.5, 65504
	var i64 []byte
	for _, v := range []int64{math.MinInt64, -1, math.MaxInt64} {
		i64 = le.AppendUint64(i64, uint64(v))
	}
	tensors := []safetensors.Tensor{
		safetensors.F32("conv1.weight", []int{2, 1, 3}, []float32{1, -2, 0.5, 3.25, 1e-8, -1e30}),
		{Name: "f64", DType: safetensors.Float64, Shape: []int{2}, Data: f64},
		{Name: "f16", DType: safetensors.Float16, Shape: []int{2, 2}, Data: f16},
		{Name: "i64", DType: safetensors.Int64, Shape: []int{3}, Data: i64},
		{Name: "u8", DType: safetensors.Uint8, Shape: []int{3}, Data: []byte{0, 128, 255}},
		{Name: "mask", DType: safetensors.Bool, Shape: []int{2}, Data: []byte{1, 0}},
		{Name: "scalar", DType: safetensors.Int8, Shape: []int{}, Data: []byte{0x80}},
		{Name: "empty <&>", DType: safetensors.Float32, Shape: []int{0, 4}, Data: nil},
	}
	want := map[string][]string{
		"conv1.weight": {"1", "-2", "0.5", "3.25", fmt32(1e-8), fmt32(-1e30)},
		"f64":          {strconv.FormatFloat(math.Pi, 'g', -1, 64), "-1e300"},
		"f16":          {"1", "-2", "0.5", "65504"},
		"i64":          {"-9223372036854775808", "-1", "9223372036854775807"},
		"u8":           {"0", "128", "255"},
		"mask":         {"1", "0"},
		"scalar":       {"-128"},
		"empty <&>":    {},
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, map[string]string{"format": "pt", "ü": "✓"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "go.safetensors")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", readPy, path).Output()
	if err != nil {
		t.Fatalf("python reader: %v\n%s", err, stderrOf(err))
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	if string(got["__canonical__"]) != "true" {
		t.Errorf("header is not json.dumps(sort_keys=True, separators=(',', ':')) padded to 8 bytes")
	}
	if string(got["__metadata__"]) != `{"format": "pt", "\u00fc": "\u2713"}` {
		t.Errorf("python metadata = %s", got["__metadata__"])
	}
	for _, tn := range tensors {
		var pt pyTensor
		d := json.NewDecoder(bytes.NewReader(got[tn.Name]))
		d.UseNumber()
		if err := d.Decode(&pt); err != nil {
			t.Errorf("%s: python output %s: %v", tn.Name, got[tn.Name], err)
			continue
		}
		if !slices.Equal(pt.Shape, tn.Shape) {
			t.Errorf("%s: numpy shape %v, want %v", tn.Name, pt.Shape, tn.Shape)
		}
		if !sameNumbers(pt.Values, want[tn.Name]) {
			t.Errorf("%s: numpy values %v, want %v", tn.Name, pt.Values, want[tn.Name])
		}
	}

	// And the other way: a file written by hand in Python parses here.
	path = filepath.Join(dir, "py.safetensors")
	if out, err := exec.Command(py, "-c", writePy, path).CombinedOutput(); err != nil {
		t.Fatalf("python writer: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if names := []string{f.Tensors[0].Name, f.Tensors[1].Name}; len(f.Tensors) != 2 || names[0] != "a" || names[1] != "z" {
		t.Fatalf("tensors %v, want a then z (data order)", names)
	}
	a, err := f.Tensors[0].Float32s()
	if wantA := []float32{1.5, -2, 3, 1e-7}; err != nil || !slices.Equal(a, wantA) || !slices.Equal(f.Tensors[0].Shape, []int{2, 2}) {
		t.Errorf("a = %v %v, %v; want %v [2 2]", a, f.Tensors[0].Shape, err, wantA)
	}
	z := f.Tensors[1]
	var zs []int64
	for i := 0; i+8 <= len(z.Data); i += 8 {
		zs = append(zs, int64(le.Uint64(z.Data[i:])))
	}
	if z.DType != safetensors.Int64 || !slices.Equal(zs, []int64{7, -9, 1 << 40}) {
		t.Errorf("z = %v %v, want I64 [7 -9 %d]", z.DType, zs, int64(1<<40))
	}
	if f.Metadata["format"] != "np" || len(f.Metadata) != 1 {
		t.Errorf("metadata = %v", f.Metadata)
	}
}

// fmt32 formats a float32 the way Python prints it after widening to double.
func fmt32(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 64) }

// sameNumbers compares JSON numbers by value, so Python's "1.0" matches "1".
func sameNumbers(got []json.Number, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, err1 := strconv.ParseFloat(string(got[i]), 64)
		w, err2 := strconv.ParseFloat(want[i], 64)
		if err1 != nil || err2 != nil || g != w {
			return false
		}
		// Integers beyond 2^53 must match exactly, not just as doubles.
		if gi, err := strconv.ParseInt(string(got[i]), 10, 64); err == nil {
			if wi, err := strconv.ParseInt(want[i], 10, 64); err == nil && gi != wi {
				return false
			}
		}
	}
	return true
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}
