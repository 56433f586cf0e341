//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"digitnet/models"
)

// TestServeReload sends SIGHUP, as an operator does after replacing the
// model file: a good new file is served from then on; a bad one keeps the
// model and the log says why.
func TestServeReload(t *testing.T) {
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := models.WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	url, log := startServe(t, "--model", path)
	first := modelSHA(t, url)

	hup := func() {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	waitLog := func(msg string) {
		t.Helper()
		for start := time.Now(); !strings.Contains(log.String(), msg); time.Sleep(5 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("no %q in the log after 5 s:\n%s", msg, log.String())
			}
		}
	}

	m.Net.Params[0] += 0.001 // another model, as fine-tuning would make
	if err := models.WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	hup()
	waitLog("SIGHUP: model reloaded")
	second := modelSHA(t, url)
	if second == first || second != models.WeightsSHA256(m.Net.Params) {
		t.Errorf("after reload: sha256 %s, want the new file's %s (was %s)", second, models.WeightsSHA256(m.Net.Params), first)
	}

	if err := os.WriteFile(path, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	hup()
	waitLog("SIGHUP: reload failed; keeping the current model")
	if got := modelSHA(t, url); got != second {
		t.Errorf("after a bad file: sha256 %s, want the model kept (%s)", got, second)
	}
}
