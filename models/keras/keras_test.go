package keras

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/models/internal/fixturecheck"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestFixtures reads every Keras fixture and checks that it predicts what
// the framework predicted on the MNIST test set.
func TestFixtures(t *testing.T) {
	for name, fx := range fixturecheck.Load(t, "testdata") {
		t.Run(name, func(t *testing.T) {
			m, info, err := ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			stem := filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name)))
			fixturecheck.Golden(t, stem+".golden", fmt.Sprintf("format: %s\nkeras_version: %s\nbackend: %s\nlayers: %s\noutput: %s\n%s",
				info.Format, info.KerasVersion, info.Backend, strings.Join(info.Layers, ", "), info.Output, fixturecheck.Summary(m)), *update)
			fixturecheck.Check(t, m, stem+".pred", fx)
		})
	}
}

// tinyConfig is the config of a small Sequential model in Keras 3's legacy
// form, for the cases below to break.
func tinyConfig(layers ...string) string {
	return `{"class_name": "Sequential", "config": {"name": "sequential", "layers": [` +
		`{"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 1], "dtype": "float32", "name": "input_layer"}},` +
		strings.Join(layers, ",") + `]}}`
}

const (
	convOK    = `{"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 2, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true}}`
	flattenOK = `{"class_name": "Flatten", "config": {"name": "flatten", "data_format": "channels_last"}}`
	denseOK   = `{"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "softmax", "use_bias": true}}`
)

// zeros gives each weight the shape asked for.
func zeros(_ int, _ *layerObject, shapes [][]int) ([][]float32, error) {
	out := make([][]float32, len(shapes))
	for i, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		out[i] = make([]float32, n)
	}
	return out, nil
}

// TestBuildRejects lists configs digitnet cannot compute exactly: each
// must be refused with an error that names the layer and the reason.
func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"unknown layer", tinyConfig(`{"class_name": "BatchNormalization", "config": {"name": "batch_normalization"}}`, flattenOK, denseOK),
			`layer 1 "batch_normalization" (BatchNormalization): unsupported: layer class BatchNormalization; digitnet reads InputLayer, Conv2D`},
		{"dilation", tinyConfig(strings.Replace(convOK, `"dilation_rate": [1, 1]`, `"dilation_rate": [2, 2]`, 1), flattenOK, denseOK), "dilation_rate [2, 2]"},
		{"groups", tinyConfig(strings.Replace(convOK, `"groups": 1`, `"groups": 2`, 1), flattenOK, denseOK), "groups 2"},
		{"channels first", tinyConfig(strings.Replace(convOK, `channels_last`, `channels_first`, 1), flattenOK, denseOK), `data_format "channels_first"`},
		{"oblong kernel", tinyConfig(strings.Replace(convOK, `"kernel_size": [3, 3]`, `"kernel_size": [3, 5]`, 1), flattenOK, denseOK), "kernel_size [3 5]"},
		{"uneven strides", tinyConfig(strings.Replace(convOK, `"strides": [1, 1]`, `"strides": [1, 2]`, 1), flattenOK, denseOK), "strides [1 2]"},
		{"causal padding", tinyConfig(strings.Replace(convOK, `"valid"`, `"causal"`, 1), flattenOK, denseOK), `padding "causal"`},
		{"sigmoid", tinyConfig(strings.Replace(convOK, `"relu"`, `"sigmoid"`, 1), flattenOK, denseOK), `activation "sigmoid"; digitnet reads relu, softmax and linear`},
		{"dense on an image", tinyConfig(convOK, denseOK), "needs a Flatten before it"},
		{"pool same on odd size", tinyConfig(convOK, `{"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [4, 4], "strides": [4, 4], "padding": "same"}}`, flattenOK, denseOK), `pool padding "same" on a 6x6 input`},
		{"overlapping pool", tinyConfig(convOK, `{"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [2, 2], "strides": [1, 1], "padding": "valid"}}`, flattenOK, denseOK), "strides 1"},
		{"capped relu", tinyConfig(strings.Replace(convOK, `"relu"`, `"linear"`, 1), `{"class_name": "ReLU", "config": {"name": "re_lu", "max_value": 6.0}}`, flattenOK, denseOK), "max_value"},
		{"softmax in the middle", tinyConfig(strings.Replace(convOK, `"relu"`, `"softmax"`, 1), flattenOK, denseOK), "a flatten layer follows the softmax"},
		{"relu at the end", tinyConfig(convOK, flattenOK, strings.Replace(denseOK, `"softmax"`, `"relu"`, 1)), "must end in a dense"},
		{"lora", tinyConfig(strings.Replace(convOK, `"groups": 1`, `"groups": 1, "lora_rank": 4`, 1), flattenOK, denseOK), "LoRA"},
		{"quantised", tinyConfig(strings.Replace(convOK, `"groups": 1`, `"groups": 1, "dtype": "int8"`, 1), flattenOK, denseOK), `dtype "int8"`},
		{"functional", `{"class_name": "Functional", "config": {"name": "model", "layers": []}}`, "functional API"},
		{"no input shape", `{"class_name": "Sequential", "config": {"name": "s", "layers": [` + flattenOK + `,` + denseOK + `]}}`, "records no input shape"},
		{"unknown input size", strings.Replace(tinyConfig(convOK, flattenOK, denseOK), `[null, 8, 8, 1]`, `[null, null, null, 1]`, 1), "not fixed"},
		{"not JSON", `{"class_name": "Sequential", "config": `, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var m *model
			if m, err = parseModel([]byte(tt.config)); err == nil {
				_, _, _, err = build(m, zeros)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}

// TestReadBrokenFiles reads files that are not whole Keras models.
func TestReadBrokenFiles(t *testing.T) {
	tutorial, err := os.ReadFile(filepath.Join("testdata", "tiny_keras2.h5"))
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := os.ReadFile(filepath.Join("testdata", "tiny.keras"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data func() []byte
		want string
	}{
		{"weights only", func() []byte { b, _ := os.ReadFile(filepath.Join("testdata", "weights_only.h5")); return b }, "weights-only file"},
		{"config and weights disagree", func() []byte { b, _ := os.ReadFile(filepath.Join("testdata", "mismatch.h5")); return b }, "has shape [3 3 1 2], want [3 3 1 3]"},
		{"truncated HDF5", func() []byte { return tutorial[:len(tutorial)/3] }, "keras: "},
		{"truncated zip", func() []byte { return zipped[:len(zipped)/2] }, "not a readable zip archive"},
		{"neither", func() []byte { return []byte("GIF89a") }, "neither an HDF5 file"},
		{"empty", func() []byte { return nil }, "neither an HDF5 file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Read(tt.data())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}

func TestSnakeCase(t *testing.T) {
	for class, want := range map[string]string{
		"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "Dense": "dense", "ReLU": "re_lu",
		"SpatialDropout2D": "spatial_dropout2d", "GaussianNoise": "gaussian_noise", "InputLayer": "input_layer",
	} {
		if got := snakeCase(class); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", class, got, want)
		}
	}
}

// FuzzRead feeds the reader corrupted Keras files: it must return an error
// or a model, never panic or hang.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"tiny_keras2.h5", "tiny_keras3.h5", "tiny.keras", "weights_only.h5", "mismatch.h5"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _, err := Read(data)
		if err == nil && m == nil {
			t.Fatal("no model and no error")
		}
	})
}
