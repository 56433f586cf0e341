package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"digitnet/recognize"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestRun starts the real server on a free port, checks that it is ready in
// well under a second and answers, and that cancelling stops it cleanly.
func TestRun(t *testing.T) {
	if _, err := recognize.Default(); err != nil {
		skipOrFail(t, "Run needs the embedded model: %v", err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- Run(ctx, Config{Addr: "127.0.0.1:0"}, logger) }()

	listening := regexp.MustCompile(`msg=listening url=(http://\S+/)`)
	var url string
	for url == "" {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no listening log after 5 s:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ready := time.Since(start); ready > 500*time.Millisecond {
		t.Errorf("ready after %s, want well under a second", ready)
	}
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %s", resp.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
