package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServer serves h on a loopback port with Serve, as `digitnet serve`
// does, and returns its base URL; the server stops when the test ends.
func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Second) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// trickle opens a connection and sends a predict request whose body of n
// bytes arrives one byte every interval, until stop is closed.
func trickle(t *testing.T, addr string, n int, interval time.Duration, stop <-chan struct{}) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n", n)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for range n {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if _, err := c.Write([]byte("x")); err != nil {
			return // the server gave up on us, as it may
		}
	}
}

// neverRead sends a predict request whose answer is large and does not
// read it, so that the server's writes block once the socket buffers fill.
func neverRead(t *testing.T, addr string, stop <-chan struct{}) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	body := "big"
	fmt.Fprintf(c, "POST /api/v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	<-stop
}

// TestSlowClientsCostNoCapacity is issue 14's first finding: uploads that
// trickle in and clients that never read their answer must not take the
// predict slots from everyone else. With two slots, eight uploads sending a
// byte every 2 s (every 100 ms with -short) and four stalled readers,
// ordinary predictions keep answering 200 within a second.
func TestSlowClientsCostNoCapacity(t *testing.T) {
	interval, watch := 2*time.Second, 5*time.Second
	if testing.Short() {
		interval, watch = 100*time.Millisecond, 2*time.Second
	}
	h, _ := newTestServer(t, Options{MaxConcurrent: 2})
	url := startServer(t, h)
	addr := strings.TrimPrefix(url, "http://")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { trickle(t, addr, 1000, interval, stop) })
	}
	for range 4 {
		wg.Go(func() { neverRead(t, addr, stop) })
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	time.Sleep(300 * time.Millisecond) // every slow client has started

	// The race detector slows the stalled readers' encoding of their large
	// answers tenfold, which starves everything else of CPU for a while;
	// the slots, which this test is about, stay free all the same.
	within := time.Second
	if raceEnabled {
		within = 5 * time.Second
	}
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(watch)
	for n := 0; time.Now().Before(deadline); n++ {
		start := time.Now()
		resp, err := client.Post(url+"/api/v1/predict", "image/png", strings.NewReader("digit:7"))
		if err != nil {
			t.Fatalf("predict %d: %v", n, err)
		}
		b, _ := io.ReadAll(bufio.NewReader(resp.Body))
		resp.Body.Close()
		took := time.Since(start)
		if resp.StatusCode != http.StatusOK || took > within {
			t.Fatalf("predict %d beside slow clients: %s after %s (%.200s), want 200 within %s", n, resp.Status, took, b, within)
		}
	}
}
