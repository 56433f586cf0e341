package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"digitnet/internal/handwriting"
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
// ready in well under a second on the embedded model and answers; the
// cleanup of startServe checks that cancelling (as SIGINT does through
// main's context) stops it cleanly.
func TestServe(t *testing.T) {
	start := time.Now()
	url, log := startServe(t)
	if ready := time.Since(start); ready > 500*time.Millisecond {
		t.Errorf("ready after %s, want well under a second", ready)
	}
	if !regexp.MustCompile(`msg=listening url=http://\S+/ model=embedded sha256=[0-9a-f]{64}`).MatchString(log.String()) {
		t.Errorf("listening log lacks the model: %s", log)
	}
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %s", resp.Status)
	}
}

// startServe runs `digitnet serve` with args on a free port until the test
// ends and returns its URL and its log.
func startServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	return startServeEnv(t, func(string) string { return "" }, args...)
}

// startServeEnv is startServe with an environment.
func startServeEnv(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer) {
	t.Helper()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), getenv, strings.NewReader(""), &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("serve did not return after cancel")
		}
	})
	listening := regexp.MustCompile(`msg=listening url=(http://\S+/)`)
	for start := time.Now(); ; {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], &stderr
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
}

func modelSHA(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "api/v1/model")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ SHA256 string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m.SHA256
}

// TestServeOperations checks what an orchestrator relies on: readiness,
// the OpenAPI description, the Go memory limit from --max-memory.
func TestServeOperations(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	url, _ := startServe(t, "--max-memory", "256MiB", "--drain", "3s")
	for _, path := range []string{"readyz", "healthz", "api/v1/openapi.json"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /%s: %s", path, resp.Status)
		}
	}
	if got := debug.SetMemoryLimit(-1); got != 256<<20-binaryReserve {
		t.Errorf("Go memory limit %d, want --max-memory less the binary's reserve", got)
	}
}

func TestByteSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want byteSize
	}{
		{"512MiB", 512 << 20}, {"512Mi", 512 << 20}, {"512M", 512 << 20}, {"512 MB", 512 << 20},
		{"2GiB", 2 << 30}, {"1.5g", 3 << 29}, {"64kb", 64 << 10}, {"1048576", 1 << 20}, {"100B", 100},
	} {
		var b byteSize
		if err := b.Set(tt.in); err != nil || b != tt.want {
			t.Errorf("Set(%q) = %d, %v; want %d", tt.in, b, err, tt.want)
		}
	}
	for _, bad := range []string{"", "lots", "-1MiB", "1TB", "12XB"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) = %d, want an error", bad, b)
		}
	}
	if got := byteSize(512 << 20).String(); got != "512 MB" {
		t.Errorf("String = %q", got)
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--max-memory", "10MiB"}, "--max-memory 10 MB: the server needs at least 64 MB"},
		{[]string{"serve", "--max-memory", "lots"}, "want a size such as 512MiB"},
		{[]string{"serve", "--drain", "0s"}, "--drain 0s: must be positive"},
		{[]string{"serve", "--samples", t.TempDir(), "--addr", "0.0.0.0:0"},
			"--samples with --addr 0.0.0.0:0 and no token: anyone who can reach the server could change the samples and the model it reads with; add --token"},
		{[]string{"serve", "--samples", t.TempDir(), "--addr", ":0"}, "--samples with --addr :0 and no token"},
		{[]string{"serve", "--token", "two words"}, "the token must be printable ASCII without spaces"},
		{[]string{"version", "extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestServeSamples runs `serve --samples` as a person would: the page
// learns that it may offer corrections, a correction is stored in the
// folder, and a fine-tuned model left by an earlier run is pointed out.
func TestServeSamples(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "models"), 0o755)
	os.WriteFile(filepath.Join(dir, "models", "finetuned-20260101T000000Z-aaaaaaaaaaaa.safetensors"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "models", "finetuned-20260412T153000Z-3f9a0c12d4e5.safetensors"), nil, 0o644)
	url, log := startServe(t, "--samples", dir)
	if !strings.Contains(log.String(), "a fine-tuned model from an earlier run is kept; start with --model to use it") ||
		!strings.Contains(log.String(), "finetuned-20260412T153000Z-3f9a0c12d4e5.safetensors") {
		t.Errorf("the log does not point at the newest fine-tuned model:\n%s", log)
	}
	resp, err := http.Get(url + "api/v1/model")
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Capabilities map[string]bool }
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if !m.Capabilities["samples"] || m.Capabilities["token_required"] {
		t.Errorf("capabilities %v", m.Capabilities)
	}
	if code := postSample(t, url, writerPNG(t, 7), ""); code != http.StatusCreated {
		t.Errorf("POST a sample: %d", code)
	}
	if files, _ := os.ReadDir(filepath.Join(dir, "7")); len(files) != 1 {
		t.Errorf("%s/7 holds %d files, want the sample", dir, len(files))
	}
}

// TestServeToken: DIGITNET_TOKEN (or --token) lets --samples listen beyond
// loopback, and the routes that write want it.
func TestServeToken(t *testing.T) {
	env := func(k string) string {
		if k == "DIGITNET_TOKEN" {
			return "s3cret"
		}
		return ""
	}
	url, log := startServeEnv(t, env, "--samples", t.TempDir(), "--addr", "0.0.0.0:0")
	// Serve warns just after the listening line.
	for start := time.Now(); !strings.Contains(log.String(), "the routes that write need the token"); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the log does not say the token guards the routes that write:\n%s", log)
		}
	}
	if !strings.Contains(log.String(), "token=true") {
		t.Errorf("the listening line does not say there is a token:\n%s", log)
	}
	url = strings.Replace(url, "0.0.0.0", "127.0.0.1", 1)
	if code := postSample(t, url, writerPNG(t, 7), ""); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
	if code := postSample(t, url, writerPNG(t, 7), "s3cret"); code != http.StatusCreated {
		t.Errorf("with the token: %d", code)
	}
}

func writerPNG(t *testing.T, d int) []byte {
	t.Helper()
	b, err := handwriting.Backhand.PNG(d, rand.New(rand.NewPCG(1, uint64(d))))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postSample saves a sample through the API and returns the status.
func postSample(t *testing.T, url string, image []byte, token string) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("image", "seven.png")
	fw.Write(image)
	mw.WriteField("label", "7")
	mw.Close()
	req, _ := http.NewRequest("POST", url+"api/v1/samples", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
