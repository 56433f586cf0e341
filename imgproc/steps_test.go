package imgproc

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// fill returns a w x h plane of value v.
func fill(w, h int, v float32) plane {
	p := newPlane(w, h)
	for i := range p.p {
		p.p[i] = v
	}
	return p
}

// strokeImage draws a bar (a "1") of the given colour on background bg.
func strokeImage(w, h int, bg, ink color.Color, x0, y0, x1, y1 int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := bg
			if x >= x0 && x < x1 && y >= y0 && y < y1 {
				c = ink
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func TestLumaPlaneAlpha(t *testing.T) {
	clear := color.NRGBA{}
	tests := []struct {
		name     string
		bg, ink  color.Color
		inkLuma  float32 // expected luma on the stroke
		backLuma float32 // and around it
	}{
		{"black strokes on transparent", clear, color.NRGBA{A: 255}, 0, 1},
		{"half-alpha black strokes", clear, color.NRGBA{A: 128}, 0.5, 1},
		{"white strokes on transparent", clear, color.NRGBA{255, 255, 255, 255}, 1, 0},
		{"opaque black on white", color.White, color.Black, 0, 1},
		{"opaque white on black", color.Black, color.White, 1, 0},
		{"red pen on white", color.White, color.NRGBA{200, 0, 0, 255}, 0.299 * 200 / 255, 1},
	}
	for _, tt := range tests {
		img := strokeImage(40, 40, tt.bg, tt.ink, 18, 5, 22, 35)
		pl, f := lumaPlane(img, workingSide)
		if f != 1 {
			t.Errorf("%s: factor %d", tt.name, f)
		}
		if got := pl.p[20*40+20]; math.Abs(float64(got-tt.inkLuma)) > 0.01 {
			t.Errorf("%s: stroke luma %.3f, want %.3f", tt.name, got, tt.inkLuma)
		}
		if got := pl.p[2*40+2]; math.Abs(float64(got-tt.backLuma)) > 0.01 {
			t.Errorf("%s: background luma %.3f, want %.3f", tt.name, got, tt.backLuma)
		}
	}
}

// TestLumaPlaneFastPaths checks every direct pixel reader against the
// generic one through At.
func TestLumaPlaneFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rect := image.Rect(3, 5, 40, 31) // odd sizes, non-zero origin
	nrgba := image.NewNRGBA(rect)
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(r.IntN(256))
	}
	rgba := image.NewRGBA(rect)
	gray := image.NewGray(rect)
	ycc := image.NewYCbCr(rect, image.YCbCrSubsampleRatio444)
	nycca := image.NewNYCbCrA(rect, image.YCbCrSubsampleRatio444)
	gray16 := image.NewGray16(rect)
	nrgba64 := image.NewNRGBA64(rect)
	cmyk := image.NewCMYK(rect)
	pal := image.NewPaletted(rect, color.Palette{color.Black, color.White, color.NRGBA{255, 0, 0, 128}, color.Transparent})
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			c := nrgba.NRGBAAt(x, y)
			rgba.Set(x, y, c)
			gray.Set(x, y, c)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)] = yy
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = cb, cr
			nycca.Y[nycca.YOffset(x, y)] = yy
			nycca.Cb[nycca.COffset(x, y)], nycca.Cr[nycca.COffset(x, y)] = cb, cr
			nycca.A[nycca.AOffset(x, y)] = c.A
			pal.SetColorIndex(x, y, uint8(r.IntN(4)))
			gray16.Set(x, y, c)
			nrgba64.Set(x, y, c)
			cc, mm, yy2, kk := color.RGBToCMYK(c.R, c.G, c.B)
			cmyk.SetCMYK(x, y, color.CMYK{cc, mm, yy2, kk})
		}
	}
	// generic hides the concrete type so lumaPlane goes through At.
	type generic struct{ image.Image }
	for _, img := range []image.Image{nrgba, rgba, gray, ycc, nycca, pal, gray16, nrgba64, cmyk} {
		for _, side := range []int{1000, 20, 16, 7} {
			fast, f1 := lumaPlane(img, side)
			slow, f2 := lumaPlane(generic{img}, side)
			if f1 != f2 || fast.w != slow.w || fast.h != slow.h {
				t.Fatalf("%T side %d: sizes differ", img, side)
			}
			if fast.w != (rect.Dx()+f1-1)/f1 || max(fast.w, fast.h) > side && f1 == 1 {
				t.Errorf("%T side %d: %dx%d at factor %d", img, side, fast.w, fast.h, f1)
			}
			for i := range fast.p {
				if d := math.Abs(float64(fast.p[i] - slow.p[i])); d > 0.02 {
					t.Fatalf("%T side %d: pixel %d fast %.3f slow %.3f", img, side, i, fast.p[i], slow.p[i])
				}
			}
		}
	}
}

// TestRGBAPairs holds the fused reading of opaque row pairs of an RGBA
// image at half resolution to the row-by-row reading, bit for bit, with
// odd and even sizes and rows that are not opaque.
func TestRGBAPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, rect := range []image.Rectangle{image.Rect(0, 0, 160, 160), image.Rect(3, 5, 40, 31), image.Rect(0, 0, 9, 2), image.Rect(1, 1, 2, 8)} {
		for _, holes := range []int{0, 1, 5} {
			img := image.NewRGBA(rect)
			for i := range img.Pix {
				img.Pix[i] = uint8(r.IntN(256))
				if i%4 == 3 {
					img.Pix[i] = 255
				}
			}
			for range holes {
				img.Pix[4*r.IntN(rect.Dx()*rect.Dy())+3] = uint8(r.IntN(255))
			}
			side := (max(rect.Dx(), rect.Dy()) + 1) / 2
			fused, f := lumaPlane(img, side)
			fuseRGBAPairs = false
			plain, _ := lumaPlane(img, side)
			fuseRGBAPairs = true
			if f != 2 {
				t.Fatalf("%v: factor %d, want 2", rect, f)
			}
			if !slices.Equal(fused.p, plain.p) {
				t.Errorf("%v with %d holes: fused rows differ from the plain reading", rect, holes)
			}
		}
	}
}

// TestDivide holds divide to plain division, bit for bit, over the range
// of luma sums (0 to n, the sum of n pixels).
func TestDivide(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 70; n++ {
		p := make([]float32, 1000)
		for i := range p {
			p[i] = float32(n) * r.Float32()
		}
		p[0], p[1] = 0, float32(n)
		want := make([]float32, len(p))
		for i, v := range p {
			want[i] = v / float32(n)
		}
		if divide(p, n); !slices.Equal(p, want) {
			t.Errorf("divide by %d differs from division", n)
		}
	}
}

// TestHistogramAddAll holds addAll to adding one value at a time.
func TestHistogramAddAll(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 3, 4, 5, 9, 1000} {
		for _, kind := range []string{"random", "constant", "out of range"} {
			p := make([]float32, n)
			for i := range p {
				switch kind {
				case "random":
					p[i] = r.Float32()
				case "constant":
					p[i] = 1
				default:
					p[i] = 3*r.Float32() - 1
				}
			}
			one, all := newHistogram(0, 1, 256), newHistogram(0, 1, 256)
			for _, v := range p {
				one.add(v)
			}
			all.addAll(p)
			if !slices.Equal(one.n, all.n) || one.total != all.total {
				t.Errorf("%d %s values: addAll differs from add", n, kind)
			}
		}
	}
}

// componentsRef is the plain flood fill components must match exactly:
// labels, areas, boxes and masses (sums of values above a threshold of
// 0.05 or more are exact in float64, whatever the order).
func componentsRef(ink plane, t float32) ([]int32, []component) {
	w, h := ink.w, ink.h
	labels := make([]int32, w*h)
	var comps []component
	var stack []int
	for start, v := range ink.p {
		if v <= t || labels[start] != 0 {
			continue
		}
		id := int32(len(comps) + 1)
		var c component
		x0, y0, x1, y1 := start%w, start/w, start%w, start/w
		labels[start] = id
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			c.area++
			c.mass += float64(ink.p[i])
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					if j := ny*w + nx; labels[j] == 0 && ink.p[j] > t {
						labels[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
		c.box = image.Rect(x0, y0, x1+1, y1+1)
		comps = append(comps, c)
	}
	return labels, comps
}

func TestComponentsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, size := range []image.Point{{1, 1}, {1, 7}, {7, 1}, {13, 9}, {80, 80}, {300, 200}} {
		for _, density := range []float32{0.2, 0.5, 0.8} {
			for _, th := range []float32{0.05, 0.5} {
				ink := newPlane(size.X, size.Y)
				for i := range ink.p {
					if r.Float32() < density {
						ink.p[i] = th + r.Float32()*(1-th)
					} else {
						ink.p[i] = r.Float32() * th // at or under it
					}
				}
				gotL, gotC := components(ink, th)
				wantL, wantC := componentsRef(ink, th)
				if !slices.Equal(gotL, wantL) || !slices.Equal(gotC, wantC) {
					t.Errorf("%v at density %.1f, threshold %v: components differ from the reference", size, density, th)
				}
			}
		}
	}
}

func TestPolarity(t *testing.T) {
	tests := []struct {
		name       string
		bg, ink    float32
		gradient   float32 // added across the image, left to right
		wantDark   bool
		wantUnsure bool
	}{
		{"black on white", 1, 0, 0, true, false},
		{"white on black", 0, 1, 0, false, false},
		{"black on dim grey paper", 0.35, 0.05, 0, true, false},
		{"light grey on dark grey", 0.2, 0.6, 0, false, false},
		{"dark on paper under strong gradient", 0.9, 0.1, -0.45, true, false},
		{"uniform", 0.5, 0.5, 0, false, true},
	}
	for _, tt := range tests {
		pl := fill(200, 150, tt.bg)
		for y := range 150 {
			for x := range 200 {
				if (x >= 90 && x < 105 && y >= 30 && y < 120) || (y >= 30 && y < 40 && x >= 70 && x < 130) {
					pl.p[y*200+x] = tt.ink
				}
				pl.p[y*200+x] += tt.gradient * float32(x) / 200
			}
		}
		dark, ok := polarity(pl)
		if ok == tt.wantUnsure || (ok && dark != tt.wantDark) {
			t.Errorf("%s: dark %v ok %v, want dark %v", tt.name, dark, ok, tt.wantDark)
		}
	}
}

func TestInkMapFlattensLighting(t *testing.T) {
	// Paper lit from the left (0.9 falling to 0.45), a dark stroke at both ends.
	pl := newPlane(300, 200)
	for y := range 200 {
		for x := range 300 {
			light := 0.9 - 0.45*float32(x)/300
			refl := float32(1)
			if (x >= 20 && x < 30) || (x >= 270 && x < 280) {
				refl = 0.1
			}
			pl.p[y*300+x] = light * refl
		}
	}
	ink := inkMap(pl, true, backgroundRadius)
	for _, c := range []struct {
		x    int
		want float32
	}{{25, 0.9}, {275, 0.9}, {100, 0}, {200, 0}, {5, 0}, {295, 0}} {
		if got := ink.p[100*300+c.x]; math.Abs(float64(got-c.want)) > 0.06 {
			t.Errorf("x=%d: ink %.3f, want %.2f", c.x, got, c.want)
		}
	}
}

func TestThreshold(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	noisy := func(w, h int, sigma float64) plane {
		p := newPlane(w, h)
		for i := range p.p {
			p.p[i] = float32(r.NormFloat64() * sigma)
		}
		return p
	}
	if _, _, _, ok := threshold(fill(50, 50, 0)); ok {
		t.Error("blank: found ink")
	}
	if _, _, _, ok := threshold(noisy(100, 100, 0.02)); ok {
		t.Error("noise only: found ink")
	}
	// Faint ruled lines (0.15) and a digit (0.8) on noise: the lines must
	// fall below the threshold, the digit above.
	p := noisy(200, 200, 0.01)
	for y := 10; y < 200; y += 25 {
		for x := range 200 {
			p.p[y*200+x] += 0.15
		}
	}
	for y := 50; y < 150; y++ {
		for x := 95; x < 105; x++ {
			p.p[y*200+x] = 0.8
		}
	}
	floor, th, _, ok := threshold(p)
	if !ok || th <= 0.2 || th >= 0.75 || floor >= th {
		t.Errorf("lines and digit: floor %.3f threshold %.3f ok %v", floor, th, ok)
	}
}

func TestOtsu(t *testing.T) {
	h := newHistogram(0, 1, 100)
	for range 1000 {
		h.add(0.2)
	}
	for range 300 {
		h.add(0.7)
	}
	if got := h.otsu(0); got < 0.2 || got > 0.7 {
		t.Errorf("otsu = %.3f, want between the modes", got)
	}
	if got := h.quantile(0.5); math.Abs(float64(got-0.2)) > 0.01 {
		t.Errorf("median = %.3f, want 0.2", got)
	}
}

// TestOtsuSkipsEmptyBins holds otsu, which skips empty bins, to the
// textbook loop over every bin, bit for bit, on sparse histograms like an
// upload's ink: a few hundred values in 1,024 bins, from several starts.
func TestOtsuSkipsEmptyBins(t *testing.T) {
	// every is the textbook search: the class sums before each bin as
	// prefix sums over all bins, then the best split among them.
	every := func(h *histogram, from float32) float32 {
		start := h.bin(from)
		bins := h.n[start:]
		cnt, mass := make([]float64, len(bins)+1), make([]float64, len(bins)+1)
		for k, c := range bins {
			cnt[k+1] = cnt[k] + c
			mass[k+1] = mass[k] + c*float64(h.value(start+k))
		}
		total, sum := cnt[len(bins)], mass[len(bins)]
		if total < 2 {
			return from
		}
		best, bestT := -1.0, from
		for k := 1; k < len(bins); k++ {
			n0, n1, s0 := cnt[k], total-cnt[k], mass[k]
			if n0 > 0 && n1 > 0 {
				m0, m1 := s0/n0, (sum-s0)/n1
				if v := n0 * n1 * (m0 - m1) * (m0 - m1); v > best {
					best, bestT = v, (h.value(start+k-1)+h.value(start+k))/2
				}
			}
		}
		return bestT
	}
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 200 {
		h := newHistogram(-1, 1, 1024)
		for range r.IntN(600) {
			v := float32(r.NormFloat64()*0.1 + 0.1)
			if r.IntN(3) == 0 {
				v = float32(r.NormFloat64()*0.05 + 0.7)
			}
			h.add(v)
		}
		for _, from := range []float32{-1, 0, 0.15, 0.5, 0.99} {
			if got, want := h.otsu(from), every(h, from); got != want {
				t.Fatalf("trial %d from %g: otsu %g, every bin %g", trial, from, got, want)
			}
		}
	}
}

// TestHistogramAddAbove holds addAbove, which counts in integers, to
// adding the values above the floor one by one.
func TestHistogramAddAbove(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	p := make([]float32, 5000)
	for i := range p {
		p[i] = float32(r.Float64())
		if i%3 == 0 {
			p[i] = 1 // saturated ink: one bin, many times
		}
	}
	for _, floor := range []float32{0, 0.3, 0.999, 1} {
		got, want := newHistogram(0, 1, 1024), newHistogram(0, 1, 1024)
		got.addAbove(p, floor)
		for _, v := range p {
			if v > floor {
				want.add(v)
			}
		}
		if !slices.Equal(got.n, want.n) || got.total != want.total {
			t.Errorf("floor %g: counts differ from adding one by one (total %g, want %g)", floor, got.total, want.total)
		}
	}
}

func TestComponentsAndLines(t *testing.T) {
	p := newPlane(100, 60)
	set := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				p.p[y*100+x] = 1
			}
		}
	}
	set(10, 10, 14, 50) // a stroke
	set(14, 50, 16, 52) // touching it diagonally: same component
	set(40, 20, 45, 25) // a blob
	set(0, 57, 100, 58) // a ruled line across the page
	_, comps := components(p, 0.5)
	markLines(comps, 100, 60)
	if len(comps) != 3 {
		t.Fatalf("got %d components, want 3", len(comps))
	}
	if comps[0].area != 4*40+4 || comps[0].box != image.Rect(10, 10, 16, 52) {
		t.Errorf("stroke: area %d box %v", comps[0].area, comps[0].box)
	}
	if comps[0].line || comps[1].line || !comps[2].line {
		t.Errorf("lines: %v %v %v, want only the last", comps[0].line, comps[1].line, comps[2].line)
	}
}

func TestMainGroupDropsFarSpecks(t *testing.T) {
	p := newPlane(300, 300)
	set := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				p.p[y*300+x] = 1
			}
		}
	}
	set(140, 100, 150, 200) // the digit's stem
	set(120, 95, 160, 103)  // its bar, a separate piece close by
	set(10, 10, 14, 14)     // a speck far away
	set(280, 280, 283, 283) // another
	set(155, 205, 158, 208) // a small speck near the digit: kept
	set(100, 150, 101, 151) // a one-pixel speck near it: dropped
	a := &analysis{ink: p}
	a.labels, a.comps = components(p, 0.5)
	keep, box := a.mainGroup()
	if box != image.Rect(120, 95, 160, 208) {
		t.Errorf("box %v", box)
	}
	for i, c := range a.comps {
		drop := c.box.Min.X <= 100 || c.box.Min.X > 250
		if keep[i+1] == drop {
			t.Errorf("component at %v kept %v", c.box, keep[i+1])
		}
	}
}

func TestStrokeWidth(t *testing.T) {
	for _, w := range []int{1, 2, 3, 5, 10} {
		for _, diagonal := range []bool{false, true} {
			const n = 200
			mask := make([]bool, n*n)
			for y := range n {
				for x := range n {
					if diagonal {
						// within w/2 of the line x = y
						d := math.Abs(float64(x-y)) / math.Sqrt2
						mask[y*n+x] = d <= float64(w)/2 && x+y > 40 && x+y < 360
					} else {
						mask[y*n+x] = y >= 100 && y < 100+w && x >= 20 && x < 180
					}
				}
			}
			got := strokeWidth(mask, n, n)
			want := float64(w)
			if diagonal && w == 1 {
				want = 1 / math.Sqrt2 // a chain of single pixels covers that much per unit length
			}
			if got < 0.7*want || got > 1.35*want {
				t.Errorf("width %d diagonal %v: estimated %.2f, want about %.2f", w, diagonal, got, want)
			}
		}
	}
}

func TestEDT(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	w, h := 37, 23
	feat := make([]bool, w*h)
	var pts [][2]int
	for range 6 {
		x, y := r.IntN(w), r.IntN(h)
		feat[y*w+x] = true
		pts = append(pts, [2]int{x, y})
	}
	d := edt(feat, w, h)
	for y := range h {
		for x := range w {
			best := math.Inf(1)
			for _, p := range pts {
				best = min(best, math.Hypot(float64(x-p[0]), float64(y-p[1])))
			}
			if math.Abs(float64(d[y*w+x])-best) > 1e-4 {
				t.Fatalf("(%d,%d): %v, want %v", x, y, d[y*w+x], best)
			}
		}
	}
}

func TestResample(t *testing.T) {
	src := newPlane(90, 45)
	for i := range src.p {
		src.p[i] = float32(i%7) / 7
	}
	var sum float64
	for _, v := range src.p {
		sum += float64(v)
	}
	for _, sz := range [][2]int{{20, 10}, {30, 15}, {90, 45}, {7, 3}} {
		out := resample(src, sz[0], sz[1])
		var s float64
		for _, v := range out.p {
			s += float64(v)
		}
		// Area averaging keeps the mean.
		if mean, want := s/float64(len(out.p)), sum/float64(len(src.p)); math.Abs(mean-want) > 0.01 {
			t.Errorf("%v: mean %.4f, want %.4f", sz, mean, want)
		}
	}
	// A constant stays constant, shrinking or enlarging.
	c := fill(13, 9, 0.6)
	for _, sz := range [][2]int{{5, 4}, {40, 27}} {
		for _, v := range resample(c, sz[0], sz[1]).p {
			if math.Abs(float64(v)-0.6) > 1e-5 {
				t.Fatalf("%v: %v", sz, v)
			}
		}
	}
}

func TestNormaliseStroke(t *testing.T) {
	// A 1-pixel ring of radius 80: thin pen on a big canvas.
	const n = 200
	mask := make([]bool, n*n)
	g := newPlane(n, n)
	for a := 0.0; a < 2*math.Pi; a += 0.002 {
		x, y := int(100+80*math.Cos(a)), int(100+80*math.Sin(a))
		mask[y*n+x] = true
		g.p[y*n+x] = 1
	}
	have := strokeWidth(mask, n, n)
	want := strokeRatio * 161
	out := normaliseStroke(g, mask, have, want)
	bin := make([]bool, n*n)
	for i, v := range out.p {
		bin[i] = v >= 0.5
	}
	if got := strokeWidth(bin, n, n); got < 0.8*want || got > 1.25*want {
		t.Errorf("stroke grew from %.1f to %.1f, want about %.1f", have, got, want)
	}
	// A very heavy stroke is thinned.
	heavy := make([]bool, n*n)
	hg := newPlane(n, n)
	for y := 20; y < 180; y++ {
		for x := 60; x < 140; x++ {
			heavy[y*n+x] = true
			hg.p[y*n+x] = 1
		}
	}
	have = strokeWidth(heavy, n, n)
	out = normaliseStroke(hg, heavy, have, 20)
	for i, v := range out.p {
		bin[i] = v >= 0.5
	}
	if got := strokeWidth(bin, n, n); got >= have*0.8 {
		t.Errorf("heavy stroke went from %.1f to %.1f", have, got)
	}
}

func TestFitCentre(t *testing.T) {
	// An L shape, wider than tall, off-centre in a big plane.
	g := newPlane(300, 200)
	for y := 50; y < 110; y++ {
		for x := 30; x < 40; x++ {
			g.p[y*300+x] = 1
		}
	}
	for y := 100; y < 110; y++ {
		for x := 30; x < 150; x++ {
			g.p[y*300+x] = 1
		}
	}
	out, err := fitCentre(g)
	if err != nil {
		t.Fatal(err)
	}
	x0, y0, x1, y1, cx, cy := inkGeometry(out)
	if x1-x0+1 != Box || y1-y0+1 > Box || y1-y0+1 < 9 {
		t.Errorf("ink box %d..%d x %d..%d, want 20 wide", x0, x1, y0, y1)
	}
	if math.Abs(cx-centreX) > 0.5 || math.Abs(cy-centreY) > 0.5 {
		t.Errorf("centre of mass (%.2f, %.2f)", cx, cy)
	}
	if _, err := fitCentre(newPlane(10, 10)); !errors.Is(err, ErrNoInk) {
		t.Errorf("blank: %v", err)
	}
}

// inkGeometry returns the ink bounding box and centre of mass of g.
func inkGeometry(g *image.Gray) (x0, y0, x1, y1 int, cx, cy float64) {
	x0, y0, x1, y1 = Size, Size, -1, -1
	var s float64
	for i, v := range g.Pix {
		x, y := i%Size, i/Size
		if v > 0 {
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
		s += float64(v)
		cx += float64(v) * float64(x)
		cy += float64(v) * float64(y)
	}
	return x0, y0, x1, y1, cx / s, cy / s
}

func TestPixels(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(g.Pix, []uint8{0, 255, 51, 102})
	got := Pixels(g)
	want := []float32{0, 1, 0.2, 0.4}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Errorf("Pixels = %v, want %v", got, want)
		}
	}
}

func TestFlattenSurround(t *testing.T) {
	// A sheet (0.85) on a desk (0.25) with a dark stroke on the sheet.
	sheet := fill(400, 300, 0.25)
	for y := 50; y < 260; y++ {
		for x := 80; x < 330; x++ {
			sheet.p[y*400+x] = 0.85
			if x >= 200 && x < 208 && y >= 100 && y < 200 {
				sheet.p[y*400+x] = 0.1
			}
		}
	}
	if !flattenSurround(sheet) {
		t.Fatal("sheet not found")
	}
	for _, p := range [][2]int{{5, 5}, {395, 295}, {60, 150}} {
		if v := sheet.p[p[1]*400+p[0]]; math.Abs(float64(v)-0.85) > 0.01 {
			t.Errorf("desk at %v is %.2f, want the sheet's 0.85", p, v)
		}
	}
	if v := sheet.p[150*400+204]; v != 0.1 {
		t.Errorf("the writing was painted over: %.2f", v)
	}
	// A big light digit on black (a "0" ring) is not a sheet, nor is a
	// sheet filling the frame.
	ring := fill(300, 300, 0)
	for y := range 300 {
		for x := range 300 {
			d := math.Hypot(float64(x-150)/80, float64(y-150)/120)
			if d > 0.7 && d < 1 {
				ring.p[y*300+x] = 1
			}
		}
	}
	if flattenSurround(ring) {
		t.Error("a ring was taken for a sheet")
	}
	if flattenSurround(fill(300, 300, 0.9)) {
		t.Error("a blank page was taken for a sheet on a desk")
	}
}

// TestManySpecks checks that an image peppered with thousands of specks is
// handled (it used to take time quadratic in the specks).
func TestManySpecks(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	g := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range g.Pix {
		g.Pix[i] = 250
		if r.IntN(20) == 0 {
			g.Pix[i] = 0
		}
	}
	if _, err := Preprocess(g); err != nil && !errors.Is(err, ErrNoInk) {
		t.Error(err)
	}
	if _, err := Segment(g); err != nil && !errors.Is(err, ErrNoInk) {
		t.Error(err)
	}
}

func TestRemoveRuledLines(t *testing.T) {
	const w, h = 300, 200
	page := func(lines int) plane {
		p := newPlane(w, h)
		for k := range lines {
			y := 20 + 40*k
			for x := range w {
				for d := range 4 { // a thick line: the crossing test must look past it
					p.p[(y+d)*w+x] = 0.8
				}
			}
		}
		for y := 10; y < 190; y++ { // a stroke crossing them
			for x := 150; x < 156; x++ {
				p.p[y*w+x] = 0.9
			}
		}
		return p
	}
	p := page(5)
	removeRuledLines(p, 0.5, 0.5)
	if v := p.p[60*w+50]; v != 0 {
		t.Errorf("ruled line left: %v", v)
	}
	for y := 10; y < 190; y++ {
		if p.p[y*w+152] != 0.9 {
			t.Fatalf("stroke cut at y=%d", y)
		}
	}
	// Three lines are not a ruling: a tight crop of a Z-like 2 has two bars,
	// "111" three strokes.
	p = page(3)
	removeRuledLines(p, 0.5, 0.5)
	if v := p.p[60*w+50]; v != 0.8 {
		t.Errorf("three bars were removed")
	}
	// Squared paper: columns too.
	p = newPlane(w, h)
	for i := range w * h {
		if (i%w)%25 == 0 || (i/w)%25 == 0 {
			p.p[i] = 0.7
		}
	}
	removeRuledLines(p, 0.5, 0.5)
	for i, v := range p.p {
		if v != 0 {
			t.Fatalf("grid left at (%d,%d)", i%w, i/w)
		}
	}
	// A faint grid (0.3) that uneven light lifts above the threshold (0.5)
	// in patches, with a stroke crossing it: found at the faint level
	// (0.25), the whole grid goes, patches too, and the stroke stays.
	// Found at the threshold, the patches were too short to be a line.
	p = newPlane(w, h)
	for i := range w * h {
		x, y := i%w, i/w
		if x%25 == 0 || y%25 == 0 {
			p.p[i] = 0.3
			if x > 200 && y < 80 {
				p.p[i] = 0.6
			}
		}
		if x >= 160 && x < 166 && y >= 30 && y < 170 {
			p.p[i] = 0.9
		}
	}
	faintGrid := slices.Clone(p.p)
	removeRuledLines(p, 0.5, 0.25)
	for i, v := range p.p {
		if x, y := i%w, i/w; v != 0 && (x < 160 || x >= 166 || y < 30 || y >= 170) {
			t.Fatalf("grid left at (%d,%d): %v", x, y, v)
		}
	}
	for y := 30; y < 170; y++ {
		if p.p[y*w+162] != 0.9 {
			t.Fatalf("stroke cut at y=%d", y)
		}
	}
	// Dark dashes (most of the marks above the threshold) that join up
	// only at the faint level: a texture, not paper. They stay.
	for i, v := range faintGrid {
		if x, y := i%w, i/w; v == 0.3 && (x+y)%12 < 7 {
			faintGrid[i] = 0.7
		}
	}
	p.p = slices.Clone(faintGrid)
	removeRuledLines(p, 0.5, 0.25)
	if !slices.Equal(p.p, faintGrid) {
		t.Error("dark marks found only at the faint level were removed")
	}
}

func TestMarkLinesPiecesAndAlone(t *testing.T) {
	// A margin line broken in three, and a digit-sized blob.
	comps := []component{
		{area: 200, box: image.Rect(30, 0, 32, 100)},
		{area: 200, box: image.Rect(30, 102, 32, 200)},
		{area: 190, box: image.Rect(31, 203, 33, 300)},
		{area: 3000, box: image.Rect(100, 100, 160, 200)},
	}
	markLines(comps, 400, 300)
	if !comps[0].line || !comps[1].line || !comps[2].line || comps[3].line {
		t.Errorf("broken margin line: %v %v %v, blob %v", comps[0].line, comps[1].line, comps[2].line, comps[3].line)
	}
	// A thin 1 cropped tight is all there is: not a line.
	one := []component{{area: 600, box: image.Rect(0, 0, 3, 200)}, {area: 2, box: image.Rect(1, 1, 2, 3)}}
	markLines(one, 3, 200)
	if one[0].line {
		t.Error("a lone 1 was taken for a line")
	}
}

// TestPolarityTightHeavyOne checks the prior for a border split between
// ink and paper: a fat dark 1 cropped so tight that it runs along both
// sides is read as dark ink.
func TestPolarityTightHeavyOne(t *testing.T) {
	pl := fill(40, 200, 0.95)
	for y := range 200 {
		for x := 4 + y/40; x < 36-(4-y/40); x++ {
			pl.p[y*40+x] = 0.1
		}
	}
	if dark, ok := polarity(pl); !ok || !dark {
		t.Errorf("dark %v ok %v, want dark ink", dark, ok)
	}
}
