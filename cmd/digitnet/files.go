package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// checkPath turns a missing or wrong-kind --flag path into a usage error
// before any work starts; an empty path (the flag's default) passes.
func checkPath(cmd, flagName, path string, wantDir bool) error {
	if path == "" {
		return nil
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return usagef(cmd, "--%s: %v", flagName, err)
	case wantDir && !st.IsDir():
		return usagef(cmd, "--%s: %s is not a folder", flagName, path)
	case !wantDir && st.IsDir():
		return usagef(cmd, "--%s: %s is a folder, not a file", flagName, path)
	}
	return nil
}

// reason drops the operation and path from a file error, for messages
// that already name the file.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writePlot draws into path through a temporary file, so a failed drawing
// never leaves half a picture.
func writePlot(path string, draw func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".digitnet-plot-*")
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	err = draw(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("--plot %s: %w", path, err)
	}
	return nil
}

// checkOutput fails early, before minutes of training, when a file could
// not be written where asked: its folder is missing or read-only, it names
// a folder or something other than a file, or (with keep) it exists.
func checkOutput(cmd, flagName, path string, keep bool) error {
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return usagef(cmd, "--%s: %s is a folder; give a file name, e.g. %s", flagName, path, filepath.Join(path, "model.safetensors"))
	case err == nil && !st.Mode().IsRegular():
		return usagef(cmd, "--%s: %s is not a regular file (%s)", flagName, path, st.Mode().Type())
	case err == nil && keep:
		return usagef(cmd, "--%s: %s exists; add --force to replace it, or choose another --%s", flagName, path, flagName)
	}
	dir := filepath.Dir(path)
	if dst, derr := os.Stat(dir); derr != nil {
		return usagef(cmd, "--%s: folder %s: %v", flagName, dir, reason(derr))
	} else if !dst.IsDir() {
		return usagef(cmd, "--%s: %s is not a folder", flagName, dir)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usagef(cmd, "--%s: %v", flagName, err)
	}
	f, err := os.CreateTemp(dir, ".digitnet-write-check*")
	if err != nil {
		return usagef(cmd, "--%s: cannot write in %s: %v", flagName, dir, reason(err))
	}
	f.Close()
	return os.Remove(f.Name())
}
