package imgproc

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"digitnet/internal/fixtures"
	"digitnet/internal/probe"
)

// peakHeap returns the most heap f holds at once, above what was live
// before, and the bytes it allocated in all. The collector runs at every
// 5% of growth while a goroutine samples the heap's objects, so the peak
// is within a few percent of the peak of live memory when the sampler gets
// to run; the sum of allocations is exact but also counts the garbage of
// growing buffers.
func peakHeap(f func()) (peak, allocated int64) {
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	// Two collections empty the scratch pools (a sync.Pool keeps what it
	// held through one), so f allocates all it holds, as a request after
	// an idle spell does. After one, f reused some of the warm-up's memory
	// or not, as the collector's timing fell, and allocated too little
	// now and then for the bound on the estimate.
	runtime.GC()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() int64 {
		metrics.Read(sample)
		return int64(sample[0].Value.Uint64())
	}
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(allocs)
	before := int64(allocs[0].Value.Uint64())
	base := read()
	var top atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if v := read(); v > top.Load() {
				top.Store(v)
			}
			select {
			case <-done:
				return
			default:
				time.Sleep(50 * time.Microsecond)
			}
		}
	}()
	f()
	close(done)
	<-sampled
	metrics.Read(allocs)
	return top.Load() - base, int64(allocs[0].Value.Uint64()) - before
}

// costCases are files of every kind the decoders treat apart, about 2
// megapixels each, with a digit-like bar on white.
func costCases(t *testing.T) map[string][]byte {
	t.Helper()
	const w, h = 1600, 1200
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(rgba.Rect)
	pal := image.NewPaletted(rgba.Rect, color.Palette{color.White, color.Black})
	gray16 := image.NewGray16(rgba.Rect)
	for y := range h {
		for x := range w {
			ink := x > w/2-20 && x < w/2+20 && y > h/4 && y < 3*h/4
			c := color.Gray{255}
			if ink {
				c = color.Gray{0}
			}
			rgba.Set(x, y, c)
			gray.Set(x, y, c)
			pal.Set(x, y, c)
			gray16.Set(x, y, c)
		}
	}
	enc := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	baseline := enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, rgba, nil) })
	cases := map[string][]byte{
		"png rgba":          enc(func(b *bytes.Buffer) error { return png.Encode(b, rgba) }),
		"png gray":          enc(func(b *bytes.Buffer) error { return png.Encode(b, gray) }),
		"png gray16":        enc(func(b *bytes.Buffer) error { return png.Encode(b, gray16) }),
		"png paletted":      enc(func(b *bytes.Buffer) error { return png.Encode(b, pal) }),
		"png rgb16 probe":   probe.PNG16(w, h),
		"jpeg baseline":     baseline,
		"jpeg gray":         enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, nil) }),
		"jpeg rotated":      fixtures.WithOrientation(baseline, 6, true),
		"jpeg progressive":  probe.ProgressiveJPEG(w, h, false),
		"jpeg progr. 4:2:0": probe.ProgressiveJPEG(w, h, true),
		"gif":               enc(func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) }),
		"bmp":               enc(func(b *bytes.Buffer) error { return bmp.Encode(b, rgba) }),
		"bmp paletted":      enc(func(b *bytes.Buffer) error { return bmp.Encode(b, pal) }),
		"tiff":              enc(func(b *bytes.Buffer) error { return tiff.Encode(b, rgba, nil) }),
		"tiff deflate":      enc(func(b *bytes.Buffer) error { return tiff.Encode(b, rgba, &tiff.Options{Compression: tiff.Deflate}) }),
		"tiff deflate gray": enc(func(b *bytes.Buffer) error { return tiff.Encode(b, gray, &tiff.Options{Compression: tiff.Deflate}) }),
		"tiff deflate bomb": probe.TIFFDeflateBomb(w, h),
	}
	for _, name := range []string{"blue-purple-pink.lossy.webp", "gopher-doc.1bpp.lossless.webp"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = b
	}
	return cases
}

// TestDecodeCostBounds holds the estimate to what reading really
// holds: never less (then the server's budget would not bound its
// memory), and not wildly more (then it would refuse work it could do).
func TestDecodeCostBounds(t *testing.T) {
	for name, data := range costCases(t) {
		t.Run(name, func(t *testing.T) {
			cost, err := DecodeCost(data, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			DecodeSegment(bytes.NewReader(data), DefaultLimits) // warm the pools
			got, allocated := peakHeap(func() { DecodeSegment(bytes.NewReader(data), DefaultLimits) })
			t.Logf("%d bytes: cost %s, peak %s, allocated %s", len(data), FormatBytes(cost), FormatBytes(got), FormatBytes(allocated))
			if cost < got {
				t.Errorf("cost %d < the peak %d", cost, got)
			}
			// A compressed TIFF strip may inflate to 8 bytes per pixel
			// whatever the file says, so a grey one is counted at that.
			slack := int64(6)
			if name == "tiff deflate gray" {
				slack = 16
			}
			// The peak is sampled, and a busy machine may starve the
			// sampler; what was allocated is exact and never less than the
			// peak, so the estimate is held to that.
			if cost > slack*max(got, allocated)+8<<20 {
				t.Errorf("cost %d is more than %d times the %d bytes reading allocated", cost, slack, allocated)
			}
		})
	}
}

// TestDecodeCostProbes checks the estimate for issue 14's 40-megapixel
// probes without decoding them: each costs hundreds of megabytes, as
// decoding them did.
func TestDecodeCostProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 1 GB of zeros")
	}
	const w, h = 8000, 5000
	for _, tt := range []struct {
		name     string
		data     []byte
		min, max int64
	}{
		// 320 MB of RGBA64 and a strip buffer of up to 3 x 320 MB.
		{"tiff deflate bomb", probe.TIFFDeflateBomb(w, h), 1200e6, 1400e6},
		// 120 MB of YCbCr and 480 MB of coefficients.
		{"progressive jpeg", probe.ProgressiveJPEG(w, h, false), 600e6, 700e6},
		// 320 MB of RGBA64.
		{"16-bit png", probe.PNG16(w, h), 320e6, 400e6},
	} {
		cost, err := DecodeCost(tt.data, DefaultLimits)
		if err != nil || cost < tt.min || cost > tt.max {
			t.Errorf("%s (%d bytes): cost %s, %v; want %s to %s", tt.name, len(tt.data),
				FormatBytes(cost), err, FormatBytes(tt.min), FormatBytes(tt.max))
		}
	}
}

// TestDecodeCostErrors checks that DecodeCost refuses what Decode refuses,
// with the same kind of error, before decoding.
func TestDecodeCostErrors(t *testing.T) {
	good := encode(t, "png", quadrants(40, 30))
	for _, tt := range []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, DefaultLimits, ErrEmpty},
		{"text", []byte("hello"), DefaultLimits, ErrUnsupported},
		{"png header only", good[:30], DefaultLimits, ErrCorrupt},
		{"bomb", pngHeader(100000, 100000), DefaultLimits, ErrTooLarge},
		{"file too big", good, Limits{MaxBytes: 100}, ErrTooLarge},
		{"too many pixels", good, Limits{MaxPixels: 1000}, ErrTooLarge},
	} {
		_, err := DecodeCost(tt.data, tt.lim)
		_, _, derr := Decode(bytes.NewReader(tt.data), tt.lim)
		if !errors.Is(err, tt.want) || !errors.Is(derr, tt.want) {
			t.Errorf("%s: DecodeCost %v, Decode %v; want %v from both", tt.name, err, derr, tt.want)
		}
	}
}

func FuzzDecodeCost(f *testing.F) {
	src := quadrants(16, 12)
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		f.Add(encode(f, format, src))
	}
	f.Add(probe.ProgressiveJPEG(16, 16, true))
	f.Add(probe.TIFFDeflateBomb(16, 16))
	f.Add(probe.PNG16(16, 16))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 16}
		cost, err := DecodeCost(data, lim)
		if err != nil {
			return
		}
		if cost < int64(len(data)) {
			t.Errorf("cost %d below the file's %d bytes", cost, len(data))
		}
		// What the header admits costs at most 64 bytes per pixel: the
		// worst case is a compressed single-strip TIFF.
		if cost > 64*lim.MaxPixels+4*int64(len(data))+8<<20 {
			t.Errorf("cost %d beyond any decoder's", cost)
		}
	})
}
