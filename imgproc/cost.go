// Step DecodeCost: how much memory reading a file will take, known from its
// header before any pixel is decoded.

package imgproc

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
)

// DecodeCost returns the most memory, in bytes, that DecodeSegment takes to
// read data, from the file's header alone: its copy of the file, the
// decoder's own buffers, the decoded image and the working planes. A
// server admits an upload only when its cost fits the memory it has left.
//
// Decoders need far more than the pixels for some small files, and the
// cost counts it: a TIFF strip is inflated whole into a buffer that may
// grow to three times the strip's largest size (8 bytes per pixel,
// whatever the file says); a progressive JPEG keeps a 4-byte coefficient
// per sample until the last scan; 16-bit PNG and TIFF decode to 8 bytes per
// pixel; an interlaced PNG or GIF is decoded twice over; a JPEG that EXIF
// says to turn is copied twice more.
//
// It returns the error DecodeSegment would give for a file that is empty,
// over lim, not an image it reads or damaged in its header.
func DecodeCost(data []byte, lim Limits) (int64, error) {
	lim = lim.orDefault()
	if err := checkSize(data, true, lim); err != nil {
		return 0, err
	}
	if f := sniff(data); f.unsupported {
		return 0, unsupported(f)
	}
	cfg, format, err := checkHeader(data, lim)
	if err != nil {
		return 0, err
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	px := w * h
	var dec int64
	switch format {
	case "png":
		dec = pngCost(data, w, h)
	case "jpeg":
		dec = jpegCost(data, w, h)
	case "gif":
		dec = 2 * px // the frame, and its copy when interlaced
	case "bmp":
		dec = 4*px + 4*w
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			dec = px + 4*w
		}
	case "tiff":
		dec = tiffCost(data, cfg)
	case "webp":
		dec = webpCost(data, w, h)
	default:
		dec = 8 * px
	}
	// readFile grows its copy of the file by append: the old and the new
	// array are both live at the last step.
	file := int64(len(data)) * 9 / 4
	return file + dec + workingCost(w, h), nil
}

// workingCost bounds the planes the preparation steps hold at once: eight
// float32 planes at the working resolution (lumaPlane's averaging keeps the
// longest side at most workingSide), and a megabyte for the rest.
func workingCost(w, h int64) int64 {
	f := max(1, (max(w, h)+workingSide-1)/workingSide)
	ww, wh := (w+f-1)/f, (h+f-1)/f
	return 8*4*ww*wh + 1<<20
}

// pngCost is the image image/png (or the fast path, which decodes to the
// same types) returns, twice for Adam7 (each pass is decoded into an image
// of its own, then copied), and two rows.
func pngCost(data []byte, w, h int64) int64 {
	if len(data) < 33 {
		return 8 * w * h
	}
	depth, ctype, interlaced := data[24], data[25], data[28] != 0
	trns := false
	// Chunks before the pixel data: a tRNS chunk turns grey or RGB into
	// NRGBA.
	for off := 8; off+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		if typ == "IDAT" || n < 0 || n > len(data) {
			break
		}
		trns = trns || typ == "tRNS"
		off += 12 + n
	}
	var bpp int64
	switch {
	case ctype == 3: // palette
		bpp = 1
	case ctype == 0 && depth == 16:
		bpp = 2
		if trns {
			bpp = 8
		}
	case ctype == 0:
		bpp = 1
		if trns {
			bpp = 4
		}
	case depth == 16:
		bpp = 8
	default:
		bpp = 4
	}
	img := bpp * w * h
	if interlaced {
		img *= 2
	}
	return img + 2*(8*w+1)
}

// jpegCost is what image/jpeg holds: every component's plane padded to
// whole blocks, a 256-byte coefficient block per 8x8 block when the file is
// progressive, an RGBA copy for RGB and CMYK files, and the two RGBA copies
// of orient for an EXIF orientation other than upright.
func jpegCost(data []byte, w, h int64) int64 {
	sof, ok := jpegFrame(data)
	if !ok {
		return 16 * w * h // a header DecodeConfig read but we cannot: assume the worst
	}
	// image/jpeg counts MCUs by the first component's sampling factors.
	h0, v0 := max(1, sof.comps[0].h), max(1, sof.comps[0].v)
	mxx, myy := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0)
	var planes int64
	for _, c := range sof.comps {
		planes += 64 * c.h * c.v * mxx * myy
	}
	cost := planes
	if sof.progressive {
		cost += 4 * planes
	}
	if n := len(sof.comps); n == 4 || n == 3 && sof.rgb {
		cost += 4 * w * h
	}
	if exifOrientation(data) > 1 {
		if len(sof.comps) == 1 {
			cost += w * h
		} else {
			cost += 8 * w * h
		}
	}
	return cost
}

type jpegComp struct{ h, v int64 }

type jpegSOF struct {
	progressive bool
	rgb         bool // stored as RGB, which image/jpeg converts to RGBA
	comps       []jpegComp
}

// jpegFrame walks the markers up to the frame header (ITU T.81 B.2.2).
func jpegFrame(data []byte) (jpegSOF, bool) {
	var sof jpegSOF
	jfif, adobe, adobeTransform := false, false, byte(0)
	for off := 2; off+4 <= len(data); {
		if data[off] != 0xff {
			return sof, false
		}
		m := data[off+1]
		if m == 0xff { // fill byte
			off++
			continue
		}
		if m == 0xd8 || m == 0x01 || m >= 0xd0 && m <= 0xd7 { // no length
			off += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[off+2:]))
		if n < 2 || off+2+n > len(data) {
			return sof, false
		}
		seg := data[off+4 : off+2+n]
		switch {
		case m == 0xe0 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
			jfif = true
		case m == 0xee && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")):
			adobe, adobeTransform = true, seg[11]
		case m == 0xc0 || m == 0xc1 || m == 0xc2:
			if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) {
				return sof, false
			}
			sof.progressive = m == 0xc2
			nc := int(seg[5])
			if nc == 0 {
				return sof, false
			}
			ids := make([]byte, nc)
			for i := range nc {
				c := seg[6+3*i:]
				ids[i] = c[0]
				comp := jpegComp{h: int64(c[1] >> 4), v: int64(c[1] & 15)}
				if nc == 1 { // one component is never interleaved (A.2)
					comp = jpegComp{1, 1}
				}
				sof.comps = append(sof.comps, comp)
			}
			sof.rgb = !jfif && (adobe && adobeTransform == 0 || nc == 3 && string(ids) == "RGB")
			return sof, true
		}
		off += 2 + n
	}
	return sof, false
}

// tiffCost is golang.org/x/image/tiff's decoded image, its copy of the
// file (it reads through a buffer that doubles), and for compressed files
// the buffer each strip or tile is inflated into: read through a
// bytes.Buffer limited to 8 bytes per pixel of the block, which doubles as
// it grows, so up to three times that while the last copy is made.
func tiffCost(data []byte, cfg image.Config) int64 {
	w, h := int64(cfg.Width), int64(cfg.Height)
	var bpp int64 = 8
	switch cfg.ColorModel {
	case color.GrayModel:
		bpp = 1
	case color.Gray16Model:
		bpp = 2
	case color.RGBAModel, color.NRGBAModel:
		bpp = 4
	default:
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			bpp = 1
		}
	}
	cost := bpp*w*h + 3*int64(len(data))
	tags := tiffTags(data, 259, 278, 322, 323)
	compression, rows, tileW, tileH := tags[0], tags[1], tags[2], tags[3]
	blockW, blockH := w, h
	if tileW > 0 && tileH > 0 {
		blockW, blockH = min(tileW, w+16), min(tileH, h+16)
	} else if rows > 0 && rows < h {
		blockH = rows
	}
	if compression > 1 {
		cost += 3 * 8 * blockW * blockH
	}
	return cost
}

// tiffTags returns the values of the given one-value SHORT or LONG tags of
// the first IFD, 0 for a tag that is absent (TIFF 6.0, section 2).
func tiffTags(data []byte, tags ...uint16) []int64 {
	out := make([]int64, len(tags))
	if len(data) < 8 {
		return out
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	off := int64(bo.Uint32(data[4:]))
	if off+2 > int64(len(data)) {
		return out
	}
	n := int64(bo.Uint16(data[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > int64(len(data)) {
			break
		}
		tag, typ, count := bo.Uint16(data[e:]), bo.Uint16(data[e+2:]), bo.Uint32(data[e+4:])
		if count != 1 {
			continue
		}
		var v int64
		switch typ {
		case 3: // SHORT
			v = int64(bo.Uint16(data[e+8:]))
		case 4: // LONG
			v = int64(bo.Uint32(data[e+8:]))
		default:
			continue
		}
		for j, t := range tags {
			if t == tag {
				out[j] = v
			}
		}
	}
	return out
}

// webpCost is golang.org/x/image/webp's image: lossy files decode to 4:2:0
// YCbCr in whole macroblocks (plus an alpha plane, and the partitions'
// copy of the file); lossless ones to NRGBA, which a colour-indexing
// transform copies once more.
func webpCost(data []byte, w, h int64) int64 {
	if len(data) >= 16 && string(data[12:16]) == "VP8 " {
		mw, mh := (w+15)/16*16, (h+15)/16*16
		return mw*mh*3/2 + int64(len(data))
	}
	return 8*w*h + int64(len(data)) // VP8L, or VP8X with alpha or lossless inside
}
