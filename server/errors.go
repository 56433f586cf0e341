package server

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strconv"

	"digitnet/recognize"
)

// kind classifies what went wrong, so that one table (statusOf) decides the
// HTTP status and handlers never pick codes themselves.
type kind int

const (
	kindInternal    kind = iota // a bug or an unexpected failure: 500, logged
	kindInvalid                 // malformed request: 400
	kindTooLarge                // body, file count or image size over a limit: 413
	kindUnsupported             // wrong Content-Type: 415
	kindUnreadable              // well-formed request whose image cannot be read: 422
	kindBusy                    // predict slots full: 503 with Retry-After
	kindTimeout                 // the client was too slow sending the body: 408
)

var statusOf = map[kind]int{
	kindInternal:    http.StatusInternalServerError,
	kindInvalid:     http.StatusBadRequest,
	kindTooLarge:    http.StatusRequestEntityTooLarge,
	kindUnsupported: http.StatusUnsupportedMediaType,
	kindUnreadable:  http.StatusUnprocessableEntity,
	kindBusy:        http.StatusServiceUnavailable,
	kindTimeout:     http.StatusRequestTimeout,
}

// apiError is an error with a kind and a message safe to show to clients.
type apiError struct {
	kind kind
	msg  string
	err  error // cause, may be nil
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.err }

func errorf(k kind, msg string, cause error) *apiError {
	return &apiError{kind: k, msg: msg, err: cause}
}

// classify turns any error into an apiError. Errors that carry no kind are
// sorted by their cause: a body over the size limit, a read timeout, or else
// an internal error.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(kindTooLarge, "server: request body larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes", nil)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errorf(kindTimeout, "server: timed out reading the request body", nil)
	}
	return errorf(kindInternal, "server: internal error", err)
}

// bodyError classifies a failure to read the request body. Whatever it is
// (size limit, timeout, a dropped connection), it is the client's side, never
// an internal error.
func bodyError(err error) error {
	if ae := classify(err); ae.kind != kindInternal {
		return ae
	}
	return errorf(kindInvalid, "server: reading the request body failed", err)
}

// imageError classifies a failure to read one uploaded image: over the
// decoder's size limits is 413, anything else (not an image, corrupt, blank)
// is 422, since the request itself was well-formed.
func imageError(name string, err error) error {
	if errors.Is(err, recognize.ErrTooLarge) {
		return errorf(kindTooLarge, "server: "+name, err)
	}
	return errorf(kindUnreadable, "server: "+name, err)
}

// writeError answers with {"error": "..."} and the status of the error's
// kind. Only internal errors are logged at error level: the rest are the
// client's doing.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, retryAfter int, err error) {
	ae := classify(err)
	status := statusOf[ae.kind]
	msg := ae.Error()
	if ae.kind == kindInternal {
		logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = ae.msg // never leak internals
	} else {
		logger.DebugContext(r.Context(), "request rejected", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if ae.kind == kindBusy {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if ae.kind == kindTooLarge || ae.kind == kindTimeout {
		// The rest of the body is not worth reading.
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, status, errorBody{Error: msg})
}

type errorBody struct {
	Error string `json:"error"`
}
