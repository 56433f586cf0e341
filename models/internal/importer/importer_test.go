package importer

import (
	"math"
	"strings"
	"testing"

	"digitnet/nn"
)

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// TestNet builds small networks the ways readers do and checks what each
// becomes, or why it is refused.
func TestNet(t *testing.T) {
	conv := nn.LayerSpec{Kind: nn.KindConv2D, Filters: 2, Size: 3}
	pool := nn.LayerSpec{Kind: nn.KindMaxPool2D, Size: 2}
	flat := nn.LayerSpec{Kind: nn.KindFlatten}
	dense := nn.LayerSpec{Kind: nn.KindDense, Units: 3}
	tests := []struct {
		name  string
		build func(n *Net) error
		spec  string // the model's spec, or the error's text
		out   Output
	}{
		{"relu folds into the conv, logits get a softmax", func(n *Net) error {
			return first(n.Add(conv, ones(18), ones(2)), n.ReLU(), n.Add(flat, nil, nil), n.Add(dense, ones(216), ones(3)))
		}, "8x8x1 conv2d(2,3x3,relu) flatten dense(3,softmax)", Logits},
		{"relu after a pool stays a layer", func(n *Net) error {
			return first(n.Add(conv, ones(18), ones(2)), n.Add(pool, nil, nil), n.ReLU(), n.Add(flat, nil, nil), n.Add(dense, ones(54), ones(3)), n.Softmax(false))
		}, "8x8x1 conv2d(2,3x3) maxpool2d(2x2) relu flatten dense(3,softmax)", Probabilities},
		{"log-softmax", func(n *Net) error {
			return first(n.Add(flat, nil, nil), n.Add(dense, ones(192), ones(3)), n.Softmax(true))
		}, "8x8x1 flatten dense(3,softmax)", LogProbabilities},
		{"layer after the softmax", func(n *Net) error {
			return first(n.Add(flat, nil, nil), n.Add(dense, ones(192), ones(3)), n.Softmax(false), n.Add(dense, ones(9), ones(3)))
		}, "follows the softmax", ""},
		{"softmax after a relu", func(n *Net) error {
			return first(n.Add(flat, nil, nil), n.Add(dense, ones(192), ones(3)), n.ReLU(), n.Softmax(false))
		}, "must directly follow a linear dense or conv2d", ""},
		{"ends in a pool", func(n *Net) error { return n.Add(pool, nil, nil) }, "must end in a dense", ""},
		{"short kernel", func(n *Net) error { return n.Add(conv, ones(17), ones(2)) }, "has 17 kernel and 2 bias values, needs 18 and 2", ""},
		{"NaN weight", func(n *Net) error {
			w := ones(18)
			w[4] = float32(math.NaN())
			return n.Add(conv, w, ones(2))
		}, "non-finite weight (NaN at 4)", ""},
		{"dense before flatten", func(n *Net) error { return n.Check(dense) }, "must be flattened first", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := New(nn.Shape{H: 8, W: 8, C: 1})
			err := tt.build(n)
			var m *nn.Model
			var out Output
			if err == nil {
				m, out, err = n.Build()
			}
			if tt.out == "" {
				if err == nil || !strings.Contains(err.Error(), tt.spec) {
					t.Fatalf("error %v, want one saying %q", err, tt.spec)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Spec().String() != tt.spec || out != tt.out {
				t.Errorf("built %s (%s), want %s (%s)", m.Spec(), out, tt.spec, tt.out)
			}
			for _, p := range m.Params {
				if p != 1 {
					t.Fatalf("a parameter is %g, the weights given were all 1", p)
				}
			}
		})
	}
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
