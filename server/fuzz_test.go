package server

import (
	"bytes"
	"encoding/json"
	"image"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"digitnet/recognize"
)

// configReader reads only the image header, through the standard decoders:
// enough to exercise the server with any bytes without a model.
type configReader struct{}

func (configReader) Read(r io.Reader) (recognize.Reading, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return recognize.Reading{}, err
	}
	return recognize.Reading{Digit: fakeDigit((cfg.Width + cfg.Height) % 10)}, nil
}

func (configReader) Cost(data []byte) (int64, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, &recognize.Error{Code: recognize.CodeCorrupt, Message: err.Error(), Err: err}
	}
	return 4 * int64(cfg.Width) * int64(cfg.Height), nil
}

func (configReader) Info() recognize.ModelInfo { return recognize.ModelInfo{} }

// FuzzPredict posts arbitrary bodies under the content types clients send
// and checks that the answer is always a 2xx or 4xx with a JSON body, and
// every error has a code.
func FuzzPredict(f *testing.F) {
	multi, _ := multipartBody(f, file{"images", "a.png", "\x89PNG\r\n\x1a\n"}, file{"images", "b.png", "GIF89a"})
	f.Add(multi.Bytes(), uint8(0))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"images\"; filename=\"x\"\r\n\r\nabc\r\n--b--\r\n"), uint8(1))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), uint8(2))
	f.Add([]byte{}, uint8(3))
	_, ct := multipartBody(f)
	types := []string{ct, "multipart/form-data; boundary=b", "image/png", "text/plain", "multipart/form-data; boundary=\"", ""}
	h := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), configReader{}, Options{MaxFiles: 4, MaxBodyBytes: 4096})

	f.Fuzz(func(t *testing.T, body []byte, typ uint8) {
		req := httptest.NewRequest("POST", "/api/v1/predict", bytes.NewReader(body))
		if ct := types[int(typ)%len(types)]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("status %d, body is not JSON: %q", w.Code, w.Body)
		}
		if _, ok := v["results"]; !ok && (v["error"] == nil || v["code"] == nil) {
			t.Fatalf("body has neither results nor an error and its code: %s", w.Body)
		}
	})
}
