package models_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"digitnet/internal/testenv"
	"digitnet/models"
	"digitnet/models/internal/fixturecheck"
	"digitnet/nn"
)

// TestParseTellsFormats gives Parse a file of each format under a name
// that says nothing: it must tell them apart by their first bytes.
func TestParseTellsFormats(t *testing.T) {
	tests := []struct{ path, format string }{
		{"keras/testdata/tiny_keras2.h5", "Keras 2 HDF5 (Keras 2.15.0)"},
		{"keras/testdata/tiny_keras3.h5", "Keras 3 HDF5 (Keras 3.6.0)"},
		{"keras/testdata/tiny.keras", "Keras 3 .keras (Keras 3.6.0)"},
		{"onnx/testdata/tiny.golden.onnx", "ONNX (digitnet)"},
		{"testdata/tiny.safetensors", "safetensors"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		data, err := os.ReadFile(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("model%d.bin", i))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := models.Load(path)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if m.Meta.Format != tt.format || m.Meta.SHA256 != models.WeightsSHA256(m.Net.Params) {
			t.Errorf("%s: format %q, sha %q; want %q", tt.path, m.Meta.Format, m.Meta.SHA256, tt.format)
		}
	}
	if _, err := models.Parse([]byte("GIF89a, not a model")); !errors.Is(err, models.ErrNotModel) {
		t.Errorf("a GIF: %v, want ErrNotModel", err)
	}
}

// exportDefault writes the embedded model as ONNX.
func exportDefault(t *testing.T) (*models.Model, []byte) {
	t.Helper()
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := models.WriteONNX(&buf, m); err != nil {
		t.Fatal(err)
	}
	return m, buf.Bytes()
}

// TestONNXExportRoundTrip reads the exported embedded model back: the same
// weights bit for bit (the layout changes cancel out) and the same
// metadata.
func TestONNXExportRoundTrip(t *testing.T) {
	m, data := exportDefault(t)
	back, err := models.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Net.Spec().String() != m.Net.Spec().String() {
		t.Errorf("spec %s, want %s", back.Net.Spec(), m.Net.Spec())
	}
	if back.Meta.SHA256 != m.Meta.SHA256 || back.Meta.TestAccuracy != m.Meta.TestAccuracy ||
		back.Meta.Input != m.Meta.Input || !reflect.DeepEqual(back.Meta.Training, m.Meta.Training) {
		t.Errorf("metadata changed:\n got %+v\nwant %+v", back.Meta, m.Meta)
	}
}

// TestONNXExportChecker runs the ONNX project's own checker (full check)
// and strict shape inference on the exported embedded model: its output
// must come out as (N, 10) with N the dynamic batch.
func TestONNXExportChecker(t *testing.T) {
	// -I: isolated, so that this package's onnx/ folder (Go code) in the
	// working directory is not imported as the onnx package.
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-I", "-c", "import onnx.checker").Run(); err != nil {
		testenv.Missing(t, "Debian's python3-onnx is needed (apt-get install python3-onnx): %v", err)
	}
	_, data := exportDefault(t)
	path := filepath.Join(t.TempDir(), "digitnet.onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys, onnx
from onnx import shape_inference
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
inferred = shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
def dims(v):
    return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
print(m.opset_import[0].version, dims(inferred.graph.input[0]), dims(inferred.graph.output[0]))
`
	out, err := exec.Command(python, "-I", "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "13 ['N', 1, 28, 28] ['N', 10]"; got != want {
		t.Errorf("opset, input and output shapes: %s, want %s", got, want)
	}
}

// TestONNXExportOnnxruntime runs the exported embedded model in
// onnxruntime on the 10,000 MNIST test images: every probability within
// 1e-5 of digitnet's, and the test accuracy within 0.05 points (issue 12's
// targets).
func TestONNXExportOnnxruntime(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "onnxruntime"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Missing(t, "node is needed to run onnxruntime: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node")); err != nil {
		testenv.Missing(t, "onnxruntime-node is not installed: run npm ci --ignore-scripts in %s", dir)
	}
	m, data := exportDefault(t)
	x, labels := fixturecheck.TestImages(t)
	n := len(labels)
	tmp := t.TempDir()
	model, images, out := filepath.Join(tmp, "m.onnx"), filepath.Join(tmp, "x.bin"), filepath.Join(tmp, "y.bin")
	raw := make([]byte, 4*len(x))
	for i, v := range x {
		bits := math.Float32bits(v)
		raw[4*i], raw[4*i+1], raw[4*i+2], raw[4*i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
	}
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(images, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "run.js", model, images, fmt.Sprint(n), out)
	cmd.Dir = dir
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("onnxruntime: %v\n%s", err, msg)
	}
	if got, want := strings.TrimSpace(string(msg)), fmt.Sprintf(`{"input":"image","output":"probabilities","dims":[%d,10]}`, n); got != want {
		t.Errorf("onnxruntime saw %s, want %s", got, want)
	}
	yb, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(yb) != 4*n*10 {
		t.Fatalf("onnxruntime gave %d bytes, want %d", len(yb), 4*n*10)
	}
	want := make([]float32, n*10)
	if err := m.Net.Predict(x, n, want); err != nil {
		t.Fatal(err)
	}
	var worst float64
	ortRight, ourRight := 0, 0
	for i := range n {
		row := make([]float32, 10)
		for j := range row {
			b := yb[4*(i*10+j):]
			row[j] = math.Float32frombits(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
			worst = max(worst, math.Abs(float64(row[j]-want[i*10+j])))
		}
		if nn.Argmax(row) == int(labels[i]) {
			ortRight++
		}
		if nn.Argmax(want[i*10:i*10+10]) == int(labels[i]) {
			ourRight++
		}
	}
	ortAcc, ourAcc := float64(ortRight)/float64(n), float64(ourRight)/float64(n)
	t.Logf("onnxruntime %.4f, digitnet %.4f on %d test images; probabilities within %.1e", ortAcc, ourAcc, n, worst)
	if worst > 1e-5 {
		t.Errorf("probabilities differ by up to %.2e, want at most 1e-5", worst)
	}
	if math.Abs(ortAcc-ourAcc) > 0.0005 {
		t.Errorf("accuracy %.4f under onnxruntime, %.4f in digitnet: more than 0.05 points apart", ortAcc, ourAcc)
	}
}

// TestImportedTutorialIsNative checks that the tutorial's CNN read from a
// Keras file is the same network as digitnet's own: the same spec gives
// the same fused and Winograd paths, so it predicts at the same speed.
func TestImportedTutorialIsNative(t *testing.T) {
	m, err := models.Load("keras/testdata/tutorial_keras2.h5")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Net.Spec().String(), nn.Tutorial().String(); got != want {
		t.Fatalf("imported %s, want the tutorial's %s", got, want)
	}
	if nn.MarshalSpec(m.Net.Spec()) != nn.MarshalSpec(nn.Tutorial()) {
		t.Errorf("spec JSON differs: %s", nn.MarshalSpec(m.Net.Spec()))
	}
}
