package server

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"digitnet/recognize"
)

// Live holds the Reader the server answers with, so that the model can be
// replaced while the server runs: reloaded from disk on SIGHUP, or swapped
// for a fine-tuned one. A request keeps the Reader it started with, so
// requests in flight finish on the old model. The Reader before the last
// swap is kept, so Rollback can put it back.
//
// Live is itself a Reader whose calls go to the current Reader; pass it to
// NewServer to swap models behind a running server.
type Live struct {
	cur  atomic.Pointer[current]
	mu   sync.Mutex // serialises Swap and Rollback
	prev Reader
}

// current boxes a Reader for atomic.Pointer; each Swap makes a new one, so
// its address names a model (the model description is cached by it).
type current struct{ Reader }

// ErrNoPrevious is Rollback's error when there is no model to go back to.
var ErrNoPrevious = errors.New("server: no previous model to roll back to")

// NewLive returns a Live answering with r.
func NewLive(r Reader) *Live {
	l := &Live{}
	l.cur.Store(&current{r})
	return l
}

// Reader returns the Reader in use now.
func (l *Live) Reader() Reader { return l.now().Reader }

func (l *Live) now() *current { return l.cur.Load() }

// Swap makes r the Reader for requests that start from now on and returns
// the one it replaces, which Rollback can restore.
func (l *Live) Swap(r Reader) (old Reader) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old = l.cur.Swap(&current{r}).Reader
	l.prev = old
	return old
}

// Rollback puts back the Reader the last Swap replaced and returns the one
// it replaces in turn, so that a second Rollback undoes the first.
func (l *Live) Rollback() (Reader, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.prev == nil {
		return nil, ErrNoPrevious
	}
	old := l.cur.Swap(&current{l.prev}).Reader
	l.prev = old
	return old, nil
}

// Previous returns the Reader Rollback would put back, or nil.
func (l *Live) Previous() Reader {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.prev
}

func (l *Live) Read(r io.Reader) (recognize.Reading, error) { return l.Reader().Read(r) }
func (l *Live) Cost(data []byte) (int64, error)             { return l.Reader().Cost(data) }
func (l *Live) Info() recognize.ModelInfo                   { return l.Reader().Info() }
