package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"digitnet/recognize"
)

// TestMemoryBudget is issue 14's second finding: images are admitted by
// what they cost to read, from their header. One that could never fit is
// refused at once (413), without being read; one that does not fit beside
// the images being read waits briefly, then gets 503.
func TestMemoryBudget(t *testing.T) {
	// 128 MiB in all: 64 MiB for bodies and images. Four slots, so that
	// two of these heavy images may be read at once and memory, not the
	// share of slots photos may hold, is what refuses the second.
	h, fr := newTestServer(t, Options{MaxMemory: 128 << 20, QueueWait: 50 * time.Millisecond, MaxConcurrent: 4})
	post := func(body string) *httptest.ResponseRecorder {
		return do(t, h, httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body)))
	}

	w := post("cost:80000000 digit:3")
	checkJSONError(t, w, 413, "too_large", "Reading this image takes 76.3 MB of memory; this server reads images of up to 64 MB")
	if n := fr.reads.Load(); n != 0 {
		t.Errorf("the image was read (%d reads) before it was refused", n)
	}

	var wg sync.WaitGroup
	var first *httptest.ResponseRecorder
	wg.Go(func() { first = post("cost:40000000 block") })
	<-fr.entered // 40 MB of 64 are taken

	w = post("cost:40000000 digit:2")
	checkJSONError(t, w, 503, "busy", "needs 38.1 MB of memory")
	if w := post("cost:10000000 digit:2"); w.Code != 200 {
		t.Errorf("an image that fits beside: %d %s", w.Code, w.Body)
	}
	close(fr.release)
	wg.Wait()
	if first.Code != 200 {
		t.Errorf("first: %d", first.Code)
	}
	if w := post("cost:40000000 digit:2"); w.Code != 200 {
		t.Errorf("after the first finished: %d %s", w.Code, w.Body)
	}

	// In a multipart request only the file that cannot fit is refused.
	body, ct := multipartBody(t, file{"images", "big.tif", "cost:90000000 digit:1"}, file{"images", "ok.png", "digit:4"})
	req := httptest.NewRequest("POST", "/api/v1/predict", body)
	req.Header.Set("Content-Type", ct)
	got := decodeResults(t, do(t, h, req))
	if len(got) != 2 || got[0].Code != "too_large" || got[1].Digit == nil || *got[1].Digit != 4 {
		t.Errorf("got %+v, want big.tif refused and ok.png read", got)
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(100)
	ctx := context.Background()
	if !b.acquire(ctx, 60, 0) || b.acquire(ctx, 50, 10*time.Millisecond) {
		t.Fatal("60 then 50 of 100 both fit")
	}
	if b.acquire(ctx, 101, time.Hour) {
		t.Fatal("more than the whole budget fit")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(ctx, 50, time.Second) }()
	time.Sleep(10 * time.Millisecond)
	b.release(60) // wakes the waiter
	if !<-got {
		t.Error("a waiter did not get memory released while it waited")
	}
	if r := b.reserved(); r != 50 {
		t.Errorf("reserved %d, want 50", r)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if b.acquire(cctx, 60, time.Second) {
		t.Error("acquired for a cancelled request")
	}
}

// TestLiveSwap replaces the model while a request runs on it: that request
// finishes on the old model, the next ones use the new one, and Rollback
// puts the old one back.
func TestLiveSwap(t *testing.T) {
	old := &fakeReader{entered: make(chan struct{}, 1), release: make(chan struct{})}
	live := NewLive(old)
	h := NewServer(slog.New(slog.NewTextHandler(t.Output(), nil)), live, Options{})
	post := func(body string) *httptest.ResponseRecorder {
		return do(t, h, httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body)))
	}
	var wg sync.WaitGroup
	var inFlight *httptest.ResponseRecorder
	wg.Go(func() { inFlight = post("block") })
	<-old.entered

	next := &sevensReader{}
	if got := live.Swap(next); got != old {
		t.Errorf("Swap returned %v, want the old reader", got)
	}
	if got := decodeResults(t, post("digit:2")); *got[0].Digit != 7 {
		t.Errorf("after Swap: read %d, want the new model's 7", *got[0].Digit)
	}
	if m := modelSource(t, h); m != "sevens" {
		t.Errorf("GET /api/v1/model after Swap: source %q", m)
	}
	close(old.release)
	wg.Wait()
	if got := decodeResults(t, inFlight); *got[0].Digit != 1 {
		t.Errorf("in-flight request read %d, want the old model's 1", *got[0].Digit)
	}

	if _, err := live.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := decodeResults(t, post("digit:2")); *got[0].Digit != 2 {
		t.Errorf("after Rollback: read %d, want the old model's 2", *got[0].Digit)
	}
	if _, err := NewLive(old).Rollback(); err != ErrNoPrevious {
		t.Errorf("Rollback with no previous model: %v", err)
	}
}

// sevensReader is a fakeReader whose model reads every image as a 7.
type sevensReader struct{ fakeReader }

func (*sevensReader) Read(io.Reader) (recognize.Reading, error) {
	return recognize.Reading{Digit: fakeDigit(7)}, nil
}

func (*sevensReader) Info() recognize.ModelInfo { return recognize.ModelInfo{Source: "sevens"} }

func modelSource(t *testing.T, h http.Handler) string {
	t.Helper()
	w := do(t, h, httptest.NewRequest("GET", "/api/v1/model", nil))
	var m struct{ Source string }
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m.Source
}

func TestWorkBudget(t *testing.T) {
	for _, tt := range []struct{ max, want int64 }{
		{64 << 20, 32 << 20},
		{128 << 20, 64 << 20},
		{512 << 20, 384 << 20},
		{4 << 30, 3 << 30},
	} {
		if got := (Options{MaxMemory: tt.max}).workBudget(); got != tt.want {
			t.Errorf("MaxMemory %d: budget %d, want %d", tt.max, got, tt.want)
		}
	}
}
