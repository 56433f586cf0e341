package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/image/draw"

	"digitnet/internal/testenv"
	"digitnet/recognize"
)

// The end-to-end test drives the real page in Debian's chromium against the
// real embedded model, at desktop and phone sizes: uploads (ten digits, then
// a batch of 99 with an error and a doubtful reading), the drawing pad
// (a digit and a number), filters, remove, retry and clear, CSV and JSON
// downloads, the digit boxes on thumbnails, keyboard use, and a server that
// stops answering.
//
// Locally it is skipped when chromium or the model is missing; in CI
// (CI=true) either is a failure. -short skips it everywhere. Environment:
//
//	DIGITNET_CHROMIUM            browser binary (default /usr/bin/chromium, then chromium on $PATH)
//	DIGITNET_SCREENSHOTS         folder for the screenshots (default: a temporary folder)
//	DIGITNET_README_SCREENSHOT=1 also write ../docs/screenshot.png (desktop, whole page) and
//	                             ../docs/screenshot-phone.png (a phone's screen after an upload)

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DIGITNET_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Missing(t, "chromium not found (apt-get install chromium, or set DIGITNET_CHROMIUM)")
	}
	return p
}

// newBrowser starts a headless chromium with a fresh profile and returns a
// chromedp context for one tab.
func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelTab)
	// Start the browser now, on a context without a deadline (see chromedp.Run).
	if err := chromedp.Do(bctx); err != nil {
		testenv.Missing(t, "chromium does not start here: %v", err)
	}
	return bctx
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DIGITNET_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// saveScreenshot captures the whole page, or with full false what the
// screen shows, as dir/name, and also as ../docs/readme when
// DIGITNET_README_SCREENSHOT=1.
func saveScreenshot(t *testing.T, ctx context.Context, full bool, dir, name, readme string) {
	t.Helper()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if os.Getenv("DIGITNET_README_SCREENSHOT") == "1" && readme != "" {
		path := filepath.Join("..", "docs", readme)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
}

// card is a gallery entry as the page shows it.
type card struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	Digit     string `json:"digit"`
	Uncertain bool   `json:"uncertain"`
	Error     string `json:"error"`
	Hidden    bool   `json:"hidden"`
	Retry     bool   `json:"retry"` // a Retry button is shown
}

const readGallery = `[...document.querySelectorAll('#gallery .result')].map(li => ({
	name: li.dataset.name, state: li.dataset.state, digit: li.dataset.digit || "",
	uncertain: li.dataset.uncertain === "true", hidden: li.hidden,
	error: li.querySelector('.res-error').hidden ? "" : li.querySelector('.res-error-msg').textContent,
	retry: !li.querySelector('.retry').hidden}))`

// readCards returns the gallery's cards in order.
func readCards(t *testing.T, ctx context.Context) []card {
	t.Helper()
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]card](readGallery))
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

// uploadFiles sends files through the file input and waits until the gallery
// holds want cards and none is still being read.
func uploadFiles(t *testing.T, ctx context.Context, paths []string, want int) []card {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#files"), paths),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll('#gallery .result').length === %d &&
			!document.querySelector('#gallery .result[data-state="pending"]') &&
			document.querySelector('#status').textContent.startsWith('%d of %d read')`, want, want, want),
			chromedp.WithPollingTimeout(20*time.Second)),
	)
	if err != nil {
		cards, _ := chromedp.Run(ctx, chromedp.Evaluate[[]card](readGallery))
		t.Fatalf("waiting for %d results: %v; gallery: %+v", want, err, cards)
	}
	return readCards(t, ctx)
}

// evalPage runs a script and fails the test if it throws.
func evalPage[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("%v\nscript: %s", err, script)
	}
	return v
}

// act runs browser actions and fails the test, saying what it was doing,
// if one fails.
func act(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitUntil waits up to 10 s for a script to return a truthy value.
func waitUntil(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting until %s (%s): %v", what, expr, err)
	}
}

// ---- fixtures ----------------------------------------------------------------

// pageFixtures are the files the test uploads, written once to a folder.
type pageFixtures struct {
	dir    string
	digits []string       // the first MNIST test image of each digit, 0 to 9
	batch  []string       // 99 files: MNIST digits, the letter and the text file
	labels map[string]int // file name -> label of the MNIST digits in batch
	photo  string         // a small 8 in a big photo
	letter string         // a hand-drawn capital A: not a digit
	notes  string         // a text file: not an image
	strip  string         // the number 2026 in one image
}

func (f *pageFixtures) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newPageFixtures(t *testing.T) *pageFixtures {
	t.Helper()
	f := &pageFixtures{dir: t.TempDir(), labels: map[string]int{}}
	images, labels := mnistTestImages(t, 97)
	var first [10][]byte
	for i, px := range images {
		if first[labels[i]] == nil {
			first[labels[i]] = px
		}
		name := fmt.Sprintf("scan-%03d.png", i+1)
		f.labels[name] = int(labels[i])
		f.batch = append(f.batch, f.write(t, name, fastPNG(t, userPhoto(px))))
	}
	for d, px := range first {
		if px == nil {
			t.Fatalf("no %d among the first %d MNIST test images", d, len(images))
		}
		f.digits = append(f.digits, f.write(t, fmt.Sprintf("digit-%d.png", d), fastPNG(t, userPhoto(px))))
	}
	f.letter = f.write(t, "letter-a.png", fastPNG(t, penStrokes(160, 160, 11,
		[][2]float64{{32, 140}, {80, 22}, {128, 140}}, [][2]float64{{52, 96}, {108, 96}})))
	f.photo = f.write(t, "photo-small-8.png", fastPNG(t, smallInPhoto(first[8])))
	f.notes = f.write(t, "notes.txt", []byte("shopping: milk, eggs, 12 apples\n"))
	f.strip = f.write(t, "year-2026.png", fastPNG(t, numberStrip(first[2], first[0], first[2], first[6])))

	// The odd ones go in the middle, as they would in a real folder.
	f.batch = slices.Insert(f.batch, 40, f.letter)
	f.batch = slices.Insert(f.batch, 70, f.notes)
	return f
}

// fastPNG encodes for the test's own use: a hundred files at the best
// compression would cost seconds.
func fastPNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mnistTestImages returns the first n MNIST test images (28x28, white on
// black) and their labels.
func mnistTestImages(tb testing.TB, n int) ([][]byte, []byte) {
	tb.Helper()
	dir := mnistDir(tb)
	images := readGz(tb, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	labels := readGz(tb, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	var out [][]byte
	for i := range n {
		out = append(out, images[16+i*784:16+(i+1)*784])
	}
	return out, labels[8 : 8+n]
}

// penStrokes draws dark pen strokes of the given width on paper, as a
// scanned drawing would look.
func penStrokes(w, h int, width float64, strokes ...[][2]float64) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{246, 244, 238, 255}), image.Point{}, draw.Src)
	ink := color.RGBA{30, 34, 45, 255}
	r := width / 2
	for _, s := range strokes {
		for i := 1; i < len(s); i++ {
			x0, y0, x1, y1 := s[i-1][0], s[i-1][1], s[i][0], s[i][1]
			steps := int(math.Hypot(x1-x0, y1-y0)) + 1
			for k := 0; k <= steps; k++ {
				cx, cy := x0+(x1-x0)*float64(k)/float64(steps), y0+(y1-y0)*float64(k)/float64(steps)
				for y := int(cy - r); y <= int(cy+r); y++ {
					for x := int(cx - r); x <= int(cx+r); x++ {
						if math.Hypot(float64(x)-cx, float64(y)-cy) <= r {
							img.Set(x, y, ink)
						}
					}
				}
			}
		}
	}
	return img
}

// numberStrip puts MNIST digits side by side on one sheet of paper.
func numberStrip(digits ...[]byte) image.Image {
	const tile = 130 // each photo is 160 px wide with the digit in the middle
	img := image.NewRGBA(image.Rect(0, 0, tile*len(digits)+30, 160))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{246, 244, 238, 255}), image.Point{}, draw.Src)
	for i, px := range digits {
		draw.Draw(img, image.Rect(i*tile, 0, i*tile+160, 160), userPhoto(px), image.Point{15, 0}, draw.Src)
	}
	return img
}

// smallInPhoto puts a digit about 40 px tall in a 1000x750 photo of paper,
// off centre, as a phone snapshot of a note would show it.
func smallInPhoto(digit []byte) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 1000, 750))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{246, 244, 238, 255}), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(img, image.Rect(600, 380, 664, 444), userPhoto(digit), image.Rect(0, 0, 160, 160), draw.Src, nil)
	return img
}

// apiResult is one result of POST /api/v1/predict, as the test needs it.
type apiResult struct {
	Name       string  `json:"name"`
	Digit      int     `json:"digit"`
	Confidence float64 `json:"confidence"`
	Top3       []struct {
		Digit       int     `json:"digit"`
		Probability float64 `json:"probability"`
	} `json:"top3"`
	Box       struct{ X, Y, W, H float64 } `json:"box"`
	Uncertain bool                         `json:"uncertain"`
	Reason    string                       `json:"reason"`
	Number    string                       `json:"number"`
	Digits    []apiResult                  `json:"digits"`
	Error     string                       `json:"error"`
}

// askAPI reads one file through the API directly, to learn what the page
// should show for it.
func askAPI(t *testing.T, url, path string) apiResult {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("images", filepath.Base(path))
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(url+"/api/v1/predict", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Results []apiResult }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Results) != 1 {
		t.Fatalf("POST %s: status %d, %v", path, resp.StatusCode, err)
	}
	return out.Results[0]
}

// flagReader is the real model, except that it reports the images listed in
// flagged as uncertain: the page's handling of doubtful readings is tested
// whatever the embedded model flags itself.
type flagReader struct {
	Reader
	flagged map[[32]byte]bool
}

func (f flagReader) Read(r io.Reader) (recognize.Reading, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return recognize.Reading{}, err
	}
	res, err := f.Reader.Read(bytes.NewReader(data))
	if err == nil && f.flagged[sha256.Sum256(data)] {
		res.Uncertain = true
	}
	return res, err
}

func flagFiles(t *testing.T, paths ...string) map[[32]byte]bool {
	t.Helper()
	m := map[[32]byte]bool{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m[sha256.Sum256(data)] = true
	}
	return m
}

// serveAgain serves h again on the address of a closed test server, so that
// the page, still open, can reach it.
func serveAgain(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// ---- drawing -----------------------------------------------------------------

// drawStrokes draws on the pad, with the left mouse button or, with touch,
// a finger; each stroke is a polyline in fractions of the pad's size.
func drawStrokes(t *testing.T, ctx context.Context, touch bool, strokes ...[][2]float64) {
	t.Helper()
	type rect struct{ X, Y, W, H float64 }
	// A smooth scroll the page started (after an upload, say) may still
	// be moving the pad: wait until it stays put, or the strokes land
	// beside it.
	var r rect
	for i := range 40 {
		got := evalPage[rect](t, ctx, `(() => {
			const c = document.querySelector('#pad');
			c.scrollIntoView({block: 'center'});
			const r = c.getBoundingClientRect();
			return {X: r.left, Y: r.top, W: r.width, H: r.height};
		})()`)
		if i > 0 && got == r {
			break
		}
		r = got
		time.Sleep(50 * time.Millisecond)
	}
	pt := func(p [2]float64) (float64, float64) { return r.X + p[0]*r.W, r.Y + p[1]*r.H }
	held := func(p *input.DispatchMouseEventParams) { p.Button = input.MouseButtonLeft; p.Buttons = 1 }
	finger := func(typ input.DispatchTouchEventType, x, y float64) chromedp.Action[chromedp.Void] {
		p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
		if typ != input.DispatchTouchEventTypeTouchEnd { // an end has no points
			id := 0.0
			p.TouchPoints = append(p.TouchPoints, &input.TouchPoint{X: x, Y: y, ID: &id})
		}
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, p)
			return err
		})
	}
	press := func(x, y float64) chromedp.Action[chromedp.Void] {
		if touch {
			return finger(input.DispatchTouchEventTypeTouchStart, x, y)
		}
		return chromedp.MouseEvent(chromedp.MousePressed, x, y, held, chromedp.ClickCount(1))
	}
	move := func(x, y float64) chromedp.Action[chromedp.Void] {
		if touch {
			return finger(input.DispatchTouchEventTypeTouchMove, x, y)
		}
		return chromedp.MouseEvent(chromedp.MouseMoved, x, y, held)
	}
	release := func(x, y float64) chromedp.Action[chromedp.Void] {
		if touch {
			return finger(input.DispatchTouchEventTypeTouchEnd, x, y)
		}
		return chromedp.MouseEvent(chromedp.MouseReleased, x, y, held, chromedp.ClickCount(1))
	}
	var steps []chromedp.Action[chromedp.Void]
	for _, stroke := range strokes {
		steps = append(steps, press(pt(stroke[0])))
		for i := 1; i < len(stroke); i++ {
			x0, y0 := pt(stroke[i-1])
			x1, y1 := pt(stroke[i])
			n := int(math.Max(2, math.Hypot(x1-x0, y1-y0)/10)) // a move every ~10 px
			for k := 1; k <= n; k++ {
				f := float64(k) / float64(n)
				steps = append(steps, move(x0+f*(x1-x0), y0+f*(y1-y0)),
					chromedp.Sleep(4*time.Millisecond)) // lets the live prediction fire mid-stroke
			}
		}
		steps = append(steps, release(pt(stroke[len(stroke)-1])))
	}
	act(t, ctx, "drawing", steps...)
}

// padView is what the drawing pad shows.
type padView struct {
	State, Digit, Conf string
	Parts              []struct {
		Head   string
		Bars   int
		Inputs int
	}
}

const readPad = `({State: document.querySelector('#pad').dataset.state || '',
	Digit: document.querySelector('#pad').dataset.digit || '',
	Conf: document.querySelector('#draw-conf').textContent,
	Parts: [...document.querySelectorAll('#draw-parts .part')].map(p => ({
		Head: p.querySelector('.part-head')?.textContent || '',
		Bars: p.querySelectorAll('.bar').length,
		Inputs: p.querySelectorAll('img.pixel').length}))})`

func waitPad(t *testing.T, ctx context.Context, want string) padView {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`document.querySelector('#pad').dataset.digit === %q`, want), chromedp.WithPollingTimeout(10*time.Second)))
	got := evalPage[padView](t, ctx, readPad)
	if err != nil {
		t.Fatalf("the pad did not read %q: %v; it shows %+v", want, err, got)
	}
	return got
}

var (
	seven = [][2]float64{{0.25, 0.22}, {0.72, 0.22}, {0.62, 0.45}, {0.45, 0.82}}
	// 17: a one on the left, a seven on the right, apart.
	one17   = [][2]float64{{0.22, 0.2}, {0.22, 0.8}}
	seven17 = [][2]float64{{0.45, 0.22}, {0.82, 0.22}, {0.72, 0.45}, {0.58, 0.8}}
	// A scribble: a zigzag back and forth across the pad.
	scribble = [][2]float64{{0.2, 0.25}, {0.8, 0.3}, {0.25, 0.4}, {0.78, 0.48}, {0.22, 0.56}, {0.8, 0.62}, {0.2, 0.72}, {0.75, 0.8}}
	// A European 1: a long flag down to the left from the top, no base.
	europeanOne = [][][2]float64{{{0.36, 0.36}, {0.56, 0.18}}, {{0.56, 0.18}, {0.55, 0.82}}}
)

// ---- layout checks -------------------------------------------------------------

// checkLayout checks what must hold at every width: nothing scrolls
// sideways, no Copy button covers its command, every thumbnail box sits
// where the API says the digit is.
func checkLayout(t *testing.T, ctx context.Context, width string) {
	t.Helper()
	if evalPage[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Errorf("%s: the page scrolls sideways", width)
	}
	overlaps := evalPage[[]string](t, ctx, `[...document.querySelectorAll('.copy')].flatMap(b => {
		const r = b.getBoundingClientRect();
		return [...document.querySelectorAll('.code code')].filter(c => {
			const q = c.getBoundingClientRect();
			return r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom;
		}).map(c => b.dataset.copy + ' covers ' + c.id);
	})`)
	for _, o := range overlaps {
		t.Errorf("%s: %s", width, o)
	}
}

// boxesOnThumb reports the boxes drawn on a card's thumbnail in screen
// pixels, relative to the thumbnail, with the image's natural size and the
// thumbnail's size.
type thumbBoxes struct {
	NatW, NatH, TW, TH float64
	Boxes              []struct{ X, Y, W, H float64 }
}

func readBoxes(t *testing.T, ctx context.Context, name string) thumbBoxes {
	t.Helper()
	return evalPage[thumbBoxes](t, ctx, fmt.Sprintf(`(() => {
		const li = document.querySelector('#gallery .result[data-name=%q]');
		const th = li.querySelector('.thumb'), img = th.querySelector('img'), t = th.getBoundingClientRect();
		return {NatW: img.naturalWidth, NatH: img.naturalHeight, TW: th.clientWidth, TH: th.clientHeight,
			Boxes: [...th.querySelectorAll('rect.box')].map(r => { const b = r.getBoundingClientRect();
				return {X: b.left - t.left - th.clientLeft, Y: b.top - t.top - th.clientTop, W: b.width, H: b.height}; })};
	})()`, name))
}

// checkBoxes compares the boxes drawn on a thumbnail with the API's boxes
// scaled the way object-fit: contain scales the image.
func checkBoxes(t *testing.T, ctx context.Context, url, path, width string) {
	t.Helper()
	name := filepath.Base(path)
	want := askAPI(t, url, path)
	wantBoxes := []apiResult{want}
	if len(want.Digits) > 1 {
		wantBoxes = want.Digits
	}
	waitUntil(t, ctx, "the thumbnail of "+name+" is loaded",
		fmt.Sprintf(`document.querySelector('#gallery .result[data-name=%q] .thumb.has-img')`, name))
	got := readBoxes(t, ctx, name)
	if len(got.Boxes) != len(wantBoxes) {
		t.Fatalf("%s: %s shows %d boxes, want %d", width, name, len(got.Boxes), len(wantBoxes))
	}
	s := math.Min(got.TW/got.NatW, got.TH/got.NatH)
	ox, oy := (got.TW-got.NatW*s)/2, (got.TH-got.NatH*s)/2
	for i, w := range wantBoxes {
		g := got.Boxes[i]
		exp := [4]float64{ox + w.Box.X*s, oy + w.Box.Y*s, w.Box.W * s, w.Box.H * s}
		if math.Abs(g.X-exp[0]) > 1 || math.Abs(g.Y-exp[1]) > 1 || math.Abs(g.W-exp[2]) > 1 || math.Abs(g.H-exp[3]) > 1 {
			t.Errorf("%s: %s box %d drawn at %+v, want %.1f (API box %+v in a %vx%v image, thumbnail %vx%v)",
				width, name, i, g, exp, w.Box, got.NatW, got.NatH, got.TW, got.TH)
		}
	}
}

// resultsInView checks that after an upload the results' status line is on
// screen, so the user sees that something happens.
func resultsInView(t *testing.T, ctx context.Context, width string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(() => {
		const r = document.querySelector('#status').getBoundingClientRect();
		return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
	})()`, chromedp.WithPollingTimeout(3*time.Second)))
	if err != nil {
		top := evalPage[float64](t, ctx, `document.querySelector('#status').getBoundingClientRect().top`)
		t.Errorf("%s: after the upload the results status is at y=%.0f, off screen", width, top)
	}
}

func clearResults(t *testing.T, ctx context.Context) {
	t.Helper()
	act(t, ctx, "clearing the results", chromedp.Click(chromedp.CSS("#clear-results")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#gallery .result').length === 0`))
}

// ---- the test ----------------------------------------------------------------

func TestBrowserEndToEnd(t *testing.T) {
	if testing.Short() {
		// CI runs it in its full `go test ./...` pass, not in the -race -short one.
		t.Skip("skipping the browser test in -short mode")
	}
	rec, err := recognize.Default()
	if err != nil {
		testenv.Missing(t, "the end-to-end test needs the embedded model: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	fx := newPageFixtures(t)
	// plain serves the embedded model as it is; flagging is the same model,
	// except that it calls the letter uncertain.
	plain := httptest.NewServer(NewServer(logger, rec, Options{}))
	t.Cleanup(plain.Close)
	// The page may have at most 4 uploads in flight; peak counts them.
	var inflight, peak atomic.Int32
	flagReading := NewServer(logger, flagReader{Reader: rec, flagged: flagFiles(t, fx.letter)}, Options{})
	flagging := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/predict" {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
		}
		flagReading.ServeHTTP(w, r)
	})
	stub := httptest.NewServer(flagging)
	t.Cleanup(stub.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a guard against hangs, far above the usual run
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	shots := screenshotDir(t)
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	open := func(url string) {
		t.Helper()
		act(t, bctx, "loading the page",
			chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.CSS("#dropzone")),
			chromedp.Poll[chromedp.Void](`document.querySelector('#model-info').textContent !== ''`, chromedp.WithPollingTimeout(5*time.Second)))
	}

	parent := t
	open(plain.URL)
	t.Run("upload ten digits", func(t *testing.T) {
		cards := uploadFiles(t, bctx, fx.digits, 10)
		for i, c := range cards {
			want := fmt.Sprintf("digit-%d.png", i)
			if c.Name != want {
				t.Errorf("card %d is %q, want %q (upload order)", i, c.Name, want)
			}
			if c.State != "done" || c.Digit != strconv.Itoa(i) {
				t.Errorf("card %s: state %q, digit %q, error %q; want digit %d", c.Name, c.State, c.Digit, c.Error, i)
			}
		}
		if got := evalPage[string](t, bctx, `document.querySelector('#status').textContent`); got != "10 of 10 read" {
			t.Errorf("status %q, want %q", got, "10 of 10 read")
		}
		// Nothing is "100% sure": a probability is never rounded up to a certainty.
		if p := evalPage[[]string](t, bctx, `[...document.querySelectorAll('#gallery .pred-conf, #gallery .bar-pct')]
			.map(e => e.textContent).filter(s => /^100(\.0+)?%/.test(s))`); len(p) > 0 {
			t.Errorf("the gallery shows %q", p)
		}
		checkBoxes(t, bctx, plain.URL, fx.digits[3], "desktop")
		// A server without --samples: no corrections, no learning (see
		// e2e_learn_test.go for a server with them).
		if evalPage[bool](t, bctx, `!document.querySelector('#learn').hidden || !!document.querySelector('#gallery .fix-open') ||
			getComputedStyle(document.querySelector('#save-example')).display !== 'none'`) {
			t.Error("without --samples the page shows the controls of learning")
		}
	})

	t.Run("draw a seven", func(t *testing.T) {
		drawStrokes(t, bctx, false, seven)
		got := waitPad(t, bctx, "7")
		if len(got.Parts) != 1 || got.Parts[0].Bars != 3 || got.Parts[0].Inputs != 1 {
			t.Errorf("the pad shows %+v; want one part with 3 bars and the model input", got)
		}
	})

	t.Run("draw a number", func(t *testing.T) {
		act(t, bctx, "clearing the pad", chromedp.Click(chromedp.CSS("#clear")))
		drawStrokes(t, bctx, false, one17, seven17)
		got := waitPad(t, bctx, "17")
		if len(got.Parts) != 2 {
			t.Fatalf("the pad shows %+v; want a part for each of the 2 digits", got)
		}
		for i, p := range got.Parts {
			want := fmt.Sprintf("Digit %d: %c", i+1, "17"[i])
			if p.Head != want || p.Bars != 3 || p.Inputs != 1 {
				t.Errorf("part %d is %+v; want %q with 3 bars and its model input", i, p, want)
			}
		}
	})

	// The embedded model itself, not a stand-in, must doubt what is not a
	// digit and read the styles MNIST lacks.
	t.Run("honest readings", func(t *testing.T) {
		cards := uploadFiles(t, bctx, []string{fx.letter}, 11)
		if c := cards[len(cards)-1]; c.Name != "letter-a.png" || c.State != "done" || !c.Uncertain {
			t.Errorf("the letter A: %+v; want a reading marked uncertain", c)
		}
		unsure := func() bool {
			return evalPage[bool](t, bctx, `document.querySelector('#draw-result').dataset.uncertain === 'true' &&
				!document.querySelector('#draw-result .doubt').hidden && !document.querySelector('#draw-result .badge').hidden`)
		}
		for _, tc := range []struct {
			name    string
			strokes [][][2]float64
			digit   string // "" for a drawing that must come back uncertain
		}{
			{"a zigzag scribble", [][][2]float64{scribble}, ""},
			{"a European 1", europeanOne, "1"},
		} {
			act(t, bctx, "clearing the pad", chromedp.Click(chromedp.CSS("#clear")))
			drawStrokes(t, bctx, false, tc.strokes...)
			// Live readings of the half-drawn strokes come first; judge
			// the reading of the whole drawing.
			waitUntil(t, bctx, "the pad reads all of "+tc.name,
				`document.querySelector('#pad').dataset.state === 'done' && document.querySelector('#pad').dataset.settled === 'true'`)
			got := evalPage[padView](t, bctx, readPad)
			switch {
			case tc.digit == "" && !unsure():
				t.Errorf("%s reads %+v, not marked uncertain", tc.name, got)
			case tc.digit != "" && (got.Digit != tc.digit || unsure()):
				t.Errorf("%s reads %+v (uncertain %v), want %s and sure", tc.name, got, unsure(), tc.digit)
			}
		}
		act(t, bctx, "clearing the pad", chromedp.Click(chromedp.CSS("#clear")))
		clearResults(t, bctx)
	})

	// The rest runs against the flagging server, which doubts the letter.
	open(stub.URL)
	var unsure []string // the cards of the batch read as uncertain
	t.Run("a batch of 99", func(t *testing.T) {
		if h := evalPage[string](t, bctx, `document.querySelector('#results-h').textContent`); h != "Results" {
			t.Errorf("the heading is %q before any upload", h)
		}
		// Record every text of the live region with the number of cards
		// answered at that moment.
		evalPage[bool](t, bctx, `(() => {
			window.statusLog = [];
			const s = document.querySelector('#status');
			new MutationObserver(() => window.statusLog.push({text: s.textContent,
				read: document.querySelectorAll('#gallery .result:not([data-state="pending"])').length,
				heading: document.querySelector('#results-h').textContent}))
				.observe(s, {childList: true, characterData: true, subtree: true});
			return true;
		})()`)
		start := time.Now()
		cards := uploadFiles(t, bctx, fx.batch, 99)
		t.Logf("99 files read in %v, at most %d at once", time.Since(start).Round(time.Millisecond), peak.Load())
		if peak.Load() > 4 {
			t.Errorf("the page sent %d uploads at once; it should send at most 4", peak.Load())
		}
		resultsInView(t, bctx, "desktop")
		log := evalPage[[]struct {
			Text, Heading string
			Read          int
		}](t, bctx, `window.statusLog`)
		progress := false
		for _, e := range log {
			var n, of int
			if _, err := fmt.Sscanf(e.Text, "%d of %d read", &n, &of); err != nil || n > e.Read || of != 99 || e.Heading != "Results" {
				t.Errorf("the live region said %q (heading %q) when %d of 99 were read", e.Text, e.Heading, e.Read)
			}
			progress = progress || n < 99
		}
		if !progress {
			t.Errorf("the live region said %+v: no progress before the end", log)
		}
		wrong, doubted := 0, 0
		for _, c := range cards {
			if c.Uncertain {
				unsure = append(unsure, c.Name)
			}
			switch {
			case c.Name == "notes.txt":
				if c.State != "error" || c.Error == "" || c.Retry {
					t.Errorf("notes.txt: %+v; want an error without Retry (trying again cannot help)", c)
				}
			case c.Name == "letter-a.png":
				if !c.Uncertain || c.State != "done" {
					t.Errorf("letter-a.png: %+v; want an uncertain reading", c)
				}
			case c.State != "done":
				t.Errorf("%s: %+v; want a reading", c.Name, c)
			case c.Digit != strconv.Itoa(fx.labels[c.Name]):
				wrong++
			case c.Uncertain:
				doubted++ // the model may doubt a scrawled MNIST digit
			}
		}
		if wrong > 2 || doubted > 2 {
			t.Errorf("of 97 MNIST digits, %d read wrong and %d right but unsure on the page", wrong, doubted)
		}
		want := fmt.Sprintf("99 of 99 read · 1 error · %d unsure", len(unsure))
		if got := evalPage[string](t, bctx, `document.querySelector('#status[aria-live="polite"]').textContent`); got != want {
			t.Errorf("the live region says %q, want %q", got, want)
		}
		// 99 cards in pages of 24: the page stays short.
		shown := 0
		for _, c := range cards {
			if !c.Hidden {
				shown++
			}
		}
		if shown != 24 {
			t.Errorf("%d cards shown on the first page, want 24", shown)
		}
		if h := evalPage[float64](t, bctx, `document.documentElement.scrollHeight`); h > 3000 {
			t.Errorf("with 99 results the page is %.0f px tall", h)
		}
		if got := evalPage[string](t, bctx, `document.querySelector('#page-info').textContent`); got != "1–24 of 99" {
			t.Errorf("pager says %q", got)
		}
	})

	t.Run("an uncertain reading", func(t *testing.T) {
		want := askAPI(t, stub.URL, fx.letter)
		type view struct{ Badge, Doubt, Conf string }
		got := evalPage[view](t, bctx, `(() => {
			const li = document.querySelector('#gallery .result[data-name="letter-a.png"]');
			const b = li.querySelector('.badge'), d = li.querySelector('.doubt');
			return {Badge: b.hidden ? '' : b.textContent, Doubt: d.hidden ? '' : d.textContent, Conf: li.querySelector('.pred-conf').textContent};
		})()`)
		runner := fmt.Sprintf("Runner-up: %d (", want.Top3[1].Digit)
		if got.Badge != "Unsure" || !strings.HasPrefix(got.Doubt, "Not sure — is this a digit?") || !strings.Contains(got.Doubt, runner) {
			t.Errorf("the letter's card shows %+v; want the Unsure badge, \"Not sure — is this a digit?\" and %q", got, runner)
		}
		if strings.HasPrefix(got.Conf, "100") {
			t.Errorf("the letter's card says %q", got.Conf)
		}
		// The embedded model doubts the letter itself, and says why.
		if want.Reason == "" || !strings.Contains(strings.ToLower(got.Doubt), want.Reason) {
			t.Errorf("the letter's card shows %q; want the reason %q", got.Doubt, want.Reason)
		}
	})

	t.Run("filters and pages", func(t *testing.T) {
		count := `[...document.querySelectorAll('#gallery .result')].filter(li => !li.hidden).map(li => li.dataset.name)`
		act(t, bctx, "Errors", chromedp.Click(chromedp.CSS(`#filters [data-filter="errors"]`)))
		if got := evalPage[[]string](t, bctx, count); !slices.Equal(got, []string{"notes.txt"}) {
			t.Errorf("the Errors filter shows %q", got)
		}
		act(t, bctx, "Unsure", chromedp.Click(chromedp.CSS(`#filters [data-filter="unsure"]`)))
		if got := evalPage[[]string](t, bctx, count); !slices.Equal(got, unsure) {
			t.Errorf("the Unsure filter shows %q, want %q", got, unsure)
		}
		act(t, bctx, "All", chromedp.Click(chromedp.CSS(`#filters [data-filter="all"]`)))
		act(t, bctx, "Next page", chromedp.Click(chromedp.CSS(`#page-next`)))
		if got := evalPage[[]string](t, bctx, count); len(got) != 24 || got[0] != filepath.Base(fx.batch[24]) {
			t.Errorf("page 2 shows %d cards from %q", len(got), got)
		}
	})

	t.Run("download CSV and JSON", func(t *testing.T) {
		cards := readCards(t, bctx)
		act(t, bctx, "Download CSV", chromedp.Click(chromedp.CSS("#download-csv")))
		rows, err := csv.NewReader(bytes.NewReader(waitDownload(t, downloads, "digitnet-results.csv"))).ReadAll()
		if err != nil {
			t.Fatalf("the CSV: %v", err)
		}
		wantHead := []string{"name", "reading", "confidence", "uncertain", "runner_up", "runner_up_probability", "box_x", "box_y", "box_w", "box_h", "error", "code"}
		if len(rows) != 100 || !slices.Equal(rows[0], wantHead) {
			t.Fatalf("the CSV has %d rows, header %q; want 100 rows, header %q", len(rows), rows[0], wantHead)
		}
		for i, row := range rows[1:] {
			c := cards[i]
			uncertain := ""
			if c.State == "done" {
				uncertain = strconv.FormatBool(c.Uncertain)
			}
			if row[0] != c.Name || row[1] != c.Digit || row[3] != uncertain || row[10] != c.Error {
				t.Errorf("CSV row %d is %q; the page shows %+v", i+1, row, c)
			}
			if c.State == "done" {
				if p, err := strconv.ParseFloat(row[2], 64); err != nil || p <= 0 || p > 1 {
					t.Errorf("CSV row %d: confidence %q", i+1, row[2])
				}
				if w, err := strconv.Atoi(row[8]); err != nil || w <= 0 {
					t.Errorf("CSV row %d: box width %q", i+1, row[8])
				}
			}
		}

		act(t, bctx, "Download JSON", chromedp.Click(chromedp.CSS("#download-json")))
		data := waitDownload(t, downloads, "digitnet-results.json")
		var doc struct{ Results []apiResult }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("the JSON: %v", err)
		}
		if len(doc.Results) != 99 {
			t.Fatalf("the JSON holds %d results, want 99", len(doc.Results))
		}
		for i, r := range doc.Results {
			c := cards[i]
			digit := strconv.Itoa(r.Digit)
			if r.Error != "" {
				digit = ""
			}
			if r.Name != c.Name || digit != c.Digit || r.Uncertain != c.Uncertain || r.Error != c.Error {
				t.Errorf("JSON result %d is %+v; the page shows %+v", i, r, c)
			}
		}
		if bytes.Contains(data, []byte("input_png")) {
			t.Error("the JSON download carries the model-input previews")
		}
	})

	t.Run("remove and clear", func(t *testing.T) {
		act(t, bctx, "Remove notes.txt", chromedp.Click(chromedp.CSS(`#filters [data-filter="errors"]`)),
			chromedp.Click(chromedp.CSS(`#gallery .result[data-name="notes.txt"] .remove`)))
		cards := readCards(t, bctx)
		if len(cards) != 98 || slices.ContainsFunc(cards, func(c card) bool { return c.Name == "notes.txt" }) {
			t.Errorf("after removing notes.txt the gallery holds %d cards", len(cards))
		}
		if got, want := evalPage[string](t, bctx, `document.querySelector('#status').textContent`), fmt.Sprintf("98 of 98 read · %d unsure", len(unsure)); got != want {
			t.Errorf("after removing the error the status says %q, want %q", got, want)
		}
		if got := evalPage[string](t, bctx, `document.querySelector('#filter-empty').hidden ? '' : document.querySelector('#filter-empty').textContent`); got != "No errors." {
			t.Errorf("the empty Errors filter says %q", got)
		}
		clearResults(t, bctx)
		type after struct {
			Status         string
			Empty, Actions bool
		}
		got := evalPage[after](t, bctx, `({Status: document.querySelector('#status').textContent,
			Empty: !document.querySelector('#empty').hidden, Actions: !document.querySelector('#actions').hidden})`)
		if got != (after{Empty: true}) {
			t.Errorf("after Clear: %+v; want an empty status, the empty note, no actions", got)
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		// Tab from the top of the page: every control is reached in
		// reading order and shows where the focus is.
		uploadFiles(t, bctx, fx.digits[:3], 3)
		evalPage[bool](t, bctx, `(document.querySelector('.brand').focus(), window.scrollTo(0, 0), true)`)
		type stop struct {
			Tag, ID, Class, Label string
			Outline               bool
		}
		var stops []stop
		for range 50 {
			act(t, bctx, "Tab", chromedp.KeyEvent(kb.Tab))
			s := evalPage[stop](t, bctx, `(() => {
				const e = document.activeElement;
				// The file input is hidden; its drop zone shows the focus.
				const shown = e.id === 'files' ? document.querySelector('#dropzone') : e;
				const cs = getComputedStyle(shown);
				return {Tag: e.tagName, ID: e.id, Class: e.className, Label: e.getAttribute('aria-label') || e.textContent.trim().slice(0, 30),
					Outline: e.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2};
			})()`)
			if s.Tag == "BODY" {
				break // past the last control
			}
			stops = append(stops, s)
			if !s.Outline {
				t.Errorf("no visible focus on %+v", s)
			}
		}
		var order []string
		for _, s := range stops {
			switch {
			case s.ID != "":
				order = append(order, "#"+s.ID)
			case strings.Contains(s.Class, "example"):
				order = append(order, "example")
			case strings.Contains(s.Class, "remove"):
				order = append(order, "remove")
			case strings.Contains(s.Class, "chip"):
				order = append(order, "chip")
			}
		}
		order = slices.Compact(order)
		want := []string{"#files", "example", "#clear", "#download-csv", "#download-json", "#clear-results", "chip", "remove"}
		if !isSubsequence(want, order) {
			t.Errorf("Tab reaches %q; want them in the order %q", order, want)
		}

		// Enter on an example adds it; Space on a filter picks it; Enter on
		// Remove removes the card and keeps the focus in the gallery.
		act(t, bctx, "Enter on an example", chromedp.Focus(chromedp.CSS(`.example[data-digit="5"]`)), chromedp.KeyEvent(kb.Enter))
		waitUntil(t, bctx, "example-5.png is read", `document.querySelector('#gallery .result[data-name="example-5.png"][data-state="done"]')`)
		act(t, bctx, "Space on Errors", chromedp.Focus(chromedp.CSS(`[data-filter="errors"]`)), chromedp.KeyEvent(" "))
		if evalPage[string](t, bctx, `document.querySelector('[data-filter="errors"]').getAttribute('aria-pressed')`) != "true" {
			t.Error("Space did not pick the Errors filter")
		}
		act(t, bctx, "Space on All", chromedp.Focus(chromedp.CSS(`[data-filter="all"]`)), chromedp.KeyEvent(" "))
		act(t, bctx, "Enter on Remove", chromedp.Focus(chromedp.CSS(`#gallery .result[data-name="digit-1.png"] .remove`)), chromedp.KeyEvent(kb.Enter))
		cards := readCards(t, bctx)
		if len(cards) != 3 || slices.ContainsFunc(cards, func(c card) bool { return c.Name == "digit-1.png" }) {
			t.Errorf("after Enter on Remove: %+v", cards)
		}
		if got := evalPage[string](t, bctx, `document.activeElement.getAttribute('aria-label') || document.activeElement.id`); got != "Remove digit-2.png" {
			t.Errorf("after removing a card the focus is on %q, want the next card's Remove", got)
		}
		clearResults(t, bctx)
	})

	t.Run("server stopped", func(t *testing.T) {
		addr := stub.Listener.Addr().String()
		stub.Close()
		uploadFiles(t, bctx, fx.digits[4:5], 1)
		c := readCards(t, bctx)[0]
		const msg = "Can't reach the digitnet server — is it still running?"
		if c.State != "error" || c.Error != msg || !c.Retry {
			t.Fatalf("with the server stopped the card shows %+v; want %q and a Retry button", c, msg)
		}
		waitUntil(t, bctx, "the banner shows", `!document.querySelector('#net-banner').hidden`)
		if got := evalPage[string](t, bctx, `document.querySelector('#net-banner .banner-msg').textContent`); got != msg {
			t.Errorf("the banner says %q, want %q", got, msg)
		}
		act(t, bctx, "clearing the pad", chromedp.Click(chromedp.CSS("#clear")))
		drawStrokes(t, bctx, false, one17)
		waitUntil(t, bctx, "the pad says the server is unreachable", `document.querySelector('#pad').dataset.state === 'error'`)
		if got := evalPage[string](t, bctx, `document.querySelector('#draw-conf').textContent`); got != msg {
			t.Errorf("the pad says %q, want %q", got, msg)
		}
		serveAgain(parent, addr, flagging)
		act(t, bctx, "Try again on the pad", chromedp.Click(chromedp.CSS("#draw-retry")))
		waitPad(t, bctx, "1")
		act(t, bctx, "Retry", chromedp.Click(chromedp.CSS(`#gallery .result[data-name="digit-4.png"] .retry`)))
		waitUntil(t, bctx, "the retried card is read", `document.querySelector('#gallery .result[data-name="digit-4.png"]').dataset.digit === '4'`)
		waitUntil(t, bctx, "the banner goes", `document.querySelector('#net-banner').hidden`)
		clearResults(t, bctx)
	})

	// The page as the README shows it: a few uploads of each kind and a
	// drawn number, at desktop and phone sizes.
	showcase := append(slices.Clone(fx.digits[:6]), fx.photo, fx.strip, fx.letter, fx.notes)
	t.Run("desktop", func(t *testing.T) {
		act(t, bctx, "clearing the pad", chromedp.Click(chromedp.CSS("#clear")))
		drawStrokes(t, bctx, false, one17, seven17)
		waitPad(t, bctx, "17")
		evalPage[bool](t, bctx, `(window.scrollTo(0, 0), true)`)
		cards := uploadFiles(t, bctx, showcase, len(showcase))
		resultsInView(t, bctx, "desktop")
		if c := cards[7]; c.Digit != "2026" {
			t.Errorf("the strip reads %+v, want 2026", c)
		}
		checkBoxes(t, bctx, stub.URL, fx.strip, "desktop")
		checkBoxes(t, bctx, stub.URL, fx.letter, "desktop")
		checkBoxes(t, bctx, stub.URL, fx.photo, "desktop")
		if !evalPage[bool](t, bctx, `!!document.querySelector('#gallery .result[data-name="photo-small-8.png"] .boxes circle.box-ring')`) {
			t.Error("the small 8 in a big photo has no ring around its box")
		}
		checkLayout(t, bctx, "desktop")
		evalPage[bool](t, bctx, `(document.activeElement.blur(), window.scrollTo(0, 0), true)`)
		saveScreenshot(t, bctx, true, shots, "desktop.png", "screenshot.png")
	})

	t.Run("phone", func(t *testing.T) {
		act(t, bctx, "a 390x844 touch screen",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
		open(stub.URL)
		// A batch on a phone: pages of 12 keep the page short.
		// The odd ones first, so the phone's screen shows them.
		batch := append([]string{fx.strip, fx.letter, fx.photo, fx.notes}, fx.digits[:6]...)
		batch = append(batch, fx.batch[:20]...)
		uploadFiles(t, bctx, batch, len(batch))
		resultsInView(t, bctx, "phone")
		// What the phone shows once the results have scrolled into view.
		waitUntil(t, bctx, "the results are scrolled to the top", `(r => Math.abs(r.getBoundingClientRect().top - parseFloat(getComputedStyle(r).scrollMarginTop)) < 2)(document.querySelector('#results'))`)
		saveScreenshot(t, bctx, false, shots, "phone.png", "screenshot-phone.png")
		if got := evalPage[string](t, bctx, `document.querySelector('#page-info').textContent`); got != "1–12 of 30" {
			t.Errorf("phone: the pager says %q", got)
		}
		if h := evalPage[float64](t, bctx, `document.documentElement.scrollHeight`); h > 5000 {
			t.Errorf("phone: with 30 results the page is %.0f px tall", h)
		}
		visible := `[...document.querySelectorAll('#gallery .result')].filter(li => !li.hidden).map(li => li.dataset.name)`
		act(t, bctx, "tap Unsure", chromedp.Tap(chromedp.CSS(`[data-filter="unsure"]`)))
		waitUntil(t, bctx, "the Unsure filter is on", `document.querySelector('[data-filter="unsure"]').getAttribute('aria-pressed') === 'true'`)
		want := evalPage[[]string](t, bctx, `[...document.querySelectorAll('#gallery .result[data-uncertain="true"]')].map(li => li.dataset.name).slice(0, 12)`)
		if got := evalPage[[]string](t, bctx, visible); !slices.Equal(got, want) || !slices.Contains(got, "letter-a.png") {
			t.Errorf("phone: the Unsure filter shows %q, want %q with letter-a.png", got, want)
		}
		act(t, bctx, "tap All", chromedp.Tap(chromedp.CSS(`[data-filter="all"]`)))
		waitUntil(t, bctx, "the All filter is on", `document.querySelector('[data-filter="all"]').getAttribute('aria-pressed') === 'true'`)
		checkBoxes(t, bctx, stub.URL, fx.strip, "phone")
		// The API panel starts folded on a phone; unfold it to check it.
		// (Before drawing: chromium ignores a tap that comes a few
		// milliseconds after a finger left the pad, as no hand would.)
		act(t, bctx, "tap API", chromedp.Tap(chromedp.CSS(".api summary")))
		waitUntil(t, bctx, "tapping API unfolds it", `document.querySelector('.api details').open && document.querySelector('.copy').offsetWidth > 0`)
		checkLayout(t, bctx, "phone")
		drawStrokes(t, bctx, true, seven)
		waitPad(t, bctx, "7")
		if os.Getenv("DIGITNET_SCREENSHOTS") != "" { // 9,000 px tall: only when asked for
			evalPage[bool](t, bctx, `(document.activeElement.blur(), window.scrollTo(0, 0), true)`)
			saveScreenshot(t, bctx, true, shots, "phone-full.png", "")
		}
	})

	t.Run("offline", func(t *testing.T) {
		// Everything the page loaded came from this server: no CDN.
		foreign := evalPage[[]string](t, bctx, `performance.getEntriesByType('resource').map(e => e.name)
			.filter(u => !u.startsWith(location.origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:'))`)
		if len(foreign) > 0 {
			t.Errorf("the page loaded %q", foreign)
		}
	})
}

// waitDownload waits for a finished download and returns its bytes.
func waitDownload(t *testing.T, dir, name string) []byte {
	t.Helper()
	path := filepath.Join(dir, name)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 {
			os.Remove(path) // the next download of the same name keeps it
			return data
		}
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("no download %s; the folder holds %v", name, entries)
	return nil
}

// isSubsequence reports whether want appears in got in order, not
// necessarily next to each other.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
