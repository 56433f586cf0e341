package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"digitnet/internal/probe"
)

// TestBigImagesOneAtATime: an image whose decoding memory is over
// bigImage waits for the big-image lock, so predict holds one such image's
// memory at a time; an ordinary one does not wait.
func TestBigImagesOneAtATime(t *testing.T) {
	rec, err := loadRecognizer("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.png")
	if err := os.WriteFile(big, probe.PNG16(3000, 3000), 0o644); err != nil { // 72 MB as 16-bit RGBA
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.png")
	if err := os.WriteFile(small, probe.PNG16(64, 64), 0o644); err != nil {
		t.Fatal(err)
	}
	var lock sync.Mutex
	lock.Lock()
	done := make(chan string, 2)
	for _, name := range []string{big, small} {
		go func() {
			readOne(rec, name, nil, &lock) // blank probes hold no digit: an error, but read
			done <- name
		}()
	}
	select {
	case got := <-done:
		if got != small {
			t.Fatalf("%s was read while another big image held the lock", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the small image waited for the big-image lock")
	}
	select {
	case got := <-done:
		t.Fatalf("%s was read while another big image held the lock", got)
	case <-time.After(200 * time.Millisecond):
	}
	lock.Unlock()
	if got := <-done; got != big {
		t.Fatalf("got %s, want the big image after the lock was released", got)
	}
}
