package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"digitnet/recognize"
)

// predictResponse is the body of a successful POST /api/v1/predict.
type predictResponse struct {
	// Results holds, in upload order, a reading or a fileError per file.
	Results []any `json:"results"`
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

// upload is one file of a predict request.
type upload struct {
	name string
	data []byte
	cost int64 // memory reading it takes
	err  error // set when the file is refused before reading
}

// handlePredict reads the images of a multipart form (field "images") or a
// raw body of any Content-Type whose bytes are an image.
//
// Only the work holds a predict slot. The whole body is read first, with
// its own deadline and its size reserved from the memory budget, so that a
// slow client costs a connection, not capacity; the files are counted and
// each one's cost is read from its header; then a slot and the memory of
// the largest image are taken, the images read, both released, and the
// answer written last, so that a client that does not read it holds no
// slot either.
func (s *server) handlePredict() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) { writeError(w, r, s.logger, s.opts.RetryAfter, err) }
		if r.ContentLength > s.opts.MaxBodyBytes {
			fail(tooLargeBody(s.opts.MaxBodyBytes))
			return
		}
		// Any body but a multipart one is one image, whatever its
		// Content-Type says: its bytes are sniffed.
		ct := r.Header.Get("Content-Type")
		mediaType, params, err := mime.ParseMediaType(ct)
		multi := strings.HasPrefix(strings.ToLower(ct), "multipart/")
		switch {
		case multi && err != nil:
			fail(errorf(codeBadRequest, fmt.Sprintf("The Content-Type %q is malformed; send multipart/form-data with a boundary", ct), err))
			return
		case multi && mediaType != "multipart/form-data":
			fail(errorf(codeBadRequest, fmt.Sprintf("%s is not supported; send files as multipart/form-data in the field \"images\"", mediaType), nil))
			return
		case multi && params["boundary"] == "":
			fail(errorf(codeBadRequest, "The multipart/form-data body has no boundary in its Content-Type", nil))
			return
		}

		body, held, err := s.readBody(w, r)
		defer func() { s.memory.release(held) }()
		if err != nil {
			fail(err)
			return
		}
		rd := s.live.Reader() // one model for the whole request
		var uploads []upload
		if multi {
			var extra int64
			uploads, extra, err = s.splitForm(r.Context(), body, params["boundary"])
			held += extra
			if err != nil {
				fail(err)
				return
			}
		} else {
			name := r.URL.Query().Get("name")
			if name == "" {
				name = "image"
			}
			uploads = []upload{{name: name, data: body}}
		}
		need := s.admit(rd, uploads)
		if !multi && uploads[0].err != nil {
			err := classify(uploads[0].err)
			if err.code == recognize.CodeUnsupported {
				err.msg += `; send the image's bytes as the request body, or files in the multipart/form-data field "images"`
			}
			fail(err)
			return
		}

		results, err := s.read(r.Context(), rd, uploads, need)
		if err != nil {
			fail(err)
			return
		}
		if !multi {
			if fe, ok := results[0].(fileError); ok {
				fail(errorf(fe.Code, fe.Error, nil))
				return
			}
		}
		s.memory.release(held)
		held = 0
		writeJSON(w, r, s.logger, http.StatusOK, predictResponse{Results: results})
	})
}

// readBody reads the whole request body within MaxBodyBytes and
// BodyTimeout, reserving memory for it as it grows. It returns the body
// and the memory held, which the caller releases.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, held int64, err error) {
	rc := http.NewResponseController(w)
	// Recorders in tests cannot take deadlines; real connections can.
	_ = rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
	// The connection's own reads after the body must not time out while
	// the request waits for a slot.
	defer rc.SetReadDeadline(time.Time{})

	src := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	// The buffer grows by doubling as bytes arrive, up to the declared
	// length, so that memory is held for what was sent, not for what a
	// client claims it will send; +1 to see the end without growing.
	limit := s.opts.MaxBodyBytes + 1
	if r.ContentLength >= 0 {
		limit = r.ContentLength + 1
	}
	size := min(limit, 64<<10)
	if !s.memory.acquire(r.Context(), size, s.opts.QueueWait) {
		return nil, 0, s.busy(r.Context(), "The server is receiving too many uploads at once; retry in a second")
	}
	held = size
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			// The old and the new array are both held while the bytes
			// are copied.
			old, grown := int64(cap(buf)), min(2*int64(cap(buf)), limit)
			if grown == old {
				grown = old + 1 // a body longer than declared: let the reader say so
			}
			if !s.memory.acquire(r.Context(), grown, s.opts.QueueWait) {
				return nil, held, s.busy(r.Context(), "The server is receiving too many uploads at once; retry in a second")
			}
			buf = append(make([]byte, 0, grown), buf...)
			s.memory.release(old)
			held += grown - old
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, held, nil
		}
		if err != nil {
			return nil, held, bodyError(err)
		}
	}
}

// busy is the error for a request refused because slots or memory stayed
// taken for the whole wait.
func (s *server) busy(ctx context.Context, msg string) error {
	if ctx.Err() == nil {
		s.m.busy.Add(1)
	}
	return errorf(codeBusy, msg, nil)
}

// splitForm copies the files of the multipart body out of it, and refuses
// a request with more than MaxFiles files before any is read. It returns
// the memory it reserved for the copies.
func (s *server) splitForm(ctx context.Context, body []byte, boundary string) ([]upload, int64, error) {
	// Count first: the copies are not worth making for a request that is
	// refused.
	n, err := countFiles(body, boundary)
	if err != nil {
		return nil, 0, err
	}
	if n > s.opts.MaxFiles {
		return nil, 0, errorf(codeTooMany, fmt.Sprintf("The request has %d files; the limit is %d — send them in several requests", n, s.opts.MaxFiles), nil)
	}
	if n == 0 {
		return nil, 0, errorf(codeBadRequest, `No files in the form field "images": send each image as a file in a field named images`, nil)
	}
	// The copies together are at most the body's size.
	held := int64(len(body))
	if !s.memory.acquire(ctx, held, s.opts.QueueWait) {
		return nil, 0, s.busy(ctx, "The server is receiving too many uploads at once; retry in a second")
	}
	uploads := make([]upload, 0, n)
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return uploads, held, nil
		}
		if err != nil {
			return nil, held, malformed(err)
		}
		if part.FormName() != "images" {
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, held, malformed(err)
		}
		name := part.FileName()
		if name == "" {
			name = "image-" + strconv.Itoa(len(uploads)+1)
		}
		uploads = append(uploads, upload{name: name, data: data})
	}
}

// countFiles counts the parts of the field "images" without copying them.
func countFiles(body []byte, boundary string) (int, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, malformed(err)
		}
		if part.FormName() == "images" {
			n++
		}
	}
}

func malformed(err error) error {
	return errorf(codeBadRequest, "The multipart/form-data body is malformed; send it again", err)
}

// admit reads each file's cost from its header, refusing files that are
// not images digitnet reads and files that could never fit the memory
// budget, and returns the memory the request must reserve: its largest
// image's, since images are read one at a time.
func (s *server) admit(rd Reader, uploads []upload) int64 {
	var need int64
	for i := range uploads {
		u := &uploads[i]
		u.cost, u.err = rd.Cost(u.data)
		if u.err != nil {
			continue
		}
		if total := s.memory.total; u.cost > total {
			u.err = errorf(recognize.CodeTooLarge, fmt.Sprintf(
				"Reading this image takes %s of memory; this server reads images of up to %s — scale it down, or send it as PNG or JPEG",
				recognize.FormatBytes(u.cost), recognize.FormatBytes(total)), nil)
			continue
		}
		need = max(need, u.cost)
	}
	return need
}

// read takes a predict slot and need bytes of memory, reads the admitted
// uploads, and releases both. Files refused earlier, and files that fail,
// get a fileError in their place.
func (s *server) read(ctx context.Context, rd Reader, uploads []upload, need int64) ([]any, error) {
	results := make([]any, len(uploads))
	admitted := 0
	for i, u := range uploads {
		if u.err != nil {
			results[i] = s.fileError(u.name, u.err)
			s.m.imagesFailed.Add(1)
			continue
		}
		admitted++
	}
	if admitted == 0 {
		return results, nil
	}
	// One wait for a slot, whether the request queues for a photo's slot
	// first or not (memory has its own, below). A photo waits four times
	// as long: reading it takes a third of a second anyway, and it queues
	// behind other photos only.
	heavy, wait := need >= HeavyBytes, s.opts.QueueWait
	if heavy {
		wait *= 4
	}
	deadline := time.Now().Add(wait)
	if heavy {
		if !s.heavy.acquire(ctx, time.Until(deadline)) {
			return nil, s.busy(ctx, "The server is busy reading other large photos; retry in a second")
		}
		defer s.heavy.release()
	}
	if !s.slots.acquire(ctx, time.Until(deadline)) {
		return nil, s.busy(ctx, "The server is busy reading other images; retry in a second")
	}
	defer s.slots.release()
	if !s.memory.acquire(ctx, need, s.opts.QueueWait) {
		return nil, s.busy(ctx, fmt.Sprintf("The server is busy reading other large images (this one needs %s of memory); retry in a second",
			recognize.FormatBytes(need)))
	}
	defer s.memory.release(need)
	p := predictor{rd: rd, logger: s.logger, m: s.m}
	for i, u := range uploads {
		if u.err != nil {
			continue
		}
		item, err := p.one(u.name, bytes.NewReader(u.data))
		if err != nil {
			item = s.fileError(u.name, err)
		}
		results[i] = item
	}
	return results, nil
}

func (s *server) fileError(name string, err error) fileError {
	ae := classify(err)
	if ae.code == codeInternal || ae.code == recognize.CodeModel {
		s.logger.Error("reading an image failed", "name", name, "code", ae.code, "err", err)
	}
	return fileError{Name: name, Error: ae.msg, Code: ae.code}
}

type predictor struct {
	rd     Reader
	logger *slog.Logger
	m      *metrics
}

// one reads a single image and converts the result to its JSON form.
// A panic while reading becomes this image's error (code internal), so that
// one file that trips a bug does not fail the others in its request.
func (p predictor) one(name string, r io.Reader) (item any, err error) {
	defer func() {
		if v := recover(); v != nil {
			p.m.imagesFailed.Add(1)
			p.logger.Error("panic reading an image", "name", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			item, err = nil, errorf(codeInternal, "Internal error while reading this image; this is a bug, and it is logged", nil)
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

// modelResponse is the body of GET /api/v1/model: the model in use (its
// training.fine_tune says on how many samples it was tuned, and when) and
// what this server offers.
type modelResponse struct {
	recognize.ModelInfo
	Limits       limits       `json:"limits"`
	Capabilities capabilities `json:"capabilities"`
	// PreviousSHA256 names the model POST /api/v1/model/rollback would
	// put back, when there is one.
	PreviousSHA256 string `json:"previous_sha256,omitempty"`
}

// capabilities tells the page which controls to show.
type capabilities struct {
	// Samples: the routes of samples, fine-tuning and rollback answer
	// (`digitnet serve --samples DIR`).
	Samples bool `json:"samples"`
	// TokenRequired: the routes that write need "Authorization: Bearer".
	TokenRequired bool `json:"token_required"`
	// Rollback: POST /api/v1/model/rollback has a model to put back.
	Rollback bool `json:"rollback"`
}

type limits struct {
	MaxBodyBytes  int64 `json:"max_body_bytes"`
	MaxFiles      int   `json:"max_files"`
	MaxConcurrent int   `json:"max_concurrent"`
	// MaxConcurrentPhotos is how many of those may hold a photo: an image
	// whose decoding costs PhotoBytes or more (HeavyBytes).
	MaxConcurrentPhotos int   `json:"max_concurrent_photos"`
	PhotoBytes          int64 `json:"photo_bytes"`
	// MaxMemory is what the process may use; MaxImageMemory what one
	// image may take to read (see Options.MaxMemory).
	MaxMemory      int64 `json:"max_memory"`
	MaxImageMemory int64 `json:"max_image_memory"`
	// BodyTimeoutSeconds is how long a request body may take to arrive.
	BodyTimeoutSeconds float64 `json:"body_timeout_seconds"`
	// The decoder's limits per image, when the Reader tells them.
	MaxFileBytes int64 `json:"max_file_bytes,omitempty"`
	MaxPixels    int64 `json:"max_pixels,omitempty"`
}

// limitedReader is a Reader that tells its decoding limits, as
// *recognize.Recognizer does.
type limitedReader interface {
	Limits() recognize.Limits
}

func (s *server) limits(rd Reader) limits {
	o := s.opts
	lim := limits{MaxBodyBytes: o.MaxBodyBytes, MaxFiles: o.MaxFiles, MaxConcurrent: o.MaxConcurrent,
		MaxConcurrentPhotos: cap(s.heavy), PhotoBytes: HeavyBytes, MaxMemory: o.MaxMemory, MaxImageMemory: s.memory.total, BodyTimeoutSeconds: o.BodyTimeout.Seconds()}
	if lr, ok := rd.(limitedReader); ok {
		l := lr.Limits()
		lim.MaxFileBytes, lim.MaxPixels = l.MaxBytes, l.MaxPixels
	}
	return lim
}

// handleModel describes the model in use. The answer changes only when
// the model does (the previous model changes with it), so it is encoded
// once per model.
func (s *server) handleModel() http.Handler {
	type cached struct {
		model *current
		body  []byte
	}
	var cache atomic.Pointer[cached]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := s.live.now()
		c := cache.Load()
		if c == nil || c.model != cur {
			info := cur.Info()
			if info.Architecture == nil {
				info.Architecture = []string{}
			}
			resp := modelResponse{ModelInfo: info, Limits: s.limits(cur.Reader),
				Capabilities: capabilities{Samples: s.opts.Learn != nil, TokenRequired: s.opts.Token != ""}}
			if prev := s.live.Previous(); prev != nil {
				resp.PreviousSHA256 = prev.Info().SHA256
				resp.Capabilities.Rollback = resp.Capabilities.Samples
			}
			body, err := json.Marshal(resp)
			if err != nil {
				writeError(w, r, s.logger, s.opts.RetryAfter, err)
				return
			}
			c = &cached{model: cur, body: append(body, '\n')}
			cache.Store(c)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(c.body)
	})
}

// handleHealthz is liveness: the process answers.
func (s *server) handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, s.logger, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReadyz is readiness: a model is loaded and the server takes work;
// 503 once it has started to shut down, so that load balancers stop
// sending requests while those in flight finish.
func (s *server) handleReadyz() http.Handler {
	type ready struct {
		Status string `json:"status"`
		SHA256 string `json:"model_sha256"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			writeError(w, r, s.logger, s.opts.RetryAfter, errorf(codeDraining, "The server is shutting down; send requests to another replica", nil))
			return
		}
		writeJSON(w, r, s.logger, http.StatusOK, ready{Status: "ready", SHA256: s.live.Info().SHA256})
	})
}

func (s *server) handleMethodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, s.logger, s.opts.RetryAfter, errorf(codeMethod,
			fmt.Sprintf("Method %s is not allowed on %s; use %s", r.Method, r.URL.Path, allow), nil))
	})
}

func (s *server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.logger, s.opts.RetryAfter, errorf(codeNotFound,
			fmt.Sprintf("No such endpoint: %s; the API is described at /api/v1/openapi.json", r.URL.Path), nil))
	})
}

// handleAssets serves the embedded page and its files, never a listing of
// a folder. The files change only with the binary, so browsers may keep
// them but must revalidate.
func (s *server) handleAssets(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	notAllowed := s.handleMethodNotAllowed("GET, HEAD")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			notAllowed.ServeHTTP(w, r)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "." {
			if st, err := fs.Stat(fsys, name); err == nil && st.IsDir() {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
