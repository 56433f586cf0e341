//go:build unix

package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPredictNotRegular checks that a named pipe, a device or a socket
// given as an image, or met in a folder, gets a clear error in its place
// at once: opening a pipe would block until a writer came.
func TestPredictNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.png")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	one := filepath.Join(dir, "one.png")
	writeDigits(t, one)

	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runCLI(t, "", "predict", "--json", fifo, "/dev/zero", dir)
		done <- result{code, stdout, stderr}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("predict blocked on a named pipe or a device")
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1: %s", r.code, r.stderr)
	}
	files, errs := jsonFiles(t, r.stdout)
	want := map[string]string{
		fifo:        "is a named pipe, not a file; to read an image from a pipe, give -",
		"/dev/zero": "is a device, not a file",
		one:         "",
		sock:        "is a socket, not a file",
	}
	if len(files) != 5 { // the folder gives its pipe, one.png and the socket
		t.Fatalf("%d results, want 5:\n%s", len(files), r.stdout)
	}
	for i, f := range files {
		if w := want[f]; !strings.Contains(errs[i], w) || (w == "") != (errs[i] == "") {
			t.Errorf("%s: error %q, want %q", f, errs[i], w)
		}
	}
}

// TestTrainOutNotRegular checks that --out naming a named pipe is refused
// before any work.
func TestTrainOutNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "m.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "train", "--data", t.TempDir(), "--out", fifo, "--force")
	if code != 2 || !strings.Contains(stderr, "is not a regular file") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestCtrlC runs digitnet as a process, blocked reading an image from
// standard input, and sends it SIGINT: it must exit at once with 130.
func TestCtrlC(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		cmd := exec.Command(exe, "predict", "-")
		cmd.Env = append(os.Environ(), "DIGITNET_TEST_AS_MAIN=1")
		stdin, err := cmd.StdinPipe() // never written nor closed: predict waits
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The signal handler is set first thing in main; give the
		// process time to get there, more on a retry.
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
		sent := time.Now()
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatal("digitnet predict - did not exit within 5 s of SIGINT")
		}
		stdin.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("exit: %v, want status 130", err)
		}
		if !ee.Exited() && attempt < 3 {
			continue // killed by the signal before main caught it: too early
		}
		if ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("exit %d, stderr %q; want 130 and interrupted", ee.ExitCode(), stderr.String())
		}
		if d := time.Since(sent); d > time.Second {
			t.Errorf("exited %s after SIGINT, want promptly", d)
		}
		return
	}
}
