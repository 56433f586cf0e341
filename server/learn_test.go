package server

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"digitnet/internal/handwriting"
	"digitnet/learn"
	"digitnet/mnist"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/train"
)

// The handler tests of the samples, fine-tuning and rollback routes run
// on the embedded model, with samples in the Backhand writer's hand. Their
// jobs train on noise for MNIST with a recipe that takes a fraction of a
// second: they test the routes, not what is learnt (the browser test and
// TestFineTuneUnderLoad learn for real).

// noiseMNIST stands in for MNIST.
func noiseMNIST(context.Context) (*mnist.Set, *mnist.Set, error) {
	r := rand.New(rand.NewPCG(1, 2))
	set := func(n int) *mnist.Set {
		s := &mnist.Set{N: n, Rows: 28, Cols: 28, Images: make([]byte, n*784), Labels: make([]byte, n)}
		for i := range s.Images {
			s.Images[i] = byte(r.IntN(256))
		}
		for i := range s.Labels {
			s.Labels[i] = byte(i % 10)
		}
		return s
	}
	return set(40), set(20), nil
}

var quickRecipe = train.FineTuneConfig{Epochs: 1, Repeat: 1, MNIST: 20, Folds: 2}

// learnServer is a server with --samples in a temporary folder.
type learnServer struct {
	h     http.Handler
	store *samples.Store
	base  *recognize.Recognizer
}

func newLearnServer(t *testing.T, opts Options, lo learn.Options) *learnServer {
	t.Helper()
	rec, err := recognize.Default()
	if err != nil {
		t.Fatal(err)
	}
	store, err := samples.Open(filepath.Join(t.TempDir(), "samples"), samples.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lo.LoadMNIST == nil {
		lo.LoadMNIST = noiseMNIST
	}
	if lo.FineTune == (train.FineTuneConfig{}) {
		lo.FineTune = quickRecipe
	}
	opts.Learn = learn.New(store, rec.Model(), lo)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	return &learnServer{h: NewServer(logger, rec, opts), store: store, base: rec}
}

// writerPNG draws digit d in the Backhand writer's hand.
func writerPNG(t testing.TB, d int, seed uint64) []byte {
	t.Helper()
	b, err := handwriting.Backhand.PNG(d, rand.New(rand.NewPCG(seed, uint64(d))))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleRequest is POST /api/v1/samples with the given fields; a field
// left empty is not sent.
func sampleRequest(t testing.TB, label string, image []byte, token string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if image != nil {
		fw, _ := mw.CreateFormFile("image", "my digit.png")
		fw.Write(image)
	}
	if label != "" {
		mw.WriteField("label", label)
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/api/v1/samples", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// addWriter saves per digits of each label through the API.
func (ls *learnServer) addWriter(t *testing.T, per int, labels ...int) {
	t.Helper()
	for _, d := range labels {
		for i := range per {
			w := do(t, ls.h, sampleRequest(t, fmt.Sprint(d), writerPNG(t, d, uint64(100+i)), ""))
			if w.Code != http.StatusCreated {
				t.Fatalf("saving a %d: %d %s", d, w.Code, w.Body)
			}
		}
	}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder, status int) T {
	t.Helper()
	var v T
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %s: %v", w.Body, err)
	}
	return v
}

// TestSamplesNeedFlag: without Options.Learn every route of samples,
// fine-tuning and rollback answers 404, whatever the method, and the model
// says the page has no samples controls to show.
func TestSamplesNeedFlag(t *testing.T) {
	h, _ := newTestServer(t, Options{Token: "t"})
	for _, r := range []struct{ method, path string }{
		{"POST", "/api/v1/samples"}, {"GET", "/api/v1/samples"}, {"PUT", "/api/v1/samples"},
		{"DELETE", "/api/v1/samples/7-3f9a0c12d4e5b678"}, {"GET", "/api/v1/samples.zip"},
		{"POST", "/api/v1/finetune"}, {"GET", "/api/v1/finetune"}, {"POST", "/api/v1/model/rollback"}, {"GET", "/api/v1/model/rollback"},
	} {
		w := do(t, h, httptest.NewRequest(r.method, r.path, nil))
		checkJSONError(t, w, 404, "not_found", "start it with `digitnet serve --samples DIR`")
	}
	m := decode[modelResponse](t, do(t, h, httptest.NewRequest("GET", "/api/v1/model", nil)), 200)
	if m.Capabilities != (capabilities{TokenRequired: true}) {
		t.Errorf("capabilities %+v, want no samples", m.Capabilities)
	}
}

// TestSamples saves, lists, downloads and deletes samples.
func TestSamples(t *testing.T) {
	ls := newLearnServer(t, Options{}, learn.Options{})
	seven := writerPNG(t, 7, 1)
	s := decode[samples.Sample](t, do(t, ls.h, sampleRequest(t, "7", seven, "")), http.StatusCreated)
	if s.Label != 7 || !strings.HasPrefix(s.ID, "7-") {
		t.Errorf("answer %+v", s)
	}
	// Stored under DIR/7 as it was sent, named by its ID.
	stored, err := os.ReadFile(filepath.Join(ls.store.Dir(), "7", s.ID+".png"))
	if err != nil || !bytes.Equal(stored, seven) {
		t.Errorf("stored file: %d bytes, %v", len(stored), err)
	}
	ls.addWriter(t, 2, 1)

	list := decode[samplesResponse](t, do(t, ls.h, httptest.NewRequest("GET", "/api/v1/samples", nil)), 200)
	if list.Counts != [10]int{1: 2, 7: 1} || list.Total != 3 || len(list.Samples) != 3 || list.Ready {
		t.Errorf("listing %+v", list)
	}
	if !strings.HasPrefix(list.Advice, "Fine-tuning needs at least 3") || !strings.Contains(list.Advice, "digit 1 has 2 (add 1 more)") {
		t.Errorf("advice %q", list.Advice)
	}

	w := do(t, ls.h, httptest.NewRequest("GET", "/api/v1/samples.zip", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/zip" || !strings.Contains(w.Header().Get("Content-Disposition"), "digitnet-samples.zip") {
		t.Fatalf("zip: %d %v", w.Code, w.Header())
	}
	zr, err := zip.NewReader(bytes.NewReader(w.Body.Bytes()), int64(w.Body.Len()))
	if err != nil || len(zr.File) != 3 {
		t.Fatalf("zip: %v, %d files", err, len(zr.File))
	}

	w = do(t, ls.h, httptest.NewRequest("DELETE", "/api/v1/samples/"+s.ID, nil))
	if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Errorf("delete: %d %s", w.Code, w.Body)
	}
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("DELETE", "/api/v1/samples/"+s.ID, nil)), 404, "not_found", "No sample has the ID")
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("DELETE", "/api/v1/samples/..%2f..%2fetc", nil)), 404, "not_found", "No sample has the ID")
	list = decode[samplesResponse](t, do(t, ls.h, httptest.NewRequest("GET", "/api/v1/samples", nil)), 200)
	if list.Counts != [10]int{1: 2} {
		t.Errorf("after delete: %+v", list.Counts)
	}
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("PUT", "/api/v1/samples", nil)), 405, "method_not_allowed", "use GET, HEAD, POST")
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("GET", "/api/v1/samples/"+s.ID, nil)), 405, "method_not_allowed", "use DELETE")
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAddSampleErrors: what cannot be a sample gets a 4xx with a code, and
// nothing is stored.
func TestAddSampleErrors(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range blank.Pix {
		blank.Pix[i] = 230
	}
	seven := writerPNG(t, 7, 1)
	number, err := handwriting.Backhand.NumberPNG(rand.New(rand.NewPCG(3, 3)), 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		req    *http.Request
		opts   Options
		status int
		code   string
		msg    string
	}{
		{"not multipart", httptest.NewRequest("POST", "/api/v1/samples", bytes.NewReader(seven)), Options{}, 400, "bad_request", `two fields: "image", the file, and "label"`},
		{"no image", sampleRequest(t, "7", nil, ""), Options{}, 400, "bad_request", `No file in the form field "image"`},
		{"no label", sampleRequest(t, "", seven, ""), Options{}, 400, "bad_label", `No label`},
		{"label 10", sampleRequest(t, "10", seven, ""), Options{}, 400, "bad_label", `The label "10" is not a digit`},
		{"label x", sampleRequest(t, "x", seven, ""), Options{}, 400, "bad_label", `The label "x" is not a digit`},
		{"label -1", sampleRequest(t, "-1", seven, ""), Options{}, 400, "bad_label", `The label "-1" is not a digit`},
		{"text", sampleRequest(t, "7", []byte("shopping: milk, eggs\n"), ""), Options{}, 415, "unsupported_format", "not an image"},
		{"corrupt", sampleRequest(t, "7", seven[:len(seven)/2], ""), Options{}, 422, "corrupt_image", ""},
		{"blank", sampleRequest(t, "7", pngOf(t, blank), ""), Options{}, 422, "no_digit", "No digit found"},
		{"number", sampleRequest(t, "4", number, ""), Options{}, 422, "several_digits", "The image holds 2 digits"},
		{"body too large", sampleRequest(t, "7", seven, ""), Options{MaxBodyBytes: 1000}, 413, "too_large", "larger than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ls := newLearnServer(t, tt.opts, learn.Options{})
			checkJSONError(t, do(t, ls.h, tt.req), tt.status, tt.code, tt.msg)
			if list, err := ls.store.List(); err != nil || len(list.Samples) != 0 {
				t.Errorf("the store holds %d samples, %v", len(list.Samples), err)
			}
		})
	}
}

// TestSamplesFull: a full store answers 507 and says what to do.
func TestSamplesFull(t *testing.T) {
	rec, err := recognize.Default()
	if err != nil {
		t.Fatal(err)
	}
	store, err := samples.Open(t.TempDir(), samples.Options{MaxSamples: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := NewServer(slog.New(slog.NewTextHandler(t.Output(), nil)), rec, Options{Learn: learn.New(store, rec.Model(), learn.Options{})})
	if w := do(t, h, sampleRequest(t, "7", writerPNG(t, 7, 1), "")); w.Code != 201 {
		t.Fatalf("first sample: %d %s", w.Code, w.Body)
	}
	checkJSONError(t, do(t, h, sampleRequest(t, "7", writerPNG(t, 7, 2), "")), 507, "samples_full", "delete some samples")
}

// TestToken: with a token, the routes that write answer 401 without it or
// with another; the routes that read do not ask for it.
func TestToken(t *testing.T) {
	ls := newLearnServer(t, Options{Token: "s3cret-t0ken"}, learn.Options{})
	seven := writerPNG(t, 7, 1)
	for _, tt := range []struct {
		name, header string
		msg          string
	}{
		{"none", "", "needs its access token"},
		{"basic", "Basic czNjcmV0LXQwa2Vu", "needs its access token"},
		{"wrong", "Bearer s3cret-t0ke", "The access token is wrong"},
		{"longer", "Bearer s3cret-t0ken-and-more", "The access token is wrong"},
	} {
		for _, req := range []*http.Request{
			sampleRequest(t, "7", seven, ""),
			httptest.NewRequest("DELETE", "/api/v1/samples/7-3f9a0c12d4e5b678", nil),
			httptest.NewRequest("POST", "/api/v1/finetune", nil),
			httptest.NewRequest("POST", "/api/v1/model/rollback", nil),
		} {
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			w := do(t, ls.h, req)
			checkJSONError(t, w, 401, "unauthorized", tt.msg)
			if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="digitnet"` {
				t.Errorf("%s %s: WWW-Authenticate %q", tt.name, req.URL.Path, got)
			}
		}
	}
	req := sampleRequest(t, "7", seven, "")
	req.Header.Set("Authorization", "bearer s3cret-t0ken") // the scheme is case-insensitive
	if w := do(t, ls.h, req); w.Code != http.StatusCreated {
		t.Errorf("with the token: %d %s", w.Code, w.Body)
	}
	for _, path := range []string{"/api/v1/samples", "/api/v1/samples.zip", "/api/v1/finetune", "/api/v1/model"} {
		if w := do(t, ls.h, httptest.NewRequest("GET", path, nil)); w.Code != 200 {
			t.Errorf("GET %s without the token: %d", path, w.Code)
		}
	}
	m := decode[modelResponse](t, do(t, ls.h, httptest.NewRequest("GET", "/api/v1/model", nil)), 200)
	if m.Capabilities != (capabilities{Samples: true, TokenRequired: true}) {
		t.Errorf("capabilities %+v", m.Capabilities)
	}
}

// waitJob polls GET /api/v1/finetune until the job has ended.
func waitJob(t *testing.T, h http.Handler) learn.Status {
	t.Helper()
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(10 * time.Millisecond) {
		st := decode[learn.Status](t, do(t, h, httptest.NewRequest("GET", "/api/v1/finetune", nil)), 200)
		if st.State != learn.StateRunning {
			return st
		}
	}
	t.Fatal("the job still runs after a minute")
	return learn.Status{}
}

func getModel(t *testing.T, h http.Handler) modelResponse {
	t.Helper()
	return decode[modelResponse](t, do(t, h, httptest.NewRequest("GET", "/api/v1/model", nil)), 200)
}

// TestFineTuneAndRollback runs a job through the routes: refused with too
// few samples, then started, refused again while it runs, done with its
// figures; the new model is in use and described, and rollback goes back
// and forth.
func TestFineTuneAndRollback(t *testing.T) {
	release := make(chan struct{})
	ls := newLearnServer(t, Options{}, learn.Options{LoadMNIST: func(ctx context.Context) (*mnist.Set, *mnist.Set, error) {
		<-release
		return noiseMNIST(ctx)
	}})
	base := ls.base.Info().SHA256
	if st := decode[learn.Status](t, do(t, ls.h, httptest.NewRequest("GET", "/api/v1/finetune", nil)), 200); st.State != learn.StateIdle {
		t.Errorf("before any job: %+v", st)
	}
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/model/rollback", nil)), 409, "no_previous_model", "no previous model")

	ls.addWriter(t, 4, 0, 1)
	ls.addWriter(t, 1, 7)
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/finetune", nil)), 422, "too_few_samples",
		"Fine-tuning needs at least 3 samples of each digit it learns and 10 in all; digit 7 has 1 (add 2 more); there are 9 in all (add 1 more): save more examples first")
	ls.addWriter(t, 2, 7)

	st := decode[learn.Status](t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/finetune", nil)), http.StatusAccepted)
	if st.State != learn.StateRunning {
		t.Errorf("POST answered %+v", st)
	}
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/finetune", nil)), 409, "finetune_running", "running already")
	close(release)
	st = waitJob(t, ls.h)
	r := st.Result
	if st.State != learn.StateDone || r == nil || r.Samples != 11 || r.PerLabel != [10]int{0: 4, 1: 4, 7: 3} || r.Base != base {
		t.Fatalf("after the job: %+v, result %+v", st, r)
	}
	if _, err := os.Stat(filepath.Join(ls.store.Dir(), learn.ModelsDir, r.File)); err != nil {
		t.Errorf("the model was not saved: %v", err)
	}
	m := getModel(t, ls.h)
	if m.SHA256 != r.SHA256 || m.Source != r.File || m.Training == nil || m.Training.FineTune == nil ||
		m.Training.FineTune.Samples != 11 || m.Training.FineTune.Date.IsZero() {
		t.Errorf("GET /api/v1/model after the job: sha256 %s, source %s, training %+v", m.SHA256, m.Source, m.Training)
	}
	if !m.Capabilities.Rollback || m.PreviousSHA256 != base {
		t.Errorf("capabilities %+v, previous %s; want a rollback to %s", m.Capabilities, m.PreviousSHA256, base)
	}
	// The memory the job reserved is given back as it ends.
	for start := time.Now(); ls.h.(*handler).s.memory.reserved() != 0; time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%d bytes still reserved 5 s after the job", ls.h.(*handler).s.memory.reserved())
		}
	}

	rb := decode[rollbackResponse](t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/model/rollback", nil)), 200)
	if rb.SHA256 != base || rb.PreviousSHA256 != r.SHA256 || getModel(t, ls.h).SHA256 != base {
		t.Errorf("rollback: %+v", rb)
	}
	rb = decode[rollbackResponse](t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/model/rollback", nil)), 200)
	if rb.SHA256 != r.SHA256 || getModel(t, ls.h).SHA256 != r.SHA256 {
		t.Errorf("a second rollback: %+v, want the fine-tuned model back", rb)
	}
}

// TestFineTuneNeedsMemory: a server whose budget cannot hold a job says
// so instead of starting one.
func TestFineTuneNeedsMemory(t *testing.T) {
	ls := newLearnServer(t, Options{MaxMemory: 64 << 20}, learn.Options{})
	ls.addWriter(t, 3, 0, 1, 7, 4)
	checkJSONError(t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/finetune", nil)), 507, "not_enough_memory", "--max-memory")
}

// TestFineTuneFails: a job that cannot load MNIST ends failed, with the
// reason, and the model stays.
func TestFineTuneFails(t *testing.T) {
	ls := newLearnServer(t, Options{}, learn.Options{LoadMNIST: func(context.Context) (*mnist.Set, *mnist.Set, error) {
		return nil, nil, fmt.Errorf("mnist: data not found")
	}})
	ls.addWriter(t, 3, 0, 1, 7, 4)
	decode[learn.Status](t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/finetune", nil)), http.StatusAccepted)
	if st := waitJob(t, ls.h); st.State != learn.StateFailed || st.Error != "mnist: data not found" {
		t.Errorf("%+v", st)
	}
	if got := getModel(t, ls.h); got.SHA256 != ls.base.Info().SHA256 || got.Capabilities.Rollback {
		t.Errorf("after a failed job the model is %s, rollback %v", got.SHA256, got.Capabilities.Rollback)
	}
}

// TestShutdownStopsJob: Serve's shutdown cancels a running job.
func TestShutdownStopsJob(t *testing.T) {
	entered := make(chan struct{})
	ls := newLearnServer(t, Options{}, learn.Options{LoadMNIST: func(ctx context.Context) (*mnist.Set, *mnist.Set, error) {
		close(entered)
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}})
	ls.addWriter(t, 3, 0, 1, 7, 4)
	decode[learn.Status](t, do(t, ls.h, httptest.NewRequest("POST", "/api/v1/finetune", nil)), http.StatusAccepted)
	<-entered
	ls.h.(drainer).drain()
	if st := waitJob(t, ls.h); st.State != learn.StateCancelled || !strings.Contains(st.Error, "shut down") {
		t.Errorf("after the shutdown: %+v", st)
	}
}
