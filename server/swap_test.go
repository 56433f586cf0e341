package server

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"digitnet/learn"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/train"
)

var (
	fullFineTune = flag.Bool("finetune.full", false, "TestFineTuneUnderLoad: 10 samples of each digit and the default recipe, as docs/finetune.md measures")
	tuneShards   = flag.Int("finetune.shards", 0, "TestFineTuneUnderLoad: FineTuneConfig.Shards (0: learn's default, 1)")
	tuneClients  = flag.Int("finetune.clients", 4, "TestFineTuneUnderLoad: clients sending predict requests back to back")
)

// answer is what a predict request got: its status and, for a 200, the
// probabilities read.
type answer struct {
	status int
	probs  [10]float32
	took   time.Duration
}

// hammer sends raw-body predict requests from clients goroutines, back
// to back, cycling through images, until stop is closed, and returns every
// answer with the index of its image.
func hammer(t *testing.T, url string, images [][]byte, clients int, stop <-chan struct{}) (answers []answer, which []int) {
	t.Helper()
	if clients == 0 {
		<-stop
		return nil, nil
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for c := range clients {
		wg.Go(func() {
			for i := c; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := i % len(images)
				start := time.Now()
				a := answer{}
				resp, err := client.Post(url+"/api/v1/predict", "image/png", bytes.NewReader(images[k]))
				if err == nil {
					var body struct {
						Results []struct {
							Probabilities [10]float32 `json:"probabilities"`
						} `json:"results"`
					}
					a.status = resp.StatusCode
					if err := json.NewDecoder(resp.Body).Decode(&body); err == nil && len(body.Results) == 1 {
						a.probs = body.Results[0].Probabilities
					}
					resp.Body.Close()
				}
				a.took = time.Since(start)
				mu.Lock()
				answers, which = append(answers, a), append(which, k)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return answers, which
}

// expect returns what rd reads in each image.
func expect(t *testing.T, rd Reader, images [][]byte) [][10]float32 {
	t.Helper()
	out := make([][10]float32, len(images))
	for i, img := range images {
		r, err := rd.Read(bytes.NewReader(img))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r.Probabilities
	}
	return out
}

// checkAnswers fails the test for any answer that is not a 200 holding
// what one of the models reads, and returns how many came from each.
func checkAnswers(t *testing.T, answers []answer, which []int, models ...[][10]float32) []int {
	t.Helper()
	from := make([]int, len(models))
	failed := 0
	for i, a := range answers {
		m := slices.IndexFunc(models, func(e [][10]float32) bool { return e[which[i]] == a.probs })
		if a.status != 200 || m < 0 {
			if failed++; failed <= 5 {
				t.Errorf("request %d (image %d): status %d, probabilities %v: from no model", i, which[i], a.status, a.probs)
			}
			continue
		}
		from[m]++
	}
	if failed > 0 {
		t.Errorf("%d of %d requests failed or were read by no model", failed, len(answers))
	}
	return from
}

// TestSwapUnderLoad hammers predict over HTTP while the model is swapped
// and rolled back a thousand times: no request fails, and each answer is
// exactly what the old or the new model reads.
func TestSwapUnderLoad(t *testing.T) {
	a, err := recognize.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Net.Params {
		m.Net.Params[i] *= 1.01 // another model, reading every image a little differently
	}
	m.Meta.SHA256 = models.WeightsSHA256(m.Net.Params)
	b, err := recognize.New(m)
	if err != nil {
		t.Fatal(err)
	}
	var images [][]byte
	for d := range 10 {
		images = append(images, writerPNG(t, d, 7))
	}
	wantA, wantB := expect(t, a, images), expect(t, b, images)
	for i := range images {
		if wantA[i] == wantB[i] {
			t.Fatalf("image %d: both models read it alike; the test could not tell them apart", i)
		}
	}
	live := NewLive(a)
	srv := httptest.NewServer(NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), live, Options{}))
	defer srv.Close()

	stop := make(chan struct{})
	swaps := 0
	go func() {
		defer close(stop)
		live.Swap(b)
		for ; swaps < 1000; swaps++ {
			if _, err := live.Rollback(); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	answers, which := hammer(t, srv.URL, images, 8, stop)
	from := checkAnswers(t, answers, which, wantA, wantB)
	t.Logf("%d requests during %d swaps: %d failed; %d read by one model, %d by the other", len(answers), swaps,
		len(answers)-from[0]-from[1], from[0], from[1])
	if from[0] == 0 || from[1] == 0 {
		t.Errorf("every answer came from one model (%v): the swaps did not happen under load", from)
	}
}

// gateReader reads every image as one digit, after its gate opens.
type gateReader struct {
	digit   int
	entered chan struct{}
	gate    chan struct{}
}

func (g gateReader) Read(io.Reader) (recognize.Reading, error) {
	if g.gate != nil {
		g.entered <- struct{}{}
		<-g.gate
	}
	return recognize.Reading{Digit: fakeDigit(g.digit)}, nil
}
func (g gateReader) Cost(data []byte) (int64, error) { return int64(len(data)), nil }
func (g gateReader) Info() recognize.ModelInfo {
	return recognize.ModelInfo{SHA256: fmt.Sprint("model-", g.digit)}
}

// TestSwapInFlight: a request that started before a swap finishes on the
// model it started with; one that starts after reads with the new model.
func TestSwapInFlight(t *testing.T) {
	old := gateReader{digit: 1, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	live := NewLive(old)
	h := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), live, Options{})
	first := make(chan []result, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/predict", bytes.NewReader([]byte("x"))))
		first <- decodeResults(t, w)
	}()
	<-old.entered
	live.Swap(gateReader{digit: 2})
	if got := decodeResults(t, do(t, h, httptest.NewRequest("POST", "/api/v1/predict", bytes.NewReader([]byte("x"))))); *got[0].Digit != 2 {
		t.Errorf("a request after the swap read %d, want the new model's 2", *got[0].Digit)
	}
	close(old.gate)
	if got := <-first; *got[0].Digit != 1 {
		t.Errorf("the request in flight read %d, want the old model's 1", *got[0].Digit)
	}
}

// TestFineTuneUnderLoad runs a real fine-tuning job (MNIST, the Backhand
// writer's samples) through the routes of a real server while clients
// send predict requests back to back: no request fails, each is read by
// the old or the new model, and the log says how long the job took and
// what latency the clients saw before and during it.
//
// By default it is short (3 samples of each digit, 1 epoch of 500 MNIST
// images and each sample 5 times, 2 folds). For
// the figures of docs/finetune.md (100 samples, the default recipe):
//
//	go test -run TestFineTuneUnderLoad -v ./server/ -args -finetune.full
func TestFineTuneUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fine-tunes on MNIST")
	}
	mnistDir(t) // fails in CI, skips elsewhere, when MNIST cannot be had
	per, recipe := 3, train.FineTuneConfig{Epochs: 1, Folds: 2, MNIST: 500, Repeat: 5}
	if *fullFineTune {
		per, recipe = 10, train.FineTuneConfig{}
	}
	recipe.Shards = *tuneShards
	ls := newLearnServer(t, Options{}, learn.Options{FineTune: recipe,
		LoadMNIST: func(ctx context.Context) (*mnist.Set, *mnist.Set, error) {
			tr, te, _, err := mnist.Load(ctx, mnist.Options{NoDownload: true})
			return tr, te, err
		}})
	ls.addWriter(t, per, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	srv := httptest.NewServer(ls.h)
	defer srv.Close()
	var images [][]byte
	for d := range 10 {
		images = append(images, writerPNG(t, d, 77))
	}
	wantOld := expect(t, ls.base, images)

	// Latency with nothing else running, then during the job.
	stop := make(chan struct{})
	time.AfterFunc(2*time.Second, func() { close(stop) })
	idle, idleWhich := hammer(t, srv.URL, images, *tuneClients, stop)
	checkAnswers(t, idle, idleWhich, wantOld)

	stop = make(chan struct{})
	var started atomic.Bool
	var status learn.Status
	go func() {
		defer close(stop)
		resp, err := http.Post(srv.URL+"/api/v1/finetune", "", nil)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Errorf("POST /api/v1/finetune: %v %v", resp.Status, err)
			return
		}
		resp.Body.Close()
		started.Store(true)
		for {
			time.Sleep(100 * time.Millisecond)
			resp, err := http.Get(srv.URL + "/api/v1/finetune")
			if err != nil {
				t.Error(err)
				return
			}
			err = json.NewDecoder(resp.Body).Decode(&status)
			resp.Body.Close()
			if err != nil || status.State != learn.StateRunning {
				return
			}
		}
	}()
	busy, busyWhich := hammer(t, srv.URL, images, *tuneClients, stop)
	if status.State != learn.StateDone {
		t.Fatalf("the job ended %+v", status)
	}
	r := status.Result
	tuned, err := models.Load(filepath.Join(ls.store.Dir(), learn.ModelsDir, r.File))
	if err != nil {
		t.Fatal(err)
	}
	newRec, err := recognize.New(tuned)
	if err != nil {
		t.Fatal(err)
	}
	from := checkAnswers(t, busy, busyWhich, wantOld, expect(t, newRec, images))
	t.Logf("fine-tuning %d samples (%d epochs, %d folds, shards %d): job %.1f s wall, train.FineTune %.1f s",
		r.Samples, r.Epochs, r.Folds, max(recipe.Shards, 1), status.ElapsedSeconds, r.Seconds)
	t.Logf("held-out samples %.1f%% -> %.1f%%, MNIST test %.2f%% -> %.2f%%",
		100*r.HeldOutBefore, 100*r.HeldOutAfter, 100*r.MNISTBefore, 100*r.MNISTAfter)
	t.Logf("predict, %d clients back to back: idle %s; during the job %s; %d failed (%d read by the old model, %d by the new)",
		*tuneClients, latencies(idle), latencies(busy), len(busy)-from[0]-from[1], from[0], from[1])
	if from[1] == 0 && *tuneClients > 0 {
		t.Error("no request was read by the new model: the swap did not happen under load")
	}
}

// latencies summarises answers: count, rate, median and 99th percentile.
func latencies(answers []answer) string {
	if len(answers) == 0 {
		return "no requests"
	}
	d := make([]time.Duration, len(answers))
	var total time.Duration
	for i, a := range answers {
		d[i] = a.took
		total += a.took
	}
	slices.Sort(d)
	return fmt.Sprintf("%d requests, median %v, p99 %v", len(d),
		d[len(d)/2].Round(100*time.Microsecond), d[len(d)*99/100].Round(100*time.Microsecond))
}
