package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/internal/testenv"
	"digitnet/mnist"
)

// runCLI runs the command line as main does and returns its exit status
// and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	code = exitCode(err, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command given"},
		{[]string{"fly"}, `unknown command "fly"`},
		{[]string{"train", "--epochs", "-1"}, "--epochs must be positive"},
		{[]string{"train", "--epochs", "0"}, "--epochs must be positive"},
		{[]string{"train", "--batch", "0"}, "--batch must be positive"},
		{[]string{"train", "--lr", "0"}, "--lr must be in"},
		{[]string{"train", "--limit", "-5"}, "--limit must not be negative"},
		{[]string{"train", "--schedule", "linear"}, "--schedule must be constant or cosine"},
		{[]string{"train", "--out", "/nonexistent-dir/m.safetensors"}, "--out"},
		{[]string{"train", "--bogus"}, "unknown flag --bogus"},
		{[]string{"predict", "a.png", "--bogus"}, "unknown flag --bogus"},
		{[]string{"predict", "--json", "--csv", "a.png"}, "--json and --csv exclude each other"},
		{[]string{"train", "--validation", "1"}, "--validation must be a fraction"},
		{[]string{"train", "--epochs"}, "--epochs needs a value"},
		{[]string{"eval", "--plot", "/nonexistent-dir/c.svg"}, "--plot: folder /nonexistent-dir"},
		{[]string{"help", "fly"}, `no help for "fly"`},
		{[]string{"train", "extra"}, `unexpected argument "extra"`},
		{[]string{"eval", "extra"}, `unexpected argument "extra"`},
		{[]string{"predict"}, "no images given"},
		{[]string{"predict", "-", "-"}, "only once"},
		{[]string{"serve", "--addr"}, "--addr needs a value"},
		{[]string{"serve", "--addr", "nonsense"}, "want host:port"},
		{[]string{"serve", "--addr", "127.0.0.1:http"}, "the port must be a number"},
		{[]string{"bench", "--rounds", "0"}, "--rounds and --steps must be positive"},
		{[]string{"eval", "--model", "/nonexistent.safetensors"}, "--model: stat /nonexistent.safetensors: no such file"},
		{[]string{"eval", "--data", "/nonexistent"}, "--data: stat /nonexistent"},
		{[]string{"train", "--data", "/etc/hostname"}, "--data: /etc/hostname is not a folder"},
		{[]string{"predict", "--model", "/tmp", "x.png"}, "--model: /tmp is a folder"},
		{[]string{"serve", "--model", "/nonexistent.safetensors"}, "--model: stat"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestHelp checks that help asked for goes to standard output with exit
// status 0, for digitnet itself and every command, however it is asked.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(stdout, "serve") || !strings.Contains(stdout, "predict") || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	for _, cmd := range []string{"train", "eval", "predict", "serve", "bench"} {
		for _, args := range [][]string{{cmd, "-h"}, {cmd, "--help"}, {"help", cmd}, {cmd, "x", "-h"}} {
			code, stdout, stderr := runCLI(t, "", args...)
			if code != 0 || !strings.HasPrefix(stdout, "usage: digitnet "+cmd) || !strings.Contains(stdout, "\n  --") || stderr != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want the help on stdout only", args, code, stdout, stderr)
			}
		}
	}
}

// TestMistakesGoToStderr checks that a usage mistake prints what is wrong
// and the usage line on standard error only, with exit status 2.
func TestMistakesGoToStderr(t *testing.T) {
	for _, args := range [][]string{{}, {"fly"}, {"predict", "--bogus"}, {"train", "--epochs", "x"}, {"serve", "--addr", "nonsense"}} {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != 2 || stdout != "" || !strings.Contains(strings.ToLower(stderr), "usage:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, nothing on stdout, usage on stderr", args, code, stdout, stderr)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	fs := newFlagSet("predict", "usage: test", env{stdout: io.Discard})
	fs.Bool("json", false, "")
	fs.String("model", "", "")
	tests := []struct {
		args             []string
		flags, arguments string
	}{
		{[]string{"a.png", "--json"}, "--json", "a.png"},
		{[]string{"a.png", "--model", "m", "b.png"}, "--model m", "a.png b.png"},
		{[]string{"--model=m", "a.png", "-json"}, "--model=m -json", "a.png"},
		{[]string{"a.png", "--", "--json", "-"}, "", "a.png --json -"},
		{[]string{"-", "--json=false"}, "--json=false", "-"},
		{[]string{"--model", "--json", "a.png"}, "--model --json", "a.png"}, // a value is a value
		{[]string{"a.png", "-h"}, "-h", "a.png"},
	}
	for _, tt := range tests {
		flags, positional, err := splitArgs(fs, tt.args)
		if err != nil || strings.Join(flags, " ") != tt.flags || strings.Join(positional, " ") != tt.arguments {
			t.Errorf("splitArgs(%q) = %q, %q, %v; want %q, %q", tt.args, flags, positional, err, tt.flags, tt.arguments)
		}
	}
}

// digitPNG draws a "1" (a dark bar) or a "0" (a dark ring) on white paper.
func digitPNG(t *testing.T, one bool) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 100, 140))
	for y := 0; y < 140; y++ {
		for x := 0; x < 100; x++ {
			v := uint8(250)
			dx, dy := float64(x-50)/30, float64(y-70)/45
			r := dx*dx + dy*dy
			if one && x >= 45 && x < 55 && y >= 20 && y < 120 || !one && r > 0.6 && r < 1.0 {
				v = 20
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPredict(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.png")
	zero := filepath.Join(dir, "zero.png")
	bad := filepath.Join(dir, "notes.png")
	os.WriteFile(one, digitPNG(t, true), 0o644)
	os.WriteFile(zero, digitPNG(t, false), 0o644)
	os.WriteFile(bad, []byte("not an image"), 0o644)
	missing := filepath.Join(dir, "missing.png")
	show := filepath.Join(dir, "show")

	code, stdout, stderr := runCLI(t, string(digitPNG(t, true)), "predict", "--json", "--show", show, one, missing, zero, bad, "-")
	if code != 1 {
		t.Errorf("exit %d, want 1 (some inputs failed); stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d JSON lines, want 5:\n%s", len(lines), stdout)
	}
	type line struct {
		File          string    `json:"file"`
		Digit         *int      `json:"digit"`
		Confidence    float64   `json:"confidence"`
		Probabilities []float64 `json:"probabilities"`
		Error         string    `json:"error"`
	}
	want := []struct {
		file  string
		digit int // -1: an error
	}{{one, 1}, {missing, -1}, {zero, 0}, {bad, -1}, {"-", 1}}
	for i, l := range lines {
		var got line
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		if got.File != want[i].file {
			t.Errorf("line %d: file %q, want %q (input order)", i, got.File, want[i].file)
		}
		if want[i].digit < 0 {
			if got.Error == "" || got.Digit != nil {
				t.Errorf("line %d: want an error only, got %s", i, l)
			}
			continue
		}
		if got.Digit == nil || *got.Digit != want[i].digit || len(got.Probabilities) != 10 || got.Confidence < 0.5 {
			t.Errorf("line %d: %s, want digit %d with 10 probabilities", i, l, want[i].digit)
		}
	}
	shown, _ := filepath.Glob(filepath.Join(show, "*.png"))
	if len(shown) != 3 {
		t.Errorf("--show wrote %d PNGs, want 3: %v", len(shown), shown)
	}

	code, stdout, _ = runCLI(t, "", "predict", dir)
	if code != 1 || !strings.Contains(stdout, "one.png") || !strings.Contains(stdout, "not an image digitnet can read") {
		t.Errorf("predict DIR: exit %d\n%s", code, stdout)
	}
}

func findMNIST(t *testing.T) {
	t.Helper()
	if _, _, _, err := mnist.Load(context.Background(), mnist.Options{NoDownload: true}); errors.Is(err, mnist.ErrNotFound) {
		testenv.Missing(t, "MNIST not found: %v", err)
	}
}

// TestEvalEmbedded checks the embedded default model's MNIST accuracy
// through the CLI.
func TestEvalEmbedded(t *testing.T) {
	findMNIST(t)
	plotPath := filepath.Join(t.TempDir(), "confusion.svg")
	code, stdout, stderr := runCLI(t, "", "eval", "--json", "--plot", plotPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if svg, err := os.ReadFile(plotPath); err != nil || !strings.Contains(string(svg), "of 10,000 read right") {
		t.Errorf("--plot wrote %.80q (%v)", svg, err)
	}
	var got struct {
		Accuracy  float64 `json:"accuracy"`
		N         int     `json:"n"`
		Confusion [][]int `json:"confusion"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded model: %.2f%% on %d test images", 100*got.Accuracy, got.N)
	if got.N != 10000 || len(got.Confusion) != 10 || got.Accuracy < 0.9950 {
		t.Errorf("embedded model: accuracy %.4f on %d images; want ≥ 0.9950 (the README's figure) on 10000", got.Accuracy, got.N)
	}
}
