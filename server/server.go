package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"digitnet/recognize"
)

// Reader is what the server needs from a model: *recognize.Recognizer
// implements it, tests use a fake. Implementations must be safe for
// concurrent use.
type Reader interface {
	Read(io.Reader) (recognize.Reading, error)
	Info() recognize.ModelInfo
}

// Options are the server's limits. The zero value of each field picks the
// default shown.
type Options struct {
	// MaxBodyBytes caps one request body (32 MiB).
	MaxBodyBytes int64
	// MaxFiles caps the files in one multipart request (64).
	MaxFiles int
	// MaxConcurrent is how many predict requests run at once (2 x GOMAXPROCS).
	// Recognition is CPU-bound, so more would only add latency and memory.
	MaxConcurrent int
	// QueueWait is how long a predict request may wait for a free slot before
	// it is refused with 503 (500 ms).
	QueueWait time.Duration
	// RetryAfter is the Retry-After hint sent with 503, in seconds (1).
	RetryAfter int
}

const (
	defaultMaxBodyBytes = 32 << 20
	defaultMaxFiles     = 64
	defaultQueueWait    = 500 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = defaultMaxBodyBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = defaultMaxFiles
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if o.QueueWait <= 0 {
		o.QueueWait = defaultQueueWait
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 1
	}
	return o
}

// NewServer returns the whole HTTP handler: routes, page and middleware.
// logger receives structured logs; rd reads the images.
func NewServer(logger *slog.Logger, rd Reader, opts Options) http.Handler {
	opts = opts.withDefaults()
	m := newMetrics()
	mux := http.NewServeMux()
	addRoutes(mux, logger, rd, opts, m)
	var h http.Handler = mux
	h = recoverPanic(logger)(h)
	h = securityHeaders(h)
	h = logRequests(logger)(h)
	h = trackMetrics(m)(h)
	return h
}

// semaphore bounds concurrent predict work.
type semaphore chan struct{}

// acquire takes a slot, waiting at most wait. It reports whether it got one;
// the caller must release a slot it got.
func (s semaphore) acquire(ctx context.Context, wait time.Duration) bool {
	select {
	case s <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (s semaphore) release() { <-s }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// An encoding error here means the client went away; nothing to do.
	_ = json.NewEncoder(w).Encode(v)
}
