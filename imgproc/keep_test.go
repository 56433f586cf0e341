package imgproc

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// These tests hold the preparation fixes of issue 11, each with an image
// that was prepared wrongly before: the digit lost a stroke, was split
// into a number, or had its loop opened.

// loadTestdata decodes testdata/name.
func loadTestdata(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := Decode(f, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// paper returns a w x h page of light grey paper.
func paper(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	return img
}

// pen draws a polyline of the given width through pts in ink of level
// (0 black .. 255 paper), anti-aliased, darkening what is there.
func pen(img *image.Gray, width float64, level uint8, pts ...[2]float64) {
	b := img.Bounds()
	for k := 0; k+1 < len(pts); k++ {
		a, c := pts[k], pts[k+1]
		dx, dy := c[0]-a[0], c[1]-a[1]
		l2 := dx*dx + dy*dy
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				px, py := float64(x)+0.5-a[0], float64(y)+0.5-a[1]
				t := 0.0
				if l2 > 0 {
					t = min(1, max(0, (px*dx+py*dy)/l2))
				}
				cov := min(1, max(0, width/2+0.5-math.Hypot(px-t*dx, py-t*dy)))
				if cov == 0 {
					continue
				}
				v := float64(img.Pix[y*img.Stride+x])
				img.Pix[y*img.Stride+x] = uint8(min(v, v+(float64(level)-v)*cov))
			}
		}
	}
}

// arcPoints returns points on a circle about (cx, cy) from angle a0 to a1
// (radians, y down).
func arcPoints(cx, cy, r, a0, a1 float64) [][2]float64 {
	var pts [][2]float64
	for i := 0; i <= 32; i++ {
		a := a0 + (a1-a0)*float64(i)/32
		pts = append(pts, [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)})
	}
	return pts
}

// TestTightOpenFourKeepsStem: in a crop tight around an open 4 whose bar
// stops short of the stem, the stem runs from the top edge to the bottom
// one, thin and alone, like a ruled line. It used to be erased, leaving an
// "L" read as 6. It is the digit's own stroke: beside the rest of the
// digit, alongside it for half its length, not much longer than the digit.
func TestTightOpenFourKeepsStem(t *testing.T) {
	draw := func(joined bool) *image.Gray {
		img := paper(130, 200)
		bar := 88.0
		if joined {
			bar = 100 // touching the stem
		}
		pen(img, 10, 30, [2]float64{18, 0}, [2]float64{12, 115}, [2]float64{bar, 115})
		pen(img, 10, 30, [2]float64{100, 0}, [2]float64{100, 200})
		return img
	}
	got, err := Preprocess(draw(false))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Preprocess(draw(true)) // the bar touches the stem: one piece
	if err != nil {
		t.Fatal(err)
	}
	if c := correlation(Pixels(got), Pixels(want)); c < 0.9 {
		t.Errorf("correlation with the joined 4 is %.2f, want ≥ 0.9: the stem was lost", c)
	}
	// A margin line beside a digit, and a ruling under it, are still
	// lines: far from the digit, or much longer than it.
	img := paper(400, 300)
	pen(img, 6, 30, [2]float64{40, 0}, [2]float64{40, 300})     // margin
	pen(img, 6, 30, [2]float64{60, 250}, [2]float64{400, 250})  // ruling
	pen(img, 10, 30, [2]float64{200, 60}, [2]float64{200, 200}) // a 1
	pen(img, 10, 30, [2]float64{170, 90}, [2]float64{200, 60})  // its flag
	a, err := analyse(img)
	if err != nil {
		t.Fatal(err)
	}
	var lines int
	for _, c := range a.comps {
		if c.line {
			lines++
		}
	}
	if lines != 2 {
		t.Errorf("%d components taken for lines, want the margin and the ruling", lines)
	}
}

// TestSegmentOverlappingPieces: pieces whose horizontal extents overlap
// belong to one digit. An open 4 in two strokes whose stem leans over the
// end of its bar, and a 0 broken into two arcs, used to be split into two
// glyphs and read as a number ("11", "10").
func TestSegmentOverlappingPieces(t *testing.T) {
	four := paper(300, 300)
	pen(four, 9, 30, [2]float64{95, 20}, [2]float64{80, 165}, [2]float64{170, 165})
	pen(four, 9, 30, [2]float64{196, 50}, [2]float64{168, 250})
	// A slanted 0 broken at its top and bottom: the halves overlap in x.
	zero := paper(300, 300)
	half := func(a0, a1 float64) [][2]float64 {
		var pts [][2]float64
		sin, cos := math.Sincos(0.25)
		for i := 0; i <= 32; i++ {
			a := a0 + (a1-a0)*float64(i)/32
			x, y := 50*math.Cos(a), 95*math.Sin(a)
			pts = append(pts, [2]float64{150 + x*cos - y*sin, 150 + x*sin + y*cos})
		}
		return pts
	}
	pen(zero, 9, 30, half(math.Pi*0.6, math.Pi*1.4)...)
	pen(zero, 9, 30, half(-math.Pi*0.4, math.Pi*0.4)...)
	for _, c := range []struct {
		name string
		img  *image.Gray
	}{{"open 4", four}, {"broken 0", zero}} {
		got, err := Segment(c.img)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("%s: %d glyphs, want 1", c.name, len(got))
		}
	}
	// Two digits side by side stay two, even close together.
	pair := paper(400, 300)
	pen(pair, 9, 30, [2]float64{120, 60}, [2]float64{120, 240})
	pen(pair, 9, 30, [2]float64{160, 60}, [2]float64{250, 60}, [2]float64{190, 240})
	if got, err := Segment(pair); err != nil || len(got) != 2 {
		t.Errorf("a 1 beside a 7: %d glyphs (%v), want 2", len(got), err)
	}
}

// TestFaintLoopKept: a ballpoint pressed lightly for part of a 9's loop
// leaves a stretch fainter than the threshold. Dropping it opened the
// loop, and the 9 was read as a 3 (or a 7). Hysteresis keeps faint ink
// that joins strong ink, so the loop stays closed.
func TestFaintLoopKept(t *testing.T) {
	img := paper(300, 360)
	// The loop, strong on the right, faint over the top left.
	pen(img, 8, 40, arcPoints(150, 110, 60, -math.Pi*0.4, math.Pi*0.9)...)
	pen(img, 8, 150, arcPoints(150, 110, 60, math.Pi*0.9, math.Pi*1.6)...)
	pen(img, 8, 40, [2]float64{210, 110}, [2]float64{200, 320}) // the tail
	got, err := Segment(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Signals.Holes != 1 {
		t.Fatalf("%d glyphs, holes %+v: the loop is open", len(got), got[0].Signals)
	}
	// Faint ruled lines touching a digit are not taken in.
	lined := paper(400, 300)
	for y := 40.0; y < 300; y += 40 {
		pen(lined, 2, 200, [2]float64{0, y}, [2]float64{400, y})
	}
	pen(lined, 9, 30, [2]float64{200, 80}, [2]float64{200, 240})
	g, err := Preprocess(lined)
	if err != nil {
		t.Fatal(err)
	}
	x0, _, x1, _, _, _ := inkGeometry(g)
	if x1-x0 > 6 {
		t.Errorf("a 1 on faint ruled paper came out %d pixels wide: the lines were taken in", x1-x0+1)
	}
}

// TestTightHeavyOne: a heavy MNIST 1 cropped tight (the fixtures' "tight"
// kind, testdata/tight-heavy-1.png) was prepared as a few dots and read as
// 3. Its stroke runs along the border, so the page looked unevenly lit,
// and the local background window, narrower than the stroke, took the
// stroke for background.
func TestTightHeavyOne(t *testing.T) {
	a, err := analyse(loadTestdata(t, "tight-heavy-1.png"))
	if err != nil {
		t.Fatal(err)
	}
	tallest := 0
	for _, c := range a.comps {
		tallest = max(tallest, c.box.Dy())
	}
	if tallest*10 < a.ink.h*8 {
		t.Errorf("the tallest piece of ink is %d of %d pixels high, want the whole stroke", tallest, a.ink.h)
	}
}

// TestSegmentOpenFourWithGap: an open 4 in two strokes, the bar stopping
// short of the stem, was split into "L" and "1" and read as a number
// ("61"). A 2 or a closed 4 beside a 1 stays two digits.
func TestSegmentOpenFourWithGap(t *testing.T) {
	four := paper(300, 300)
	pen(four, 9, 30, [2]float64{100, 40}, [2]float64{95, 175}, [2]float64{168, 175})
	pen(four, 9, 30, [2]float64{182, 30}, [2]float64{182, 250})
	if got, err := Segment(four); err != nil || len(got) != 1 {
		t.Errorf("open 4 with a gap: %d glyphs (%v), want 1", len(got), err)
	}
	two := paper(400, 300)
	pen(two, 9, 30, arcPoints(130, 100, 45, -math.Pi, 0.2)...)
	pen(two, 9, 30, [2]float64{173, 110}, [2]float64{85, 240}, [2]float64{180, 240})
	pen(two, 9, 30, [2]float64{200, 55}, [2]float64{200, 245})
	fourOne := paper(400, 300)
	pen(fourOne, 9, 30, [2]float64{150, 60}, [2]float64{150, 240})
	pen(fourOne, 9, 30, [2]float64{150, 60}, [2]float64{90, 180}, [2]float64{175, 180})
	pen(fourOne, 9, 30, [2]float64{195, 60}, [2]float64{195, 240})
	for _, c := range []struct {
		name string
		img  *image.Gray
	}{{"21", two}, {"41", fourOne}} {
		if got, err := Segment(c.img); err != nil || len(got) != 2 {
			t.Errorf("%s: %d glyphs (%v), want 2", c.name, len(got), err)
		}
	}
}

// TestHairThinStaysOneDigit: a digit drawn with a 1-pixel pen on a large
// canvas (the style set's thin kinds) is an anti-aliased staircase whose
// steps fall under the threshold, so its ink came apart into a dozen
// pieces; with the bar of a flat-topped 6 or the tail of a 9 in pieces
// beside the rest, they were read as two or three digits ("56", "918").
// The faint pixels at each step bridge the pieces. want is the box of
// the whole digit, which the glyph must cover.
func TestHairThinStaysOneDigit(t *testing.T) {
	for _, tc := range []struct {
		file string
		want image.Rectangle
	}{
		{"hair-flat-six.png", image.Rect(118, 161, 301, 440)},
		{"hair-nine-straight-tail.png", image.Rect(156, 42, 308, 197)},
		{"hair-nine.png", image.Rect(162, 57, 298, 293)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if g := soleGlyph(t, tc.file); !tc.want.In(g.Box) {
				t.Errorf("glyph %v, want it to cover the digit %v", g.Box, tc.want)
			}
		})
	}
}

// TestBridgeSkipsRulingStubs: a pencil 8 on ruled paper. Stubs of the
// faint rulings stay above the threshold beside the digit, and faint ink
// joins them to it; a bridge there took the stubs into the digit, which
// then spanned the page and read as nothing. A bridge must be as wide as
// the strokes it joins.
func TestBridgeSkipsRulingStubs(t *testing.T) {
	if b := soleGlyph(t, "notebook-pencil-8.jpg").Box; b.Dx() >= b.Dy() {
		t.Errorf("glyph %v is wider than tall: the rulings' stubs were taken into the 8", b)
	}
}

// TestFaintStepsBridge: the unit under the tests above. Strong pieces of
// a line, each step joined to the next only through faint pixels, become
// one component; a faint pixel beside only one piece (a soft edge) joins
// nothing, and a faint pixel touching a thick stroke and a thin stub
// leaves them apart.
func TestFaintStepsBridge(t *testing.T) {
	const w, h = 40, 20
	ink := plane{w: w, h: h, p: make([]float32, w*h)}
	set := func(x, y int, v float32) { ink.p[y*w+x] = v }
	// A staircase: runs of strong ink on rows 5, 6 and 7, each run's
	// end diagonally next to a faint pixel that also touches the next run.
	for x := 2; x < 10; x++ {
		set(x, 5, 1)
	}
	set(10, 5, 0.3)
	set(10, 6, 0.3)
	for x := 11; x < 19; x++ {
		set(x, 6, 1)
	}
	set(19, 6, 0.3)
	set(19, 7, 0.3)
	for x := 20; x < 28; x++ {
		set(x, 7, 1)
	}
	// A thick blob and a thin stub with a faint pixel between them.
	for y := 12; y < 19; y++ {
		for x := 2; x < 9; x++ {
			set(x, y, 1)
		}
	}
	set(9, 15, 0.3)
	for x := 10; x < 16; x++ {
		set(x, 15, 1)
	}
	const floor, thresh = 0.05, 0.5
	labels, comps := components(ink, thresh)
	if len(comps) != 5 {
		t.Fatalf("%d components before, want 5", len(comps))
	}
	comps = keepFaintStrokes(ink, floor, thresh, labels, comps)
	if len(comps) != 3 {
		t.Fatalf("%d components after, want the staircase as one, the blob and the stub", len(comps))
	}
	if a, b := labels[5*w+2], labels[7*w+27]; a == 0 || a != b {
		t.Errorf("the staircase's ends have labels %d and %d, want one", a, b)
	}
	if a, b := labels[15*w+2], labels[15*w+12]; a == b {
		t.Errorf("the blob and the stub share label %d", a)
	}
	for i, l := range labels {
		if l < 0 || int(l) > len(comps) {
			t.Fatalf("pixel %d has label %d of %d components", i, l, len(comps))
		}
	}
	area := 0
	for _, c := range comps {
		area += c.area
	}
	if want := 8*3 + 4 + 7*7 + 6; area != want {
		t.Errorf("components hold %d pixels, want %d (the strong ones and the 4 bridging)", area, want)
	}
}

// TestNoisyPhotoStaysOneStroke: a dim phone photo of grey paper, whose
// sensor noise is about a tenth of the ink's contrast. Thresholded as it
// was, the thick strokes of its 6 came out riddled with pinholes: 460
// closed loops and 21 pieces, so the reading, right, was flagged as not a
// digit. Smoothed first, they are solid.
func TestNoisyPhotoStaysOneStroke(t *testing.T) {
	if s := soleGlyph(t, "noisy-photo-6.jpg").Signals; s.Holes != 1 || s.Pieces != 1 {
		t.Errorf("signals %+v: want the 6's one loop in one piece", s)
	}
}

// TestSegmentOffersJoinedPieces: digits whose stroke broke into two
// pieces a gap apart (a thin 8, a dotted 8 from a drawing app, a 5 whose
// cap was lifted off) were read as the numbers 87, 83 and 54. Whether two
// close pieces are one digit or two is for the model to say, so Segment
// offers them joined as well; digits side by side, wider together than a
// digit, are not offered.
func TestSegmentOffersJoinedPieces(t *testing.T) {
	for _, file := range []string{"broken-eight.png", "dotted-eight.png", "lifted-cap-five.jpg"} {
		t.Run(file, func(t *testing.T) {
			gs, err := Segment(loadTestdata(t, file))
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 2 || gs[0].Joined == nil {
				t.Fatalf("%d glyphs, the first joined to the next: %v; want two pieces offered joined", len(gs), len(gs) > 0 && gs[0].Joined != nil)
			}
			if want := gs[0].Box.Union(gs[1].Box); gs[0].Joined.Box != want {
				t.Errorf("joined box %v, want %v around both pieces", gs[0].Joined.Box, want)
			}
			if gs[1].Joined != nil {
				t.Error("the last glyph has nothing to join")
			}
		})
	}
	two := paper(400, 200)
	pen(two, 10, 20, [2]float64{100, 40}, [2]float64{100, 160}) // 1
	pen(two, 10, 20, arcPoints(270, 100, 55, 0, 2*math.Pi)...)  // 0
	gs, err := Segment(two)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[0].Joined != nil {
		t.Errorf("\"10\": %d glyphs, first offered joined %v; want two apart", len(gs), len(gs) > 0 && gs[0].Joined != nil)
	}
}

// TestFaintGridPatches: digits on squared paper photographed under uneven
// light, whose faint grid rises above the threshold in patches. The
// patches were kept as ink: beside the 4 they made a second digit (read
// "45"), under the 5 a tail that made it a 2. Rulings are now found at the
// faint level, where the grid runs unbroken across the page.
func TestFaintGridPatches(t *testing.T) {
	for _, tc := range []struct {
		file string
		// the digit's box in source pixels, within a few pixels
		box image.Rectangle
	}{
		{"squared-paper-4.jpg", image.Rect(264, 137, 382, 341)},
		{"squared-paper-5.jpg", image.Rect(181, 169, 388, 414)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if b := soleGlyph(t, tc.file).Box; !near(b, tc.box, 4) {
				t.Errorf("glyph box %v, want about %v: grid taken into the digit", b, tc.box)
			}
		})
	}
}

// soleGlyph segments a testdata upload of one digit and returns its one
// glyph, failing the test if Segment found any other number of marks.
func soleGlyph(t *testing.T, name string) Glyph {
	t.Helper()
	gs, err := Segment(loadTestdata(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 {
		var boxes []image.Rectangle
		for _, g := range gs {
			boxes = append(boxes, g.Box)
		}
		t.Fatalf("%d glyphs %v, want one digit", len(gs), boxes)
	}
	return gs[0]
}

// near reports whether every edge of a is within d pixels of b's.
func near(a, b image.Rectangle, d int) bool {
	abs := func(v int) int { return max(v, -v) }
	return abs(a.Min.X-b.Min.X) <= d && abs(a.Min.Y-b.Min.Y) <= d && abs(a.Max.X-b.Max.X) <= d && abs(a.Max.Y-b.Max.Y) <= d
}
