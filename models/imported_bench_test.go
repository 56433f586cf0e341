package models_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"digitnet/models"
)

// BenchmarkParse measures reading each kind of model file from memory: the
// embedded safetensors model and the imported fixtures.
func BenchmarkParse(b *testing.B) {
	for _, path := range []string{
		"keras/testdata/tutorial_keras2.h5",
		"keras/testdata/small_keras3.h5",
		"keras/testdata/small.keras",
		"keras/testdata/convnet_keras3.h5",
		"onnx/testdata/pytorch_examples.onnx",
		"onnx/testdata/tutorial_view.onnx",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(path), func(b *testing.B) {
			for b.Loop() {
				if _, err := models.Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("default.safetensors", func(b *testing.B) {
		for b.Loop() {
			if _, err := models.Default(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPredictImported compares one image through the embedded model
// and through the tutorial's CNN imported from Keras: the same spec, so the
// same fast paths, so the same speed.
func BenchmarkPredictImported(b *testing.B) {
	native, err := models.Default()
	if err != nil {
		b.Fatal(err)
	}
	imported, err := models.Load("keras/testdata/tutorial_keras2.h5")
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, 784)
	for i := range x {
		x[i] = float32(i%17) / 16
	}
	for _, n := range []struct {
		name string
		m    *models.Model
	}{{"native", native}, {"keras", imported}} {
		for _, batch := range []int{1, 256} {
			xs := make([]float32, batch*784)
			for i := range batch {
				copy(xs[i*784:], x)
			}
			probs := make([]float32, batch*10)
			b.Run(fmt.Sprintf("%s/batch%d", n.name, batch), func(b *testing.B) {
				for b.Loop() {
					if err := n.m.Net.Predict(xs, batch, probs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}
