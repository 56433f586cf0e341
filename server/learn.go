package server

// This file holds the routes of `digitnet serve --samples DIR`: a person's
// samples, the fine-tuning job and the rollback, and the token that guards
// the routes that write.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"digitnet/learn"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/train"
)

// fineTuneMemory is what a fine-tuning job keeps live, with headroom:
// measured with GODEBUG=gctrace=1 on 100 samples, the live heap peaks at
// 128 MB while MNIST loads and stays near 85 MB while training (MNIST's
// 55 MB, a run's images, the trainer). The job reserves it from the memory
// budget while it runs, so that the images read meanwhile and the job
// together stay within Options.MaxMemory; the collector keeps the heap
// itself under Go's memory limit.
const fineTuneMemory = 160 << 20

// learning guards the routes that exist only with Options.Learn: without
// it they answer 404.
func (s *server) learning(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Learn == nil {
			writeError(w, r, s.logger, s.opts.RetryAfter, errorf(codeNotFound,
				"This server keeps no samples: start it with `digitnet serve --samples DIR` to save corrections and learn from them", nil))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writing guards the routes that write: they exist only with
// Options.Learn, and need the token when there is one.
func (s *server) writing(h http.Handler) http.Handler {
	return s.learning(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.authorize(r); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="digitnet"`)
			writeError(w, r, s.logger, s.opts.RetryAfter, err)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// authorize checks the request's bearer token against Options.Token.
func (s *server) authorize(r *http.Request) error {
	if s.opts.Token == "" {
		return nil
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return &apiError{code: codeUnauthorized, unread: true,
			msg: `This server needs its access token to change samples or the model: send the header "Authorization: Bearer <token>" with the --token it was started with`}
	}
	// Comparing hashes takes the same time whatever the token's length,
	// and the constant-time comparison whatever its bytes.
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256([]byte(s.opts.Token))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return &apiError{code: codeUnauthorized, unread: true,
			msg: "The access token is wrong: send the --token the server was started with"}
	}
	return nil
}

// handleAddSample saves one sample: the multipart fields "image" (the
// file) and "label" (its digit). The image is read as predict reads it,
// with the same limits, slots and memory budget, and must hold one digit;
// the file is stored as it came.
func (s *server) handleAddSample() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) { writeError(w, r, s.logger, s.opts.RetryAfter, err) }
		if r.ContentLength > s.opts.MaxBodyBytes {
			fail(tooLargeBody(s.opts.MaxBodyBytes))
			return
		}
		mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
			fail(errorf(codeBadRequest, `Send a sample as multipart/form-data with two fields: "image", the file, and "label", the digit it shows (0 to 9)`, err))
			return
		}
		body, held, err := s.readBody(w, r)
		defer func() { s.memory.release(held) }()
		if err != nil {
			fail(err)
			return
		}
		label, img, extra, err := s.sampleForm(r.Context(), body, params["boundary"])
		held += extra
		if err != nil {
			fail(err)
			return
		}
		if err := s.checkSample(r.Context(), img); err != nil {
			fail(err)
			return
		}
		sample, err := s.opts.Learn.Store().Add(label, bytes.NewReader(img))
		if err != nil {
			fail(sampleError(err))
			return
		}
		s.memory.release(held)
		held = 0
		s.logger.Info("sample saved", "id", sample.ID, "label", sample.Label, "bytes", len(img))
		writeJSON(w, r, s.logger, http.StatusCreated, sample)
	})
}

// sampleForm reads a sample upload's fields. It returns the memory it
// reserved for its copy of the image.
func (s *server) sampleForm(ctx context.Context, body []byte, boundary string) (label int, img []byte, held int64, err error) {
	label = -1
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, nil, held, malformed(err)
		}
		switch part.FormName() {
		case "label":
			v, err := io.ReadAll(io.LimitReader(part, 32))
			if err != nil {
				return 0, nil, held, malformed(err)
			}
			if label, err = parseLabel(string(v)); err != nil {
				return 0, nil, held, err
			}
		case "image":
			if img != nil {
				return 0, nil, held, errorf(codeBadRequest, `The form has several files in the field "image": send one image per sample`, nil)
			}
			// The copy is at most the body's size.
			if !s.memory.acquire(ctx, int64(len(body)), s.opts.QueueWait) {
				return 0, nil, held, s.busy(ctx, "The server is receiving too many uploads at once; retry in a second")
			}
			held = int64(len(body))
			if img, err = io.ReadAll(part); err != nil {
				return 0, nil, held, malformed(err)
			}
		}
	}
	switch {
	case img == nil:
		return 0, nil, held, errorf(codeBadRequest, `No file in the form field "image": send the digit's image as a file in a field named image`, nil)
	case label < 0:
		return 0, nil, held, errorf(codeBadLabel, `No label: send the digit the image shows, 0 to 9, in the form field "label"`, nil)
	}
	return label, img, held, nil
}

func parseLabel(v string) (int, error) {
	v = strings.TrimSpace(v)
	if len(v) != 1 || v[0] < '0' || v[0] > '9' {
		return 0, errorf(codeBadLabel, fmt.Sprintf("The label %q is not a digit: send the digit the image shows, 0 to 9", v), nil)
	}
	return int(v[0] - '0'), nil
}

// checkSample reads a sample's image as predict would, and requires one
// digit in it.
func (s *server) checkSample(ctx context.Context, data []byte) error {
	rd := s.live.Reader()
	uploads := []upload{{name: "image", data: data}}
	need := s.admit(rd, uploads)
	if err := uploads[0].err; err != nil {
		return err
	}
	results, err := s.read(ctx, rd, uploads, need)
	if err != nil {
		return err
	}
	switch res := results[0].(type) {
	case fileError:
		return errorf(res.Code, res.Error, nil)
	case reading:
		if len(res.Digits) > 1 {
			return errorf(codeSeveralDigits, fmt.Sprintf(
				"The image holds %d digits (read as %s), and a sample is one digit: crop it to one digit, or save each digit on its own", len(res.Digits), res.Number), nil)
		}
	}
	return nil
}

// sampleError says a samples.Store error for the client.
func sampleError(err error) error {
	switch {
	case errors.Is(err, samples.ErrFull):
		return errorf(codeSamplesFull, "The samples folder is full: delete some samples before saving more", err)
	case errors.Is(err, samples.ErrSeveralDigits):
		return errorf(codeSeveralDigits, "The image holds several digits, and a sample is one digit: save each digit on its own", err)
	case errors.Is(err, samples.ErrLabel):
		return errorf(codeBadLabel, "The label must be a digit from 0 to 9", err)
	}
	// The image was read as predict reads it before the store checked it
	// again, so these are unlikely; they are still the image's fault.
	for _, e := range []struct {
		err  error
		code string
	}{
		{recognize.ErrTooLarge, recognize.CodeTooLarge}, {recognize.ErrUnsupported, recognize.CodeUnsupported},
		{recognize.ErrCorrupt, recognize.CodeCorrupt}, {recognize.ErrEmpty, recognize.CodeEmpty}, {recognize.ErrNoInk, recognize.CodeNoDigit},
	} {
		if errors.Is(err, e.err) {
			return errorf(e.code, "This image cannot be kept as a sample: "+err.Error(), err)
		}
	}
	return err
}

// samplesResponse is the body of GET /api/v1/samples.
type samplesResponse struct {
	samples.Listing
	Total int `json:"total"`
	// Ready says whether there are enough samples to fine-tune on; Advice,
	// when not, says which to add.
	Ready  bool   `json:"ready"`
	Advice string `json:"advice,omitempty"`
}

func (s *server) handleListSamples() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.opts.Learn.Store().List()
		if err != nil {
			writeError(w, r, s.logger, s.opts.RetryAfter, err)
			return
		}
		resp := samplesResponse{Listing: list, Total: len(list.Samples), Ready: true}
		if resp.Samples == nil {
			resp.Samples = []samples.Sample{}
		}
		if err := train.CheckSamples(list.Counts); err != nil {
			resp.Ready, resp.Advice = false, sentence(err.Error())
		}
		writeJSON(w, r, s.logger, http.StatusOK, resp)
	})
}

// sentence starts a message with a capital letter.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

func (s *server) handleDeleteSample() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		err := s.opts.Learn.Store().Delete(id)
		if errors.Is(err, samples.ErrNotFound) {
			err = errorf(codeNotFound, fmt.Sprintf("No sample has the ID %q; GET /api/v1/samples lists them", id), err)
		}
		if err != nil {
			writeError(w, r, s.logger, s.opts.RetryAfter, err)
			return
		}
		s.logger.Info("sample deleted", "id", id)
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleSamplesZip sends every sample as a zip of the folder's layout,
// LABEL/FILE, which `digitnet finetune --samples` reads once unpacked.
func (s *server) handleSamplesZip() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="digitnet-samples.zip"`)
		h.Set("Cache-Control", "no-store")
		cw := &countingWriter{w: w}
		if err := s.opts.Learn.Store().Zip(cw); err != nil {
			if cw.n == 0 {
				h.Del("Content-Disposition")
				writeError(w, r, s.logger, s.opts.RetryAfter, err)
				return
			}
			// The answer has started: all that is left is to cut it,
			// which the client sees as a broken download.
			s.logger.ErrorContext(r.Context(), "sending the samples zip failed", "err", err)
			panic(http.ErrAbortHandler)
		}
	})
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// handleStartFineTune starts a fine-tuning job under the server's
// lifetime. On success the job swaps its model in: requests that started
// before finish on the model they started with.
func (s *server) handleStartFineTune() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) { writeError(w, r, s.logger, s.opts.RetryAfter, err) }
		l := s.opts.Learn
		// Refuse what cannot start before reserving memory for it.
		if l.Status().State == learn.StateRunning {
			fail(learnError(learn.ErrRunning))
			return
		}
		if err := l.Check(); err != nil {
			fail(learnError(err))
			return
		}
		if fineTuneMemory > s.memory.total {
			fail(errorf(codeNoMemory, fmt.Sprintf(
				"Fine-tuning needs about %s of memory, more than this server may use for its work (%s): start it with more memory, e.g. --max-memory 512MiB (the default)",
				recognize.FormatBytes(fineTuneMemory), recognize.FormatBytes(s.memory.total)), nil))
			return
		}
		if !s.memory.acquire(r.Context(), fineTuneMemory, s.opts.QueueWait) {
			fail(s.busy(r.Context(), "The server's memory is taken by images being read; retry in a second"))
			return
		}
		done, err := l.Start(s.life, func(rec *recognize.Recognizer) {
			old := s.live.Swap(rec)
			s.logger.Info("model swapped for the fine-tuned one", "sha256", rec.Info().SHA256, "previous_sha256", old.Info().SHA256)
		})
		if err != nil {
			s.memory.release(fineTuneMemory)
			fail(learnError(err))
			return
		}
		go func() {
			<-done
			s.memory.release(fineTuneMemory)
		}()
		writeJSON(w, r, s.logger, http.StatusAccepted, l.Status())
	})
}

// learnError says a Learner's refusal for the client.
func learnError(err error) error {
	var tooFew *train.TooFewError
	switch {
	case errors.Is(err, learn.ErrRunning):
		return errorf(codeRunning, "A fine-tuning job is running already: follow it with GET /api/v1/finetune, and start another when it is done", err)
	case errors.As(err, &tooFew):
		return errorf(codeTooFew, sentence(err.Error())+": save more examples first", err)
	}
	return err
}

func (s *server) handleFineTuneStatus() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, s.logger, http.StatusOK, s.opts.Learn.Status())
	})
}

// rollbackResponse is the body of POST /api/v1/model/rollback: the model
// now in use, and the one it replaced (which a second rollback restores).
type rollbackResponse struct {
	SHA256         string `json:"sha256"`
	Source         string `json:"source"`
	PreviousSHA256 string `json:"previous_sha256"`
}

func (s *server) handleRollback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		old, err := s.live.Rollback()
		if errors.Is(err, ErrNoPrevious) {
			err = errorf(codeNoPrevious, "There is no previous model to roll back to: the model has not changed since the server started", err)
		}
		if err != nil {
			writeError(w, r, s.logger, s.opts.RetryAfter, err)
			return
		}
		now := s.live.Info()
		s.logger.Info("model rolled back", "sha256", now.SHA256, "previous_sha256", old.Info().SHA256)
		writeJSON(w, r, s.logger, http.StatusOK, rollbackResponse{SHA256: now.SHA256, Source: now.Source, PreviousSHA256: old.Info().SHA256})
	})
}
