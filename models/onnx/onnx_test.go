package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"digitnet/models/internal/fixturecheck"
)

// TestFixtures reads every ONNX fixture and checks that it predicts what
// PyTorch predicted on the MNIST test set.
func TestFixtures(t *testing.T) {
	for name, fx := range fixturecheck.Load(t, "testdata") {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			m, info, err := Read(data)
			if err != nil {
				t.Fatal(err)
			}
			stem := filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name)))
			fixturecheck.Golden(t, stem+".golden", fmt.Sprintf("producer: %s\nir_version: %d\nopset: %d\ninput: %s\nnodes: %s\noutput: %s\n%s",
				info.Producer, info.IRVersion, info.Opset, info.Input, strings.Join(info.Nodes, ", "), info.Output, fixturecheck.Summary(m)), *update)
			fixturecheck.Check(t, m, stem+".pred", fx)
		})
	}
}
