package pngdec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// ErrUnsupported is returned for valid PNGs this package leaves to
// image/png: bit depths other than 8 and interlaced images.
var ErrUnsupported = errors.New("pngdec: not an 8-bit non-interlaced PNG")

// FormatError reports a file this package will not decode; image/png may
// still read it (it tolerates data after the image, for one), so callers
// fall back to it rather than show this error.
type FormatError string

func (e FormatError) Error() string { return "pngdec: " + string(e) }

// PNG colour types (spec, section 6.1) at bit depth 8, with the bytes per
// pixel each takes.
const (
	ctGrey      = 0
	ctRGB       = 2
	ctPalette   = 3
	ctGreyAlpha = 4
	ctRGBA      = 6
)

var bytesPerPixel = [7]int{ctGrey: 1, ctRGB: 3, ctPalette: 1, ctGreyAlpha: 2, ctRGBA: 4}

// Chunk order, as image/png enforces it.
const (
	stStart = iota
	stIHDR
	stPLTE
	stTRNS
	stIDAT
	stIEND
)

const signature = "\x89PNG\r\n\x1a\n"

// header is what the chunks before the pixels say.
type header struct {
	w, h, ct    int
	palette     color.Palette // for ctPalette: len is the PLTE's entries, cap 256
	transparent [6]byte       // the tRNS chunk of grey and RGB images
	useTRNS     bool
	zdata       []byte // the zlib stream: the IDAT chunks' data, joined
	buf         []byte // memory for the pixels, if big enough
}

// Decode decodes an 8-bit, non-interlaced PNG held in data into the type
// image/png returns for it (*image.Gray, *image.RGBA, *image.NRGBA or
// *image.Paletted), refusing images of more than maxPixels pixels. It
// returns ErrUnsupported for other PNGs and a FormatError for files it
// finds wrong; either way image/png has the last word.
func Decode(data []byte, maxPixels int64) (image.Image, error) {
	return DecodeInto(data, maxPixels, nil)
}

// DecodeInto is Decode, storing the pixels in buf when it has the capacity
// (every byte of them is written, so it need not be cleared). A caller that
// is done with the image before it decodes the next can reuse one buffer.
func DecodeInto(data []byte, maxPixels int64, buf []byte) (image.Image, error) {
	hd, err := parse(data, maxPixels)
	if err != nil {
		return nil, err
	}
	hd.buf = buf
	return hd.pixels()
}

// parse reads and checks every chunk up to IEND, as image/png does.
func parse(data []byte, maxPixels int64) (*header, error) {
	if len(data) < len(signature) || string(data[:len(signature)]) != signature {
		return nil, FormatError("not a PNG file")
	}
	hd := &header{}
	stage := stStart
	var idats [][]byte
	inIDAT := false // the last chunk was an IDAT
	rest := data[len(signature):]
	for stage != stIEND {
		if len(rest) < 12 {
			return nil, FormatError("truncated chunk")
		}
		n := binary.BigEndian.Uint32(rest)
		if n > 0x7fffffff || int64(n) > int64(len(rest)-12) {
			return nil, FormatError("bad chunk length")
		}
		kind, body := string(rest[4:8]), rest[8:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) {
			return nil, FormatError("invalid checksum")
		}
		rest = rest[12+n:]
		if kind == "IDAT" && stage == stIDAT {
			// Consecutive IDATs continue the stream; image/png skips any
			// after another chunk, so a file with such is left to it.
			if !inIDAT {
				return nil, FormatError("IDAT after other chunks")
			}
			idats = append(idats, body)
			continue
		}
		inIDAT = kind == "IDAT"
		var err error
		switch kind {
		case "IHDR":
			if stage != stStart {
				return nil, FormatError("chunk out of order")
			}
			stage = stIHDR
			err = hd.parseIHDR(body, maxPixels)
		case "PLTE":
			if stage != stIHDR {
				return nil, FormatError("chunk out of order")
			}
			stage = stPLTE
			err = hd.parsePLTE(body)
		case "tRNS":
			switch {
			case hd.ct == ctPalette && stage != stPLTE,
				hd.ct == ctRGB && stage != stIHDR && stage != stPLTE,
				hd.ct != ctPalette && hd.ct != ctRGB && stage != stIHDR:
				return nil, FormatError("chunk out of order")
			}
			stage = stTRNS
			err = hd.parseTRNS(body)
		case "IDAT":
			if stage < stIHDR || (stage == stIHDR && hd.ct == ctPalette) {
				return nil, FormatError("chunk out of order")
			}
			stage = stIDAT
			idats = append(idats, body)
		case "IEND":
			if stage != stIDAT {
				return nil, FormatError("chunk out of order")
			}
			if n != 0 {
				return nil, FormatError("bad IEND length")
			}
			stage = stIEND
		}
		if err != nil {
			return nil, err
		}
	}
	hd.zdata = join(idats)
	return hd, nil
}

// join returns the IDAT chunks' data as one slice, without copying the
// common case of a single chunk.
func join(chunks [][]byte) []byte {
	if len(chunks) == 1 {
		return chunks[0]
	}
	return bytes.Join(chunks, nil)
}

func (hd *header) parseIHDR(b []byte, maxPixels int64) error {
	if len(b) != 13 {
		return FormatError("bad IHDR length")
	}
	w, h := int32(binary.BigEndian.Uint32(b[0:])), int32(binary.BigEndian.Uint32(b[4:]))
	depth, ct, compression, filter, interlace := b[8], b[9], b[10], b[11], b[12]
	switch {
	case compression != 0 || filter != 0 || interlace > 1:
		return FormatError("bad IHDR")
	case w <= 0 || h <= 0:
		return FormatError("non-positive dimension")
	case int64(w)*int64(h) > maxPixels:
		return FormatError(fmt.Sprintf("%dx%d is more than %d pixels", w, h, maxPixels))
	case depth != 8 || interlace != 0:
		return ErrUnsupported
	case int(ct) >= len(bytesPerPixel) || bytesPerPixel[ct] == 0:
		return FormatError(fmt.Sprintf("bit depth 8, colour type %d", ct))
	}
	hd.w, hd.h, hd.ct = int(w), int(h), int(ct)
	return nil
}

func (hd *header) parsePLTE(b []byte) error {
	np := len(b) / 3
	if len(b)%3 != 0 || np == 0 || np > 256 {
		return FormatError("bad PLTE length")
	}
	switch hd.ct {
	case ctPalette:
		// As image/png: 256 entries, opaque black past the PLTE's, so
		// that pixels indexing past it can extend the palette.
		hd.palette = make(color.Palette, 256)
		for i := range hd.palette {
			hd.palette[i] = color.RGBA{A: 0xff}
		}
		for i := range np {
			hd.palette[i] = color.RGBA{b[3*i], b[3*i+1], b[3*i+2], 0xff}
		}
		hd.palette = hd.palette[:np]
	case ctRGB, ctRGBA: // a suggested palette, unused
	default:
		return FormatError("PLTE, colour type mismatch")
	}
	return nil
}

func (hd *header) parseTRNS(b []byte) error {
	switch hd.ct {
	case ctGrey:
		if len(b) != 2 {
			return FormatError("bad tRNS length")
		}
	case ctRGB:
		if len(b) != 6 {
			return FormatError("bad tRNS length")
		}
	case ctPalette:
		if len(b) > 256 {
			return FormatError("bad tRNS length")
		}
		if len(hd.palette) < len(b) {
			hd.palette = hd.palette[:len(b)]
		}
		for i, a := range b {
			c := hd.palette[i].(color.RGBA)
			hd.palette[i] = color.NRGBA{c.R, c.G, c.B, a}
		}
		return nil
	default:
		return FormatError("tRNS, colour type mismatch")
	}
	copy(hd.transparent[:], b)
	hd.useTRNS = true
	return nil
}

// blockBytes is about how much filtered data is inflated at a time: rows
// are unfiltered while still in cache, and a 40-megapixel upload needs no
// second copy of itself.
const blockBytes = 32 << 10

// scratch is what a decode needs besides the image: an inflater, with its
// 32 KiB window and Huffman tables, and the row buffers. A web server
// decodes an upload per request, and making these afresh cost a tenth of
// the decode, most of it clearing memory.
type scratch struct {
	src          bytes.Reader
	fr           io.ReadCloser
	block, above []byte
}

var scratchPool sync.Pool

// keepBytes bounds the row buffers kept for reuse: a rare huge image should
// not pin its buffers for good.
const keepBytes = 1 << 20

func getScratch(z []byte) *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
		s.src.Reset(z)
		s.fr = flate.NewReader(&s.src)
		return s
	}
	s.src.Reset(z)
	if err := s.fr.(flate.Resetter).Reset(&s.src, nil); err != nil {
		// It cannot fail today (it only clears state); if it ever does,
		// a fresh inflater is as good.
		s.fr = flate.NewReader(&s.src)
	}
	return s
}

func putScratch(s *scratch) {
	if cap(s.block) > keepBytes {
		s.block = nil
	}
	if cap(s.above) > keepBytes {
		s.above = nil
	}
	s.src.Reset(nil)
	scratchPool.Put(s)
}

// buffer returns (*b)[:n], growing *b if needed.
func (s *scratch) buffer(b *[]byte, n int) []byte {
	if cap(*b) < n {
		*b = make([]byte, n)
	}
	return (*b)[:n]
}

// pixels inflates and unfilters the image data into the image.
func (hd *header) pixels() (image.Image, error) {
	z := hd.zdata
	// The zlib header (RFC 1950): deflate, a window of at most 32 KiB, a
	// valid check, and no preset dictionary.
	if len(z) < 2 || z[0]&0x0f != 8 || z[0]>>4 > 7 || binary.BigEndian.Uint16(z)%31 != 0 || z[1]&0x20 != 0 {
		return nil, FormatError("bad zlib header")
	}
	s := getScratch(z[2:])
	defer putScratch(s)

	w, h, bpp := hd.w, hd.h, bytesPerPixel[hd.ct]
	rowLen := w * bpp
	put, img := hd.output()
	k := min(h, max(1, blockBytes/(rowLen+1)))
	block := s.buffer(&s.block, k*(rowLen+1))
	// above holds the row above the block: zeros for the first, then the
	// previous block's last row, which the next read overwrites.
	above := s.buffer(&s.above, rowLen)
	clear(above)
	prev := above
	for y := 0; y < h; y += k {
		n := min(k, h-y)
		if _, err := io.ReadFull(s.fr, block[:n*(rowLen+1)]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, FormatError("not enough pixel data")
			}
			return nil, FormatError(err.Error())
		}
		for r := 0; r < n; r++ {
			row := block[r*(rowLen+1) : (r+1)*(rowLen+1)]
			cur := row[1:]
			if row[0] == ftPaeth && r+1 < n && block[(r+1)*(rowLen+1)] == ftPaeth {
				// Two Paeth rows in a row (most of a photo or an
				// anti-aliased drawing) run interleaved.
				next := block[(r+1)*(rowLen+1)+1 : (r+2)*(rowLen+1)]
				paethPair(cur, next, prev, bpp)
				put(y+r, cur)
				r++
				cur = next
			} else if !unfilter(row[0], cur, prev, bpp) {
				return nil, FormatError("bad filter type")
			}
			put(y+r, cur)
			prev = cur
		}
		copy(above, prev)
		prev = above
	}
	// The stream must end here, followed by its 4-byte Adler-32 (left
	// unchecked: the chunk CRCs cover the same bytes).
	if n, err := s.fr.Read(block[:1]); n != 0 || err != io.EOF {
		return nil, FormatError("too much pixel data")
	}
	if s.src.Len() != 4 {
		return nil, FormatError("data after the zlib stream")
	}
	if p, ok := img.(*image.Paletted); ok {
		extendPalette(p)
	}
	return img, nil
}

// output makes the image image/png would return and a function storing
// one unfiltered row y of it.
func (hd *header) output() (put func(y int, row []byte), img image.Image) {
	r := image.Rect(0, 0, hd.w, hd.h)
	// pix returns the pixel memory of an image of b bytes per pixel.
	pix := func(b int) []byte {
		if n := b * hd.w * hd.h; cap(hd.buf) >= n {
			return hd.buf[:n]
		}
		return make([]byte, b*hd.w*hd.h)
	}
	newNRGBA := func() *image.NRGBA { return &image.NRGBA{Pix: pix(4), Stride: 4 * hd.w, Rect: r} }
	switch {
	case hd.ct == ctGrey && !hd.useTRNS:
		m := &image.Gray{Pix: pix(1), Stride: hd.w, Rect: r}
		return func(y int, row []byte) { copy(m.Pix[y*m.Stride:], row) }, m
	case hd.ct == ctGrey:
		m := newNRGBA()
		t := hd.transparent[1] // image/png compares the low byte only
		return func(y int, row []byte) {
			pix := m.Pix[y*m.Stride : y*m.Stride+4*len(row)]
			for x, v := range row {
				a := uint32(0xff)
				if v == t {
					a = 0
				}
				binary.LittleEndian.PutUint32(pix[4*x:], uint32(v)*0x010101|a<<24)
			}
		}, m
	case hd.ct == ctGreyAlpha:
		m := newNRGBA()
		return func(y int, row []byte) {
			pix := m.Pix[y*m.Stride : y*m.Stride+2*len(row)]
			for x := 0; x+2 <= len(row); x += 2 {
				binary.LittleEndian.PutUint32(pix[2*x:], uint32(row[x])*0x010101|uint32(row[x+1])<<24)
			}
		}, m
	case hd.ct == ctRGB && !hd.useTRNS:
		m := &image.RGBA{Pix: pix(4), Stride: 4 * hd.w, Rect: r}
		return func(y int, row []byte) { rgbToRGBA(m.Pix[y*m.Stride:], row) }, m
	case hd.ct == ctRGB:
		m := newNRGBA()
		tr, tg, tb := hd.transparent[1], hd.transparent[3], hd.transparent[5]
		return func(y int, row []byte) {
			pix := m.Pix[y*m.Stride : y*m.Stride+len(row)/3*4]
			for x, j := 0, 0; j+3 <= len(row); x, j = x+4, j+3 {
				p := row[j : j+3 : j+3]
				a := uint32(0xff)
				if p[0] == tr && p[1] == tg && p[2] == tb {
					a = 0
				}
				binary.LittleEndian.PutUint32(pix[x:], uint32(p[0])|uint32(p[1])<<8|uint32(p[2])<<16|a<<24)
			}
		}, m
	case hd.ct == ctPalette:
		m := &image.Paletted{Pix: pix(1), Stride: hd.w, Rect: r, Palette: hd.palette}
		return func(y int, row []byte) { copy(m.Pix[y*m.Stride:], row) }, m
	default: // ctRGBA
		m := newNRGBA()
		return func(y int, row []byte) { copy(m.Pix[y*m.Stride:], row) }, m
	}
}

// extendPalette lengthens p's palette, as image/png does, to cover the
// largest index used; the entries past the PLTE's are opaque black.
func extendPalette(p *image.Paletted) {
	if len(p.Palette) == 256 {
		return
	}
	var top uint8
	for _, i := range p.Pix {
		top = max(top, i)
	}
	if int(top) >= len(p.Palette) {
		p.Palette = p.Palette[:int(top)+1]
	}
}

// rgbToRGBAGo writes the RGB pixels of row as opaque RGBA into dst. (Moving
// four bytes at a time, overwriting the fourth with the alpha, measured no
// faster.)
func rgbToRGBAGo(dst, row []byte) {
	n := len(row) / 3
	dst = dst[:4*n]
	for x := range n {
		p := row[3*x : 3*x+3 : 3*x+3]
		binary.LittleEndian.PutUint32(dst[4*x:], uint32(p[0])|uint32(p[1])<<8|uint32(p[2])<<16|0xff<<24)
	}
}
