package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A FormatError reports that the input is not a valid safetensors file.
type FormatError string

func (e FormatError) Error() string { return "safetensors: invalid format: " + string(e) }

// An UnsupportedError reports that the input uses a valid feature of the
// format that this package does not implement.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "safetensors: unsupported feature: " + string(e) }

// DType is the element type of a tensor. The zero value is not a valid type.
type DType uint8

// The supported element types. Their String forms are the names used in the
// file header.
const (
	Float64  DType = iota + 1 // F64
	Float32                   // F32
	Float16                   // F16
	BFloat16                  // BF16
	Int64                     // I64
	Int32                     // I32
	Int16                     // I16
	Int8                      // I8
	Uint64                    // U64
	Uint32                    // U32
	Uint16                    // U16
	Uint8                     // U8
	Bool                      // BOOL
)

var dtypeInfo = [...]struct {
	name string
	size int
}{
	Float64:  {"F64", 8},
	Float32:  {"F32", 4},
	Float16:  {"F16", 2},
	BFloat16: {"BF16", 2},
	Int64:    {"I64", 8},
	Int32:    {"I32", 4},
	Int16:    {"I16", 2},
	Int8:     {"I8", 1},
	Uint64:   {"U64", 8},
	Uint32:   {"U32", 4},
	Uint16:   {"U16", 2},
	Uint8:    {"U8", 1},
	Bool:     {"BOOL", 1},
}

// Dtype names the spec defines that this package does not read: 8-bit floats
// have no Go representation worth offering yet, and the sub-byte types break
// the one-element-per-whole-byte layout the size checks assume.
var unsupportedDTypes = map[string]bool{
	"F8_E5M2": true, "F8_E4M3": true, "F8_E8M0": true,
	"F6_E2M3": true, "F6_E3M2": true, "F4": true, "C64": true,
}

// String returns the header name of d, such as "F32".
func (d DType) String() string {
	if d.valid() {
		return dtypeInfo[d].name
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the size of one element in bytes, or 0 if d is not valid.
func (d DType) Size() int {
	if d.valid() {
		return dtypeInfo[d].size
	}
	return 0
}

func (d DType) valid() bool { return d > 0 && int(d) < len(dtypeInfo) }

// parseDType maps the header dtype name of a tensor to a DType.
func parseDType(tensor, name string) (DType, error) {
	for d := Float64; int(d) < len(dtypeInfo); d++ {
		if dtypeInfo[d].name == name {
			return d, nil
		}
	}
	if unsupportedDTypes[name] {
		return 0, UnsupportedError(fmt.Sprintf("tensor %q: dtype %s", tensor, name))
	}
	return 0, FormatError(fmt.Sprintf("tensor %q: unknown dtype %q", tensor, name))
}

// Tensor is one named tensor: its element type, shape (row-major, outermost
// first; empty for a scalar) and raw little-endian data.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// F32 makes a Float32 tensor from values in row-major order. It copies shape
// and values. It does not check that len(values) matches shape; Write does.
func F32(name string, shape []int, values []float32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: Float32, Shape: append([]int{}, shape...), Data: data}
}

// Float32s decodes the data of a Float32 tensor into a new slice. It fails
// for any other dtype, and when the data length does not match the shape.
func (t Tensor) Float32s() ([]float32, error) {
	if t.DType != Float32 {
		return nil, fmt.Errorf("safetensors: tensor %q has dtype %v, not F32", t.Name, t.DType)
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// check reports whether t is consistent enough to be written.
func (t Tensor) check() error {
	if !t.DType.valid() {
		return fmt.Errorf("safetensors: tensor %q has invalid dtype %v", t.Name, t.DType)
	}
	n, ok := byteSize(t.Shape, t.DType)
	if !ok {
		return fmt.Errorf("safetensors: tensor %q: shape %v is negative or too large", t.Name, t.Shape)
	}
	if int64(len(t.Data)) != n {
		return fmt.Errorf("safetensors: tensor %q: %d data bytes, shape %v of %v needs %d",
			t.Name, len(t.Data), t.Shape, t.DType, n)
	}
	return nil
}

// byteSize returns the number of data bytes a tensor of this shape and dtype
// occupies. It multiplies left to right and fails on overflow even if a
// later dimension is zero, as the reference implementation does, so that a
// file this package accepts is one the reference accepts too.
func byteSize(shape []int, d DType) (int64, bool) {
	n := int64(d.Size())
	for _, dim := range shape {
		if dim < 0 {
			return 0, false
		}
		if dim != 0 && n > math.MaxInt64/int64(dim) {
			return 0, false
		}
		n *= int64(dim)
	}
	return n, true
}

// File is the content of a safetensors file.
type File struct {
	// Tensors in the order of their data in the file.
	Tensors []Tensor
	// Metadata is the free-form "__metadata__" header entry; nil if absent.
	Metadata map[string]string
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}
