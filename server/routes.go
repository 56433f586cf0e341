package server

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
)

//go:embed assets
var assetsFS embed.FS

// addRoutes is the one place that lists every route. Each API path also has
// a method-less fallback so that a wrong method gets a JSON 405 with an Allow
// header instead of the mux's plain-text one.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, rd Reader, opts Options, m *metrics) {
	sem := make(semaphore, opts.MaxConcurrent)

	mux.Handle("POST /api/v1/predict", handlePredict(logger, rd, opts, sem, m))
	mux.Handle("/api/v1/predict", handleMethodNotAllowed(logger, "POST"))
	mux.Handle("GET /api/v1/model", handleModel(rd, opts))
	mux.Handle("/api/v1/model", handleMethodNotAllowed(logger, "GET, HEAD"))
	mux.Handle("/api/", handleNotFound(logger))

	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("/healthz", handleMethodNotAllowed(logger, "GET, HEAD"))
	mux.Handle("GET /metrics", handleMetrics(m))
	mux.Handle("/metrics", handleMethodNotAllowed(logger, "GET, HEAD"))

	// The page is the method-less fallback for every other path, so it
	// answers wrong methods itself.
	mux.Handle("/", handleAssets(logger, mustSub(assetsFS, "assets")))
}

// mustSub is only called on the embedded tree, whose layout is fixed at
// build time, so a failure is a programming error.
func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic("server: embedded assets: " + err.Error())
	}
	return sub
}
