package learn_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"digitnet/internal/handwriting"
	"digitnet/learn"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/train"
)

// writerStore returns a store holding per digits of each label in the
// Backhand writer's hand.
func writerStore(t *testing.T, per int, labels ...int) *samples.Store {
	t.Helper()
	st, err := samples.Open(filepath.Join(t.TempDir(), "samples"), samples.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := handwriting.Backhand.Save(st, per, rand.New(rand.NewPCG(4, 4)), labels...); err != nil {
		t.Fatal(err)
	}
	return st
}

// noise is a small labelled set standing in for MNIST: the jobs here test
// the plumbing, not what is learnt.
func noise(n int) *mnist.Set {
	r := rand.New(rand.NewPCG(1, 2))
	s := &mnist.Set{N: n, Rows: 28, Cols: 28, Images: make([]byte, n*784), Labels: make([]byte, n)}
	for i := range s.Images {
		s.Images[i] = byte(r.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = byte(i % 10)
	}
	return s
}

// quick is a recipe that takes a fraction of a second.
var quick = train.FineTuneConfig{Epochs: 1, Repeat: 1, MNIST: 20, Folds: 2}

func newLearner(t *testing.T, st *samples.Store, load func(context.Context) (*mnist.Set, *mnist.Set, error)) *learn.Learner {
	t.Helper()
	base, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	if load == nil {
		load = func(context.Context) (*mnist.Set, *mnist.Set, error) { return noise(40), noise(20), nil }
	}
	return learn.New(st, base, learn.Options{FineTune: quick, LoadMNIST: load})
}

func wait(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the job did not end within a minute")
	}
}

// TestJob runs a job to the end: the new model is saved under
// DIR/models, handed over, and described by Status.
func TestJob(t *testing.T) {
	st := writerStore(t, 3, 0, 1, 7, 4)
	l := newLearner(t, st, nil)
	if s := l.Status(); s.State != learn.StateIdle {
		t.Errorf("before any job: %+v", s)
	}
	var got *recognize.Recognizer
	done, err := l.Start(context.Background(), func(r *recognize.Recognizer) { got = r })
	if err != nil {
		t.Fatal(err)
	}
	wait(t, done)
	s := l.Status()
	if s.State != learn.StateDone || s.Fraction != 1 || s.Error != "" || s.Result == nil || s.ElapsedSeconds <= 0 {
		t.Fatalf("after the job: %+v", s)
	}
	r := s.Result
	if got == nil || got.Info().SHA256 != r.SHA256 {
		t.Fatalf("the model handed over is %v, the result's %s", got, r.SHA256)
	}
	if r.Samples != 12 || r.PerLabel != [10]int{0: 3, 1: 3, 4: 3, 7: 3} || r.Folds != 2 || r.Epochs != 1 {
		t.Errorf("result %+v", r)
	}
	saved, err := models.Load(filepath.Join(st.Dir(), learn.ModelsDir, r.File))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Meta.SHA256 != r.SHA256 || saved.Meta.Training.FineTune.Samples != 12 {
		t.Errorf("the saved model is %s tuned on %d samples", saved.Meta.SHA256, saved.Meta.Training.FineTune.Samples)
	}
	if !strings.HasPrefix(r.File, "finetuned-") || !strings.Contains(r.File, r.SHA256[:12]) {
		t.Errorf("file name %q", r.File)
	}
	// The models folder is not taken for samples.
	if list, err := st.List(); err != nil || len(list.Samples) != 12 {
		t.Errorf("the store lists %d samples, %v", len(list.Samples), err)
	}
}

// TestOneAtATime: a second job is refused while one runs, and allowed
// after.
func TestOneAtATime(t *testing.T) {
	st := writerStore(t, 3, 0, 1, 7, 4)
	release := make(chan struct{})
	l := newLearner(t, st, func(context.Context) (*mnist.Set, *mnist.Set, error) {
		<-release
		return noise(40), noise(20), nil
	})
	done, err := l.Start(context.Background(), func(*recognize.Recognizer) {})
	if err != nil {
		t.Fatal(err)
	}
	if s := l.Status(); s.State != learn.StateRunning || s.Stage == "" {
		t.Errorf("while running: %+v", s)
	}
	if _, err := l.Start(context.Background(), func(*recognize.Recognizer) {}); !errors.Is(err, learn.ErrRunning) {
		t.Errorf("a second Start: %v, want ErrRunning", err)
	}
	close(release)
	wait(t, done)
	done, err = l.Start(context.Background(), func(*recognize.Recognizer) {})
	if err != nil {
		t.Fatalf("Start after the first job: %v", err)
	}
	wait(t, done)
}

// TestTooFew: Start refuses too few samples at once, saying which digit
// needs more.
func TestTooFew(t *testing.T) {
	l := newLearner(t, writerStore(t, 3, 0, 1, 7), nil)
	if err := l.Check(); err == nil {
		t.Error("Check passes 9 samples")
	}
	l = newLearner(t, writerStore(t, 2, 0, 1, 2, 3, 4, 5), nil)
	_, err := l.Start(context.Background(), func(*recognize.Recognizer) { t.Error("a model was handed over") })
	var tooFew *train.TooFewError
	if !errors.As(err, &tooFew) || !strings.Contains(err.Error(), "digit 0 has 2 (add 1 more)") {
		t.Errorf("Start: %v", err)
	}
	if s := l.Status(); s.State != learn.StateIdle {
		t.Errorf("after a refused Start: %+v", s)
	}
}

// TestCancelled: cancelling the server's context stops the job; nothing
// is handed over or saved.
func TestCancelled(t *testing.T) {
	st := writerStore(t, 3, 0, 1, 7, 4)
	ctx, cancel := context.WithCancel(context.Background())
	l := newLearner(t, st, func(ctx context.Context) (*mnist.Set, *mnist.Set, error) {
		cancel() // the server shuts down while MNIST loads
		return noise(40), noise(20), nil
	})
	done, err := l.Start(ctx, func(*recognize.Recognizer) { t.Error("a model was handed over") })
	if err != nil {
		t.Fatal(err)
	}
	wait(t, done)
	if s := l.Status(); s.State != learn.StateCancelled || !strings.Contains(s.Error, "shut down") {
		t.Errorf("after cancelling: %+v", s)
	}
	if _, err := os.Stat(filepath.Join(st.Dir(), learn.ModelsDir)); err == nil {
		t.Error("a cancelled job made the models folder")
	}
}

// TestFailed: a job that cannot load MNIST fails and says why.
func TestFailed(t *testing.T) {
	l := newLearner(t, writerStore(t, 3, 0, 1, 7, 4), func(context.Context) (*mnist.Set, *mnist.Set, error) {
		return nil, nil, errors.New("mnist: data not found; set DIGITNET_DATA")
	})
	done, err := l.Start(context.Background(), func(*recognize.Recognizer) { t.Error("a model was handed over") })
	if err != nil {
		t.Fatal(err)
	}
	wait(t, done)
	if s := l.Status(); s.State != learn.StateFailed || s.Error != "mnist: data not found; set DIGITNET_DATA" || s.Stage != "loading MNIST" {
		t.Errorf("after failing: %+v", s)
	}
}

func TestFileName(t *testing.T) {
	got := learn.FileName(time.Date(2026, 4, 12, 15, 30, 0, 0, time.UTC), "3f9a0c12d4e5b678aa")
	if want := "finetuned-20260412T153000Z-3f9a0c12d4e5.safetensors"; got != want {
		t.Errorf("FileName = %q, want %q", got, want)
	}
}
