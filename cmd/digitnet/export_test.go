package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/models"
)

func TestExportUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.onnx")
	existing := filepath.Join(t.TempDir(), "old.onnx")
	os.WriteFile(existing, []byte("x"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"export", "--out", out}, "--format is required"},
		{[]string{"export", "--format", "tflite", "--out", out}, `--format "tflite" is not supported`},
		{[]string{"export", "--format", "onnx"}, "--out must name a file"},
		{[]string{"export", "--format", "onnx", "--out", out, "extra"}, `unexpected argument "extra"`},
		{[]string{"export", "--format", "onnx", "--out", "/nonexistent-dir/m.onnx"}, "--out"},
		{[]string{"export", "--format", "onnx", "--model", "/nonexistent.h5", "--out", out}, "--model"},
		{[]string{"export", "--format", "onnx", "--out", existing}, "exists; add --force"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
	for _, args := range [][]string{{"export", "-h"}, {"help", "export"}} {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != 0 || !strings.HasPrefix(stdout, "usage: digitnet export") || !strings.Contains(stdout, "\n  --") || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want the help on stdout only", args, code, stdout, stderr)
		}
	}
}

// TestExportONNX exports the embedded model, and a Keras file given with
// --model, and reads each export back.
func TestExportONNX(t *testing.T) {
	dir := t.TempDir()
	for i, src := range []string{"", "../../models/keras/testdata/tiny_keras3.h5"} {
		out := filepath.Join(dir, fmt.Sprintf("m%d.onnx", i))
		args := []string{"export", "--format", "onnx", "--out", out}
		if src != "" {
			args = append(args, "--model", src)
		}
		code, _, stderr := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(stderr, "as ONNX opset 13") {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		m, err := models.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		want, err := loadModel(src)
		if err != nil {
			t.Fatal(err)
		}
		if m.Meta.SHA256 != want.Meta.SHA256 || m.Net.Spec().String() != want.Net.Spec().String() {
			t.Errorf("%s exported and read back: %s %s, want %s %s", src, m.Net.Spec(), m.Meta.SHA256, want.Net.Spec(), want.Meta.SHA256)
		}
	}
}

// TestEvalKeras runs the tutorial's own flow: a model.save('mnist_cnn_model.h5')
// file given to eval scores what Keras (here PyTorch, in Keras's layout)
// scored.
func TestEvalKeras(t *testing.T) {
	findMNIST(t)
	raw, err := os.ReadFile("../../models/keras/testdata/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Fixtures map[string]struct{ Accuracy float64 } `json:"fixtures"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mnist_cnn_model.h5")
	h5, err := os.ReadFile("../../models/keras/testdata/tutorial_keras2.h5")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, h5, 0o644)
	code, stdout, stderr := runCLI(t, "", "eval", "--json", "--model", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct{ Accuracy float64 }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := fx.Fixtures["tutorial_keras2.h5"].Accuracy
	t.Logf("eval --model mnist_cnn_model.h5: %.4f, the framework %.4f", got.Accuracy, want)
	if want == 0 || math.Abs(got.Accuracy-want) > 0.001 {
		t.Errorf("accuracy %.4f, the framework's %.4f", got.Accuracy, want)
	}
}

// TestBenchModel measures an imported model and refuses one bench cannot
// feed.
func TestBenchModel(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "bench", "--json", "--rounds", "1", "--steps", "1", "--model", "../../models/keras/testdata/small_keras3.h5")
	var r struct {
		InferMACs int `json:"infer_multiply_adds"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || r.InferMACs == 0 {
		t.Errorf("bench --model small_keras3.h5: exit %d, %s %s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "", "bench", "--model", "../../models/keras/testdata/tiny_keras2.h5")
	if code != 1 || !strings.Contains(stderr, "bench feeds 28x28x1 images") {
		t.Errorf("bench --model tiny_keras2.h5: exit %d, %s", code, stderr)
	}
}
