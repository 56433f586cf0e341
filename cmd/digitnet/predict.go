package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"digitnet/recognize"
)

const predictSynopsis = `usage: digitnet predict [flags] IMAGE|DIR|- ...

Reads the digit (or the number, for several digits side by side) in each
image: PNG, JPEG (EXIF orientation honoured), GIF, BMP, TIFF or WebP. Photos
of paper, canvas drawings and screenshots are turned into MNIST-style 28x28
inputs first. A folder stands for the image files in it and in its
subfolders, by extension, in name order; links are followed, each folder
is read once, and hidden files are skipped. - reads one image from standard
input. Only regular files are read: a named pipe or a device gets an error
in its place. Every input is read even when some fail; the exit status is
then 1. Flags may follow the images.`

// imageExts are the files a folder argument expands to.
var imageExts = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}

func runPredict(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("predict", predictSynopsis, e)
	modelPath := fs.String("model", "", "model `FILE` (default: the embedded model)")
	asJSON := fs.Bool("json", false, `print JSON Lines, one object per input in input order: {"file","digit","confidence","probabilities",...}, plus "number" and "digits" for several digits; {"file","error"} for an input that failed`)
	asCSV := fs.Bool("csv", false, "print CSV with a header row: file,read,confidence,uncertain,error")
	show := fs.String("show", "", "write each 28x28 model input as a PNG into folder `DIR`")
	quiet := fs.Bool("quiet", false, "print the results only: no notes about skipped files or failures on standard error")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 0:
		return usagef("predict", "no images given")
	case *asJSON && *asCSV:
		return usagef("predict", "--json and --csv exclude each other")
	}
	if *show != "" {
		if err := os.MkdirAll(*show, 0o755); err != nil {
			return usagef("predict", "--show: %v", err)
		}
	}
	if err := checkPath("predict", "model", *modelPath, false); err != nil {
		return err
	}
	inputs, skipped, err := expandInputs(fs.Args())
	if err != nil {
		return err
	}
	if !*quiet {
		for _, s := range skipped {
			fmt.Fprintf(e.stderr, "digitnet: %s\n", s)
		}
	}
	rec, err := loadRecognizer(*modelPath)
	if err != nil {
		return err
	}
	var out resultWriter
	switch {
	case *asJSON:
		out = newJSONWriter(e.stdout)
	case *asCSV:
		out = newCSVWriter(e.stdout)
	default:
		out = newTableWriter(e.stdout)
	}
	results, ready := startReading(ctx, rec, inputs, e.stdin)
	failed := 0
	for i, in := range inputs {
		select {
		case <-ready[i]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			// Lines already written stay: a script gets every result
			// finished before the interrupt.
			out.flush()
			return interrupted(fmt.Sprintf("read %d of %d inputs", i, len(inputs)))
		}
		r := results[i]
		if r.err == nil && *show != "" {
			r.err = writeInputs(*show, i, in.name, r.res)
		}
		if r.err != nil {
			failed++
		}
		if err := out.write(in.name, r); err != nil {
			return err
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	if failed > 0 {
		if !*quiet && !*asJSON && !*asCSV {
			fmt.Fprintf(e.stderr, "digitnet: %d of %d inputs could not be read\n", failed, len(inputs))
		}
		return failedInputs(failed)
	}
	return nil
}

// input is one image to read: a path, or "-" for standard input. err is
// set when the input is known to be unreadable before reading, e.g. a
// subfolder that cannot be listed, so that it is reported in its place.
type input struct {
	name string
	err  error
}

// expandInputs replaces each folder by the image files in it and its
// subfolders (see walker). Other arguments stay as they are, so a missing
// file is reported in its place among the results. skipped says, for each
// folder that held other files, what was left out and why.
func expandInputs(args []string) (inputs []input, skipped []string, err error) {
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
			if stdin > 1 {
				return nil, nil, usagef("predict", "- (standard input) can be given only once")
			}
			inputs = append(inputs, input{name: a})
			continue
		}
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			inputs = append(inputs, input{name: a})
			continue
		}
		w := walker{skipped: map[string]int{}}
		w.walk(a, st)
		if len(w.inputs) == 0 {
			return nil, nil, usagef("predict", "folder %s holds no image files (%s) in it or its subfolders%s",
				a, strings.Join(imageExts, " "), w.skipNote(": it has "))
		}
		inputs = append(inputs, w.inputs...)
		if note := w.skipNote(""); note != "" {
			skipped = append(skipped, fmt.Sprintf("%s: skipped %s", a, note))
		}
	}
	return inputs, skipped, nil
}

// walker lists the image files under a folder, depth first in name order
// (os.ReadDir sorts), following links to files and folders. A folder met
// again, through a link or a loop of links, is not read twice.
type walker struct {
	inputs  []input
	visited []os.FileInfo
	skipped map[string]int // why → how many
}

// Reasons for skipping an entry, in the order the note lists them.
const (
	skipNotImage = "not an image by extension"
	skipHidden   = "hidden"
	skipBroken   = "a link to nothing"
	skipRevisit  = "a folder already read (a link loop or a second link)"
)

func (w *walker) walk(dir string, info os.FileInfo) {
	for _, v := range w.visited {
		if os.SameFile(v, info) {
			w.skipped[skipRevisit]++
			return
		}
	}
	w.visited = append(w.visited, info)
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.inputs = append(w.inputs, input{name: dir, err: fmt.Errorf("read folder: %w", err)})
		return
	}
	for _, en := range entries {
		name := en.Name()
		path := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") {
			w.skipped[skipHidden]++
			continue
		}
		isImage := isImageName(name)
		st, err := os.Stat(path) // follows links
		switch {
		case err != nil && isImage:
			w.inputs = append(w.inputs, input{name: path}) // the error shows in its place
		case err != nil:
			w.skipped[skipBroken]++
		case st.IsDir():
			w.walk(path, st)
		case isImage:
			w.inputs = append(w.inputs, input{name: path})
		default:
			w.skipped[skipNotImage]++
		}
	}
}

// skipNote says what the walk left out, e.g. "3 files: 2 not an image by
// extension, 1 hidden", after prefix; "" when nothing was.
func (w *walker) skipNote(prefix string) string {
	var total int
	var parts []string
	for _, why := range []string{skipNotImage, skipHidden, skipBroken, skipRevisit} {
		if n := w.skipped[why]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, why))
		}
	}
	if total == 0 {
		return ""
	}
	entries := "entries"
	if total == 1 {
		entries = "entry"
	}
	return fmt.Sprintf("%s%d %s (%s)", prefix, total, entries, strings.Join(parts, ", "))
}

func isImageName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range imageExts {
		if ext == e {
			return true
		}
	}
	return false
}

type readResult struct {
	res recognize.Reading
	err error
}

// startReading reads the inputs on all cores. results[i] is final once
// ready[i] is closed, so the caller can print in input order while later
// inputs are still being read. Cancelling ctx stops handing out inputs.
func startReading(ctx context.Context, rec *recognize.Recognizer, inputs []input, stdin io.Reader) (results []readResult, ready []chan struct{}) {
	results = make([]readResult, len(inputs))
	ready = make([]chan struct{}, len(inputs))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range inputs {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var big sync.Mutex
	for range min(len(inputs), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range jobs {
				if inputs[i].err != nil {
					results[i].err = inputs[i].err
				} else {
					results[i].res, results[i].err = readOne(rec, inputs[i].name, stdin, &big)
				}
				close(ready[i])
			}
		})
	}
	return results, ready
}

// bigImage is the decoding memory past which predict reads an image alone:
// a folder of 40-megapixel photos then costs one image's memory at a time,
// not one per core, while ordinary files are still read side by side.
const bigImage = 64 << 20

// readOne reads one input. It holds big while decoding an image whose
// memory cost, known from its header, is over bigImage.
func readOne(rec *recognize.Recognizer, name string, stdin io.Reader, big *sync.Mutex) (recognize.Reading, error) {
	r := stdin
	if name != "-" {
		f, err := openRegular(name)
		if err != nil {
			return recognize.Reading{}, err
		}
		defer f.Close()
		r = f
	}
	limit := rec.Limits().MaxBytes
	if limit <= 0 {
		limit = recognize.DefaultLimits.MaxBytes
	}
	// One byte more than the limit lets Read report an oversized file.
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return recognize.Reading{}, err
	}
	cost, err := rec.Cost(data)
	if err != nil {
		return recognize.Reading{}, err
	}
	if cost > bigImage {
		big.Lock()
		defer big.Unlock()
	}
	return rec.Read(bytes.NewReader(data))
}

// openRegular opens name for reading only if it is a regular file. Opening
// a named pipe blocks until a writer comes, and a device can be read
// forever, so those get an error instead. The file is checked before
// opening, and opened without blocking and checked again, in case it was
// replaced in between.
func openRegular(name string) (*os.File, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, st); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err == nil {
		err = checkRegular(name, st)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkRegular(name string, st os.FileInfo) error {
	mode := st.Mode()
	switch {
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return fmt.Errorf("%s is a folder", name)
	case mode&os.ModeNamedPipe != 0:
		return fmt.Errorf("%s is a named pipe, not a file; to read an image from a pipe, give - and send it to standard input", name)
	case mode&os.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, not a file", name)
	case mode&os.ModeDevice != 0:
		return fmt.Errorf("%s is a device, not a file; to read an image from it, give - and send it to standard input", name)
	default:
		return fmt.Errorf("%s is not a regular file (%s)", name, mode.Type())
	}
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
