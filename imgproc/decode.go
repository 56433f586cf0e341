package imgproc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // first frame of GIFs
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"digitnet/imgproc/internal/pngdec"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Sentinel errors; the errors returned wrap one of them, so test with errors.Is.
var (
	// ErrEmpty is returned for an empty file or an image with no pixels.
	ErrEmpty = errors.New("imgproc: empty image")
	// ErrTooLarge is returned for files or pixel counts beyond the Limits.
	ErrTooLarge = errors.New("imgproc: image too large")
	// ErrUnsupported is returned for files that are not PNG, JPEG, GIF, BMP,
	// TIFF or WebP; the message names what was found.
	ErrUnsupported = errors.New("imgproc: unsupported format")
	// ErrCorrupt is returned when a supported format fails to decode.
	ErrCorrupt = errors.New("imgproc: corrupt image")
	// ErrNoInk is returned by Preprocess and Segment for blank images.
	ErrNoInk = errors.New("imgproc: no ink found")
)

// Limits bounds what Decode accepts, against decompression bombs.
type Limits struct {
	// MaxBytes is the largest file read; 0 means DefaultLimits.MaxBytes.
	MaxBytes int64
	// MaxPixels is the largest width*height decoded, checked from the
	// header before any pixel is decoded; 0 means DefaultLimits.MaxPixels.
	MaxPixels int64
}

// DefaultLimits accepts a 20 MB file of up to 40 megapixels (a 12 MP phone
// photo is about 5 MB and 48 MB of RGBA).
var DefaultLimits = Limits{MaxBytes: 20 << 20, MaxPixels: 40_000_000}

// Decode reads one image: PNG, JPEG (rotated and flipped as its EXIF
// Orientation tag says), GIF (first frame), BMP, TIFF or WebP. It returns
// the image and the format name as registered with package image ("png",
// "jpeg", "gif", "bmp", "tiff", "webp").
func Decode(r io.Reader, lim Limits) (image.Image, string, error) {
	lim = lim.orDefault()
	data, err := readFile(r, lim, nil)
	if err != nil {
		return nil, "", err
	}
	return decode(data, lim, nil)
}

func (lim Limits) orDefault() Limits {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = DefaultLimits.MaxPixels
	}
	return lim
}

// readFile reads all of r, up to lim.MaxBytes, as io.ReadAll does but
// into buf's memory.
func readFile(r io.Reader, lim Limits, buf []byte) ([]byte, error) {
	if buf == nil {
		buf = make([]byte, 0, 512)
	}
	data, lr := buf[:0], io.LimitReader(r, lim.MaxBytes+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("imgproc: reading image: %w", err)
		}
	}
	if err := checkSize(data, false, lim); err != nil {
		return nil, err
	}
	return data, nil
}

// checkSize refuses an empty file or one over lim.MaxBytes. data is the
// whole file, or when whole is false its first bytes, up to
// lim.MaxBytes+1.
func checkSize(data []byte, whole bool, lim Limits) error {
	n := int64(len(data))
	switch {
	case n == 0:
		return &problem{kind: ErrEmpty, msg: "The file is empty"}
	case n > lim.MaxBytes && whole:
		return &problem{kind: ErrTooLarge, msg: fmt.Sprintf("The file is %s; the limit is %s — send a smaller image", FormatBytes(n), FormatBytes(lim.MaxBytes))}
	case n > lim.MaxBytes:
		return &problem{kind: ErrTooLarge, msg: fmt.Sprintf("The file is larger than %s, the limit — send a smaller image", FormatBytes(lim.MaxBytes))}
	}
	return nil
}

// checkHeader reads the image's header and refuses an image that has no
// pixels or more than lim.MaxPixels, before any pixel is decoded.
func checkHeader(data []byte, lim Limits) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, format, damaged(sniff(data).name, "its header cannot be read", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, format, &problem{kind: ErrEmpty, msg: fmt.Sprintf("The image has no pixels (%s of %d × %d)", sniff(data).name, cfg.Width, cfg.Height)}
	}
	if err := checkPixels(cfg.Width, cfg.Height, lim); err != nil {
		return cfg, format, err
	}
	return cfg, format, nil
}

func checkPixels(w, h int, lim Limits) error {
	if px := int64(w) * int64(h); px > lim.MaxPixels {
		return &problem{kind: ErrTooLarge, msg: fmt.Sprintf("The image is %d × %d pixels (%s); the limit is %s — scale it down",
			w, h, megapixels(px), megapixels(lim.MaxPixels))}
	}
	return nil
}

func megapixels(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + " MP"
}

func damaged(format, what string, err error) error {
	return &problem{kind: ErrCorrupt, cause: err,
		msg: fmt.Sprintf("This %s file is damaged: %s (%v); save it again or send another image", format, what, err)}
}

// problem is a decoding error said for the person who sent the file: its
// text says what is wrong and what to do. errors.Is finds its kind (one of
// the sentinel errors) and its cause.
type problem struct {
	kind  error
	msg   string
	cause error
}

func (e *problem) Error() string { return e.msg }

func (e *problem) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// FormatBytes says a size in bytes as people read it: "20 MB", "1.5 GB",
// "512 KB", in powers of 1024.
func FormatBytes(n int64) string {
	units := []string{"bytes", "KB", "MB", "GB", "TB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	if v >= 100 || v == math.Trunc(v) {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + " " + units[i]
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// decode decodes the file data, putting a PNG's pixels in pix's memory
// when it is large enough.
func decode(data []byte, lim Limits, pix []byte) (image.Image, string, error) {
	f := sniff(data)
	if f.unsupported {
		return nil, "", unsupported(f)
	}
	if f.name == "PNG" {
		// Most uploads are 8-bit PNGs, which the fast path decodes to
		// what image/png would; anything else, including every broken
		// file, goes to image/png below, which explains the problem.
		if img, err := pngdec.DecodeInto(data, lim.MaxPixels, pix); err == nil {
			return img, "png", nil
		}
	}
	_, format, err := checkHeader(data, lim)
	if err != nil {
		return nil, format, err
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, format, damaged(sniff(data).name, "it cannot be decoded", err)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, format, &problem{kind: ErrEmpty, msg: fmt.Sprintf("The image has no pixels (%s decoded to %d × %d)", sniff(data).name, b.Dx(), b.Dy())}
	}
	// A decoder that disagrees with its own header is not trusted further.
	if err := checkPixels(b.Dx(), b.Dy(), lim); err != nil {
		return nil, format, err
	}
	if format == "jpeg" {
		if o := exifOrientation(data); o > 1 {
			img = orient(img, o)
		}
	}
	if p, ok := img.(*image.Paletted); ok {
		padPalette(p)
	}
	return img, format, nil
}

// padPalette extends p's palette with opaque black up to its largest pixel
// index. Some decoders (x/image/tiff) return pixels indexing past the
// palette of a malformed file, and image.Paletted.At then panics in the
// caller (see github.com/golang/go issue tracker and buckket/go-blurhash#5).
// PNG's decoder pads the same way.
func padPalette(p *image.Paletted) {
	var top uint8
	for _, i := range p.Pix {
		top = max(top, i)
	}
	for len(p.Palette) <= int(top) {
		p.Palette = append(p.Palette, color.RGBA{A: 0xff})
	}
}

// unsupported says that f is not an image digitnet reads, and what it
// looks like.
func unsupported(f fileKind) error {
	return &problem{kind: ErrUnsupported,
		msg: fmt.Sprintf("This is not an image digitnet can read (it looks like %s); send PNG, JPEG, GIF, BMP, TIFF or WebP", f.name)}
}

// fileKind is what the first bytes of a file say it is.
type fileKind struct {
	name        string
	unsupported bool // known not to be decodable here
}

// sniff names the format of data from its first bytes, so that a rejected
// upload gets a message saying what it was (a PDF, a HEIC photo, text).
func sniff(data []byte) fileKind {
	has := func(off int, magic string) bool {
		return len(data) >= off+len(magic) && string(data[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\x89PNG\r\n\x1a\n"):
		return fileKind{name: "PNG"}
	case has(0, "\xff\xd8\xff"):
		return fileKind{name: "JPEG"}
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return fileKind{name: "GIF"}
	case has(0, "BM"):
		return fileKind{name: "BMP"}
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return fileKind{name: "TIFF"}
	case has(0, "RIFF") && has(8, "WEBP"):
		return fileKind{name: "WebP"}
	}
	un := func(name string) fileKind { return fileKind{name: name, unsupported: true} }
	switch {
	case has(0, "%PDF"):
		return un("PDF")
	case has(4, "ftypheic"), has(4, "ftypheix"), has(4, "ftyphevc"), has(4, "ftypmif1"), has(4, "ftypmsf1"):
		return un("HEIC")
	case has(4, "ftypavif"), has(4, "ftypavis"):
		return un("AVIF")
	case has(4, "ftyp"):
		return un("ISO media (MP4/MOV)")
	case has(0, "\x00\x00\x00\x0cjP  "), has(0, "\xff\x4f\xff\x51"):
		return un("JPEG 2000")
	case has(0, "\xff\x0a"), has(0, "\x00\x00\x00\x0cJXL "):
		return un("JPEG XL")
	case has(0, "8BPS"):
		return un("PSD")
	case has(0, "\x00\x00\x01\x00"):
		return un("ICO")
	case has(0, "PK\x03\x04"):
		return un("ZIP")
	case has(0, "\x1f\x8b"):
		return un("gzip")
	case has(0, "qoif"):
		return un("QOI")
	}
	head := data[:min(len(data), 512)]
	if looksText(head) {
		t := strings.ToLower(strings.TrimSpace(string(head)))
		switch {
		case strings.Contains(t, "<svg"):
			return un("SVG")
		case strings.HasPrefix(t, "<!doctype html"), strings.HasPrefix(t, "<html"):
			return un("HTML")
		case strings.HasPrefix(t, "data:image/"):
			return un("text (a data: URL; send the decoded bytes)")
		}
		return un("text")
	}
	return un(fmt.Sprintf("unknown (first bytes % x)", data[:min(len(data), 8)]))
}

// looksText reports whether b is printable UTF-8 (a cut rune at the end is
// allowed, since b may be a prefix).
func looksText(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			return false
		}
		b = b[n:]
	}
	return true
}

// orient returns img turned upright as the EXIF orientation o (2..8) says.
// See the TIFF/EXIF spec (CIPA DC-008, tag 0x0112): o tells where the
// stored 0th row and column are, so displaying needs the inverse transform:
// 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
// 7 transverse, 8 rotate 90 counter-clockwise.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// src maps a destination pixel to the stored pixel it shows.
	src := func(x, y int) (int, int) {
		switch o {
		case 2:
			return w - 1 - x, y
		case 3:
			return w - 1 - x, h - 1 - y
		case 4:
			return x, h - 1 - y
		case 5:
			return y, x
		case 6:
			return y, h - 1 - x
		case 7:
			return w - 1 - y, h - 1 - x
		default: // 8
			return w - 1 - y, x
		}
	}
	if g, ok := img.(*image.Gray); ok {
		dst := image.NewGray(image.Rect(0, 0, dw, dh))
		for y := range dh {
			row := dst.Pix[y*dst.Stride : y*dst.Stride+dw]
			for x := range row {
				sx, sy := src(x, y)
				row[x] = g.Pix[sy*g.Stride+sx]
			}
		}
		return dst
	}
	// Convert once with image/draw's fast paths (YCbCr, CMYK, ...), then
	// move 4-byte pixels.
	rgba, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		rgba = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for x := range dw {
			sx, sy := src(x, y)
			copy(row[4*x:4*x+4], rgba.Pix[sy*rgba.Stride+4*sx:])
		}
	}
	return dst
}
