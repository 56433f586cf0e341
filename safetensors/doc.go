// Package safetensors reads and writes the safetensors tensor file format,
// strictly and without dependencies.
//
// The format is specified at https://github.com/huggingface/safetensors
// (README, section "Format"): an 8-byte little-endian uint64 N, then N bytes
// of UTF-8 JSON header, then the raw little-endian tensor data. The header
// maps each tensor name to {"dtype", "shape", "data_offsets"}, where the
// offsets are relative to the start of the data section, and may hold a
// "__metadata__" object of string to string.
//
// Reading checks everything the reference implementation checks (header size
// cap, JSON shape, known dtypes, offsets that match the shape and tile the
// data section with no holes or overlaps) plus duplicate keys, and reports
// problems as FormatError (malformed) or UnsupportedError (valid but beyond
// this package, such as F8 or sub-byte dtypes). It never trusts a length
// from the file before checking it against the bytes actually present.
//
// This package is not a general tensor library: it moves bytes and shapes,
// and converts only F32 data to Go values.
package safetensors
