package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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

// TestServe starts `digitnet serve` on a free port, checks that it is
// ready in well under a second on the embedded model and answers, and that
// cancelling (as SIGINT does through main's context) stops it cleanly.
func TestServe(t *testing.T) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	}()

	listening := regexp.MustCompile(`msg=listening url=(http://\S+/) model=embedded sha256=[0-9a-f]{64}`)
	var url string
	for {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned %v:\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no listening log after 5 s:\n%s", stderr.String())
		}
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
			t.Errorf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after cancel")
	}
}
