package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"

	"digitnet/recognize"
)

// Codes say what went wrong for programs: every error answer and every
// per-file error carries one as "code" beside its "error" message. They
// never change; the messages may. The image codes come from package
// recognize.
const (
	codeBadRequest = "bad_request"        // malformed request
	codeTimeout    = "timeout"            // the body was too slow to arrive
	codeTooMany    = "too_many_files"     // more files than Options.MaxFiles
	codeNotFound   = "not_found"          // no such endpoint, or no such sample
	codeMethod     = "method_not_allowed" // the path exists, not with this method
	codeBusy       = "busy"               // no predict slot or memory within the wait
	codeDraining   = "draining"           // shutting down (GET /readyz)
	codeInternal   = "internal"           // a bug or an unexpected failure

	codeUnauthorized  = "unauthorized"      // a route that writes, without the server's token
	codeBadLabel      = "bad_label"         // a sample's label is not a digit from 0 to 9
	codeSeveralDigits = "several_digits"    // a sample holds more than one digit
	codeSamplesFull   = "samples_full"      // the samples folder holds its maximum
	codeTooFew        = "too_few_samples"   // too few samples to fine-tune on
	codeRunning       = "finetune_running"  // a fine-tuning job runs already
	codeNoPrevious    = "no_previous_model" // nothing to roll back to
	codeNoMemory      = "not_enough_memory" // --max-memory is too small for fine-tuning
)

// statusOf is the one table from code to HTTP status; handlers never pick
// statuses themselves.
var statusOf = map[string]int{
	codeBadRequest:            http.StatusBadRequest,
	codeTimeout:               http.StatusRequestTimeout,
	codeTooMany:               http.StatusRequestEntityTooLarge,
	codeNotFound:              http.StatusNotFound,
	codeMethod:                http.StatusMethodNotAllowed,
	codeBusy:                  http.StatusServiceUnavailable,
	codeDraining:              http.StatusServiceUnavailable,
	codeInternal:              http.StatusInternalServerError,
	codeUnauthorized:          http.StatusUnauthorized,
	codeBadLabel:              http.StatusBadRequest,
	codeSeveralDigits:         http.StatusUnprocessableEntity,
	codeSamplesFull:           http.StatusInsufficientStorage,
	codeTooFew:                http.StatusUnprocessableEntity,
	codeRunning:               http.StatusConflict,
	codeNoPrevious:            http.StatusConflict,
	codeNoMemory:              http.StatusInsufficientStorage,
	recognize.CodeTooLarge:    http.StatusRequestEntityTooLarge,
	recognize.CodeUnsupported: http.StatusUnsupportedMediaType,
	recognize.CodeCorrupt:     http.StatusUnprocessableEntity,
	recognize.CodeEmpty:       http.StatusUnprocessableEntity,
	recognize.CodeNoDigit:     http.StatusUnprocessableEntity,
	recognize.CodeModel:       http.StatusInternalServerError,
}

// apiError is an error with a code and a message for the client.
type apiError struct {
	code string
	msg  string
	err  error // cause, for the log; may be nil
	// unread is set when the request body was not read to its end: the
	// connection is closed rather than the rest read.
	unread bool
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.err }

func errorf(code, msg string, cause error) *apiError {
	return &apiError{code: code, msg: msg, err: cause}
}

// classify turns any error into an apiError: one of ours as it is, an
// image's *recognize.Error with its code and message, a body over the size
// limit or a read timeout by its cause, anything else as internal.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var re *recognize.Error
	if errors.As(err, &re) {
		if _, ok := statusOf[re.Code]; ok {
			return errorf(re.Code, re.Message, err)
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargeBody(mbe.Limit)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &apiError{code: codeTimeout, unread: true,
			msg: "The upload was too slow: the request body did not arrive in time — retry on a faster connection or send a smaller file"}
	}
	return errorf(codeInternal, "Internal error: the server failed; this is a bug, and it is logged", err)
}

func tooLargeBody(limit int64) *apiError {
	return &apiError{code: recognize.CodeTooLarge, unread: true,
		msg: fmt.Sprintf("The request is larger than %s, the limit — send fewer or smaller files per request", recognize.FormatBytes(limit))}
}

// bodyError classifies a failure to read the request body. Whatever it is
// (size limit, timeout, a dropped connection), it is the client's side, never
// an internal error.
func bodyError(err error) error {
	if ae := classify(err); ae.code != codeInternal {
		return ae
	}
	return errorf(codeBadRequest, "Reading the request body failed; send it again", err)
}

// errorBody is the answer to a request that failed as a whole.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// fileError is one file that could not be read; the others still are.
type fileError struct {
	Name  string `json:"name"`
	Error string `json:"error"`
	Code  string `json:"code"`
}

// writeError answers with {"error": "...", "code": "..."} and the status of
// the code. Only server errors are logged at error level: the rest are the
// client's doing.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, retryAfter int, err error) {
	ae := classify(err)
	status := statusOf[ae.code]
	if status >= 500 && ae.code != codeBusy && ae.code != codeDraining && ae.code != codeSamplesFull {
		logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "code", ae.code, "err", err)
	} else {
		logger.DebugContext(r.Context(), "request rejected", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if ae.unread {
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, r, logger, status, errorBody{Error: ae.msg, Code: ae.code})
}
