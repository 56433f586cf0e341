// Package pngdec decodes the PNG files people upload most — 8-bit grey,
// grey+alpha, RGB, palette and RGBA, not interlaced — about twice as fast as
// image/png, into the same image types with the same pixels.
//
// It is a fast path, not a replacement: for anything else (16-bit or
// sub-byte depths, Adam7 interlacing) and for any file it finds wrong it
// returns an error, and the caller decodes with image/png, which then says
// what is wrong in its own words. The differential fuzz test holds it to
// image/png: whatever this package decodes, image/png decodes to equal
// pixels.
//
// Where the time goes in image/png for a typical 160x160 RGB upload, and
// what this package does instead:
//   - inflate (a third): github.com/klauspost/compress/flate, reading the
//     IDAT bytes in place;
//   - the zlib Adler-32 (a tenth of inflate): skipped, since PNG's CRC-32 on
//     every chunk already covers each compressed byte;
//   - the Paeth filter (a third): all channels of a pixel at once, as 16-bit
//     lanes of one AVX register on amd64 (_asm/main.go generates it with
//     avo), or with conditional moves in Go elsewhere, instead of one
//     channel at a time with branches the CPU cannot predict;
//   - Up filter rows eight bytes at a time;
//   - the inflater and row buffers are reused from one decode to the next.
//
// The format: https://www.w3.org/TR/png-3/
package pngdec

//go:generate sh -c "cd _asm && go run . -out ../filter_amd64.s -stubs ../filter_amd64_stubs.go -pkg pngdec"
