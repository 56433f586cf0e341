package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// statusRecorder remembers the status code written through it. Middleware
// share one recorder per request (see recorder).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's deadlines and
// flushing.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK // the handler wrote nothing
	}
	return s.status
}

func recorder(w http.ResponseWriter) *statusRecorder {
	if s, ok := w.(*statusRecorder); ok {
		return s
	}
	return &statusRecorder{ResponseWriter: w}
}

// trackMetrics counts requests by route and status and times them. It is the
// outermost middleware so that it also sees the 500s of recoverPanic.
func trackMetrics(m *metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Add(1)
			rec := recorder(w)
			defer func() {
				m.inFlight.Add(-1)
				route := r.Pattern // set by the mux on this same request
				if route == "" {
					route = "unmatched"
				}
				m.observe(route, rec.code(), time.Since(start))
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// logRequests writes one access-log record per request: debug for
// successes, so that a busy server is not slowed by its own logs, info for
// client errors, warn for 503 (overload is not a bug) and error for the
// other server errors.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := recorder(w)
			next.ServeHTTP(rec, r)
			code := rec.code()
			level := slog.LevelDebug
			switch {
			case code == http.StatusServiceUnavailable:
				level = slog.LevelWarn
			case code >= 500:
				level = slog.LevelError
			case code >= 400:
				level = slog.LevelInfo
			}
			logger.Log(r.Context(), level, "http request",
				"method", r.Method, "path", r.URL.Path, "status", code,
				"duration", time.Since(start), "remote", r.RemoteAddr)
		})
	}
}

// recoverPanic turns a panic in a handler into a logged 500, so that a bug
// costs one request and not the connection without an answer.
func recoverPanic(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recorder(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v) // the documented way to abort a response
				}
				logger.ErrorContext(r.Context(), "panic in handler",
					"method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, r, logger, 1, errorf(codeInternal, "Internal error: the server failed; this is a bug, and it is logged", nil))
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// securityHeaders keeps the page from loading anything but itself: it needs
// no CDN, and blob:/data: images are its own previews.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}
