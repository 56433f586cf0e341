// Package server is digitnet's HTTP front end: a web page for uploading,
// pasting and drawing digits, and a small JSON API over a recognize.Recognizer.
//
// Routes (all listed in routes.go; openapi.json describes them, and a test
// keeps the two in step):
//
//	GET  /                      the page (embedded, works offline); folders are never listed
//	POST /api/v1/predict        multipart field "images" (one or more files), or one image as
//	                            the raw body, any Content-Type (?name= names it)
//	GET  /api/v1/model          architecture, parameters, accuracy, training, sha256, limits,
//	                            capabilities (what the page may show)
//	GET  /api/v1/openapi.json   OpenAPI 3.1 description of all of this
//	GET  /healthz               liveness
//	GET  /readyz                readiness: 503 while shutting down
//	GET  /metrics               Prometheus text format
//
// A predict answer lists one entry per file, in upload order:
//
//	{"results": [
//	  {"name": "a.png", "digit": 7, "confidence": 0.998, "probabilities": [10 floats],
//	   "top3": [{"digit": 7, "probability": 0.998}, ...],
//	   "input_png": "data:image/png;base64,...",   // the 28x28 image the model saw
//	   "box": {"x": 12, "y": 8, "w": 40, "h": 90}},  // where the digit was found
//	  {"name": "year.jpg", "number": "2026", "digits": [four entries like the above], ...},
//	  {"name": "notes.txt", "error": "This is not an image digitnet can read (it looks like text); ...",
//	   "code": "unsupported_format"}
//	]}
//
// A file that cannot be read gets an "error" and a "code" in its place and
// never fails the others. A request that is wrong as a whole gets
// {"error": "...", "code": "..."} with the status of its code (errors.go
// holds the one table): 400 malformed, 408 body too slow, 413 body, file
// count or image too large, 415 a raw body that is not an image, 422 a
// raw-body image that cannot be read, 503 busy (with Retry-After).
//
// The handler follows Mat Ryer's shape: NewServer builds one http.Handler
// from its dependencies and handlers are makers closing over what they use.
//
// Capacity: a predict request first reads its whole body, with its own
// deadline (Options.BodyTimeout), so that a slow client costs a connection
// and not a slot. Then it reads each file's cost from its header
// (Reader.Cost), and only then takes one of Options.MaxConcurrent slots
// (one per core: the work in a slot is all CPU; a request with a photo,
// HeavyBytes or more, may take only half of them) and the memory of its
// largest image from a budget derived from Options.MaxMemory; it releases
// both before writing its answer. When either stays taken longer than
// Options.QueueWait (four times that for a photo's slot) the request gets
// 503 with Retry-After instead of queueing without bound; an image that
// could never fit the budget gets 413 at once.
//
// Live holds the model, so that it can be replaced while the server runs
// (`digitnet serve` reloads its --model file on SIGHUP): requests in flight
// finish on the model they started with.
//
// With Options.Learn (`digitnet serve --samples DIR`, see learn.go) the
// server also keeps a person's corrections and fine-tunes on them:
//
//	POST   /api/v1/samples          fields "image" (one digit) and "label" (0-9): 201 {"id","label"}
//	GET    /api/v1/samples          counts per digit, IDs, whether they are enough
//	DELETE /api/v1/samples/{id}     204
//	GET    /api/v1/samples.zip      every sample, as the folder's layout
//	POST   /api/v1/finetune         start the one job (202; 409 while one runs; 422 too few)
//	GET    /api/v1/finetune         its state, stage, fraction, elapsed time, result or error
//	POST   /api/v1/model/rollback   put back the model the last swap replaced
//
// Without it they answer 404. Options.Token makes the ones that write
// require "Authorization: Bearer <token>" (401 otherwise). A job runs
// under the server's lifetime, which Serve ends when it starts to shut
// down, and swaps its model in through Live.
package server
