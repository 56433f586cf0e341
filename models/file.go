package models

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"digitnet/models/keras"
	"digitnet/models/onnx"
)

// MaxFileSize bounds what Load reads. The tutorial's model is under 1 MB
// and the pytorch/examples MNIST network under 5 MB; a Keras file with its
// optimizer state is about three times its weights.
const MaxFileSize = 64 << 20

// ErrNotModel reports a file that is no model format digitnet reads.
var ErrNotModel = errors.New("this is not a digitnet, Keras or ONNX model file")

// Parse reads a model from the bytes of a model file, telling the format
// from its first bytes.
func Parse(data []byte) (*Model, error) {
	switch {
	case isSafetensors(data):
		return parseSafetensors(data)
	case keras.IsHDF5(data), keras.IsZip(data):
		return parseKeras(data)
	case onnx.Looks(data):
		return parseONNX(data)
	default:
		return nil, ErrNotModel
	}
}

// Load reads the model file at path. It opens only regular files, so a
// FIFO or a device named by mistake gives an error instead of blocking, and
// reads at most MaxFileSize bytes.
func Load(path string) (*Model, error) {
	data, err := readModelFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	m.Meta.Source = path
	return m, nil
}

func readModelFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, errors.New("it is a folder, not a file")
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("it is not a regular file (%s)", st.Mode().Type())
	case st.Size() > MaxFileSize:
		return nil, fmt.Errorf("the file is %d MB; digitnet reads model files up to %d MB", st.Size()>>20, MaxFileSize>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("the file grew past %d MB while being read", MaxFileSize>>20)
	}
	return data, nil
}

// tempPattern names WriteFile's temporary files: hidden, beside the
// target, so the final rename stays on one file system.
func tempPattern(base string) string { return "." + base + ".tmp-" }

// staleAfter is how old a temporary file of ours must be before WriteFile
// removes it as left behind by a killed save.
const staleAfter = time.Hour

// WriteFile writes m to path atomically: a temporary file in the same
// folder, synced and renamed over path, so an interrupted save never
// leaves a half-written or destroyed model. It also removes temporary
// files that an earlier, killed save left behind.
func WriteFile(path string, m *Model) error {
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		return fmt.Errorf("save model %s: %w", path, err)
	}
	return writeAtomic(path, buf.Bytes())
}

// WriteONNXFile writes m as ONNX (see WriteONNX) to path, atomically as
// WriteFile does.
func WriteONNXFile(path string, m *Model) error {
	var buf bytes.Buffer
	if err := WriteONNX(&buf, m); err != nil {
		return fmt.Errorf("export model %s: %w", path, err)
	}
	return writeAtomic(path, buf.Bytes())
}

// writeAtomic writes data to path through a synced temporary file renamed
// over it.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStaleTemps(dir, tempPattern(base))
	f, err := os.CreateTemp(dir, tempPattern(base)+"*")
	if err != nil {
		return fmt.Errorf("save model %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("save model %s: %w", path, err)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// removeStaleTemps deletes our temporary files in dir older than
// staleAfter. Younger ones may belong to a save in progress.
func removeStaleTemps(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // the save that follows reports the folder's problem
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
