package pngdec

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// file describes a PNG to write byte by byte, so tests choose each row's
// filter, how the IDAT data is split and which chunks surround it, none of
// which image/png's encoder lets a caller pick.
type file struct {
	w, h, depth, ct int
	interlace       byte
	rows            [][]byte                // unfiltered rows, without filter bytes
	filter          func(y int) byte        // filter type of row y
	plte, trns      []byte                  // chunk bodies, when not nil
	split           int                     // IDAT chunk size; 0 for one chunk
	extra           func(z []byte) []byte   // edits the zlib stream
	chunks          func(c []chunk) []chunk // edits the chunk list
}

type chunk struct {
	kind string
	body []byte
}

func (f file) bytes(t testing.TB) []byte {
	t.Helper()
	// At depth 8 a pixel has a byte per channel.
	bpp := max(1, f.depth*bytesPerPixel[f.ct]/8)
	var raw []byte
	prev := make([]byte, len(f.rows[0]))
	for y, row := range f.rows {
		ft := byte(0)
		if f.filter != nil {
			ft = f.filter(y)
		}
		raw = append(raw, ft)
		raw = append(raw, filterRef(ft, row, prev, bpp)...)
		prev = row
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	zdata := z.Bytes()
	if f.extra != nil {
		zdata = f.extra(zdata)
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(f.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(f.h))
	ihdr[8], ihdr[9], ihdr[12] = byte(f.depth), byte(f.ct), f.interlace
	cs := []chunk{{"IHDR", ihdr}, {"tEXt", []byte("Comment\x00made by a test")}}
	if f.plte != nil {
		cs = append(cs, chunk{"PLTE", f.plte})
	}
	if f.trns != nil {
		cs = append(cs, chunk{"tRNS", f.trns})
	}
	for len(zdata) > 0 {
		n := len(zdata)
		if f.split > 0 {
			n = min(n, f.split)
		}
		cs = append(cs, chunk{"IDAT", zdata[:n]})
		zdata = zdata[n:]
	}
	cs = append(cs, chunk{"IEND", nil})
	if f.chunks != nil {
		cs = f.chunks(cs)
	}
	out := []byte(signature)
	for _, c := range cs {
		out = appendChunk(out, c.kind, c.body)
	}
	return out
}

func appendChunk(out []byte, kind string, body []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	start := len(out)
	out = append(out, kind...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// filterRef applies filter ft to row (the encoder's side of unfilterRef):
// each byte's predictor comes from the original rows.
func filterRef(ft byte, row, prev []byte, bpp int) []byte {
	out := make([]byte, len(row))
	for i := range row {
		a, b, c := neighbours(row, prev, i, bpp)
		out[i] = byte(int(row[i]) - predictRef(ft, a, b, c))
	}
	return out
}

// randomRows returns h rows of w pixels of bpp bytes: a smooth gradient
// with noise, so that every filter meets small and large differences.
func randomRows(rng *rand.Rand, w, h, bpp int) [][]byte {
	rows := make([][]byte, h)
	for y := range rows {
		rows[y] = make([]byte, w*bpp)
		for i := range rows[y] {
			rows[y][i] = byte(3*y + i/bpp*2 + rng.IntN(9))
			if rng.IntN(10) == 0 {
				rows[y][i] = byte(rng.Uint32())
			}
		}
	}
	return rows
}

// same decodes data with both decoders and fails unless they agree.
func same(t *testing.T, name string, data []byte) {
	t.Helper()
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: image/png: %v", name, err)
	}
	got, err := Decode(data, 1<<30)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: decoded %T differs from image/png's %T", name, got, want)
	}
	// Into a reused buffer, dirty and larger than needed: every pixel
	// must be written.
	dirty := bytes.Repeat([]byte{0xA5}, 4*want.Bounds().Dx()*want.Bounds().Dy()+7)
	got, err = DecodeInto(data, 1<<30, dirty)
	if err != nil {
		t.Fatalf("%s: into a buffer: %v", name, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: decoded into a used buffer, %T differs from image/png's %T", name, got, want)
	}
}

func TestMatchesImagePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	palette := make([]byte, 3*200)
	for i := range palette {
		palette[i] = byte(rng.Uint32())
	}
	types := []struct {
		name       string
		ct         int
		plte, trns []byte
	}{
		{"grey", ctGrey, nil, nil},
		{"grey+tRNS", ctGrey, nil, []byte{0, 7}},
		{"grey+alpha", ctGreyAlpha, nil, nil},
		{"rgb", ctRGB, nil, nil},
		{"rgb+PLTE", ctRGB, palette[:30], nil},
		{"rgb+tRNS", ctRGB, nil, []byte{0, 7, 0, 9, 0, 11}},
		{"palette", ctPalette, palette, nil},
		{"palette+tRNS", ctPalette, palette[:30], []byte{0, 128, 255}},
		{"palette short", ctPalette, palette[:6], nil}, // pixels index past it
		{"palette tRNS longer", ctPalette, palette[:6], make([]byte, 40)},
		{"rgba", ctRGBA, nil, nil},
	}
	filters := map[string]func(int) byte{
		"none": func(int) byte { return ftNone }, "sub": func(int) byte { return ftSub },
		"up": func(int) byte { return ftUp }, "average": func(int) byte { return ftAverage },
		"paeth": func(int) byte { return ftPaeth }, "mixed": func(y int) byte { return byte(y % 5) },
	}
	for _, tc := range types {
		for fname, filter := range filters {
			for _, size := range [][2]int{{1, 1}, {3, 2}, {17, 5}, {40, 30}, {600, 70}} {
				w, h := size[0], size[1]
				rows := randomRows(rng, w, h, bytesPerPixel[tc.ct])
				if tc.ct == ctGrey && tc.trns != nil {
					rows[0][0] = 7 // the transparent level, somewhere
				}
				if tc.ct == ctRGB && tc.trns != nil {
					copy(rows[h-1][len(rows[h-1])-3:], []byte{7, 9, 11})
				}
				for _, split := range []int{0, 1, 100} {
					f := file{w: w, h: h, depth: 8, ct: tc.ct, rows: rows, filter: filter, plte: tc.plte, trns: tc.trns, split: split}
					same(t, fmt.Sprintf("%s %s %dx%d split %d", tc.name, fname, w, h, split), f.bytes(t))
				}
			}
		}
	}
}

// TestStdlibFiles decodes what image/png's encoder writes, with its own
// filter choices, and the page's example digits.
func TestStdlibFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	r := image.Rect(0, 0, 97, 61)
	gray, rgba, nrgba := image.NewGray(r), image.NewRGBA(r), image.NewNRGBA(r)
	// More than 16 colours, or image/png writes fewer bits per pixel.
	pal := image.NewPaletted(r, color.Palette{color.White, color.Black, color.RGBA{200, 10, 10, 255}})
	for len(pal.Palette) < 20 {
		pal.Palette = append(pal.Palette, color.RGBA{byte(len(pal.Palette)), 1, 2, 255})
	}
	for i := range gray.Pix {
		gray.Pix[i] = byte(i/7 + rng.IntN(5))
		pal.Pix[i] = byte(rng.IntN(20))
	}
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(i/11 + rng.IntN(3))
		nrgba.Pix[i] = byte(rng.Uint32())
		if i%4 == 3 {
			rgba.Pix[i] = 255
		}
	}
	for _, m := range []image.Image{gray, rgba, nrgba, pal} {
		for _, level := range []png.CompressionLevel{png.DefaultCompression, png.NoCompression, png.BestSpeed, png.BestCompression} {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: level}).Encode(&buf, m); err != nil {
				t.Fatal(err)
			}
			same(t, fmt.Sprintf("%T level %d", m, level), buf.Bytes())
		}
	}
	examples, _ := filepath.Glob("../../../server/assets/examples/*.png")
	if len(examples) == 0 {
		t.Fatal("no example digits found")
	}
	for _, path := range examples {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		same(t, path, data)
	}
}

func TestRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	good := file{w: 9, h: 4, depth: 8, ct: ctRGB, rows: randomRows(rng, 9, 4, 3), filter: func(y int) byte { return byte(y % 5) }}
	with := func(edit func(f *file)) []byte {
		f := good
		edit(&f)
		return f.bytes(t)
	}
	flip := func(at int) []byte {
		b := good.bytes(t)
		b[at] ^= 1
		return b
	}
	move := func(from, to int) func(c []chunk) []chunk {
		return func(c []chunk) []chunk {
			m := c[from]
			c = append(c[:from:from], c[from+1:]...)
			return append(c[:to:to], append([]chunk{m}, c[to:]...)...)
		}
	}
	for _, tc := range []struct {
		name        string
		data        []byte
		unsupported bool // a valid PNG for image/png, else a bad file
	}{
		{"16-bit", with(func(f *file) {
			f.depth = 16
			for i := range f.rows {
				f.rows[i] = append(f.rows[i], f.rows[i]...)
			}
		}), true},
		{"interlaced", with(func(f *file) { f.interlace = 1 }), true}, // not Adam7 data: image/png would refuse it
		{"1-bit grey", with(func(f *file) {
			f.depth, f.ct = 1, ctGrey
			for i := range f.rows {
				f.rows[i] = f.rows[i][:2]
			}
		}), true},
		{"empty", nil, false},
		{"not a PNG", []byte("GIF89a...."), false},
		{"signature only", []byte(signature), false},
		{"bad CRC in IHDR", flip(8 + 8 + 2), false},
		{"bad CRC in IDAT", flip(len(good.bytes(t)) - 12 - 6), false},
		{"truncated", good.bytes(t)[:60], false},
		{"too many pixels", with(func(f *file) { f.w = 1 << 16; f.h = 1 << 15 }), false},
		{"zero width", with(func(f *file) { f.w = 0 }), false},
		{"colour type 5", with(func(f *file) { f.ct = 5 }), false},
		{"filter type 5", with(func(f *file) { f.filter = func(int) byte { return 5 } }), false},
		{"too few rows", with(func(f *file) { f.h = 5 }), false},
		{"too many rows", with(func(f *file) { f.rows = append(f.rows, f.rows[0]) }), false},
		{"bytes after the stream", with(func(f *file) { f.extra = func(z []byte) []byte { return append(z, 1, 2) } }), false},
		{"adler-32 cut", with(func(f *file) { f.extra = func(z []byte) []byte { return z[:len(z)-2] } }), false},
		{"bad zlib header", with(func(f *file) { f.extra = func(z []byte) []byte { z[0] = 0x79; return z } }), false},
		{"no IEND", with(func(f *file) { f.chunks = func(c []chunk) []chunk { return c[:len(c)-1] } }), false},
		{"IHDR after IDAT", with(func(f *file) { f.chunks = move(0, 2) }), false},
		{"palette without PLTE", with(func(f *file) {
			f.ct = ctPalette
			for i := range f.rows {
				f.rows[i] = f.rows[i][:9]
			}
		}), false},
		{"PLTE in a grey image", with(func(f *file) {
			f.ct, f.plte = ctGrey, []byte{1, 2, 3}
			for i := range f.rows {
				f.rows[i] = f.rows[i][:9]
			}
		}), false},
		{"tRNS of the wrong length", with(func(f *file) { f.trns = []byte{0, 1} }), false},
		{"tRNS in an RGBA image", with(func(f *file) {
			f.ct, f.trns = ctRGBA, []byte{0, 1}
			for i := range f.rows {
				f.rows[i] = append(f.rows[i], f.rows[i][:9]...)
			}
		}), false},
		{"IDAT split by another chunk", with(func(f *file) {
			f.split = 20
			f.chunks = func(c []chunk) []chunk {
				return append(c[:3:3], append([]chunk{{"tEXt", []byte("a\x00b")}}, c[3:]...)...)
			}
		}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data, 1<<30)
			if err == nil {
				t.Fatalf("decoded a %T", img)
			}
			if got := errors.Is(err, ErrUnsupported); got != tc.unsupported {
				t.Fatalf("error %q: unsupported %v, want %v", err, got, tc.unsupported)
			}
			if tc.unsupported && tc.name != "interlaced" {
				if _, err := png.Decode(bytes.NewReader(tc.data)); err != nil {
					t.Fatalf("image/png refuses it too: %v", err)
				}
			}
		})
	}
}

// TestConcurrentReuse decodes files of different shapes from many
// goroutines, with broken files in between, so that inflaters and row
// buffers pass between decodes of other sizes and after failures: each
// result must still match image/png (run it with -race too).
func TestConcurrentReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var files [][]byte
	var want []image.Image
	for i, size := range []image.Point{{1, 1}, {3, 200}, {160, 160}, {700, 5}, {33, 47}} {
		ct := []int{ctGrey, ctRGB, ctRGBA, ctGreyAlpha, ctRGB}[i]
		bpp := bytesPerPixel[ct]
		f := file{w: size.X, h: size.Y, depth: 8, ct: ct, rows: randomRows(rng, size.X, size.Y, bpp), filter: func(y int) byte { return byte((y + 2) % 5) }}
		data := f.bytes(t)
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		files, want = append(files, data), append(want, m)
	}
	broken := files[2][:len(files[2])/2]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 50 {
				i := (g + k) % len(files)
				if k%7 == 0 {
					if _, err := Decode(broken, 1<<20); err == nil {
						t.Error("truncated file decoded")
					}
				}
				got, err := Decode(files[i], 1<<20)
				if err != nil {
					t.Errorf("file %d: %v", i, err)
					return
				}
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("file %d differs from image/png", i)
					return
				}
			}
		})
	}
	wg.Wait()
}
