package server

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"digitnet/internal/testenv"

	"digitnet/recognize"
)

// The end-to-end test drives the real page in Debian's chromium against the
// real embedded model: it uploads ten MNIST digits at once and draws a 7.
//
// Locally it is skipped when chromium or the model is missing; in CI
// (CI=true) either is a failure. -short skips it everywhere. Environment:
//
//	DIGITNET_CHROMIUM            browser binary (default /usr/bin/chromium, then chromium on $PATH)
//	DIGITNET_SCREENSHOTS         folder for the screenshots (default: a temporary folder)
//	DIGITNET_README_SCREENSHOT=1 also write ../docs/screenshot.png for the README

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

func saveScreenshot(t *testing.T, ctx context.Context, dir, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return png
}

// card is a gallery entry as the page shows it.
type card struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Digit string `json:"digit"`
	Error string `json:"error"`
}

const readGallery = `[...document.querySelectorAll('#gallery .result')].map(li => ({
	name: li.dataset.name, state: li.dataset.state, digit: li.dataset.digit || "",
	error: li.querySelector('.res-error').textContent}))`

// uploadDigits writes the first MNIST test image of each digit as a user-style
// PNG, uploads all ten through the file input and waits for ten answers.
func uploadDigits(t *testing.T, ctx context.Context) []card {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for d, px := range mnistFirstOfEach(t) {
		p := filepath.Join(dir, fmt.Sprintf("digit-%d.png", d))
		if err := os.WriteFile(p, encodePNG(t, userPhoto(px)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#files"), paths),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#gallery .result:not([data-state="pending"])').length === 10`,
			chromedp.WithPollingTimeout(20*time.Second)),
	)
	if err != nil {
		cards, _ := chromedp.Run(ctx, chromedp.Evaluate[[]card](readGallery))
		t.Fatalf("waiting for 10 results: %v; gallery: %+v", err, cards)
	}
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]card](readGallery))
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

// drawSeven draws a 7 on the pad with left-button mouse events: a top bar,
// then a diagonal down to the bottom left, as a hand would.
func drawSeven(t *testing.T, ctx context.Context) {
	t.Helper()
	type rect struct{ X, Y, W, H float64 }
	r, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => {
		const c = document.querySelector('#pad');
		c.scrollIntoView({block: 'center'});
		const r = c.getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	stroke := [][2]float64{{0.25, 0.22}, {0.72, 0.22}, {0.62, 0.45}, {0.45, 0.82}}
	pt := func(fx, fy float64) (float64, float64) { return r.X + fx*r.W, r.Y + fy*r.H }
	held := func(p *input.DispatchMouseEventParams) { p.Button = input.MouseButtonLeft; p.Buttons = 1 }

	x, y := pt(stroke[0][0], stroke[0][1])
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, held, chromedp.ClickCount(1))}
	for i := 1; i < len(stroke); i++ {
		x0, y0 := pt(stroke[i-1][0], stroke[i-1][1])
		x1, y1 := pt(stroke[i][0], stroke[i][1])
		n := int(math.Max(2, math.Hypot(x1-x0, y1-y0)/6)) // a move every ~6 px
		for k := 1; k <= n; k++ {
			f := float64(k) / float64(n)
			steps = append(steps,
				chromedp.MouseEvent(chromedp.MouseMoved, x0+f*(x1-x0), y0+f*(y1-y0), held),
				chromedp.Sleep(4*time.Millisecond)) // lets the live prediction fire mid-stroke
		}
	}
	x, y = pt(stroke[len(stroke)-1][0], stroke[len(stroke)-1][1])
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x, y, held, chromedp.ClickCount(1)))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("drawing: %v", err)
	}
}

func TestBrowserEndToEnd(t *testing.T) {
	if testing.Short() {
		// CI runs it in its full `go test ./...` pass, not in the -race -short one.
		t.Skip("skipping the browser test in -short mode")
	}
	rec, err := recognize.Default()
	if err != nil {
		testenv.Missing(t, "the end-to-end test needs the embedded model: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(NewServer(logger, rec, Options{}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	shots := screenshotDir(t)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(chromedp.CSS("#dropzone")),
		chromedp.Poll[chromedp.Void](`document.querySelector('#model-info').textContent !== ''`, chromedp.WithPollingTimeout(5*time.Second)),
	); err != nil {
		t.Fatalf("loading the page: %v", err)
	}

	t.Run("upload ten digits", func(t *testing.T) {
		cards := uploadDigits(t, bctx)
		if len(cards) != 10 {
			t.Fatalf("gallery holds %d cards, want 10: %+v", len(cards), cards)
		}
		for i, c := range cards {
			want := fmt.Sprintf("digit-%d.png", i)
			if c.Name != want {
				t.Errorf("card %d is %q, want %q (upload order)", i, c.Name, want)
			}
			if c.State != "done" || c.Digit != strconv.Itoa(i) {
				t.Errorf("card %s: state %q, digit %q, error %q; want digit %d", c.Name, c.State, c.Digit, c.Error, i)
			}
		}
	})

	t.Run("draw a seven", func(t *testing.T) {
		drawSeven(t, bctx)
		type pad struct{ State, Digit, Conf string }
		const readPad = `({State: document.querySelector('#pad').dataset.state || '',
			Digit: document.querySelector('#pad').dataset.digit || '',
			Conf: document.querySelector('#draw-conf').textContent})`
		err := chromedp.Do(bctx, chromedp.Poll[chromedp.Void](
			`document.querySelector('#pad').dataset.digit === '7'`, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			got, _ := chromedp.Run(bctx, chromedp.Evaluate[pad](readPad))
			t.Fatalf("the drawn 7 was not recognised: %v; pad shows %+v", err, got)
		}
	})

	saveScreenshot(t, bctx, shots, "desktop.png")
	if os.Getenv("DIGITNET_README_SCREENSHOT") == "1" {
		png := saveScreenshot(t, bctx, shots, "readme.png")
		if err := os.MkdirAll("../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../docs/screenshot.png", png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote ../docs/screenshot.png")
	}
	// A phone-sized viewport: one column, nothing cut off.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	overflow, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the page scrolls sideways on a 390 px wide phone screen")
	}
	saveScreenshot(t, bctx, shots, "phone.png")
}
