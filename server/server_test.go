package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"digitnet/models"
	"digitnet/recognize"
)

// fakeReader understands tiny text "images": "digit:7" reads as a 7,
// "number:42" as the number 42, "big" as a number of 6 Mi ones (an answer
// too large for the socket buffers, cheap to make), "panic" panics, "block" waits for the
// release channel, "nan" reads with NaN probabilities, "corrupt" and
// "blank" fail as damaged and empty images do, "huge" is refused on its
// header; a prefix "cost:N " says the image costs N bytes to read. Any
// other bytes are not an image.
type fakeReader struct {
	entered chan struct{} // receives when a "block" image starts
	release chan struct{} // closed to let "block" images finish
	reads   atomic.Int64
}

// fakeCost splits a fake image into its cost and the image.
func fakeCost(b []byte) (int64, string) {
	s := string(b)
	if rest, ok := strings.CutPrefix(s, "cost:"); ok {
		n, img, _ := strings.Cut(rest, " ")
		cost, _ := strconv.ParseInt(n, 10, 64)
		return cost, img
	}
	return int64(len(b)), s
}

func (f *fakeReader) Cost(data []byte) (int64, error) {
	cost, s := fakeCost(data)
	switch {
	case s == "":
		return 0, &recognize.Error{Code: recognize.CodeEmpty, Message: "The file is empty", Err: recognize.ErrEmpty}
	case s == "huge":
		return 0, &recognize.Error{Code: recognize.CodeTooLarge, Message: "The image is 9000 × 9000 pixels (81 MP); the limit is 40 MP — scale it down", Err: recognize.ErrTooLarge}
	case s == "panic", s == "block", s == "nan", s == "corrupt", s == "blank",
		strings.HasPrefix(s, "digit:"), strings.HasPrefix(s, "number:"), s == "big":
		return cost, nil
	}
	return 0, &recognize.Error{Code: recognize.CodeUnsupported, Message: "This is not an image digitnet can read (it looks like text)", Err: recognize.ErrUnsupported}
}

func (f *fakeReader) Read(r io.Reader) (recognize.Reading, error) {
	f.reads.Add(1)
	b, err := io.ReadAll(r)
	if err != nil {
		return recognize.Reading{}, fmt.Errorf("fake: %w", err)
	}
	if _, err := f.Cost(b); err != nil {
		return recognize.Reading{}, err
	}
	_, s := fakeCost(b)
	switch {
	case s == "panic":
		panic("fake: boom")
	case s == "block":
		f.entered <- struct{}{}
		<-f.release
		return recognize.Reading{Digit: fakeDigit(1)}, nil
	case s == "nan":
		d := fakeDigit(1)
		d.Confidence = float32(math.NaN())
		return recognize.Reading{Digit: d}, nil
	case s == "corrupt":
		return recognize.Reading{}, &recognize.Error{Code: recognize.CodeCorrupt, Message: "This PNG file is damaged", Err: recognize.ErrCorrupt}
	case s == "blank":
		return recognize.Reading{}, &recognize.Error{Code: recognize.CodeNoDigit, Message: "No digit found — the image looks blank or too faint", Err: recognize.ErrNoInk}
	case s == "big":
		return recognize.Reading{Digit: fakeDigit(1), Number: bigNumber}, nil
	case strings.HasPrefix(s, "digit:"):
		var d int
		fmt.Sscanf(s, "digit:%d", &d)
		return recognize.Reading{Digit: fakeDigit(d)}, nil
	}
	// number:
	var res recognize.Reading
	for _, c := range s[len("number:"):] {
		res.Digits = append(res.Digits, fakeDigit(int(c-'0')))
	}
	res.Number = s[len("number:"):]
	res.Digit = res.Digits[0]
	return res, nil
}

var bigNumber = strings.Repeat("1", 6<<20)

func fakeDigit(d int) recognize.Digit {
	var p [10]float32
	for i := range p {
		p[i] = 0.01
	}
	p[d] = 0.91
	in := image.NewGray(image.Rect(0, 0, 28, 28))
	in.Pix[14*28+14] = 255
	rd := recognize.NewDigit(p)
	rd.Box = recognize.Box{X: 1, Y: 2, W: 10, H: 20}
	rd.Input = in
	return rd
}

func (f *fakeReader) Info() recognize.ModelInfo {
	return recognize.ModelInfo{
		Architecture: []string{"conv2d(32,3x3,relu)", "dense(10,softmax)"},
		Parameters:   225034,
		TestAccuracy: 0.9912,
		Training:     &models.Training{Epochs: 5},
	}
}

func newTestServer(t *testing.T, opts Options) (http.Handler, *fakeReader) {
	t.Helper()
	fr := &fakeReader{entered: make(chan struct{}, 8), release: make(chan struct{})}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return NewServer(logger, fr, opts), fr
}

type file struct{ field, name, body string }

func multipartBody(t testing.TB, files ...file) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.name))
		h.Set("Content-Type", "image/png")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func do(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// postPNG posts body to the predict route as a raw image/png upload.
func postPNG(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body))
	req.Header.Set("Content-Type", "image/png")
	return do(t, h, req)
}

// result is the union of a prediction and a per-file error, as a client sees it.
type result struct {
	Name          string            `json:"name"`
	Error         string            `json:"error"`
	Code          string            `json:"code"`
	Digit         *int              `json:"digit"`
	Confidence    float32           `json:"confidence"`
	Probabilities []float32         `json:"probabilities"`
	Top3          []recognize.Class `json:"top3"`
	InputPNG      string            `json:"input_png"`
	Box           *recognize.Box    `json:"box"`
	Uncertain     *bool             `json:"uncertain"`
	Number        string            `json:"number"`
	Digits        []struct {
		Digit    int    `json:"digit"`
		InputPNG string `json:"input_png"`
	} `json:"digits"`
}

func decodeResults(t *testing.T, w *httptest.ResponseRecorder) []result {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	var body struct {
		Results []result `json:"results"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("decoding %s: %v", w.Body, err)
	}
	return body.Results
}

func TestPredictMultipart(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	body, ct := multipartBody(t,
		file{"images", "seven.png", "digit:7"},
		file{"note", "ignored.txt", "not an image field"},
		file{"images", "broken.png", "garbage"},
		file{"images", "year.png", "number:2026"},
		file{"images", "", "digit:3"},
		file{"images", "huge.png", "huge"},
	)
	req := httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	got := decodeResults(t, do(t, h, req))
	if len(got) != 5 {
		t.Fatalf("got %d results, want 5: %+v", len(got), got)
	}

	seven := got[0]
	if seven.Name != "seven.png" || seven.Digit == nil || *seven.Digit != 7 || seven.Error != "" {
		t.Errorf("result 0 = %+v, want seven.png read as 7", seven)
	}
	if seven.Confidence != 0.91 || len(seven.Probabilities) != 10 || seven.Probabilities[7] != 0.91 {
		t.Errorf("result 0 confidence %v probabilities %v", seven.Confidence, seven.Probabilities)
	}
	if len(seven.Top3) != 3 || seven.Top3[0].Digit != 7 {
		t.Errorf("result 0 top3 = %+v, want 7 first", seven.Top3)
	}
	if !strings.HasPrefix(seven.InputPNG, "data:image/png;base64,") {
		t.Errorf("result 0 input_png = %.40q, want a PNG data URL", seven.InputPNG)
	}
	if seven.Box == nil || *seven.Box != (recognize.Box{X: 1, Y: 2, W: 10, H: 20}) {
		t.Errorf("result 0 box = %+v", seven.Box)
	}
	if seven.Number != "" || seven.Digits != nil {
		t.Errorf("result 0 has number %q digits %v, want none for one digit", seven.Number, seven.Digits)
	}

	broken := got[1]
	if broken.Name != "broken.png" || broken.Digit != nil || broken.Code != "unsupported_format" || !strings.Contains(broken.Error, "not an image") {
		t.Errorf("result 1 = %+v, want an inline error for broken.png", broken)
	}

	year := got[2]
	if year.Number != "2026" || len(year.Digits) != 4 || year.Digits[3].Digit != 6 || year.Digits[0].InputPNG == "" {
		t.Errorf("result 2 = %+v, want number 2026 with 4 digits", year)
	}
	if got[3].Name != "image-4" || got[3].Digit == nil || *got[3].Digit != 3 {
		t.Errorf("result 3 = %+v, want an unnamed file called image-4 read as 3", got[3])
	}
	if got[4].Name != "huge.png" || got[4].Code != "too_large" || !strings.Contains(got[4].Error, "the limit is 40 MP") {
		t.Errorf("result 4 = %+v, want an inline size error", got[4])
	}
}

func TestPredictRawBody(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	req := httptest.NewRequest("POST", "/api/v1/predict?name=canvas.png", strings.NewReader("digit:4"))
	req.Header.Set("Content-Type", "image/png")
	got := decodeResults(t, do(t, h, req))
	if len(got) != 1 || got[0].Name != "canvas.png" || got[0].Digit == nil || *got[0].Digit != 4 {
		t.Fatalf("got %+v, want one result canvas.png read as 4", got)
	}

	// Any Content-Type, or none: the bytes say whether it is an image
	// (issue 15: plain curl --data-binary sends
	// application/x-www-form-urlencoded, others application/octet-stream).
	for _, ct := range []string{"image/jpeg", "application/octet-stream", "application/x-www-form-urlencoded", "text/plain", ""} {
		req = httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader("digit:5"))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		got = decodeResults(t, do(t, h, req))
		if got[0].Name != "image" || got[0].Digit == nil || *got[0].Digit != 5 {
			t.Errorf("Content-Type %q: %+v, want the default name \"image\" read as 5", ct, got[0])
		}
	}
}

// TestPredictErrors checks that every kind of bad request gets its status,
// its code and a JSON error said for people, never a 500 but for a bug.
func TestPredictErrors(t *testing.T) {
	many := make([]file, 4)
	for i := range many {
		many[i] = file{"images", fmt.Sprintf("%d.png", i), "digit:1"}
	}
	manyBody, manyCT := multipartBody(t, many...)
	twoBody, twoCT := multipartBody(t, many[:2]...)
	emptyBody, emptyCT := multipartBody(t, file{"other", "x.png", "digit:1"})
	bigBody, bigCT := multipartBody(t, file{"images", "big.png", strings.Repeat("x", 2000)})

	tests := []struct {
		name        string
		contentType string
		body        io.Reader
		length      int64 // -1: unknown, as with chunked encoding
		status      int
		code        string
		errPart     string
	}{
		{"json, not an image", "application/json", strings.NewReader(`{"image":"x"}`), 0, 415, "unsupported_format", `not an image digitnet can read (it looks like text); send the image's bytes as the request body, or files in the multipart/form-data field "images"`},
		{"no content type, not an image", "", strings.NewReader("hello"), 0, 415, "unsupported_format", "not an image"},
		{"empty raw body", "image/png", strings.NewReader(""), 0, 422, "empty_image", "The file is empty"},
		{"malformed content type", "multipart/form-data; boundary", strings.NewReader(""), 0, 400, "bad_request", "Content-Type"},
		{"other multipart", "multipart/mixed; boundary=x", strings.NewReader(""), 0, 400, "bad_request", "multipart/form-data"},
		{"no boundary", "multipart/form-data", strings.NewReader("x"), 0, 400, "bad_request", "boundary"},
		{"empty form", emptyCT, emptyBody, 0, 400, "bad_request", `No files in the form field "images"`},
		{"empty body", manyCT, strings.NewReader(""), 0, 400, "bad_request", "malformed"},
		{"truncated multipart", twoCT, strings.NewReader(twoBody.String()[:twoBody.Len()-10]), -1, 400, "bad_request", "malformed"},
		{"too many files", manyCT, manyBody, 0, 413, "too_many_files", "The request has 4 files; the limit is 3"},
		{"too large, declared", bigCT, bigBody, 0, 413, "too_large", "larger than 1000 bytes"},
		{"too large, chunked", bigCT, strings.NewReader(bigBody.String()), -1, 413, "too_large", "larger than 1000 bytes"},
		{"too large raw", "image/png", strings.NewReader(strings.Repeat("x", 2000)), -1, 413, "too_large", "larger than 1000 bytes"},
		{"not an image raw", "image/png", strings.NewReader("garbage"), 0, 415, "unsupported_format", "not an image"},
		{"damaged raw", "image/png", strings.NewReader("corrupt"), 0, 422, "corrupt_image", "damaged"},
		{"blank raw", "image/png", strings.NewReader("blank"), 0, 422, "no_digit", "No digit found"},
		{"too many pixels raw", "image/png", strings.NewReader("huge"), 0, 413, "too_large", "the limit is 40 MP"},
		{"slow client, raw", "image/png", io.MultiReader(strings.NewReader("digit:"), errReader{os.ErrDeadlineExceeded}), -1, 408, "timeout", "too slow"},
		{"slow client, multipart", twoCT, io.MultiReader(strings.NewReader(twoBody.String()[:twoBody.Len()-30]), errReader{os.ErrDeadlineExceeded}), -1, 408, "timeout", "too slow"},
		{"broken connection", "image/png", errReader{io.ErrClosedPipe}, -1, 400, "bad_request", "Reading the request body failed"},
		{"a NaN in the answer", "image/png", strings.NewReader("nan"), 0, 500, "internal", "could not be encoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newTestServer(t, Options{MaxFiles: 3, MaxBodyBytes: 1000})
			req := httptest.NewRequest("POST", "/api/v1/predict", tt.body)
			if tt.length != 0 {
				req.ContentLength = tt.length
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			w := do(t, h, req)
			checkJSONError(t, w, tt.status, tt.code, tt.errPart)
		})
	}
}

// errReader fails every read, like a connection that timed out or broke.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func checkJSONError(t *testing.T, w *httptest.ResponseRecorder, status int, code, errPart string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d (body %s)", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
		t.Fatalf("body %s is not a JSON error (%v)", w.Body, err)
	}
	if !strings.Contains(e.Error, errPart) {
		t.Errorf("error = %q, want it to mention %q", e.Error, errPart)
	}
	if e.Code != code {
		t.Errorf("code = %q, want %q (error %q)", e.Code, code, e.Error)
	}
	if _, ok := statusOf[e.Code]; !ok {
		t.Errorf("code %q is not in the table of codes", e.Code)
	}
}

func TestPredictBusy(t *testing.T) {
	h, fr := newTestServer(t, Options{MaxConcurrent: 1, QueueWait: 20 * time.Millisecond, RetryAfter: 3})
	post := func(body string) *httptest.ResponseRecorder { return postPNG(t, h, body) }
	var (
		wg    sync.WaitGroup
		first *httptest.ResponseRecorder
	)
	wg.Go(func() { first = post("block") })
	<-fr.entered // the only slot is taken

	w := post("digit:2")
	checkJSONError(t, w, http.StatusServiceUnavailable, "busy", "busy")
	if got := w.Header().Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After = %q, want 3", got)
	}

	close(fr.release)
	wg.Wait()
	if first.Code != http.StatusOK {
		t.Errorf("blocked request: status %d, want 200", first.Code)
	}
	if w := post("digit:2"); w.Code != http.StatusOK {
		t.Errorf("after release: status %d, want 200", w.Code)
	}
	if m := getMetrics(t, h); !strings.Contains(m, "digitnet_busy_rejections_total 1\n") {
		t.Errorf("metrics do not count the rejection:\n%s", m)
	}
}

// TestPhotosLeaveRoom: requests with a heavy image (a photo) may hold half
// the predict slots. With all slots open to them, two clients sending
// photos back to back kept every slot and small uploads waited behind
// them: 288 instead of 890 requests/s, p99 279 ms instead of 89 ms.
func TestPhotosLeaveRoom(t *testing.T) {
	h, fr := newTestServer(t, Options{MaxConcurrent: 2, QueueWait: 20 * time.Millisecond})
	post := func(body string) *httptest.ResponseRecorder { return postPNG(t, h, body) }
	photo := fmt.Sprintf("cost:%d ", HeavyBytes)
	var (
		wg    sync.WaitGroup
		first *httptest.ResponseRecorder
	)
	wg.Go(func() { first = post(photo + "block") })
	<-fr.entered // one photo is being read: one slot of two

	checkJSONError(t, post(photo+"digit:3"), http.StatusServiceUnavailable, "busy", "large photos")
	if w := post("digit:2"); w.Code != http.StatusOK {
		t.Errorf("a small upload beside a photo: status %d, want 200", w.Code)
	}
	if w := post(fmt.Sprintf("cost:%d digit:4", HeavyBytes-1)); w.Code != http.StatusOK {
		t.Errorf("an image just under HeavyBytes beside a photo: status %d, want 200", w.Code)
	}

	close(fr.release)
	wg.Wait()
	if first.Code != http.StatusOK {
		t.Errorf("the photo: status %d, want 200", first.Code)
	}
	if w := post(photo + "digit:3"); w.Code != http.StatusOK {
		t.Errorf("a photo once the first is read: status %d, want 200", w.Code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	tests := []struct{ method, path, allow string }{
		{"GET", "/api/v1/predict", "POST"},
		{"PUT", "/api/v1/predict", "POST"},
		{"POST", "/api/v1/model", "GET, HEAD"},
		{"DELETE", "/healthz", "GET, HEAD"},
		{"POST", "/metrics", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := do(t, h, httptest.NewRequest(tt.method, tt.path, nil))
			checkJSONError(t, w, http.StatusMethodNotAllowed, "method_not_allowed", "not allowed")
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	checkJSONError(t, do(t, h, httptest.NewRequest("GET", "/api/v2/predict", nil)), 404, "not_found", "No such endpoint: /api/v2/predict")
	if w := do(t, h, httptest.NewRequest("GET", "/nope.html", nil)); w.Code != 404 {
		t.Errorf("GET /nope.html: status %d, want 404", w.Code)
	}
}

func TestModel(t *testing.T) {
	h, _ := newTestServer(t, Options{MaxFiles: 7})
	w := do(t, h, httptest.NewRequest("GET", "/api/v1/model", nil))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	var got struct {
		Architecture []string       `json:"architecture"`
		Parameters   int            `json:"parameters"`
		TestAccuracy float64        `json:"test_accuracy"`
		Training     map[string]any `json:"training"`
		Limits       limits         `json:"limits"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Architecture) != 2 || got.Parameters != 225034 || got.TestAccuracy != 0.9912 || got.Training["epochs"] != 5.0 {
		t.Errorf("model = %+v", got)
	}
	// One slot per core (and two at least): a slot covers CPU-bound
	// reading only, so more would time-slice requests and stretch the
	// slowest (docs/performance.md).
	if want := max(2, runtime.GOMAXPROCS(0)); got.Limits.MaxFiles != 7 || got.Limits.MaxBodyBytes != defaultMaxBodyBytes || got.Limits.MaxConcurrent != want ||
		got.Limits.MaxConcurrentPhotos != want/2 || got.Limits.PhotoBytes != HeavyBytes {
		t.Errorf("limits = %+v, want max_concurrent %d, of them %d for photos of %d bytes or more", got.Limits, want, want/2, HeavyBytes)
	}
}

// limitedFake is a fakeReader that tells its decoding limits.
type limitedFake struct{ *fakeReader }

func (limitedFake) Limits() recognize.Limits {
	return recognize.Limits{MaxBytes: 1000, MaxPixels: 2000}
}

func TestModelLimits(t *testing.T) {
	h := NewServer(slog.New(slog.NewTextHandler(t.Output(), nil)), limitedFake{&fakeReader{}}, Options{})
	w := do(t, h, httptest.NewRequest("GET", "/api/v1/model", nil))
	if !strings.Contains(w.Body.String(), `"max_file_bytes":1000,"max_pixels":2000`) {
		t.Errorf("model limits lack the decoder's limits: %s", w.Body)
	}
}

func TestHealthz(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	w := do(t, h, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"ok"`) {
		t.Errorf("healthz: %d %s", w.Code, w.Body)
	}
}

func getMetrics(t *testing.T, h http.Handler) string {
	t.Helper()
	w := do(t, h, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("metrics: status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("metrics Content-Type = %q", ct)
	}
	return w.Body.String()
}

func TestMetrics(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	body, ct := multipartBody(t, file{"images", "a.png", "digit:7"}, file{"images", "b.png", "digit:7"}, file{"images", "c.png", "bad"})
	req := httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	do(t, h, req)
	do(t, h, httptest.NewRequest("GET", "/healthz", nil))
	do(t, h, httptest.NewRequest("GET", "/api/v1/predict", nil))
	do(t, h, httptest.NewRequest("PATCH", "/no/such/thing", nil))

	m := getMetrics(t, h)
	for _, want := range []string{
		"# TYPE digitnet_http_requests_total counter\n",
		`digitnet_http_requests_total{route="POST /api/v1/predict",code="200"} 1` + "\n",
		`digitnet_http_requests_total{route="GET /healthz",code="200"} 1` + "\n",
		`digitnet_http_requests_total{route="/api/v1/predict",code="405"} 1` + "\n",
		`digitnet_http_requests_total{route="/",code="405"} 1` + "\n",
		"# TYPE digitnet_http_request_duration_seconds histogram\n",
		`digitnet_http_request_duration_seconds_bucket{route="POST /api/v1/predict",le="+Inf"} 1` + "\n",
		`digitnet_http_request_duration_seconds_count{route="GET /healthz"} 1` + "\n",
		`digitnet_predictions_total{digit="7"} 2` + "\n",
		`digitnet_predictions_total{digit="0"} 0` + "\n",
		`digitnet_images_total{outcome="ok"} 2` + "\n",
		`digitnet_images_total{outcome="error"} 1` + "\n",
		"go_goroutines ",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Every sample line is "name{labels} value" or "name value".
	sample := regexp.MustCompile(`^[a-z_]+(\{([a-z]+="[^"]*",?)+\})? [0-9.e+-]+\n$`)
	for line := range strings.Lines(m) {
		if !strings.HasPrefix(line, "#") && !sample.MatchString(line) {
			t.Errorf("bad sample line %q", line)
		}
	}
}

func TestPanicInOneFile(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	body, ct := multipartBody(t, file{"images", "a.png", "digit:1"}, file{"images", "bug.png", "panic"}, file{"images", "c.png", "digit:3"})
	req := httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	got := decodeResults(t, do(t, h, req))
	if len(got) != 3 || got[0].Digit == nil || got[2].Digit == nil || *got[2].Digit != 3 {
		t.Fatalf("got %+v, want the files around the bad one read", got)
	}
	if got[1].Code != "internal" || !strings.HasPrefix(got[1].Error, "Internal error while reading this image") {
		t.Errorf("bad file error = %q (%s)", got[1].Error, got[1].Code)
	}
}

func TestPanicBecomes500(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	checkJSONError(t, postPNG(t, h, "panic"), 500, "internal", "Internal error")
	// The slot was released: the next request is served.
	decodeResults(t, postPNG(t, h, "digit:1"))
}

func TestPage(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	tests := []struct{ path, contentType, contains string }{
		{"/", "text/html", `id="files"`},
		{"/app.js", "text/javascript", "api/v1/predict"},
		{"/style.css", "text/css", "@media"},
		{"/examples/digit-7.png", "image/png", "\x89PNG"},
	}
	for _, tt := range tests {
		w := do(t, h, httptest.NewRequest("GET", tt.path, nil))
		if w.Code != 200 {
			t.Errorf("GET %s: status %d", tt.path, w.Code)
			continue
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
			t.Errorf("GET %s: Content-Type %q, want %s", tt.path, ct, tt.contentType)
		}
		if !strings.Contains(w.Body.String(), tt.contains) {
			t.Errorf("GET %s: body lacks %q", tt.path, tt.contains)
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", tt.path)
		}
	}
}

// TestGracefulShutdown checks that cancelling serve's context lets an
// in-flight request finish before serve returns.
func TestGracefulShutdown(t *testing.T) {
	h, fr := newTestServer(t, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, slog.New(slog.NewTextHandler(t.Output(), nil)), 5*time.Second) }()

	type reply struct {
		status int
		body   string
		err    error
	}
	replies := make(chan reply, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/predict", "image/png", strings.NewReader("block"))
		if err != nil {
			replies <- reply{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		replies <- reply{status: resp.StatusCode, body: string(b)}
	}()
	<-fr.entered
	cancel()
	select {
	case err := <-done:
		t.Fatalf("serve returned %v while a request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(fr.release)
	r := <-replies
	if r.err != nil || r.status != 200 {
		t.Errorf("in-flight request: %d %q %v, want 200", r.status, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}
