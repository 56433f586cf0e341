package learn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"digitnet/mnist"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/train"
)

// The states of a Learner's last job, as Status.State says them.
const (
	StateIdle      = "idle"      // no job has run since the server started
	StateRunning   = "running"   // a job is running
	StateDone      = "done"      // the last job ended with a new model in use
	StateFailed    = "failed"    // the last job failed; Status.Error says why
	StateCancelled = "cancelled" // the server shut down while the last job ran
)

// ErrRunning is Start's error while a job runs.
var ErrRunning = errors.New("learn: a fine-tuning job is already running")

// ModelsDir is the folder, inside the samples folder, where jobs save
// their models. Package samples reads only the folders 0 to 9, so models
// are never taken for samples.
const ModelsDir = "models"

// Options configure a Learner. The zero value is what `digitnet serve`
// uses, but for MNIST.Getenv.
type Options struct {
	// FineTune is the recipe (train's defaults for zero fields), except
	// that Shards 0 means 1 here: training then keeps one core busy and
	// leaves the other to the requests the server answers meanwhile.
	// Tests shorten the recipe with Epochs and Folds.
	FineTune train.FineTuneConfig
	// MNIST says where to find the MNIST data, as for mnist.Load; a
	// server passes its process's Getenv, so that DIGITNET_DATA counts.
	MNIST mnist.Options
	// LoadMNIST, when set, is called instead of mnist.Load.
	LoadMNIST func(context.Context) (trainSet, testSet *mnist.Set, err error)
	// Logger receives a line when a job starts and when it ends (nil:
	// none).
	Logger *slog.Logger
}

// Learner runs fine-tuning jobs on the samples of a store, one at a
// time. It is safe for concurrent use.
type Learner struct {
	store *samples.Store
	opts  Options
	log   *slog.Logger

	mu   sync.Mutex
	base *models.Model
	job  *job // the job running, or the last one; nil before the first
}

// job is one fine-tuning run. Its fields after done are guarded by the
// Learner's mu.
type job struct {
	done     chan struct{} // closed when the job has ended
	started  time.Time
	ended    time.Time
	state    string
	stage    string
	fraction float64
	result   *Result
	err      error
}

// New returns a Learner that tunes base on the samples in store.
func New(store *samples.Store, base *models.Model, opts Options) *Learner {
	if opts.FineTune.Shards <= 0 {
		opts.FineTune.Shards = 1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Learner{store: store, opts: opts, log: log, base: base}
}

// Store returns the store the Learner learns from.
func (l *Learner) Store() *samples.Store { return l.store }

// SetBase makes m the model that jobs started from now on tune, as when a
// server reloads its model file.
func (l *Learner) SetBase(m *models.Model) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.base = m
}

// Check returns a *train.TooFewError when the store holds too few samples
// to fine-tune on, and nil when a job may start. It counts the files; a
// job also skips files it cannot prepare, so it may still find too few.
func (l *Learner) Check() error {
	list, err := l.store.List()
	if err != nil {
		return err
	}
	return train.CheckSamples(list.Counts)
}

// Start checks the samples and starts a job under ctx, which stops it
// when cancelled (a server's lifetime). It returns ErrRunning while
// another job runs, a *train.TooFewError when there are too few samples,
// and otherwise a channel closed when the job ends. On success the job
// calls use with the new model, ready to read images, before its state
// becomes StateDone; use is not called after ctx is cancelled.
func (l *Learner) Start(ctx context.Context, use func(*recognize.Recognizer)) (<-chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.job != nil && l.job.state == StateRunning {
		return nil, ErrRunning
	}
	if err := l.Check(); err != nil {
		return nil, err
	}
	j := &job{done: make(chan struct{}), started: time.Now(), state: StateRunning, stage: "starting"}
	l.job = j
	go l.run(ctx, j, l.base, use)
	return j.done, nil
}

// run is the job: tune, then hand the model over and record how it went.
func (l *Learner) run(ctx context.Context, j *job, base *models.Model, use func(*recognize.Recognizer)) {
	defer close(j.done)
	// The MNIST sets and the training copies are garbage now; give the
	// memory back rather than keep the server's footprint at its peak.
	defer debug.FreeOSMemory()
	l.log.Info("fine-tuning started", "base_sha256", base.Meta.SHA256)
	rec, res, err := l.tune(ctx, j, base)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err == nil {
		use(rec)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	j.ended = time.Now()
	switch {
	case err == nil:
		j.state, j.stage, j.fraction, j.result = StateDone, "", 1, res
		l.log.Info("fine-tuning done: the new model is in use", "sha256", res.SHA256, "file", res.File,
			"samples", res.Samples, "held_out_before", res.HeldOutBefore, "held_out_after", res.HeldOutAfter,
			"mnist_before", res.MNISTBefore, "mnist_after", res.MNISTAfter, "took", j.ended.Sub(j.started).Round(time.Millisecond))
	case errors.Is(err, context.Canceled):
		j.state, j.err = StateCancelled, errors.New("the server shut down while fine-tuning; start again when it is back")
		l.log.Info("fine-tuning cancelled", "stage", j.stage)
	default:
		j.state, j.err = StateFailed, err
		l.log.Error("fine-tuning failed", "stage", j.stage, "err", err)
	}
}

// tune prepares the samples, loads MNIST, fine-tunes base and saves the
// result.
func (l *Learner) tune(ctx context.Context, j *job, base *models.Model) (*recognize.Recognizer, *Result, error) {
	l.progress(j, "preparing the samples", 0)
	set, err := l.store.Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := train.CheckSamples(set.PerLabel()); err != nil {
		if len(set.Skipped) > 0 {
			err = fmt.Errorf("%w (%d files could not be used, e.g. %s)", err, len(set.Skipped), set.Skipped[0])
		}
		return nil, nil, err
	}
	l.progress(j, "loading MNIST", 0)
	trainSet, testSet, err := l.loadMNIST(ctx)
	if err != nil {
		return nil, nil, err
	}
	ft, err := train.FineTune(ctx, base, set.Data, trainSet, testSet, l.opts.FineTune, func(p train.FineTuneProgress) {
		l.progress(j, p.Stage, p.Fraction)
	})
	if err != nil {
		return nil, nil, err
	}
	l.progress(j, "saving the model", 1)
	m := ft.Model
	dir := filepath.Join(l.store.Dir(), ModelsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("learn: %w", err)
	}
	meta := m.Meta.Training.FineTune
	m.Meta.Source = filepath.Join(dir, FileName(meta.Date, m.Meta.SHA256))
	if err := models.WriteFile(m.Meta.Source, m); err != nil {
		return nil, nil, err
	}
	rec, err := recognize.New(m)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{SHA256: m.Meta.SHA256, File: filepath.Base(m.Meta.Source), FineTune: *meta}
	for _, s := range set.Skipped {
		res.Skipped = append(res.Skipped, s.String())
	}
	return rec, res, nil
}

// FileName names a model a job saved at date with weights sha256, so that
// the folder lists them oldest first.
func FileName(date time.Time, sha256 string) string {
	return fmt.Sprintf("finetuned-%s-%.12s.safetensors", date.UTC().Format("20060102T150405Z"), sha256)
}

func (l *Learner) loadMNIST(ctx context.Context) (*mnist.Set, *mnist.Set, error) {
	if l.opts.LoadMNIST != nil {
		return l.opts.LoadMNIST(ctx)
	}
	opts := l.opts.MNIST
	if opts.Logger == nil {
		opts.Logger = l.log
	}
	trainSet, testSet, _, err := mnist.Load(ctx, opts)
	return trainSet, testSet, err
}

func (l *Learner) progress(j *job, stage string, fraction float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	j.stage, j.fraction = stage, fraction
}

// Status is how the last job went, as GET /api/v1/finetune sends it.
type Status struct {
	// State is StateIdle, StateRunning, StateDone, StateFailed or
	// StateCancelled.
	State string `json:"state"`
	// Stage says what a running job does, for people: "loading MNIST",
	// "fold 2 of 5", "tuning on all samples" …
	Stage string `json:"stage,omitempty"`
	// Fraction is how much of the job is done, from 0 to 1.
	Fraction float64 `json:"fraction"`
	// Started is when the job started; ElapsedSeconds how long it has
	// run, or ran.
	Started        time.Time `json:"started,omitzero"`
	ElapsedSeconds float64   `json:"elapsed_seconds"`
	// Result is what a job that is done made and measured.
	Result *Result `json:"result,omitempty"`
	// Error says why a job failed or stopped.
	Error string `json:"error,omitempty"`
}

// Result is what a job made: the model it saved and put in use, and the
// figures train.FineTune measured (held-out samples and MNIST test,
// before and after; see models.FineTune).
type Result struct {
	// SHA256 names the new model's weights; File is its name in
	// DIR/models.
	SHA256 string `json:"sha256"`
	File   string `json:"file"`
	// Skipped lists the sample files that could not be used, and why.
	Skipped []string `json:"skipped,omitempty"`
	models.FineTune
}

// Status returns how the job running, or the last one, goes or went.
func (l *Learner) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	j := l.job
	if j == nil {
		return Status{State: StateIdle}
	}
	end := j.ended
	if j.state == StateRunning {
		end = time.Now()
	}
	st := Status{State: j.state, Stage: j.stage, Fraction: j.fraction, Started: j.started.UTC(),
		ElapsedSeconds: end.Sub(j.started).Seconds(), Result: j.result}
	if j.err != nil {
		st.Error = j.err.Error()
	}
	return st
}
