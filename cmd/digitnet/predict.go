package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"digitnet/recognize"
)

const predictSynopsis = `usage: digitnet predict [flags] IMAGE|DIR|- ...

Reads the digit (or the number, for several digits side by side) in each
image: PNG, JPEG (EXIF orientation honoured), GIF, BMP, TIFF or WebP. Photos
of paper, canvas drawings and screenshots are turned into MNIST-style 28x28
inputs first. A folder stands for the image files in it; - reads one image
from standard input. Every input is read even when some fail; the exit
status is then 1.`

// imageExts are the files a folder argument expands to.
var imageExts = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}

func runPredict(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("predict", predictSynopsis, e)
	modelPath := fs.String("model", "", "model file (default: the embedded model)")
	asJSON := fs.Bool("json", false, `print JSON Lines, one object per input in input order: {"file","digit","confidence","probabilities"}, plus "number" and "digits" for several digits; {"file","error"} for an input that failed`)
	show := fs.String("show", "", "write each 28x28 model input as a PNG into this folder")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("predict", "no images given")
	}
	if *show != "" {
		if err := os.MkdirAll(*show, 0o755); err != nil {
			return usagef("predict", "--show: %v", err)
		}
	}
	if err := checkPath("predict", "model", *modelPath, false); err != nil {
		return err
	}
	rec, err := loadRecognizer(*modelPath)
	if err != nil {
		return err
	}
	inputs, err := expandInputs(fs.Args())
	if err != nil {
		return err
	}
	results := readAll(ctx, rec, inputs, e.stdin)
	failed := 0
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "FILE\tREAD\tCONFIDENCE\t")
	}
	for i, r := range results {
		if r.err == nil && *show != "" {
			r.err = writeInputs(*show, i, inputs[i], r.res)
		}
		if r.err != nil {
			failed++
		}
		if *asJSON {
			if err := json.NewEncoder(e.stdout).Encode(predictJSON(inputs[i], r)); err != nil {
				return err
			}
			continue
		}
		if r.err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\terror: %v\n", inputs[i], r.err)
			continue
		}
		read := fmt.Sprint(r.res.Digit.Digit)
		if r.res.Number != "" {
			read = r.res.Number
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t\n", inputs[i], read, 100*r.res.Confidence)
	}
	if !*asJSON {
		tw.Flush()
	}
	if failed > 0 {
		if !*asJSON {
			fmt.Fprintf(e.stderr, "digitnet: %d of %d inputs could not be read\n", failed, len(inputs))
		}
		return failedInputs(failed)
	}
	return nil
}

// expandInputs replaces each folder by the image files in it, sorted.
// Other arguments stay as they are, so a missing file is reported in its
// place among the results.
func expandInputs(args []string) ([]string, error) {
	var out []string
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
			if stdin > 1 {
				return nil, usagef("predict", "- (standard input) can be given only once")
			}
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, fmt.Errorf("read folder %s: %w", a, err)
		}
		n := 0
		for _, en := range entries {
			if en.Type().IsRegular() && slices.Contains(imageExts, strings.ToLower(filepath.Ext(en.Name()))) {
				out = append(out, filepath.Join(a, en.Name()))
				n++
			}
		}
		if n == 0 {
			return nil, usagef("predict", "folder %s holds no image files (%s)", a, strings.Join(imageExts, " "))
		}
	}
	return out, nil
}

type readResult struct {
	res recognize.Reading
	err error
}

// readAll reads the inputs on all cores, keeping their order.
func readAll(ctx context.Context, rec *recognize.Recognizer, inputs []string, stdin io.Reader) []readResult {
	results := make([]readResult, len(inputs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(len(inputs), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range jobs {
				if err := ctx.Err(); err != nil {
					results[i].err = err
					continue
				}
				results[i].res, results[i].err = readOne(rec, inputs[i], stdin)
			}
		})
	}
	for i := range inputs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

func readOne(rec *recognize.Recognizer, name string, stdin io.Reader) (recognize.Reading, error) {
	if name == "-" {
		return rec.Read(stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return recognize.Reading{}, err
	}
	defer f.Close()
	return rec.Read(f)
}

// predictJSON is the --json line for one input.
func predictJSON(file string, r readResult) any {
	if r.err != nil {
		return struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{file, r.err.Error()}
	}
	return struct {
		File string `json:"file"`
		recognize.Reading
	}{file, r.res}
}

// writeInputs saves what the model saw for input i: NAME.png, or
// NAME.K.png for the K-th digit of a number.
func writeInputs(dir string, i int, name string, res recognize.Reading) error {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if name == "-" {
		base = "stdin"
	}
	base = fmt.Sprintf("%03d-%s", i+1, base)
	digits := res.Digits
	if len(digits) == 0 {
		digits = []recognize.Digit{res.Digit}
	}
	for k, d := range digits {
		file := base + ".png"
		if len(digits) > 1 {
			file = fmt.Sprintf("%s.%d.png", base, k)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, d.Input); err != nil {
			return fmt.Errorf("--show: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--show: %w", err)
		}
	}
	return nil
}
