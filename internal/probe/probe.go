// Package probe writes the hostile images of issue 14's memory probe: small
// files within the pixel limit that decode to huge buffers. Tests and
// bench/memory.sh use them to check that the server counts what decoding
// really costs.
//
// Each file is written in a streaming way, so making a 40-megapixel probe
// takes a few hundred kilobytes of memory, not the gigabyte it decodes to.
package probe

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// zeros writes n zero bytes to w.
func zeros(w io.Writer, n int64) error {
	buf := make([]byte, 64<<10)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// deflateZeros returns n zero bytes compressed with zlib at its best ratio
// (about 1000:1).
func deflateZeros(n int64) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	zeros(zw, n)
	zw.Close()
	return b.Bytes()
}

// TIFFDeflateBomb returns a w x h TIFF of 16-bit RGBA pixels (8 bytes per
// pixel) stored as one deflate-compressed strip of zeros: a 40-megapixel
// one is about 310 KB and inflates to 320 MB, which golang.org/x/image/tiff
// holds besides the 320 MB image it decodes into.
func TIFFDeflateBomb(w, h int) []byte {
	strip := deflateZeros(int64(w) * int64(h) * 8)
	le := binary.LittleEndian
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32
	}
	const short, long = 3, 4
	const nEntries = 10
	ifdOff := uint32(8)
	bpsOff := ifdOff + 2 + nEntries*12 + 4 // four BitsPerSample values
	stripOff := bpsOff + 8
	entries := []entry{
		{256, long, 1, uint32(w)},          // ImageWidth
		{257, long, 1, uint32(h)},          // ImageLength
		{258, short, 4, bpsOff},            // BitsPerSample 16,16,16,16
		{259, short, 1, 8},                 // Compression: deflate
		{262, short, 1, 2},                 // PhotometricInterpretation: RGB
		{273, long, 1, stripOff},           // StripOffsets
		{277, short, 1, 4},                 // SamplesPerPixel
		{278, long, 1, uint32(h)},          // RowsPerStrip: one strip
		{279, long, 1, uint32(len(strip))}, // StripByteCounts
		{338, short, 1, 2},                 // ExtraSamples: unassociated alpha
	}
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, ifdOff)
	binary.Write(&b, le, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, le, e.tag)
		binary.Write(&b, le, e.typ)
		binary.Write(&b, le, e.count)
		if e.typ == short && e.count == 1 {
			binary.Write(&b, le, uint16(e.value))
			binary.Write(&b, le, uint16(0))
		} else {
			binary.Write(&b, le, e.value)
		}
	}
	binary.Write(&b, le, uint32(0)) // no next IFD
	for range 4 {
		binary.Write(&b, le, uint16(16))
	}
	b.Write(strip)
	return b.Bytes()
}

// PNG16 returns a w x h 16-bit RGB PNG of black pixels: image/png decodes
// it into 8 bytes per pixel (320 MB for 40 megapixels) from about 230 KB.
func PNG16(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		io.WriteString(crc, typ)
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 2 // 16 bits per sample, RGB
	chunk("IHDR", ihdr)
	// Each row is a filter byte (0: none) and 6 bytes per pixel, all zero.
	chunk("IDAT", deflateZeros(int64(h)*(int64(w)*6+1)))
	chunk("IEND", nil)
	return b.Bytes()
}

// ProgressiveJPEG returns a w x h progressive JPEG of one grey level with
// three components, 4:4:4 (or 4:2:0 when subsampled), holding only the DC
// scan. image/jpeg keeps a 256-byte coefficient block for every 8x8 block
// of every component of a progressive image until the end: for 40
// megapixels at 4:4:4 that is 480 MB beside the 120 MB image, from a file
// of about 230 KB.
func ProgressiveJPEG(w, h int, subsampled bool) []byte {
	var b bytes.Buffer
	seg := func(marker byte, data []byte) {
		b.Write([]byte{0xff, marker})
		binary.Write(&b, binary.BigEndian, uint16(len(data)+2))
		b.Write(data)
	}
	b.Write([]byte{0xff, 0xd8}) // SOI
	seg(0xe0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	dqt := make([]byte, 65)
	for i := 1; i < len(dqt); i++ {
		dqt[i] = 1
	}
	seg(0xdb, dqt)
	hv := byte(0x11)
	if subsampled {
		hv = 0x22
	}
	seg(0xc2, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3,
		1, hv, 0, 2, 0x11, 0, 3, 0x11, 0}) // SOF2: progressive
	// One DC Huffman table with a single 1-bit code, for category 0 (a DC
	// difference of zero): every block costs one bit.
	dht := make([]byte, 1+16+1)
	dht[1] = 1
	seg(0xc4, dht)
	seg(0xda, []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0}) // SOS: DC only
	mcuW, mcuH := 8, 8
	blocksPerMCU := 3
	if subsampled {
		mcuW, mcuH, blocksPerMCU = 16, 16, 6
	}
	mcus := int64((w+mcuW-1)/mcuW) * int64((h+mcuH-1)/mcuH)
	bits := mcus * int64(blocksPerMCU)
	zeros(&b, bits/8)
	if r := bits % 8; r != 0 {
		b.WriteByte(0xff >> r) // pad the last byte with 1-bits
	}
	b.Write([]byte{0xff, 0xd9}) // EOI
	return b.Bytes()
}
