package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"

	"digitnet/recognize"
	"digitnet/server"
)

// sevens reads every image as a 7; a real program passes a
// *recognize.Recognizer.
type sevens struct{}

func (sevens) Read(io.Reader) (recognize.Reading, error) {
	var p [10]float32
	p[7] = 1
	return recognize.Reading{Digit: recognize.NewDigit(p)}, nil
}

func (sevens) Cost(data []byte) (int64, error) { return int64(len(data)), nil }

func (sevens) Info() recognize.ModelInfo { return recognize.ModelInfo{} }

func ExampleNewServer() {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(server.NewServer(logger, sevens{}, server.Options{}))
	defer srv.Close()

	// One image as the raw body; several go in the multipart field "images".
	resp, err := srv.Client().Post(srv.URL+"/api/v1/predict?name=seven.png", "image/png", strings.NewReader("..."))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status)
	fmt.Println(string(body)[:60])
	// Output:
	// 200 OK
	// {"results":[{"name":"seven.png","digit":7,"confidence":1,"pr
}
