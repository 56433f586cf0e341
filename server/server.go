package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"digitnet/learn"
	"digitnet/recognize"
)

// Reader is what the server needs from a model: *recognize.Recognizer
// implements it, tests use a fake. Implementations must be safe for
// concurrent use.
type Reader interface {
	// Read reads one image.
	Read(io.Reader) (recognize.Reading, error)
	// Cost returns the most memory Read takes for the file data, from its
	// header alone, or the error Read would give for a file it refuses
	// on its header.
	Cost(data []byte) (int64, error)
	// Info describes the model.
	Info() recognize.ModelInfo
}

// Options are the server's limits and its optional routes. The zero value
// of each field picks the default shown.
type Options struct {
	// MaxBodyBytes caps one request body (32 MiB).
	MaxBodyBytes int64
	// MaxFiles caps the files in one multipart request (64).
	MaxFiles int
	// MaxConcurrent is how many predict requests run at once (one per
	// core, and at least 2). A slot covers reading the images only (bodies
	// are read before it is taken, answers written after), which is
	// CPU-bound: more slots than cores only time-slice them. With twice
	// as many, wrk's p99 on 2 cores was 73 ms instead of 29 ms, at the
	// same requests/s. Requests with a heavy image (a photo: see
	// HeavyBytes) may hold only half the slots (at least one), so that a
	// stream of photos, each taking a core for a third of a second, never
	// shuts out the small uploads queued behind it.
	MaxConcurrent int
	// QueueWait is how long a predict request may wait for a free slot, or
	// for memory, before it is refused with 503 (500 ms; four times as
	// long for a free slot when it holds a heavy image).
	QueueWait time.Duration
	// RetryAfter is the Retry-After hint sent with 503, in seconds (1).
	RetryAfter int
	// MaxMemory is the memory the whole process may use (512 MiB; `digitnet
	// serve` sets Go's memory limit to it). Request bodies and the images
	// being read are admitted only while their cost fits in it, less a
	// reserve for everything else: a quarter, and at least 64 MiB (half,
	// below 128 MiB).
	MaxMemory int64
	// BodyTimeout is how long a client may take to send a predict
	// request's body (60 s). Bodies are read before a predict slot is
	// taken, so a slow client holds a connection, not a slot.
	BodyTimeout time.Duration
	// Learn, when set, turns on the routes that keep a person's samples
	// and fine-tune the model on them (`digitnet serve --samples DIR`);
	// without it they answer 404. A job the server starts swaps its model
	// in through the server's Live.
	Learn *learn.Learner
	// Token, when set, is required of the routes that write (saving and
	// deleting samples, starting a fine-tune, rolling back) as the header
	// "Authorization: Bearer <Token>"; they answer 401 without it.
	Token string
}

const (
	defaultMaxBodyBytes = 32 << 20
	defaultMaxFiles     = 64
	defaultQueueWait    = 500 * time.Millisecond
	// DefaultMaxMemory is Options.MaxMemory's default.
	DefaultMaxMemory   = 512 << 20
	defaultBodyTimeout = 60 * time.Second
	// answerTimeout is how long writing an answer may take.
	answerTimeout = 60 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = defaultMaxBodyBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = defaultMaxFiles
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = max(2, runtime.GOMAXPROCS(0))
	}
	if o.QueueWait <= 0 {
		o.QueueWait = defaultQueueWait
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 1
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = defaultBodyTimeout
	}
	return o
}

// workBudget is the part of MaxMemory that bodies and images may hold: the
// rest is the process's own (runtime, model, page, connections, answers)
// and the collector's headroom.
func (o Options) workBudget() int64 {
	return o.MaxMemory - max(o.MaxMemory/4, min(64<<20, o.MaxMemory/2))
}

// server is what the handlers share.
type server struct {
	logger   *slog.Logger
	live     *Live
	opts     Options
	m        *metrics
	slots    semaphore
	heavy    semaphore // the slots a request with a heavy image may take
	memory   *budget
	draining atomic.Bool
	// life is the server's lifetime: fine-tuning jobs run under it, and
	// drain ends it.
	life context.Context
	end  context.CancelFunc
}

// NewServer returns the whole HTTP handler: routes, page and middleware.
// logger receives structured logs; rd reads the images. Pass a *Live as rd
// to replace the model while the server runs.
//
// Serve marks the handler as draining when it starts to shut down: GET
// /readyz then answers 503, and a fine-tuning job is stopped.
func NewServer(logger *slog.Logger, rd Reader, opts Options) http.Handler {
	opts = opts.withDefaults()
	live, ok := rd.(*Live)
	if !ok {
		live = NewLive(rd)
	}
	s := &server{
		logger: logger,
		live:   live,
		opts:   opts,
		m:      newMetrics(),
		slots:  make(semaphore, opts.MaxConcurrent),
		heavy:  make(semaphore, max(1, opts.MaxConcurrent/2)),
		memory: newBudget(opts.workBudget()),
	}
	s.life, s.end = context.WithCancel(context.Background())
	s.m.memory = s.memory
	mux := http.NewServeMux()
	s.addRoutes(mux)
	var h http.Handler = mux
	h = recoverPanic(logger)(h)
	h = securityHeaders(h)
	h = logRequests(logger)(h)
	h = trackMetrics(s.m)(h)
	return &handler{Handler: h, s: s}
}

// handler is NewServer's http.Handler; Serve tells it when draining starts.
type handler struct {
	http.Handler
	s *server
}

// drain marks the server as shutting down and stops a fine-tuning job.
func (h *handler) drain() {
	h.s.draining.Store(true)
	h.s.end()
}

// drainer is what Serve looks for in its handler.
type drainer interface{ drain() }

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

// HeavyBytes is the decoding cost (Reader.Cost) from which an image counts
// as heavy: about 2 megapixels, a photo or a page scan. Uploads from the
// page's pad, crops and screenshots of a few digits cost far less.
const HeavyBytes = 8 << 20

// internalBody is sent when an answer cannot be encoded.
var internalBody = []byte(`{"error":"Internal error: the answer could not be encoded; this is a bug, and it is logged","code":"internal"}` + "\n")

// writeJSON encodes v before writing anything, so that a value that cannot
// be encoded (a NaN) becomes a logged 500 with a JSON error, never a 200
// with an empty body. Writing gets its own deadline, counted from now: the
// work before it does not eat into the time a slow reader has.
func writeJSON(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		logger.ErrorContext(r.Context(), "encoding the answer failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.Write(internalBody)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Recorders in tests cannot take deadlines; nothing else to do then.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(answerTimeout))
	if _, err := w.Write(buf.Bytes()); err != nil {
		logger.DebugContext(r.Context(), "writing the answer failed", "path", r.URL.Path, "err", err)
	}
}
