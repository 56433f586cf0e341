package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// GCPercent is the garbage-collector target `digitnet serve` runs with
// unless GOGC is set. Each request allocates an image's planes and drops
// them at once, so the default target (100) collects every few requests;
// 400 trades about 20 MiB of heap for a fifth less CPU per request
// (cmd/digitnet-load: 1,711 → 2,085 req/s, peak RSS 29 → 51 MiB).
const GCPercent = 400

// DefaultAddr is where `digitnet serve` listens unless told otherwise:
// loopback only, as reading images needs no authentication.
const DefaultAddr = "127.0.0.1:8080"

// Connection timeouts, for every route. The predict handler sets its own
// deadlines for reading the body (Options.BodyTimeout) and for writing the
// answer, so that its wait for a slot and its work count in neither.
// ReadTimeout allows a 32 MiB upload at about 4 Mbit/s.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 120 * time.Second
	idleTimeout       = 120 * time.Second
)

// DefaultDrain is how long Serve lets requests in flight finish after ctx
// is done, unless told otherwise.
const DefaultDrain = 15 * time.Second

// Serve answers HTTP on ln with h and the package's timeouts until ctx is
// done; then it stops accepting connections and waits up to drain for
// requests in flight to finish (DefaultDrain if drain is 0); requests still
// running after that are cut. It returns nil after a clean shutdown.
//
// When h comes from NewServer, its GET /readyz answers 503 from the moment
// the shutdown starts, and a fine-tuning job is stopped. Serve warns in the
// log when ln listens beyond loopback, as reading images needs no
// authentication.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, drain time.Duration) error {
	if drain <= 0 {
		drain = DefaultDrain
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests do not inherit ctx: a shutdown must let them finish,
		// not cancel them.
	}
	if !IsLoopback(ln.Addr()) {
		msg := "listening beyond loopback: anyone who can reach this address can use the API and the page, and there is no authentication; put TLS and authentication in front (docs/deploy.md)"
		if h, ok := h.(*handler); ok && h.s.opts.Token != "" {
			msg = "listening beyond loopback: anyone who can reach this address can read images and list the samples; the routes that write need the token, which travels in clear text without TLS: put TLS in front (docs/deploy.md)"
		}
		logger.Warn(msg, "addr", ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	if d, ok := h.(drainer); ok {
		d.drain() // GET /readyz answers 503 from now on
	}
	logger.Info("shutting down", "drain", drain)
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("server: requests still running after %s: %w", drain, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// IsLoopback reports whether addr accepts connections from this machine
// only.
func IsLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
