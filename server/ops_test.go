package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"digitnet/internal/probe"
	"digitnet/learn"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/samples"
)

// TestTooManyFilesBeforeReading is issue 15's "65 files get a 413 only
// after 64 were read": the count is known before any image is.
func TestTooManyFilesBeforeReading(t *testing.T) {
	h, fr := newTestServer(t, Options{MaxFiles: 3})
	files := make([]file, 4)
	for i := range files {
		files[i] = file{"images", "f.png", "digit:1"}
	}
	body, ct := multipartBody(t, files...)
	req := httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	checkJSONError(t, do(t, h, req), 413, "too_many_files", "The request has 4 files; the limit is 3")
	if n := fr.reads.Load(); n != 0 {
		t.Errorf("%d images were read before the request was refused, want none", n)
	}
}

// TestNaNIsNeverAnEmpty200 is issue 14's third finding: an answer that
// cannot be encoded (a NaN) became a 200 with an empty body.
func TestNaNIsNeverAnEmpty200(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	body, ct := multipartBody(t, file{"images", "a.png", "digit:1"}, file{"images", "b.png", "nan"})
	req := httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	checkJSONError(t, do(t, h, req), 500, "internal", "could not be encoded")
}

// TestBrokenModel runs the real recognizer on a model with huge finite
// weights, which loads (its outputs on blank and uniform inputs are
// finite) and overflows on a real stroke: the file gets a model_error,
// a raw body a 500, never a 200 with a NaN or an empty body.
func TestBrokenModel(t *testing.T) {
	m, err := probe.EdgeModel()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := recognize.New(m)
	if err != nil {
		t.Fatalf("the model was refused at load: %v", err)
	}
	h := NewServer(slog.New(slog.NewTextHandler(t.Output(), nil)), rec, Options{})
	img := readExample(t, 7)

	req := httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(string(img)))
	checkJSONError(t, do(t, h, req), 500, "model_error", "not a finite number")

	body, ct := multipartBody(t, file{"images", "seven.png", string(img)})
	req = httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	got := decodeResults(t, do(t, h, req))
	if len(got) != 1 || got[0].Code != "model_error" || got[0].Digit != nil {
		t.Errorf("got %+v, want the file's error model_error", got)
	}
}

func readExample(t *testing.T, d int) []byte {
	t.Helper()
	b, err := assetsFS.ReadFile("assets/examples/digit-" + string(rune('0'+d)) + ".png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadyz checks readiness: ready with a model, 503 once Serve starts
// to shut down while a request is still in flight; liveness stays 200.
func TestReadyz(t *testing.T) {
	h, fr := newTestServer(t, Options{})
	w := do(t, h, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"ready"`) {
		t.Fatalf("readyz before shutdown: %d %s", w.Code, w.Body)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil)), 5*time.Second) }()
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/predict", "image/png", strings.NewReader("block"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-fr.entered
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		w = do(t, h, httptest.NewRequest("GET", "/readyz", nil))
		if w.Code == 503 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	checkJSONError(t, w, 503, "draining", "shutting down")
	if w := do(t, h, httptest.NewRequest("GET", "/healthz", nil)); w.Code != 200 {
		t.Errorf("healthz while draining: %d, want 200", w.Code)
	}
	close(fr.release)
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestNoDirectoryListing is issue 14's "/examples/ lists its directory".
func TestNoDirectoryListing(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	for _, path := range []string{"/examples/", "/examples"} {
		w := do(t, h, httptest.NewRequest("GET", path, nil))
		if w.Code != 404 || strings.Contains(w.Body.String(), "digit-7.png") {
			t.Errorf("GET %s: %d %.80q, want 404 without a listing", path, w.Code, w.Body)
		}
	}
	if w := do(t, h, httptest.NewRequest("GET", "/examples/digit-7.png", nil)); w.Code != 200 {
		t.Errorf("GET an example: %d", w.Code)
	}
}

// routeRecorder records the patterns addRoutes registers.
type routeRecorder struct{ patterns []string }

func (r *routeRecorder) Handle(pattern string, _ http.Handler) {
	r.patterns = append(r.patterns, pattern)
}

func registeredRoutes(t *testing.T) []string {
	t.Helper()
	var rec routeRecorder
	s := &server{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), live: NewLive(&fakeReader{}), opts: Options{}.withDefaults(), m: newMetrics()}
	s.memory = newBudget(s.opts.workBudget())
	s.addRoutes(&rec)
	return rec.patterns
}

// TestOpenAPIRoutes walks the mux's routes and the OpenAPI document and
// fails if they differ: every "METHOD /path" route is an operation, every
// operation a route. Method-less patterns are the 404 and 405 fallbacks,
// but for "/", which serves the page.
func TestOpenAPIRoutes(t *testing.T) {
	var routes []string
	for _, p := range registeredRoutes(t) {
		if method, path, ok := strings.Cut(p, " "); ok {
			routes = append(routes, method+" "+path)
		} else if p == "/" {
			routes = append(routes, "GET /")
		}
	}
	doc := getOpenAPI(t)
	var ops []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(ops)
	if !slices.Equal(routes, ops) {
		t.Errorf("routes and OpenAPI operations differ:\nroutes  %q\nOpenAPI %q", routes, ops)
	}
}

// TestAPIDocRoutes keeps docs/api.md's table of routes and the server's
// routes in step, as TestOpenAPIRoutes does for openapi.json.
func TestAPIDocRoutes(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for line := range strings.Lines(string(doc)) {
		route, ok := strings.CutPrefix(line, "| `")
		if route, _, found := strings.Cut(route, "` |"); ok && found && strings.Contains(route, " /") {
			documented = append(documented, route)
		}
	}
	var routes []string
	for _, p := range registeredRoutes(t) {
		if strings.Contains(p, " ") {
			routes = append(routes, p)
		} else if p == "/" {
			routes = append(routes, "GET /")
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if !slices.Equal(routes, documented) {
		t.Errorf("docs/api.md's routes and the server's differ:\nserver      %q\ndocs/api.md %q", routes, documented)
	}
}

func getOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	h, _ := newTestServer(t, Options{MaxFiles: 7})
	w := do(t, h, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if w.Code != 200 {
		t.Fatalf("openapi.json: %d", w.Code)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIDocument checks what the document promises: OpenAPI 3.1, the
// ?name= parameter, every error code the server sends, this server's
// limits, and every JSON field of the answers.
func TestOpenAPIDocument(t *testing.T) {
	doc := getOpenAPI(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	predict := dig(doc, "paths", "/api/v1/predict", "post")
	params, _ := predict["parameters"].([]any)
	if len(params) != 1 || params[0].(map[string]any)["name"] != "name" {
		t.Errorf("predict parameters %v, want ?name=", params)
	}
	if got := dig(predict, "requestBody", "content", "multipart/form-data", "schema", "properties", "images")["maxItems"]; got != 7.0 {
		t.Errorf("images maxItems = %v, want this server's MaxFiles 7", got)
	}
	if got := doc["x-limits"].(map[string]any)["max_files"]; got != 7.0 {
		t.Errorf("x-limits max_files = %v, want 7", got)
	}
	schemas := dig(doc, "components", "schemas")
	var codes []string
	for _, c := range dig(schemas, "Code")["enum"].([]any) {
		codes = append(codes, c.(string))
	}
	var want []string
	for c := range statusOf {
		want = append(want, c)
	}
	sort.Strings(codes)
	sort.Strings(want)
	if !slices.Equal(codes, want) {
		t.Errorf("Code enum %q, want the server's codes %q", codes, want)
	}
	for schema, v := range map[string]any{
		"Error": errorBody{}, "FileError": fileError{}, "Digit": digit{}, "Box": recognize.Box{},
		"Class": recognize.Class{}, "ModelResponse": modelResponse{}, "Limits": limits{},
		"Capabilities": capabilities{}, "Sample": samples.Sample{}, "SamplesResponse": samplesResponse{},
		"FineTuneStatus": learn.Status{}, "FineTune": models.FineTune{}, "RollbackResponse": rollbackResponse{},
	} {
		props := dig(schemas, schema)["properties"].(map[string]any)
		for _, f := range jsonFields(reflect.TypeOf(v)) {
			if _, ok := props[f]; !ok {
				t.Errorf("schema %s lacks the field %q", schema, f)
			}
		}
	}
	for schema, fields := range map[string][]string{
		"Reading":        {"name", "number", "digits"},
		"FineTuneResult": {"sha256", "file", "skipped"},
	} {
		props := dig(schemas, schema)["allOf"].([]any)[1].(map[string]any)["properties"].(map[string]any)
		for _, f := range fields {
			if _, ok := props[f]; !ok {
				t.Errorf("schema %s lacks the field %q", schema, f)
			}
		}
	}
}

// jsonFields lists the JSON names of a struct's fields, through embedded
// structs.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

// TestMetricsRouteLabels is issue 15's "consistent route labels": every
// request is counted under one of the registered patterns, 404 and 405
// fallbacks included, never under a path a client made up.
func TestMetricsRouteLabels(t *testing.T) {
	h, _ := newTestServer(t, Options{})
	for _, r := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"HEAD", "/healthz"}, {"GET", "/readyz"}, {"POST", "/readyz"},
		{"GET", "/api/v1/openapi.json"}, {"GET", "/api/v1/model"}, {"DELETE", "/api/v1/model"},
		{"GET", "/api/v1/predict"}, {"GET", "/api/v9/x"}, {"GET", "/no/such/page"}, {"PUT", "/app.js"},
		{"GET", "/examples/"}, {"GET", "/api"}, {"GET", "//healthz"},
	} {
		do(t, h, httptest.NewRequest(r.method, r.path, nil))
	}
	registered := registeredRoutes(t)
	for line := range strings.Lines(getMetrics(t, h)) {
		_, rest, ok := strings.Cut(line, `digitnet_http_requests_total{route="`)
		if !ok {
			continue
		}
		route, _, _ := strings.Cut(rest, `"`)
		if !slices.Contains(registered, route) {
			t.Errorf("route label %q is not a registered pattern (%s)", route, strings.TrimSpace(line))
		}
	}
}

// TestProbesRefused posts issue 14's 40-megapixel probes to the real
// recognizer with the default budget. Before the budget the TIFF took
// 1,078 MiB and the JPEG 592 MiB to decode, and the answer came seconds
// later (422: no ink); now both are refused from their headers, at once.
func TestProbesRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 40-megapixel probes")
	}
	rec, err := recognize.Default()
	if err != nil {
		t.Fatal(err)
	}
	h := NewServer(slog.New(slog.NewTextHandler(t.Output(), nil)), rec, Options{})
	for name, data := range map[string][]byte{
		"tiff deflate bomb": probe.TIFFDeflateBomb(8000, 5000),
		"progressive jpeg":  probe.ProgressiveJPEG(8000, 5000, false),
	} {
		start := time.Now()
		req := httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(string(data)))
		checkJSONError(t, do(t, h, req), 413, "too_large", "of memory; this server reads images of up to 384 MB")
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: refused after %s, want at once (from the header)", name, took)
		}
	}
}

// TestLoopbackWarning checks that Serve warns when it listens beyond
// loopback, where anyone may use the API, and not on loopback.
func TestLoopbackWarning(t *testing.T) {
	for _, tt := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		ln, err := net.Listen("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		var log syncLog
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // start and stop at once
		h, _ := newTestServer(t, Options{})
		if err := Serve(ctx, ln, h, slog.New(slog.NewTextHandler(&log, nil)), time.Second); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(log.String(), "listening beyond loopback"); got != tt.warn {
			t.Errorf("%s: warned %v, want %v:\n%s", tt.addr, got, tt.warn, log.String())
		}
	}
}

// TestDrainCuts checks that the drain is a bound: a request still running
// after it is cut and Serve says so.
func TestDrainCuts(t *testing.T) {
	// The cut request finishes after the test returns, when release is
	// closed: its log must not go to the finished test's output.
	fr := &fakeReader{entered: make(chan struct{}, 8), release: make(chan struct{})}
	h := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), fr, Options{})
	defer close(fr.release)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil)), 50*time.Millisecond) }()
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/predict", "image/png", strings.NewReader("block"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-fr.entered
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "still running after 50ms") {
			t.Errorf("Serve: %v, want the requests cut after the drain", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its 50 ms drain")
	}
}

// syncLog is a log buffer safe for a server's goroutines and a test.
type syncLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
