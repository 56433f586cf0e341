package server

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed assets
var assetsFS embed.FS

// router is what addRoutes registers on: an *http.ServeMux, or a test's
// recorder.
type router interface {
	Handle(pattern string, h http.Handler)
}

// addRoutes is the one place that lists every route. Each path also has a
// method-less fallback, so that a wrong method gets a JSON 405 with an
// Allow header instead of the mux's plain-text one, and every request's
// route label in /metrics is one of these patterns.
func (s *server) addRoutes(mux router) {
	mux.Handle("POST /api/v1/predict", s.handlePredict())
	mux.Handle("/api/v1/predict", s.handleMethodNotAllowed("POST"))
	mux.Handle("GET /api/v1/model", s.handleModel())
	mux.Handle("/api/v1/model", s.handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("POST /api/v1/model/rollback", s.writing(s.handleRollback()))
	mux.Handle("/api/v1/model/rollback", s.learning(s.handleMethodNotAllowed("POST")))

	// A person's samples and the fine-tuning job: 404 without
	// Options.Learn; the routes that write need Options.Token.
	mux.Handle("POST /api/v1/samples", s.writing(s.handleAddSample()))
	mux.Handle("GET /api/v1/samples", s.learning(s.handleListSamples()))
	mux.Handle("/api/v1/samples", s.learning(s.handleMethodNotAllowed("GET, HEAD, POST")))
	mux.Handle("DELETE /api/v1/samples/{id}", s.writing(s.handleDeleteSample()))
	mux.Handle("/api/v1/samples/{id}", s.learning(s.handleMethodNotAllowed("DELETE")))
	mux.Handle("GET /api/v1/samples.zip", s.learning(s.handleSamplesZip()))
	mux.Handle("/api/v1/samples.zip", s.learning(s.handleMethodNotAllowed("GET, HEAD")))
	mux.Handle("POST /api/v1/finetune", s.writing(s.handleStartFineTune()))
	mux.Handle("GET /api/v1/finetune", s.learning(s.handleFineTuneStatus()))
	mux.Handle("/api/v1/finetune", s.learning(s.handleMethodNotAllowed("GET, HEAD, POST")))

	mux.Handle("GET /api/v1/openapi.json", s.handleOpenAPI())
	mux.Handle("/api/v1/openapi.json", s.handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("/api/", s.handleNotFound())

	mux.Handle("GET /healthz", s.handleHealthz())
	mux.Handle("/healthz", s.handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("GET /readyz", s.handleReadyz())
	mux.Handle("/readyz", s.handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("GET /metrics", handleMetrics(s.m))
	mux.Handle("/metrics", s.handleMethodNotAllowed("GET, HEAD"))

	// The page and its files: every other path ends here, so this one
	// answers wrong methods itself ("GET /" would conflict with "/api/").
	mux.Handle("/", s.handleAssets(mustSub(assetsFS, "assets")))
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
