package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"digitnet/internal/fixtures"
)

// quadrants returns a w x h image whose four quadrants have distinct greys
// (top-left 0, top-right 80, bottom-left 160, bottom-right 240), so any
// rotation or mirror is visible.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(0)
			if x >= w/2 {
				v += 80
			}
			if y >= h/2 {
				v += 160
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return img
}

// quadrantLevels returns the mean grey of each quadrant (TL, TR, BL, BR).
func quadrantLevels(img image.Image) [4]float64 {
	b := img.Bounds()
	var sum [4]float64
	var n [4]float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			q := 0
			if x-b.Min.X >= b.Dx()/2 {
				q++
			}
			if y-b.Min.Y >= b.Dy()/2 {
				q += 2
			}
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			sum[q] += float64(g.Y)
			n[q]++
		}
	}
	for i := range sum {
		sum[i] /= n[i]
	}
	return sum
}

func encode(t testing.TB, format string, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	case "gif":
		err = gif.Encode(&b, img, nil)
	case "bmp":
		err = bmp.Encode(&b, img)
	case "tiff":
		err = tiff.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeFormats(t *testing.T) {
	src := quadrants(40, 30)
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		t.Run(format, func(t *testing.T) {
			img, got, err := Decode(bytes.NewReader(encode(t, format, src)), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if got != format || img.Bounds().Size() != image.Pt(40, 30) {
				t.Errorf("got %s %v, want %s 40x30", got, img.Bounds(), format)
			}
			want := quadrantLevels(src)
			for i, v := range quadrantLevels(img) {
				if d := v - want[i]; d > 4 || d < -4 {
					t.Errorf("quadrant %d: %.1f, want %.1f", i, v, want[i])
				}
			}
		})
	}
	for _, name := range []string{"blue-purple-pink.lossy.webp", "gopher-doc.1bpp.lossless.webp"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			img, format, err := Decode(bytes.NewReader(b), DefaultLimits)
			if err != nil || format != "webp" || img.Bounds().Empty() {
				t.Errorf("got %v %q %v", img.Bounds(), format, err)
			}
		})
	}
}

// pngHeader returns a PNG signature and IHDR chunk for a w x h 8-bit grey
// image, with a correct CRC, and no pixel data.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	chunk := []byte("IHDR")
	chunk = binary.BigEndian.AppendUint32(chunk, w)
	chunk = binary.BigEndian.AppendUint32(chunk, h)
	chunk = append(chunk, 8, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

func TestDecodeBadInput(t *testing.T) {
	good := encode(t, "png", quadrants(40, 30))
	bmpZero := encode(t, "bmp", quadrants(2, 2))
	binary.LittleEndian.PutUint32(bmpZero[18:], 0) // width 0
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
		msg  string // part of the message
	}{
		{"empty", nil, DefaultLimits, ErrEmpty, "The file is empty"},
		{"text", []byte("hello, this is not an image\n"), DefaultLimits, ErrUnsupported, "text"},
		{"html", []byte("<!DOCTYPE html><html><body>x</body></html>"), DefaultLimits, ErrUnsupported, "HTML"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), DefaultLimits, ErrUnsupported, "SVG"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), DefaultLimits, ErrUnsupported, "PDF"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), DefaultLimits, ErrUnsupported, "HEIC"},
		{"binary", []byte{0x4a, 0x55, 0x00, 0x01, 0xfe, 0x80, 0x13, 0x37, 0x99}, DefaultLimits, ErrUnsupported, "unknown (first bytes 4a 55 00 01 fe 80 13 37)"},
		{"truncated png", good[:len(good)/2], DefaultLimits, ErrCorrupt, "This PNG file is damaged"},
		{"png header only", good[:30], DefaultLimits, ErrCorrupt, "This PNG file is damaged"},
		{"bomb 100000x100000", pngHeader(100000, 100000), DefaultLimits, ErrTooLarge, "100000 × 100000 pixels (10000 MP); the limit is 40 MP"},
		{"zero width png", pngHeader(0, 10), DefaultLimits, ErrCorrupt, "This PNG file is damaged"},
		{"zero width bmp", bmpZero, DefaultLimits, nil, ""},
		{"file too big", good, Limits{MaxBytes: 100}, ErrTooLarge, "larger than 100 bytes"},
		{"too many pixels", good, Limits{MaxPixels: 1000}, ErrTooLarge, "40 × 30"},
		{"truncated jpeg", encode(t, "jpeg", quadrants(40, 30))[:200], DefaultLimits, ErrCorrupt, "This JPEG file is damaged"},
		{"gif header only", encode(t, "gif", quadrants(40, 30))[:20], DefaultLimits, ErrCorrupt, "This GIF file is damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _, err := Decode(bytes.NewReader(tt.data), tt.lim)
			if err == nil {
				t.Fatalf("got %v, want an error", img.Bounds())
			}
			// Said for people: a sentence, no package prefix.
			if msg := err.Error(); strings.HasPrefix(msg, "imgproc") || msg[0] < 'A' || msg[0] > 'Z' {
				t.Errorf("error %q is not a sentence for people", err)
			}
			if tt.want == nil { // any of the kinds will do
				if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrCorrupt) {
					t.Errorf("got %v, want ErrEmpty or ErrCorrupt", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %q, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

// TestDecodeOrientation stores an upright picture turned as each EXIF
// orientation describes and checks Decode turns it back.
func TestDecodeOrientation(t *testing.T) {
	up := quadrants(64, 48)
	want := quadrantLevels(up)
	for o := 1; o <= 8; o++ {
		for _, le := range []bool{false, true} {
			stored := fixtures.StoreOriented(up, o)
			file := fixtures.WithOrientation(encode(t, "jpeg", stored), o, le)
			img, _, err := Decode(bytes.NewReader(file), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Size() != image.Pt(64, 48) {
				t.Errorf("orientation %d: size %v, want 64x48", o, img.Bounds().Size())
			}
			for i, v := range quadrantLevels(img) {
				if d := v - want[i]; d > 6 || d < -6 {
					t.Errorf("orientation %d (little-endian %v): quadrant %d is %.0f, want %.0f", o, le, i, v, want[i])
				}
			}
		}
	}
	// Grey JPEGs take a separate path.
	stored := fixtures.StoreOriented(up, 6)
	g := image.NewGray(stored.Bounds())
	for i := range g.Pix {
		g.Pix[i] = stored.Pix[4*i]
	}
	file := fixtures.WithOrientation(encode(t, "jpeg", g), 6, true)
	img, _, err := Decode(bytes.NewReader(file), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.Gray); !ok || img.Bounds().Size() != image.Pt(64, 48) {
		t.Errorf("grey: got %T %v", img, img.Bounds())
	}
	for i, v := range quadrantLevels(img) {
		if d := v - want[i]; d > 6 || d < -6 {
			t.Errorf("grey: quadrant %d is %.0f, want %.0f", i, v, want[i])
		}
	}
}

func TestOrientGray(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(g.Pix, []uint8{1, 2, 3, 4, 5, 6})
	// 1 2 3      rotated 90 clockwise:  4 1
	// 4 5 6                             5 2
	//                                   6 3
	got := orient(g, 6).(*image.Gray)
	if want := []uint8{4, 1, 5, 2, 6, 3}; !bytes.Equal(got.Pix, want) || got.Rect.Dx() != 2 {
		t.Errorf("orientation 6: got %v, want %v", got.Pix, want)
	}
	got = orient(g, 8).(*image.Gray)
	if want := []uint8{3, 6, 2, 5, 1, 4}; !bytes.Equal(got.Pix, want) {
		t.Errorf("orientation 8: got %v, want %v", got.Pix, want)
	}
	got = orient(g, 2).(*image.Gray)
	if want := []uint8{3, 2, 1, 6, 5, 4}; !bytes.Equal(got.Pix, want) {
		t.Errorf("orientation 2: got %v, want %v", got.Pix, want)
	}
}

func TestExifOrientation(t *testing.T) {
	jpg := encode(t, "jpeg", quadrants(8, 8))
	with := func(o int, le bool) []byte { return fixtures.WithOrientation(jpg, o, le) }
	corrupt := func(b []byte, i int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[i] = v
		return c
	}
	// Offsets in WithOrientation's segment: FF D8 | FF E1 LL LL | Exif\0\0 (6..11) |
	// TIFF at 12: order 12-13, 42 at 14-15, IFD offset 16-19, count 20-21,
	// tag 22-23, type 24-25, count 26-29, value 30-31.
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"no exif", jpg, 1},
		{"not jpeg", []byte("GIF89a"), 1},
		{"empty", nil, 1},
		{"6 big-endian", with(6, false), 6},
		{"8 little-endian", with(8, true), 8},
		{"3", with(3, true), 3},
		{"out of range 9", with(9, true), 1},
		{"zero", with(0, false), 1},
		{"bad byte order", corrupt(with(6, true), 12, 'X'), 1},
		{"bad magic", corrupt(with(6, true), 14, 43), 1},
		{"IFD offset past end", corrupt(with(6, true), 19, 0x7f), 1},
		{"wrong type", corrupt(with(6, true), 24, 4), 1},
		{"segment length past end", corrupt(with(6, true), 4, 0xff), 1},
		{"truncated", with(6, true)[:25], 1},
	}
	for _, tt := range tests {
		if got := exifOrientation(tt.data); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		data, want string
	}{
		{"\x89PNG\r\n\x1a\nxxxx", "PNG"},
		{"\xff\xd8\xff\xe0", "JPEG"},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"},
		{"plain text ü", "text"},
		{"data:image/png;base64,iVBOR", "text (a data: URL; send the decoded bytes)"},
		{"\x00\x00\x00\x1cftypavif", "AVIF"},
		{"8BPS\x00\x01", "PSD"},
		{"\x01\x02", "unknown (first bytes 01 02)"},
	}
	for _, tt := range tests {
		if got := sniff([]byte(tt.data)).name; got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	src := quadrants(16, 12)
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		f.Add(encode(f, format, src))
	}
	f.Add(fixtures.WithOrientation(encode(f, "jpeg", src), 6, true))
	for _, name := range []string{"blue-purple-pink.lossy.webp", "gopher-doc.1bpp.lossless.webp"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Add(pngHeader(100000, 100000))
	f.Add([]byte("text"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := Decode(bytes.NewReader(data), Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 18})
		if err != nil {
			if img != nil {
				t.Errorf("image and error %v", err)
			}
			return
		}
		if img.Bounds().Empty() {
			t.Errorf("empty image without error")
		}
		// Whatever decodes must preprocess to a digit or a clean error.
		if g, err := Preprocess(img); err == nil && g.Bounds().Size() != image.Pt(Size, Size) {
			t.Errorf("output %v", g.Bounds())
		}
	})
}

func FuzzExifOrientation(f *testing.F) {
	jpg := encode(f, "jpeg", quadrants(8, 8))
	f.Add(jpg)
	f.Add(fixtures.WithOrientation(jpg, 6, true))
	f.Add(fixtures.WithOrientation(jpg, 8, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Errorf("orientation %d", o)
		}
	})
}

// TestPadPalette checks that a paletted image whose pixels index past its
// palette (as x/image/tiff can return for a malformed file, see
// buckket/go-blurhash#5) can be read with At after Decode pads it.
func TestPadPalette(t *testing.T) {
	p := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.White, color.Black})
	p.Pix[9] = 70 // past the two colours
	padPalette(p)
	if len(p.Palette) != 71 {
		t.Fatalf("palette has %d colours, want 71", len(p.Palette))
	}
	if r, g, b, a := p.At(1, 1).RGBA(); r != 0 || g != 0 || b != 0 || a != 0xffff {
		t.Errorf("padded colour %v %v %v %v, want opaque black", r, g, b, a)
	}
	if _, err := Preprocess(p); err != nil && !errors.Is(err, ErrNoInk) {
		t.Error(err)
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"},
		{100, "100 bytes"},
		{1536, "1.5 KB"},
		{20 << 20, "20 MB"},
		{21<<20 + 400<<10, "21.4 MB"},
		{512 << 20, "512 MB"},
		{1300 << 20, "1.3 GB"},
	} {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
