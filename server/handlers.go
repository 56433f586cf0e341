package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"digitnet/recognize"
)

// predictResponse is the body of a successful POST /api/v1/predict.
type predictResponse struct {
	// Results holds, in upload order, a reading or a fileError per file.
	Results []any `json:"results"`
}

// fileError is one file that could not be read; the others still are.
type fileError struct {
	Name  string `json:"name"`
	Error string `json:"error"`
}

// reading is recognize.Reading as the API sends it: the same fields as
// `digitnet predict --json`, plus the file's name and, for the page, each
// digit's 28x28 model input as a PNG data: URL.
type reading struct {
	Name string `json:"name"`
	recognize.Reading
	InputPNG string `json:"input_png,omitempty"`
	// Digits shadows Reading.Digits to add each digit's input_png.
	Digits []digit `json:"digits,omitempty"`
}

type digit struct {
	recognize.Digit
	InputPNG string `json:"input_png,omitempty"`
}

func newReading(name string, r recognize.Reading) reading {
	out := reading{Name: name, Reading: r, InputPNG: pngDataURL(r.Input)}
	for _, d := range r.Digits {
		out.Digits = append(out.Digits, digit{Digit: d, InputPNG: pngDataURL(d.Input)})
	}
	return out
}

// handlePredict reads every file of a multipart form (field "images") or a
// single raw image/* body. Files are streamed one at a time, so memory stays
// at one image per running request whatever the upload size.
func handlePredict(logger *slog.Logger, rd Reader, opts Options, sem semaphore, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) { writeError(w, r, logger, opts.RetryAfter, err) }
		if r.ContentLength > opts.MaxBodyBytes {
			fail(errorf(kindTooLarge, fmt.Sprintf("server: request body larger than %d bytes", opts.MaxBodyBytes), nil))
			return
		}
		mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		multi := err == nil && mediaType == "multipart/form-data"
		raw := err == nil && strings.HasPrefix(mediaType, "image/")
		if !multi && !raw {
			fail(errorf(kindUnsupported, `server: send multipart/form-data with files in the field "images", or one image with Content-Type image/*`, nil))
			return
		}
		if multi && params["boundary"] == "" {
			fail(errorf(kindInvalid, "server: multipart/form-data without a boundary", nil))
			return
		}

		// Take a slot before reading the body, so a flood of uploads waits
		// here (or is refused) instead of piling up in memory.
		if !sem.acquire(r.Context(), opts.QueueWait) {
			if r.Context().Err() != nil {
				return // the client gave up waiting; nobody reads an answer
			}
			m.busy.Add(1)
			fail(errorf(kindBusy, "server: too busy, retry later", nil))
			return
		}
		defer sem.release()

		body := &stickyReader{r: http.MaxBytesReader(w, r.Body, opts.MaxBodyBytes)}
		p := predictor{rd: rd, logger: logger, m: m}
		if raw {
			name := r.URL.Query().Get("name")
			if name == "" {
				name = "image"
			}
			item, err := p.one(name, body)
			if body.err != nil {
				fail(bodyError(body.err))
				return
			}
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) {
					err = imageError(name, err)
				}
				fail(err)
				return
			}
			writeJSON(w, http.StatusOK, predictResponse{Results: []any{item}})
			return
		}

		mr := multipart.NewReader(body, params["boundary"])
		results := []any{}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				if body.err != nil {
					fail(bodyError(body.err))
				} else {
					fail(errorf(kindInvalid, "server: malformed multipart body", err))
				}
				return
			}
			if part.FormName() != "images" {
				continue // other fields are ignored; NextPart skips their data
			}
			if len(results) == opts.MaxFiles {
				fail(errorf(kindTooLarge, fmt.Sprintf("server: more than %d files in one request", opts.MaxFiles), nil))
				return
			}
			name := part.FileName()
			if name == "" {
				name = "image-" + strconv.Itoa(len(results)+1)
			}
			item, err := p.one(name, part)
			if body.err != nil {
				// The body itself broke (too large, too slow): the request
				// as a whole failed, not this file.
				fail(bodyError(body.err))
				return
			}
			if err != nil {
				msg := err.Error()
				var ae *apiError
				if errors.As(err, &ae) && ae.kind == kindInternal {
					msg = ae.msg // details are in the log, not for clients
				}
				item = fileError{Name: name, Error: msg}
			}
			results = append(results, item)
		}
		if len(results) == 0 {
			fail(errorf(kindInvalid, `server: no files in the form field "images"`, nil))
			return
		}
		writeJSON(w, http.StatusOK, predictResponse{Results: results})
	})
}

// stickyReader remembers the first error of the request body, so that a
// size-limit or timeout error is seen even when a decoder swallowed it.
type stickyReader struct {
	r   io.Reader
	err error
}

func (s *stickyReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

type predictor struct {
	rd     Reader
	logger *slog.Logger
	m      *metrics
}

// one reads a single image and converts the result to its JSON form.
// A panic while reading becomes this image's error (kind internal), so that
// one file that trips a bug does not fail the others in its request.
func (p predictor) one(name string, r io.Reader) (item any, err error) {
	defer func() {
		if v := recover(); v != nil {
			p.m.imagesFailed.Add(1)
			p.logger.Error("panic reading an image", "name", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			item, err = nil, errorf(kindInternal, "server: internal error while reading this image", nil)
		}
	}()
	res, err := p.rd.Read(r)
	if err != nil {
		p.m.imagesFailed.Add(1)
		p.logger.Debug("image not read", "name", name, "err", err)
		return nil, err
	}
	p.m.imagesOK.Add(1)
	if len(res.Digits) > 0 {
		for _, d := range res.Digits {
			p.m.countDigit(d.Digit)
		}
	} else {
		p.m.countDigit(res.Digit.Digit)
	}
	return newReading(name, res), nil
}

// pngPool keeps zlib writers between encodes: a fresh one costs more than
// encoding a 28x28 image.
type pngPool struct{ p sync.Pool }

func (pp *pngPool) Get() *png.EncoderBuffer {
	b, _ := pp.p.Get().(*png.EncoderBuffer)
	return b
}
func (pp *pngPool) Put(b *png.EncoderBuffer) { pp.p.Put(b) }

// pngEnc stores the 28x28 previews uncompressed: 3.5 µs and 1.2 KB of
// base64 per preview, where BestSpeed took 58 µs (a sixteenth of the
// server's CPU per request) to save 560 bytes on loopback or a LAN.
var pngEnc = png.Encoder{CompressionLevel: png.NoCompression, BufferPool: &pngPool{}}

func pngDataURL(img *image.Gray) string {
	if img == nil {
		return ""
	}
	const prefix = "data:image/png;base64,"
	var raw bytes.Buffer
	raw.Grow(1024) // a 28x28 preview is 900 bytes
	if err := pngEnc.Encode(&raw, img); err != nil {
		return "" // only possible for an empty image; the field is optional
	}
	url := make([]byte, 0, len(prefix)+base64.StdEncoding.EncodedLen(raw.Len()))
	url = append(url, prefix...)
	return string(base64.StdEncoding.AppendEncode(url, raw.Bytes()))
}

// modelResponse is the body of GET /api/v1/model.
type modelResponse struct {
	recognize.ModelInfo
	Limits limits `json:"limits"`
}

type limits struct {
	MaxBodyBytes  int64 `json:"max_body_bytes"`
	MaxFiles      int   `json:"max_files"`
	MaxConcurrent int   `json:"max_concurrent"`
	// The decoder's limits per image, when the Reader tells them.
	MaxFileBytes int64 `json:"max_file_bytes,omitempty"`
	MaxPixels    int64 `json:"max_pixels,omitempty"`
}

// limitedReader is a Reader that tells its decoding limits, as
// *recognize.Recognizer does.
type limitedReader interface {
	Limits() recognize.Limits
}

// handleModel describes the model. The answer never changes, so it is
// encoded once.
func handleModel(rd Reader, opts Options) http.Handler {
	var (
		once sync.Once
		body []byte
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			info := rd.Info()
			if info.Architecture == nil {
				info.Architecture = []string{}
			}
			lim := limits{MaxBodyBytes: opts.MaxBodyBytes, MaxFiles: opts.MaxFiles, MaxConcurrent: opts.MaxConcurrent}
			if lr, ok := rd.(limitedReader); ok {
				l := lr.Limits()
				lim.MaxFileBytes, lim.MaxPixels = l.MaxBytes, l.MaxPixels
			}
			body, _ = json.Marshal(modelResponse{ModelInfo: info, Limits: lim})
			body = append(body, '\n')
		})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func handleMethodNotAllowed(logger *slog.Logger, allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		logger.DebugContext(r.Context(), "method not allowed", "method", r.Method, "path", r.URL.Path)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: fmt.Sprintf("server: method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow)})
	})
}

func handleNotFound(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "not found", "method", r.Method, "path", r.URL.Path)
		writeJSON(w, http.StatusNotFound, errorBody{Error: "server: no such endpoint " + r.URL.Path})
	})
}

// handleAssets serves the embedded page. The files change only with the
// binary, so browsers may keep them but must revalidate.
func handleAssets(logger *slog.Logger, fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	notAllowed := handleMethodNotAllowed(logger, "GET, HEAD")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			notAllowed.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
