package server

import (
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// budget is the memory that request bodies and the images being read may
// hold at once. Each request reserves what it will hold before it holds it
// (its body as it arrives, then the cost of its largest image from the
// image's header) and waits briefly when the budget is spent, so that the
// process stays within Options.MaxMemory however many uploads arrive and
// however much their decoders amplify.
//
// Go keeps freed memory for a while, and a burst of large images leaves
// hundreds of megabytes of it; when the reserved memory falls back near
// zero after a burst, the budget returns it to the system.
type budget struct {
	total int64

	mu      sync.Mutex
	used    int64
	changed chan struct{} // closed and replaced whenever memory is released
	// burst is set when a lot was reserved since memory was last returned.
	burst bool
	timer *time.Timer
}

// Returning memory forces a collection, so it is done only after a burst
// of at least burstBytes, once reservations have stayed below idleBytes for
// idleDelay.
const (
	burstBytes = 64 << 20
	idleBytes  = 16 << 20
	idleDelay  = 500 * time.Millisecond
)

func newBudget(total int64) *budget {
	return &budget{total: total, changed: make(chan struct{})}
}

// acquire reserves n bytes, waiting at most wait for other requests to
// release enough. It reports whether it got them; the caller must release
// what it got.
func (b *budget) acquire(ctx context.Context, n int64, wait time.Duration) bool {
	var timeout <-chan time.Time
	for {
		b.mu.Lock()
		if b.used+n <= b.total || n <= 0 {
			b.used += n
			if b.used >= burstBytes {
				b.burst = true
			}
			b.mu.Unlock()
			return true
		}
		changed := b.changed
		b.mu.Unlock()
		if n > b.total {
			return false
		}
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (b *budget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	close(b.changed)
	b.changed = make(chan struct{})
	if b.burst && b.used < idleBytes && b.timer == nil {
		b.timer = time.AfterFunc(idleDelay, b.returnMemory)
	}
}

// returnMemory gives freed memory back to the system if the budget is
// still idle, or tries again later.
func (b *budget) returnMemory() {
	b.mu.Lock()
	idle := b.used < idleBytes
	if idle {
		b.burst = false
		b.timer = nil
	} else {
		b.timer.Reset(idleDelay)
	}
	b.mu.Unlock()
	if idle {
		debug.FreeOSMemory()
	}
}

func (b *budget) reserved() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
