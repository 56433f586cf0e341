package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"digitnet/recognize"
)

// Config is what `digitnet serve` passes to Run.
type Config struct {
	// Addr is the address to listen on (127.0.0.1:8080).
	Addr string
	// ModelPath is a model file to load; empty means the embedded model.
	ModelPath string
	// Options are the request limits; the zero value picks the defaults.
	Options Options
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// after a shutdown signal (15 s).
	ShutdownTimeout time.Duration
}

// GCPercent is the garbage-collector target Run sets unless the GOGC
// environment variable is set. Each request allocates an image's planes and
// drops them at once, so the default target (100) collects every few
// requests; 400 trades about 20 MiB of heap for a fifth less CPU per
// request (cmd/digitnet-load: 1,711 → 2,085 req/s, peak RSS 29 → 51 MiB).
const GCPercent = 400

// TuneGC applies GCPercent unless GOGC is set. Run calls it; so does the
// load generator, to measure what `digitnet serve` does.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}

// DefaultAddr is where `digitnet serve` listens unless told otherwise:
// loopback only, as the server has no authentication.
const DefaultAddr = "127.0.0.1:8080"

// Connection timeouts. ReadTimeout allows a 32 MiB upload at about 4 Mbit/s;
// WriteTimeout covers reading 64 images after it.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 120 * time.Second
	idleTimeout       = 120 * time.Second
)

// Run loads the model, listens on cfg.Addr and serves until ctx is done or
// the process gets SIGINT or SIGTERM; then it stops accepting connections
// and waits up to cfg.ShutdownTimeout for in-flight requests to finish.
// It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	start := time.Now()
	TuneGC()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var (
		rec *recognize.Recognizer
		err error
	)
	model := "embedded"
	if cfg.ModelPath == "" {
		rec, err = recognize.Default()
	} else {
		model = cfg.ModelPath
		rec, err = recognize.Load(cfg.ModelPath)
	}
	if err != nil {
		return fmt.Errorf("server: loading model: %w", err)
	}
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	info := rec.Info()
	logger.Info("listening", "url", "http://"+ln.Addr().String()+"/", "model", model,
		"parameters", info.Parameters, "test_accuracy", info.TestAccuracy, "startup", time.Since(start))
	return serve(ctx, ln, NewServer(logger, rec, cfg.Options), logger, cfg.ShutdownTimeout)
}

// serve runs an http.Server with the package's timeouts on ln until ctx is
// done, then shuts it down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, shutdownTimeout time.Duration) error {
	if shutdownTimeout <= 0 {
		shutdownTimeout = 15 * time.Second
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests do not inherit ctx: a shutdown signal must let them
		// finish, not cancel them.
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	logger.Info("stopped")
	return nil
}
