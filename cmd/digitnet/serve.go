package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"digitnet/learn"
	"digitnet/mnist"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/server"
)

const serveSynopsis = `usage: digitnet serve [flags]

Serves the web app (upload many images at once, or draw a digit) and the
JSON API on the embedded model, or on --model. Open the printed URL in a
browser. API (described in full at /api/v1/openapi.json):

	POST /api/v1/predict        multipart field "images" (one or more files), or one image as the body
	GET  /api/v1/model          architecture, parameters, test accuracy, training summary, sha256, limits
	GET  /api/v1/openapi.json   OpenAPI 3.1 description
	GET  /healthz               liveness
	GET  /readyz                readiness (503 while shutting down)
	GET  /metrics               Prometheus text format

With --samples DIR the page also offers "Wrong? Pick the right digit" on
each reading, "Save as example" on the drawing pad and "Learn my
handwriting", over these routes (404 without --samples):

	POST   /api/v1/samples          multipart fields "image" (one digit) and "label" (0-9): save a sample
	GET    /api/v1/samples          counts per digit and IDs
	DELETE /api/v1/samples/{id}     delete one
	GET    /api/v1/samples.zip      all of them, as DIR's layout
	POST   /api/v1/finetune         start fine-tuning on them (one job at a time)
	GET    /api/v1/finetune         its progress and result
	POST   /api/v1/model/rollback   put the previous model back

A fine-tune starts from --model (or the embedded model), saves the new
model in DIR/models/ and swaps it in; requests in flight finish on the old
one. With --token (or DIGITNET_TOKEN) the routes that write need the header
"Authorization: Bearer TOKEN"; --samples on an address beyond loopback
needs a token.

Memory: images are admitted while what their decoders need (known from
each file's header) fits in --max-memory; others wait briefly, then get
503. Go's memory limit is set from it too, unless GOMEMLIMIT is set.

Signals: SIGHUP reloads the --model file (replace the file by renaming a
new one over it; a file that does not load keeps the current model, and
the log says why). SIGINT or SIGTERM stops accepting connections, answers
503 on /readyz, and lets requests in flight finish for up to --drain.`

func runServe(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("serve", serveSynopsis, e)
	addr := fs.String("addr", server.DefaultAddr, "address to listen on (host:port); use :8080 to accept other machines (reading images needs no authentication)")
	modelPath := fs.String("model", "", "model file (default: the embedded model); SIGHUP reloads it")
	maxMemory := byteSize(server.DefaultMaxMemory)
	fs.Var(&maxMemory, "max-memory", "memory the server may use, e.g. 512MiB or 2GiB (powers of 1024)")
	drain := fs.Duration("drain", server.DefaultDrain, "how long requests in flight may run after SIGINT or SIGTERM before they are cut")
	samplesDir := fs.String("samples", "", "folder to keep a person's corrections in (DIR/0 … DIR/9) and fine-tune on them; turns on the samples routes")
	tokenFlag := fs.String("token", "", "access token the routes that write (samples, fine-tuning, rollback) require as \"Authorization: Bearer TOKEN\" (default $DIGITNET_TOKEN)")
	if err := parse(fs, args); err != nil {
		return err
	}
	token := *tokenFlag
	if token == "" {
		token = e.getenv(tokenEnv)
	}
	if fs.NArg() > 0 {
		return usagef("serve", "unexpected argument %q", fs.Arg(0))
	}
	if _, port, err := net.SplitHostPort(*addr); err != nil {
		return usagef("serve", "--addr %q: want host:port, e.g. 127.0.0.1:8080 or :8080", *addr)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return usagef("serve", "--addr %q: the port must be a number from 0 to 65535", *addr)
	}
	if maxMemory < minMemory {
		return usagef("serve", "--max-memory %s: the server needs at least %s", maxMemory, byteSize(minMemory))
	}
	if *drain <= 0 {
		return usagef("serve", "--drain %s: must be positive, e.g. 15s", *drain)
	}
	if err := checkPath("serve", "model", *modelPath, false); err != nil {
		return err
	}
	if strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return usagef("serve", "the token must be printable ASCII without spaces, as it travels in an HTTP header")
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	rec, err := loadRecognizer(*modelPath)
	if err != nil {
		return err
	}
	var learner *learn.Learner
	if *samplesDir != "" {
		store, err := samples.Open(*samplesDir, samples.Options{Limits: rec.Limits()})
		if err != nil {
			return err
		}
		learner = learn.New(store, rec.Model(), learn.Options{MNIST: mnist.Options{Getenv: e.getenv}, Logger: logger})
		if newest := newestModel(filepath.Join(*samplesDir, learn.ModelsDir)); newest != "" && *modelPath == "" {
			logger.Info("a fine-tuned model from an earlier run is kept; start with --model to use it", "model", newest)
		}
	} else if token != "" {
		logger.Warn("the token guards the routes of --samples; without --samples it has nothing to guard")
	}
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(server.GCPercent)
	}
	if e.getenv("GOMEMLIMIT") == "" {
		// The binary's code and data count in the process's memory but
		// not in Go's limit.
		debug.SetMemoryLimit(int64(maxMemory) - binaryReserve)
	}
	live := server.NewLive(rec)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				reload(*modelPath, live, learner, logger)
			}
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if learner != nil && token == "" && !server.IsLoopback(ln.Addr()) {
		ln.Close()
		return usagef("serve", "--samples with --addr %s and no token: anyone who can reach the server could change the samples and the model it reads with; add --token (or set %s), or listen on loopback only, e.g. --addr 127.0.0.1:8080",
			*addr, tokenEnv)
	}
	info := rec.Info()
	logger.Info("listening", "url", "http://"+ln.Addr().String()+"/", "model", info.Source, "sha256", info.SHA256,
		"parameters", info.Parameters, "test_accuracy", info.TestAccuracy, "max_memory", maxMemory.String(), "drain", *drain,
		"samples", *samplesDir, "token", token != "")
	h := server.NewServer(logger, live, server.Options{MaxMemory: int64(maxMemory), Learn: learner, Token: token})
	return server.Serve(ctx, ln, h, logger, *drain)
}

const (
	minMemory     = 64 << 20
	binaryReserve = 16 << 20
	// tokenEnv holds the token when --token is not given, so that it need
	// not show in the process list.
	tokenEnv = "DIGITNET_TOKEN"
)

// newestModel returns the newest model file in dir, or "" if there is
// none: fine-tuned models are named by date, so the last name is newest.
func newestModel(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "finetuned-*.safetensors"))
	if len(files) == 0 {
		return ""
	}
	return slices.Max(files)
}

// reload reads the --model file again and, if it loads, makes it the
// model for requests that start from now on, and the base of the
// fine-tuning jobs that start from now on. A file that does not load
// (half written, corrupt, another kind of model) keeps the current model.
func reload(path string, live *server.Live, learner *learn.Learner, logger *slog.Logger) {
	if path == "" {
		logger.Warn("SIGHUP: nothing to reload, the server runs on the embedded model; start it with --model FILE to reload a file")
		return
	}
	start := time.Now()
	rec, err := loadRecognizer(path)
	if err != nil {
		logger.Error("SIGHUP: reload failed; keeping the current model", "model", path, "sha256", live.Info().SHA256, "err", err)
		return
	}
	old := live.Swap(rec)
	if learner != nil {
		learner.SetBase(rec.Model())
	}
	logger.Info("SIGHUP: model reloaded", "model", path, "sha256", rec.Info().SHA256,
		"previous_sha256", old.Info().SHA256, "took", time.Since(start).Round(time.Millisecond))
}

// byteSize is a flag holding a size in bytes, written with a unit.
type byteSize int64

var units = []struct {
	suffix string
	shift  uint
}{
	{"GIB", 30}, {"GI", 30}, {"GB", 30}, {"G", 30},
	{"MIB", 20}, {"MI", 20}, {"MB", 20}, {"M", 20},
	{"KIB", 10}, {"KI", 10}, {"KB", 10}, {"K", 10},
	{"B", 0},
}

func (b *byteSize) Set(s string) error {
	num, shift := strings.ToUpper(strings.TrimSpace(s)), uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = strings.TrimSpace(n), u.shift
			break
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 || n*float64(uint64(1)<<shift) >= 1<<62 {
		return fmt.Errorf("want a size such as 512MiB, 2GiB or 536870912")
	}
	*b = byteSize(n * float64(uint64(1)<<shift))
	return nil
}

func (b byteSize) String() string { return recognize.FormatBytes(int64(b)) }
