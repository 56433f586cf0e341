package server

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"testing"

	"digitnet/learn"
	"digitnet/recognize"
	"digitnet/samples"
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

// FuzzAddSample posts arbitrary sample forms to a real samples folder: the
// answer is a 201 or a 4xx (507 once the folder is full) with a JSON body,
// and every error has a code.
func FuzzAddSample(f *testing.F) {
	// A small image: the fuzzer's mutator slows to a crawl on the 30 KB of
	// a writer's PNG.
	seven := tinyDigitPNG(f)
	for _, label := range []string{"7", "x", "", "10"} {
		f.Add(sampleRequestBody(f, label, seven), uint8(0))
	}
	f.Add(sampleRequestBody(f, "3", []byte("GIF89a")), uint8(0))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\n4\r\n--b--\r\n"), uint8(1))
	f.Add([]byte{}, uint8(2))
	// Small images only, so that each run is quick: decoding 40
	// megapixels from a 64 KB deflate bomb takes seconds, legitimately.
	store, err := samples.Open(f.TempDir(), samples.Options{MaxSamples: 50, Limits: recognize.Limits{MaxBytes: 64 << 10, MaxPixels: 1 << 20}})
	if err != nil {
		f.Fatal(err)
	}
	types := []string{sampleBoundaryType, "multipart/form-data; boundary=b", "image/png", ""}
	// configReader passes what the store then refuses: its errors must be
	// the image's, never the server's.
	h := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), configReader{}, Options{MaxBodyBytes: 64 << 10,
		Learn: learn.New(store, nil, learn.Options{})})

	f.Fuzz(func(t *testing.T, body []byte, typ uint8) {
		req := httptest.NewRequest("POST", "/api/v1/samples", bytes.NewReader(body))
		if ct := types[int(typ)%len(types)]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != 507 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("status %d, body is not JSON: %q", w.Code, w.Body)
		}
		if w.Code == 201 {
			if v["id"] == nil || v["label"] == nil {
				t.Fatalf("201 without id and label: %s", w.Body)
			}
		} else if v["error"] == nil || v["code"] == nil {
			t.Fatalf("status %d without an error and its code: %s", w.Code, w.Body)
		}
	})
}

// sampleBoundaryType is the Content-Type of sampleRequestBody's forms.
const sampleBoundaryType = "multipart/form-data; boundary=digitnet-fuzz"

// sampleRequestBody is a sample form as the page sends it.
func sampleRequestBody(tb testing.TB, label string, image []byte) []byte {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.SetBoundary("digitnet-fuzz")
	fw, _ := mw.CreateFormFile("image", "my digit.png")
	fw.Write(image)
	mw.WriteField("label", label)
	mw.Close()
	return body.Bytes()
}

// tinyDigitPNG is a 7 drawn on a 20x20 sheet.
func tinyDigitPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, 20, 20))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for x := 4; x < 16; x++ {
		img.Pix[4*20+x] = 0
		img.Pix[5*20+x] = 0
	}
	for y := 4; y < 17; y++ {
		x := 15 - (y-4)*8/13
		img.Pix[y*20+x], img.Pix[y*20+x-1] = 0, 0
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
