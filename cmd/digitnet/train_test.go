package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"digitnet/models"
	"digitnet/nn"
)

// TestTrainChecksOutFirst checks that train refuses a bad --out, --log or
// --plot before it loads any data: --data names an empty folder, so any
// later failure would be about MNIST instead.
func TestTrainChecksOutFirst(t *testing.T) {
	dir := t.TempDir()
	empty := t.TempDir()
	existing := filepath.Join(dir, "good.safetensors")
	os.WriteFile(existing, []byte("a 99.09% model"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--out", existing}, "good.safetensors exists; add --force to replace it"},
		{[]string{"--out", dir}, "is a folder; give a file name"},
		{[]string{"--out", filepath.Join(dir, "missing", "m.safetensors")}, "--out: folder " + filepath.Join(dir, "missing") + ": no such file"},
		{[]string{"--out", filepath.Join(existing, "m.safetensors")}, "is not a folder"},
		{[]string{"--log", filepath.Join(dir, "missing", "log.jsonl")}, "--log: folder"},
		{[]string{"--plot", dir}, "--plot: " + dir + " is a folder"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"train", "--data", empty}, tt.args...)
			if tt.args[0] != "--out" {
				args = append(args, "--out", filepath.Join(dir, "new.safetensors"))
			}
			code, _, stderr := runCLI(t, "", args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Contains(strings.ToLower(stderr), "mnist") {
				t.Errorf("exit %d, stderr %q; want 2 and %q before looking for MNIST", code, stderr, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "a 99.09% model" {
		t.Errorf("the existing model was changed: %q", b)
	}
	// --force lets the run go on, to fail on the empty data folder.
	code, _, stderr := runCLI(t, "", "train", "--data", empty, "--out", existing, "--force")
	if code != 1 || !strings.Contains(stderr, "mnist: ") {
		t.Errorf("--force: exit %d, %q; want the run to reach the data", code, stderr)
	}
}

func TestTrainLimitBeyondData(t *testing.T) {
	findMNIST(t)
	code, _, stderr := runCLI(t, "", "train", "--limit", "100000", "--out", filepath.Join(t.TempDir(), "m.safetensors"))
	if code != 2 || !strings.Contains(stderr, "--limit 100000 is more than the 60000 training images") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestTrainWatch trains two short epochs and checks what a person
// watching gets: a line per epoch with the test accuracy, the JSON log,
// the curves, and the history and confusion matrix in the model file.
func TestTrainWatch(t *testing.T) {
	findMNIST(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	logPath := filepath.Join(dir, "log.jsonl")
	plotPath := filepath.Join(dir, "curves.svg")
	os.WriteFile(out, []byte("old"), 0o644)
	code, stdout, stderr := runCLI(t, "", "train", "--epochs", "2", "--limit", "640", "--seed", "3",
		"--out", out, "--force", "--log", logPath, "--plot", plotPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"epoch 1/2: loss ", "epoch 2/2: loss ", "; test loss ", ", test accuracy ", "measuring each epoch on 10000 test images"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "test accuracy") || !strings.Contains(stdout, "saved "+out) || !strings.Contains(stdout, "drew "+plotPath) {
		t.Errorf("stdout %q", stdout)
	}

	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var logged []map[string]float64
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var line map[string]float64
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		logged = append(logged, line)
	}
	if len(logged) != 2 {
		t.Fatalf("%d log lines, want 2", len(logged))
	}
	for i, line := range logged {
		for _, key := range []string{"epoch", "loss", "accuracy", "test_loss", "test_accuracy", "seconds", "images_per_sec"} {
			if _, ok := line[key]; !ok {
				t.Errorf("log line %d lacks %q: %v", i+1, key, line)
			}
		}
		if line["epoch"] != float64(i+1) || !(line["test_accuracy"] > 0.5) || !(line["images_per_sec"] > 0) {
			t.Errorf("log line %d: %v", i+1, line)
		}
	}

	m, err := models.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	tr := m.Meta.Training
	if tr == nil || len(tr.History) != 2 || len(tr.TestConfusion) != 10 || tr.Seed != 3 || tr.Images != 640 || m.Meta.SHA256 == "" {
		t.Fatalf("metadata %+v, training %+v", m.Meta, tr)
	}
	if tr.History[1].TestAccuracy != logged[1]["test_accuracy"] || tr.History[1].TestAccuracy != m.Meta.TestAccuracy {
		t.Errorf("history %+v, log %v, test accuracy %v: want the same last figure", tr.History[1], logged[1], m.Meta.TestAccuracy)
	}
	var sum int
	for _, row := range tr.TestConfusion {
		for _, v := range row {
			sum += v
		}
	}
	if sum != 10000 {
		t.Errorf("the confusion matrix counts %d images, want 10000", sum)
	}
	svg, err := os.ReadFile(plotPath)
	if err != nil || !strings.HasPrefix(string(svg), "<svg ") || !strings.Contains(string(svg), "Training: 2 epochs") {
		t.Errorf("--plot wrote %.80q (%v)", svg, err)
	}
	code, stdout, _ = runCLI(t, "", "eval", "--model", out)
	if code != 0 || !strings.Contains(stdout, "confusion") {
		t.Errorf("eval of the trained model: exit %d\n%s", code, stdout)
	}
}

// TestTrainValidation holds out a quarter of 640 images: the epochs are
// measured on those 160, which are not trained on.
func TestTrainValidation(t *testing.T) {
	findMNIST(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	logPath := filepath.Join(dir, "log.jsonl")
	code, _, stderr := runCLI(t, "", "train", "--epochs", "1", "--limit", "640", "--validation", "0.25",
		"--out", out, "--log", logPath, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("--quiet printed %q", stderr)
	}
	b, _ := os.ReadFile(logPath)
	var line map[string]float64
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatalf("%v: %q", err, b)
	}
	if _, ok := line["val_accuracy"]; !ok || line["test_accuracy"] != 0 {
		t.Errorf("log %q, want val_accuracy and no test_accuracy", b)
	}
	m, err := models.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if tr := m.Meta.Training; tr.Images != 480 || tr.Validation != 0.25 || len(tr.History) != 1 || tr.History[0].ValAccuracy == 0 || m.Meta.TestAccuracy == 0 {
		t.Errorf("training %+v, test accuracy %v", tr, m.Meta.TestAccuracy)
	}
}

// TestTrainMix trains twice on a small mix of the default model's recipe:
// the same seed gives the same weights, and the file says what was mixed.
func TestTrainMix(t *testing.T) {
	findMNIST(t)
	dir := t.TempDir()
	var params [2][]float32
	for i := range params {
		out := filepath.Join(dir, fmt.Sprintf("m%d.safetensors", i))
		code, _, stderr := runCLI(t, "", "train", "--epochs", "1", "--limit", "256", "--seed", "5", "--augment", "--quiet",
			"--styles", "64", "--restyled", "32", "--outliers", "64", "--rendered-styles", "32", "--rendered", "16", "--out", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		m, err := models.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		tr := m.Meta.Training
		if tr == nil || tr.Mix == nil || *tr.Mix != (models.Mix{Styles: 64, Restyled: 32, Outliers: 64, RenderedStyles: 32, Rendered: 16}) || tr.Images != 256+208 {
			t.Errorf("training metadata %+v, want the mix and 464 images", tr)
		}
		params[i] = m.Net.Params
	}
	if !slices.Equal(params[0], params[1]) {
		t.Error("two runs with the same seed gave different weights")
	}
	if code, _, stderr := runCLI(t, "", "train", "--outliers", "-1"); code != 2 || !strings.Contains(stderr, "must not be negative") {
		t.Errorf("--outliers -1: exit %d, %q", code, stderr)
	}
}

// TestRecipeIsTheEmbeddedModels holds the recipe that `train --help` and
// docs/model.md give for the embedded model to what its file says it was
// trained with: a flag added to the recipe for an experiment that was not
// adopted would otherwise send users to train another model.
func TestRecipeIsTheEmbeddedModels(t *testing.T) {
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	tr := m.Meta.Training
	if tr == nil || tr.Mix == nil {
		t.Fatal("the embedded model's file does not say how it was trained")
	}
	want := map[string]string{
		"--epochs": fmt.Sprint(tr.Epochs), "--seed": fmt.Sprint(tr.Seed), "--schedule": tr.Schedule,
		"--styles": fmt.Sprint(tr.Mix.Styles), "--restyled": fmt.Sprint(tr.Mix.Restyled),
		"--outliers": fmt.Sprint(tr.Mix.Outliers), "--rendered-styles": fmt.Sprint(tr.Mix.RenderedStyles),
		"--rendered": fmt.Sprint(tr.Mix.Rendered),
	}
	if tr.Augment {
		want["--augment"] = ""
	}
	if l := m.Net.Spec().Layers; l[0].Kind == nn.KindDeskew {
		want["--deskew"] = ""
	}
	for flag, v := range want {
		if v == "0" {
			delete(want, flag)
		}
	}
	doc, err := os.ReadFile("../../docs/model.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct{ name, text string }{{"train --help", trainSynopsis}, {"docs/model.md", string(doc)}} {
		_, cmd, ok := strings.Cut(src.text, "digitnet train --epochs")
		if !ok {
			t.Errorf("%s gives no recipe", src.name)
			continue
		}
		cmd, _, _ = strings.Cut("--epochs"+cmd, "\n\n")
		cmd, _, _ = strings.Cut(cmd, "```")
		got := map[string]string{}
		fields := strings.Fields(strings.ReplaceAll(cmd, "\\", ""))
		for i := 0; i < len(fields); i++ {
			switch {
			case fields[i] == "--out":
				i++ // where to write, not how to train
			case i+1 < len(fields) && !strings.HasPrefix(fields[i+1], "--"):
				got[fields[i]] = fields[i+1]
				i++
			default:
				got[fields[i]] = ""
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s's recipe has flags %v; the embedded model was trained with %v", src.name, got, want)
		}
	}
}
