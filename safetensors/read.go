package safetensors

// Reading is done on a byte slice that holds the whole file: a safetensors
// file is only valid if its tensors exactly fill the bytes after the header,
// so the total size must be known anyway, and the tensors can then alias the
// input instead of being copied.

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
)

// maxHeaderSize caps the JSON header length, as the reference implementation
// does (MAX_HEADER_SIZE, 100 MB), so that a lying length cannot make a reader
// parse or allocate without bound.
const maxHeaderSize = 100_000_000

const metadataKey = "__metadata__"

// Read reads a whole safetensors file from r and parses it like Parse. It
// fails, without reading further, if r holds more than maxSize bytes. Memory
// grows with the bytes r actually delivers, never with a length the file
// claims.
func Read(r io.Reader, maxSize int64) (*File, error) {
	maxSize = max(maxSize, 0)
	// One byte more than allowed tells a file of exactly maxSize from a
	// longer one.
	data, err := io.ReadAll(io.LimitReader(r, min(maxSize, math.MaxInt64-1)+1))
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
