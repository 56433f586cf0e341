package recognize

import (
	"errors"
	"strings"

	"digitnet/imgproc"
)

// Codes name what went wrong with an image for programs: the API sends
// them as "code" beside each "error". They never change; the messages may.
const (
	CodeTooLarge    = "too_large"          // file, pixels or memory over a limit
	CodeUnsupported = "unsupported_format" // not an image in a format digitnet reads
	CodeCorrupt     = "corrupt_image"      // a damaged file of a format digitnet reads
	CodeEmpty       = "empty_image"        // no bytes, or no pixels
	CodeNoDigit     = "no_digit"           // blank or too faint to hold a digit
	CodeModel       = "model_error"        // the model's output is not a number
)

// Error is an image that could not be read: Message says what is wrong and
// what to do, for the person who sent it; Code says which kind of problem
// it is, for programs. errors.Is finds the sentinel errors (ErrTooLarge,
// ErrNoInk, ...) through it.
type Error struct {
	Code    string
	Message string
	Err     error // the cause
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// FormatBytes says a size in bytes as people read it ("20 MB"), for
// messages beside the ones Read gives.
var FormatBytes = imgproc.FormatBytes

// explain turns an error of imgproc or of the model into an *Error. Decode
// errors are already sentences for people; imgproc's other errors (they
// start with "imgproc: ") are said again here. Anything else, such as a
// failure to read the file, is returned as it is.
func explain(err error) error {
	if err == nil {
		return nil
	}
	if e := (*Error)(nil); errors.As(err, &e) {
		return err
	}
	said := func(code, otherwise string) error {
		msg := err.Error()
		if strings.HasPrefix(msg, "imgproc: ") {
			msg = otherwise
		}
		return &Error{Code: code, Message: msg, Err: err}
	}
	switch {
	case errors.Is(err, ErrTooLarge):
		return said(CodeTooLarge, "The image is too large; send a smaller one")
	case errors.Is(err, ErrUnsupported):
		return said(CodeUnsupported, "This is not an image digitnet can read; send PNG, JPEG, GIF, BMP, TIFF or WebP")
	case errors.Is(err, ErrCorrupt):
		return said(CodeCorrupt, "The image is damaged and cannot be decoded; save it again or send another")
	case errors.Is(err, ErrEmpty):
		return said(CodeEmpty, "The image is empty: it has no pixels")
	case errors.Is(err, ErrNoInk):
		return said(CodeNoDigit, "No digit found — the image looks blank or too faint; write darker or crop closer to the digit")
	case errors.Is(err, ErrNotFinite):
		return &Error{Code: CodeModel, Err: err,
			Message: "The model gave no usable answer for this image (its output is not a finite number): the model is broken; use another model file"}
	}
	return err
}
