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
// A predict answer lists one entry per file, in upload order:
//
//	{"results": [
//	  {"name": "a.png", "digit": 7, "confidence": 0.998, "probabilities": [10 floats],
//	   "top3": [{"digit": 7, "probability": 0.998}, ...],
//	   "input_png": "data:image/png;base64,...",   // the 28x28 image the model saw
//	   "box": {"x": 12, "y": 8, "w": 40, "h": 90}},  // where the digit was found
//	  {"name": "year.jpg", "number": "2026", "digits": [four entries like the above], ...},
//	  {"name": "notes.txt", "error": "imgproc: unsupported format: text"}
//	]}
//
// A file that cannot be read gets an "error" in its place and never fails
// the others. A request that is wrong as a whole gets a 4xx (or 503 when
// busy) with {"error": "..."}: 400 malformed, 408 body too slow, 413 body,
// file count or image too large, 415 wrong Content-Type, 422 a raw-body image
// that cannot be read.
//
// The handler follows Mat Ryer's shape: NewServer builds one http.Handler
// from its dependencies, handlers are makers closing over what they use, and
// every error kind is mapped to a status code in one table (errors.go).
// Predict work is bounded by a semaphore; when it stays full for longer than
// Options.QueueWait the server answers 503 with Retry-After instead of
// queueing without bound.
package server
