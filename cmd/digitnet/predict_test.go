package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"digitnet/internal/testenv"
)

// writeDigits writes a "1" to each of the named files, making folders.
func writeDigits(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, digitPNG(t, true), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonFiles returns the "file" and "error" of each JSON line.
func jsonFiles(t *testing.T, stdout string) (files, errs []string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var v struct{ File, Error string }
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%v: %q", err, l)
		}
		files, errs = append(files, v.File), append(errs, v.Error)
	}
	return files, errs
}

func TestPredictFlagsAfterImages(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.png")
	writeDigits(t, one)

	code, stdout, stderr := runCLI(t, "", "predict", one, "--json")
	if code != 0 {
		t.Fatalf("predict a.png --json: exit %d, %s", code, stderr)
	}
	var got struct {
		File  string
		Digit *int
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.File != one || got.Digit == nil || *got.Digit != 1 {
		t.Errorf("predict a.png --json printed %q (%v), want one JSON line reading 1", stdout, err)
	}

	// After --, "--json" is a file name.
	code, stdout, _ = runCLI(t, "", "predict", "--json", one, "--", "--json")
	files, errs := jsonFiles(t, stdout)
	if code != 1 || len(files) != 2 || files[1] != "--json" || !strings.Contains(errs[1], "no such file") {
		t.Errorf("predict --json a.png -- --json: exit %d, %q", code, stdout)
	}
}

// TestPredictTable checks the table: every column labelled, the error in
// its own column, aligned, and no line ending in a space.
func TestPredictTable(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.png")
	writeDigits(t, one)
	missing := filepath.Join(dir, "missing.png")
	code, stdout, stderr := runCLI(t, "", "predict", one, missing)
	if code != 1 || !strings.Contains(stderr, "1 of 2 inputs could not be read") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and 2 rows:\n%s", len(lines), stdout)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "FILE READ CONFIDENCE NOTE ERROR" {
		t.Errorf("header %q", lines[0])
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") || strings.Contains(l, "\t") {
			t.Errorf("line %q ends in a space or holds a tab", l)
		}
	}
	if col := strings.Index(lines[0], "ERROR"); strings.Index(lines[2], "stat ") != col {
		t.Errorf("the error is not under ERROR:\n%s", stdout)
	}
	if !strings.HasPrefix(lines[1], one) || !strings.Contains(lines[1], " 1 ") || !strings.HasSuffix(lines[1], "%") {
		t.Errorf("row %q, want the file, 1 and a confidence", lines[1])
	}
}

// TestPredictUncertain checks that the table marks a doubtful reading with
// a ? and a note naming the runner-up, and that the JSON carries the field.
func TestPredictUncertain(t *testing.T) {
	dir := t.TempDir()
	blob := filepath.Join(dir, "blob.png")
	img := image.NewGray(image.Rect(0, 0, 120, 120))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 30; y < 90; y++ { // a solid square: ink, but no pen strokes
		for x := 30; x < 90; x++ {
			img.Pix[y*img.Stride+x] = 0
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "predict", blob)
	if code != 0 {
		t.Fatalf("exit %d (an uncertain reading is still a reading), stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "? ") || !strings.Contains(lines[1], "not sure: ") || !strings.Contains(lines[1], "runner-up") {
		t.Errorf("want the reading marked ? with a note naming the runner-up:\n%s", stdout)
	}
	code, stdout, _ = runCLI(t, "", "predict", "--json", blob)
	var got struct {
		Uncertain *bool  `json:"uncertain"`
		Reason    string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 || got.Uncertain == nil || !*got.Uncertain || got.Reason == "" {
		t.Errorf("predict --json: exit %d, %q (%v); want uncertain true with a reason", code, stdout, err)
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		p    float32
		want string
	}{{1, "100.0%"}, {0.9996, "99.9%"}, {0.99949, "99.9%"}, {0.5, "50.0%"}, {0.0004, "0.0%"}} {
		if got := percent(c.p); got != c.want {
			t.Errorf("percent(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestPredictCSV(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one, with a comma.png")
	writeDigits(t, one)
	code, stdout, stderr := runCLI(t, "", "predict", "--csv", one, filepath.Join(dir, "missing.png"))
	if code != 1 || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 1 and nothing on stderr", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"file", "read", "confidence", "uncertain", "error"}, {one, "1"}, {filepath.Join(dir, "missing.png"), ""}}
	if len(rows) != 3 {
		t.Fatalf("%d rows:\n%s", len(rows), stdout)
	}
	if strings.Join(rows[0], ",") != strings.Join(want[0], ",") {
		t.Errorf("header %q", rows[0])
	}
	if rows[1][0] != one || rows[1][1] != "1" || rows[1][2] == "" || rows[1][3] != "false" || rows[1][4] != "" {
		t.Errorf("row %q", rows[1])
	}
	if rows[2][1] != "" || !strings.Contains(rows[2][4], "no such file") {
		t.Errorf("row %q, want an error only", rows[2])
	}
}

// TestPredictWalksFolders checks that a folder stands for the images in
// it and its subfolders, in name order, following links once, and that
// predict says what it skipped.
func TestPredictWalksFolders(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "photos")
	writeDigits(t,
		filepath.Join(dir, "a.png"),
		filepath.Join(dir, ".hidden.png"),
		filepath.Join(dir, "sub", "b.png"),
		filepath.Join(dir, "sub", "deeper", "c.PNG"),
		filepath.Join(root, "outside", "d.png"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("no"), 0o644)
	for link, target := range map[string]string{
		"link.png": filepath.Join("sub", "b.png"),  // a link to an image
		"loop":     ".",                            // a link back up: a loop
		"other":    filepath.Join("..", "outside"), // a linked folder
		"broken":   "nowhere",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			testenv.Missing(t, "cannot make links here: %v", err)
		}
	}
	done := make(chan struct{})
	var code int
	var stdout, stderr string
	go func() {
		defer close(done)
		code, stdout, stderr = runCLI(t, "", "predict", "--json", dir)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("predict DIR did not finish: a link loop?")
	}
	if code != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
	files, _ := jsonFiles(t, stdout)
	want := []string{"a.png", "link.png", "other/d.png", "sub/b.png", "sub/deeper/c.PNG"}
	for i := range want {
		want[i] = filepath.Join(dir, want[i])
	}
	if strings.Join(files, "\n") != strings.Join(want, "\n") {
		t.Errorf("read\n%s\nwant\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	note := "skipped 4 entries (1 not an image by extension, 1 hidden, 1 a link to nothing, 1 a folder already read"
	if !strings.Contains(stderr, dir+": "+note) {
		t.Errorf("stderr %q, want %q", stderr, note)
	}

	code, _, stderr = runCLI(t, "", "predict", "--quiet", dir)
	if code != 0 || stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q; want nothing on stderr", code, stderr)
	}

	empty := filepath.Join(root, "empty")
	os.MkdirAll(filepath.Join(empty, "sub"), 0o755)
	os.WriteFile(filepath.Join(empty, "sub", "x.txt"), nil, 0o644)
	code, _, stderr = runCLI(t, "", "predict", empty)
	if code != 2 || !strings.Contains(stderr, "holds no image files") || !strings.Contains(stderr, "1 not an image") {
		t.Errorf("a folder without images: exit %d, %q", code, stderr)
	}
}

func TestPredictQuiet(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.png")
	writeDigits(t, one)
	code, stdout, stderr := runCLI(t, "", "predict", one, filepath.Join(dir, "missing.png"), "--quiet")
	if code != 1 || stderr != "" || !strings.Contains(stdout, "one.png") || !strings.Contains(stdout, "no such file") {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q; want 1, the results, nothing on stderr", code, stdout, stderr)
	}
}

// TestPredictInterrupt checks that cancelling the context (what Ctrl-C
// does) stops predict at once, even while it waits on standard input,
// with exit status 130.
func TestPredictInterrupt(t *testing.T) {
	stdin, w := io.Pipe() // never written: a read blocks
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"predict", "-"}, func(string) string { return "" }, stdin, &out, &errb)
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if code := exitCode(err, &errb); code != 130 || !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("exit %d, stderr %q; want 130 and interrupted", code, errb.String())
		}
	case <-time.After(2 * time.Second):
		t.Fatal("predict did not stop within 2 s of the cancel")
	}
}
