package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
)

// BenchmarkPredictOverhead measures what the server adds around a model:
// routing, middleware, body handling, PNG and JSON encoding. The fake model
// costs almost nothing, so this is the HTTP share of a prediction.
func BenchmarkPredictOverhead(b *testing.B) {
	h := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), &fakeReader{}, Options{})
	multi, ct := multipartBody(b, file{"images", "seven.png", "digit:7"})
	for _, bc := range []struct {
		name, contentType string
		body              []byte
	}{
		{"raw", "image/png", []byte("digit:7")},
		{"multipart", ct, multi.Bytes()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/api/v1/predict", bytes.NewReader(bc.body))
				req.Header.Set("Content-Type", bc.contentType)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
