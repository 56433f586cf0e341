package train_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"runtime"
	"slices"
	"testing"

	"digitnet/augment"
	"digitnet/models"
	"digitnet/nn"
	"digitnet/train"
)

// TestMixDeterministic trains with every kind of extra data and checks
// that a seed fixes the weights whatever the number of goroutines
// preparing the batches (the gradient's shards are fixed at two).
func TestMixDeterministic(t *testing.T) {
	trainSet, _ := loadMNIST(t)
	fit := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out, err := train.NewOutliers(64, 3)
		if err != nil {
			t.Fatal(err)
		}
		rendered, err := train.NewRendered(trainSet, 64, 3)
		if err != nil {
			t.Fatal(err)
		}
		styles, err := train.NewRenderedStyles(64, 3)
		if err != nil {
			t.Fatal(err)
		}
		m, err := nn.New(nn.Tutorial(), 3)
		if err != nil {
			t.Fatal(err)
		}
		opt := augment.Default
		cfg := train.Config{Epochs: 1, Limit: 128, Seed: 3, Augment: &opt, Shards: 2,
			Mix: []train.Source{train.Styles{N: 64}, train.NewRestyled(trainSet, 64), out,
				train.NewRestroked(trainSet, 64), rendered, styles}}
		var seen int
		err = train.Fit(context.Background(), m, trainSet, cfg, func(p train.Progress) { seen = p.Total }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if seen != 128+6*64 {
			t.Errorf("an epoch has %d images, want %d", seen, 128+6*64)
		}
		return m.Params
	}
	a, b := fit(1), fit(2)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different weights on 1 and 2 goroutines")
	}
}

func TestOutliersAreNoClass(t *testing.T) {
	out, err := train.NewOutliers(20, 1)
	if err != nil {
		t.Fatal(err)
	}
	img := make([]float32, 784)
	for i := range out.Len() {
		if l := out.Image(img, i, nil); l != nn.NoClass {
			t.Fatalf("outlier %d labelled %d", i, l)
		}
		if slices.Max(img) < 0.5 {
			t.Errorf("outlier %d has no ink", i)
		}
	}
}

// TestPreparedBanksGolden pins the first images of the two banks that the
// default model's recipe prepares with package imgproc (seed 2). Through
// them, preparation is part of what the recipe trains on: when this test
// fails, a change to imgproc has changed the model the recipe gives, and
// the embedded model must be retrained (docs/model.md) before the values
// here are updated.
func TestPreparedBanksGolden(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		// Go fuses multiplies and adds on other architectures, which
		// rounds preparation's arithmetic differently.
		t.Skipf("the values are amd64's; this is %s", runtime.GOARCH)
	}
	for _, tc := range []struct {
		name string
		bank func() (*train.Bank, error)
		want string
	}{
		{"outliers", func() (*train.Bank, error) { return train.NewOutliers(300, 2) }, "6f8e359c66b7b5dd"},
		{"rendered styles", func() (*train.Bank, error) { return train.NewRenderedStyles(300, 2) }, "ee26a1e1caf69e76"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.bank()
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			img := make([]float32, 784)
			for i := range b.Len() {
				label := b.Image(img, i, nil)
				for _, v := range img {
					binary.Write(h, binary.LittleEndian, v)
				}
				h.Write([]byte{label})
			}
			if got := hex.EncodeToString(h.Sum(nil)[:8]); got != tc.want {
				t.Errorf("bank sha256 %s…, want %s…", got, tc.want)
			}
		})
	}
}

// TestMixSources checks that MixSources gives one source per kind asked
// for, of the length asked, in the order Fit draws them, and none for
// MNIST alone.
func TestMixSources(t *testing.T) {
	trainSet, _ := loadMNIST(t)
	if srcs, err := train.MixSources(trainSet, models.Mix{}, 1); err != nil || len(srcs) != 0 {
		t.Errorf("MNIST alone: %d sources, %v", len(srcs), err)
	}
	mix := models.Mix{Styles: 5, Restyled: 4, Outliers: 3, RenderedStyles: 2, Rendered: 1}
	srcs, err := train.MixSources(trainSet, mix, 1)
	if err != nil {
		t.Fatal(err)
	}
	var lens []int
	for _, s := range srcs {
		lens = append(lens, s.Len())
	}
	if want := []int{5, 4, 3, 2, 1}; !slices.Equal(lens, want) {
		t.Errorf("source lengths %v, want %v", lens, want)
	}
	if _, ok := srcs[2].(*train.Bank); !ok {
		t.Errorf("third source is %T, want the outliers' *train.Bank", srcs[2])
	}
}
