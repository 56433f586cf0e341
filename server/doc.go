// Package server is digitnet's HTTP front end: a web page for uploading,
// pasting and drawing digits, and a small JSON API over a recognize.Recognizer.
//
// Routes (all listed in routes.go):
//
//	GET  /                  the page (embedded, works offline)
//	POST /api/v1/predict    multipart field "images" (one or more files) or a raw image/* body
//	GET  /api/v1/model      architecture, parameters, accuracy, training summary, limits
//	GET  /healthz           liveness
//	GET  /metrics           Prometheus text format
//
// The handler follows Mat Ryer's shape: NewServer builds one http.Handler
// from its dependencies, handlers are makers closing over what they use, and
// every error kind is mapped to a status code in one table (errors.go).
// Predict work is bounded by a semaphore; when it stays full for longer than
// Options.QueueWait the server answers 503 with Retry-After instead of
// queueing without bound.
package server
