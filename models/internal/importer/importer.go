// Package importer assembles a network read from another framework's file
// into an nn.Model, one layer at a time, so that the Keras and ONNX readers
// share the checks: every layer is validated by nn as it is added, weights
// must have the length the layer needs and be finite, activations fold into
// the layer before them, and the output becomes probabilities.
package importer

import (
	"fmt"
	"math"

	"digitnet/nn"
)

// Output says what the imported network's last layer gave, before digitnet
// turned it into probabilities.
type Output string

const (
	// Probabilities: the network ends in a softmax.
	Probabilities Output = "probabilities (softmax)"
	// Logits: the network ends in a linear layer; digitnet applies the
	// softmax the framework's loss applied in training.
	Logits Output = "logits (digitnet applies softmax)"
	// LogProbabilities: the network ends in a log-softmax, whose softmax
	// is the softmax of the logits before it.
	LogProbabilities Output = "log-probabilities (digitnet applies softmax to the logits)"
)

// Net is a network being imported.
type Net struct {
	spec    nn.Spec
	weights [][2][]float32 // per layer: kernel and bias in nn's layouts, or nils
	shapes  []nn.Shape     // per layer: its output
	output  Output         // set once a softmax or log-softmax is added
}

// New starts a network whose samples have the given shape (H, W, C).
func New(input nn.Shape) *Net {
	return &Net{spec: nn.Spec{Input: [3]int{input.H, input.W, input.C}}}
}

// Shape is the shape of the output so far: the input's before any layer.
func (n *Net) Shape() nn.Shape {
	if len(n.shapes) == 0 {
		return nn.Shape{H: n.spec.Input[0], W: n.spec.Input[1], C: n.spec.Input[2]}
	}
	return n.shapes[len(n.shapes)-1]
}

// Len is the number of layers added.
func (n *Net) Len() int { return len(n.spec.Layers) }

// Last is the last layer added, or the zero LayerSpec.
func (n *Net) Last() nn.LayerSpec {
	if len(n.spec.Layers) == 0 {
		return nn.LayerSpec{}
	}
	return n.spec.Layers[len(n.spec.Layers)-1]
}

// Check reports whether l can follow the layers so far, before its
// weights are read: a reader then never reads weights for a layer nn would
// refuse (or of a size nn's limits do not allow).
func (n *Net) Check(l nn.LayerSpec) error {
	spec := n.spec
	spec.Layers = append(spec.Layers[:len(spec.Layers):len(spec.Layers)], l)
	_, err := spec.Shapes()
	return err
}

// Add appends l with its kernel and bias in nn's layouts (see
// nn.Model.Tensors; nil for a layer without weights). nn checks the layer
// against the shape so far; Add checks the weights' lengths and values.
func (n *Net) Add(l nn.LayerSpec, kernel, bias []float32) error {
	if n.output != "" {
		return fmt.Errorf("a %s layer follows the softmax, which must come last", l.Kind)
	}
	spec := n.spec
	spec.Layers = append(spec.Layers[:len(spec.Layers):len(spec.Layers)], l)
	shapes, err := spec.Shapes()
	if err != nil {
		return err
	}
	in, out := n.Shape(), shapes[len(shapes)-1]
	var wantK, wantB int
	switch l.Kind {
	case nn.KindConv2D:
		wantK, wantB = l.Size*l.Size*in.C*out.C, out.C
	case nn.KindDense:
		wantK, wantB = in.Size()*out.Size(), out.Size()
	}
	if len(kernel) != wantK || len(bias) != wantB {
		return fmt.Errorf("%s has %d kernel and %d bias values, needs %d and %d", l, len(kernel), len(bias), wantK, wantB)
	}
	for _, w := range [][]float32{kernel, bias} {
		for i, v := range w {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s holds a non-finite weight (%v at %d)", l, v, i)
			}
		}
	}
	n.spec = spec
	n.shapes = shapes
	n.weights = append(n.weights, [2][]float32{kernel, bias})
	return nil
}

// ReLU applies a ReLU to the output so far: as the activation of the conv2d
// or dense layer just added when it has none (so the fast fused paths see
// it), as a layer of its own otherwise.
func (n *Net) ReLU() error {
	if last := n.Last(); (last.Kind == nn.KindConv2D || last.Kind == nn.KindDense) && last.Activation == nn.ActLinear && n.output == "" {
		n.spec.Layers[len(n.spec.Layers)-1].Activation = nn.ActReLU
		return nil
	}
	return n.Add(nn.LayerSpec{Kind: nn.KindReLU}, nil, nil)
}

// Softmax records a softmax (log false) or log-softmax (log true) over the
// output so far, which must be the linear output of a conv2d or dense layer
// and must be the end of the network.
func (n *Net) Softmax(log bool) error {
	last := n.Last()
	if (last.Kind != nn.KindConv2D && last.Kind != nn.KindDense) || last.Activation != nn.ActLinear || n.output != "" {
		return fmt.Errorf("a softmax must directly follow a linear dense or conv2d layer; here it follows %s", describe(last))
	}
	n.spec.Layers[len(n.spec.Layers)-1].Activation = nn.ActSoftmax
	n.output = Probabilities
	if log {
		n.output = LogProbabilities
	}
	return nil
}

func describe(l nn.LayerSpec) string {
	if l.Kind == "" {
		return "the input"
	}
	return l.String()
}

// Build makes the model. A network that ends in a linear dense or conv2d
// layer gives logits, to which digitnet applies the softmax; one that ends
// anywhere else (a ReLU, a pool) cannot be read as class scores.
func (n *Net) Build() (*nn.Model, Output, error) {
	out := n.output
	if out == "" {
		last := n.Last()
		if (last.Kind != nn.KindConv2D && last.Kind != nn.KindDense) || last.Activation != nn.ActLinear {
			return nil, "", fmt.Errorf("the network must end in a dense (or conv2d) layer giving class scores, with a softmax or none; it ends in %s", describe(last))
		}
		n.spec.Layers[len(n.spec.Layers)-1].Activation = nn.ActSoftmax
		out = Logits
	}
	m, err := nn.Build(n.spec)
	if err != nil {
		return nil, "", err
	}
	ts := m.Tensors()
	t := 0
	for _, w := range n.weights {
		if w[0] == nil && w[1] == nil {
			continue
		}
		copy(ts[t].Data, w[0])
		copy(ts[t+1].Data, w[1])
		t += 2
	}
	return m, out, nil
}
