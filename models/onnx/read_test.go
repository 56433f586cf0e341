package onnx

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"digitnet/nn"
)

// baseModel is a small exported network that each case below breaks in
// one way: Mul, Add, Conv, Relu, MaxPool, Flatten, Gemm, Softmax.
func baseModel(t *testing.T) *modelProto {
	t.Helper()
	spec := nn.Spec{Input: [3]int{6, 6, 1}, Layers: []nn.LayerSpec{
		{Kind: nn.KindNormalize, Scale: 2, Shift: -1},
		{Kind: nn.KindConv2D, Filters: 2, Size: 3, Activation: nn.ActReLU},
		{Kind: nn.KindMaxPool2D, Size: 2},
		{Kind: nn.KindFlatten},
		{Kind: nn.KindDense, Units: 3, Activation: nn.ActSoftmax},
	}}
	mp, err := exportModel(randomModel(t, spec, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

func findNode(g *graphProto, op string) *nodeProto {
	for i := range g.nodes {
		if g.nodes[i].opType == op {
			return &g.nodes[i]
		}
	}
	panic("no " + op)
}

func setAttr(n *nodeProto, a attribute) {
	for i := range n.attrs {
		if n.attrs[i].name == a.name {
			n.attrs[i] = a
			return
		}
	}
	n.attrs = append(n.attrs, a)
}

// TestReadRejects breaks a valid model in the ways digitnet cannot read
// exactly: each must give an error that says what, never a model.
func TestReadRejects(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(m *modelProto)
		want   string
		kind   string // "unsupported" or "format"
	}{
		{"unknown operator", func(m *modelProto) { findNode(m.graph, "Relu").opType = "Sigmoid" }, "operator Sigmoid; digitnet reads Conv, Relu", "unsupported"},
		{"grouped conv", func(m *modelProto) { setAttr(findNode(m.graph, "Conv"), attribute{name: "group", typ: attrInt, i: 2}) }, "group 2", "unsupported"},
		{"dilated conv", func(m *modelProto) { setAttr(findNode(m.graph, "Conv"), ints("dilations", 2, 2)) }, "dilations [2 2]", "unsupported"},
		{"unknown attribute", func(m *modelProto) {
			setAttr(findNode(m.graph, "Conv"), attribute{name: "frobnicate", typ: attrInt, i: 1})
		}, `attribute "frobnicate"`, "unsupported"},
		{"pool stride", func(m *modelProto) { setAttr(findNode(m.graph, "MaxPool"), ints("strides", 1, 1)) }, "strides [1 1]", "unsupported"},
		{"padded pool", func(m *modelProto) { setAttr(findNode(m.graph, "MaxPool"), ints("pads", 0, 0, 1, 1)) }, "padded MaxPool", "unsupported"},
		{"conv pads beyond kernel", func(m *modelProto) { setAttr(findNode(m.graph, "Conv"), ints("pads", 3, 0, 0, 0)) }, "pads [3 0 0 0]", "unsupported"},
		{"asymmetric strides", func(m *modelProto) { setAttr(findNode(m.graph, "Conv"), ints("strides", 1, 2)) }, "strides [1 2]", "unsupported"},
		{"new opset", func(m *modelProto) { m.opsets[0].version = 99 }, "opset 99", "unsupported"},
		{"other domain", func(m *modelProto) { findNode(m.graph, "Relu").domain = "com.microsoft" }, `domain "com.microsoft"`, "unsupported"},
		{"deskew not first", func(m *modelProto) {
			n := findNode(m.graph, "Relu")
			n.opType, n.domain = DeskewOp, Domain
			m.opsets = append(m.opsets, opsetID{domain: Domain, version: 1})
		}, "must be the first layer", ""},
		{"deskew of another version", func(m *modelProto) {
			n := findNode(m.graph, "Relu")
			n.opType, n.domain = DeskewOp, Domain
			m.opsets = append(m.opsets, opsetID{domain: Domain, version: 2})
		}, "ai.digitnet version 2", "unsupported"},
		{"two inputs", func(m *modelProto) { m.graph.inputs = append(m.graph.inputs, m.graph.inputs[0]) }, "2 graph inputs", "unsupported"},
		{"integer input", func(m *modelProto) { m.graph.inputs[0].elemType = dtInt64 }, "not a float32 tensor", "unsupported"},
		{"dynamic height", func(m *modelProto) { m.graph.inputs[0].dims[2] = dim{param: "h"} }, "fixed sizes", "unsupported"},
		{"external weights", func(m *modelProto) { m.graph.initializers[2].external = true }, "external data", "unsupported"},
		{"non-finite weight", func(m *modelProto) {
			t := &m.graph.initializers[2]
			t.raw = slices.Clone(t.raw)
			copy(t.raw, []byte{0, 0, 0xc0, 0x7f}) // NaN
		}, "non-finite", ""},
		{"short weights", func(m *modelProto) { m.graph.initializers[2].raw = m.graph.initializers[2].raw[:8] }, "bytes of float32 data", "format"},
		{"softmax in the middle", func(m *modelProto) { findNode(m.graph, "Relu").opType = "Softmax" }, "Softmax over axis -1 of a 4-D tensor", "unsupported"},
		{"gemm alpha", func(m *modelProto) {
			setAttr(findNode(m.graph, "Gemm"), attribute{name: "alpha", typ: attrFloat, f: 2})
		}, "alpha 2", "unsupported"},
		{"output elsewhere", func(m *modelProto) { m.graph.outputs[0].name = "Relu_4" }, "graph output", "unsupported"},
		{"constant divided by x", func(m *modelProto) {
			n := findNode(m.graph, "Mul")
			n.opType, n.inputs[0], n.inputs[1] = "Div", n.inputs[1], n.inputs[0]
		}, "Div of a constant by the tensor", "unsupported"},
		{"side branch", func(m *modelProto) { findNode(m.graph, "MaxPool").inputs[0] = "Add_3" }, "does not take the tensor", "unsupported"},
		{"no graph", func(m *modelProto) { m.graph = nil }, "no graph", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := baseModel(t)
			tt.break_(mp)
			m, _, err := Read(mp.marshal())
			if err == nil {
				t.Fatalf("read a broken model: %s", m.Spec())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			var ue *UnsupportedError
			var fe *FormatError
			switch {
			case tt.kind == "unsupported" && !errors.As(err, &ue):
				t.Errorf("error %q is not an UnsupportedError", err)
			case tt.kind == "format" && !errors.As(err, &fe):
				t.Errorf("error %q is not a FormatError", err)
			}
			t.Log(err)
		})
	}
}

// TestReadVariants reads forms the exporters produce that Write does not:
// each must give the same probabilities as the base model.
func TestReadVariants(t *testing.T) {
	base := baseModel(t)
	want, _, err := Read(base.marshal())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		change  func(m *modelProto)
		changed bool // whether the computation changes (compare spec only)
	}{
		{"auto_pad VALID", func(m *modelProto) {
			setAttr(findNode(m.graph, "Conv"), attribute{name: "auto_pad", typ: attrString, s: []byte("VALID")})
			n := findNode(m.graph, "Conv")
			n.attrs = slices.DeleteFunc(n.attrs, func(a attribute) bool { return a.name == "pads" })
		}, false},
		{"constant node", func(m *modelProto) {
			// The Mul's scalar as a Constant node instead of an initializer.
			mul := findNode(m.graph, "Mul")
			init := m.graph.initializers[0]
			m.graph.initializers = m.graph.initializers[1:]
			c := nodeProto{opType: "Constant", outputs: []string{init.name}, attrs: []attribute{{name: "value", typ: attrTensor, t: &init}}}
			m.graph.nodes = append([]nodeProto{c}, m.graph.nodes...)
			_ = mul
		}, false},
		{"identity and dropout", func(m *modelProto) {
			relu := findNode(m.graph, "Relu")
			out := relu.outputs[0]
			relu.outputs[0] = "pre"
			nodes := []nodeProto{
				{opType: "Identity", inputs: []string{"pre"}, outputs: []string{"mid"}},
				{opType: "Dropout", inputs: []string{"mid"}, outputs: []string{out, ""}, attrs: []attribute{{name: "ratio", typ: attrFloat, f: 0.5}}},
			}
			i := slices.IndexFunc(m.graph.nodes, func(n nodeProto) bool { return n.opType == "Relu" })
			m.graph.nodes = slices.Insert(m.graph.nodes, i+1, nodes...)
		}, false},
		{"initializers among inputs (IR 3)", func(m *modelProto) {
			for _, t := range m.graph.initializers {
				m.graph.inputs = append(m.graph.inputs, valueInfo{name: t.name, elemType: dtFloat, hasShape: true})
			}
		}, false},
		{"float_data instead of raw_data", func(m *modelProto) {
			for i := range m.graph.initializers {
				t := &m.graph.initializers[i]
				c, _ := tensorValue(t)
				t.raw = nil
				for _, v := range c.f {
					t.floats = append(t.floats, float32(v))
				}
			}
		}, false},
		{"static batch", func(m *modelProto) {
			m.graph.inputs[0].dims[0] = dim{value: 1}
			m.graph.outputs[0].dims[0] = dim{value: 1}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := baseModel(t)
			tt.change(mp)
			got, _, err := Read(mp.marshal())
			if err != nil {
				t.Fatal(err)
			}
			if got.Spec().String() != want.Spec().String() {
				t.Errorf("spec %s, want %s", got.Spec(), want.Spec())
			}
			for i := range got.Params {
				if math.Abs(float64(got.Params[i]-want.Params[i])) > 0 {
					t.Fatalf("parameter %d: %g, want %g", i, got.Params[i], want.Params[i])
				}
			}
		})
	}
}

// FuzzRead feeds the reader corrupted ONNX files: it must return an error
// or a model, never panic, and a model it returns must export and read back
// as the same network.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"tiny.golden.onnx", "tiny-deskew.golden.onnx"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A model in each form the reader follows: MatMul+Add, the view()
	// shape chain, a Constant node, Dropout.
	f.Add(viewModel(f).marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _, err := Read(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, m, nil); err != nil {
			t.Fatalf("read %s but cannot write it: %v", m.Spec(), err)
		}
		back, _, err := Read(buf.Bytes())
		if err != nil {
			t.Fatalf("read %s, wrote it, cannot read that: %v", m.Spec(), err)
		}
		if back.Spec().String() != m.Spec().String() {
			t.Fatalf("round trip changed %s to %s", m.Spec(), back.Spec())
		}
	})
}

// viewModel is a graph as torch.onnx.export writes x.view(x.size(0), -1)
// followed by x @ W + b: Shape, Gather, Unsqueeze, Concat, Reshape,
// MatMul, Add, with a Sub by a Constant in front and a LogSoftmax at the
// end.
func viewModel(tb testing.TB) *modelProto {
	f32 := func(name string, dims []int64, vals ...float32) tensorProto {
		return tensorProto{name: name, dims: dims, dataType: dtFloat, floats: vals}
	}
	i64 := func(name string, dims []int64, vals ...int64) tensorProto {
		return tensorProto{name: name, dims: dims, dataType: dtInt64, int64s: vals}
	}
	w := make([]float32, 2*2*2*3)
	for i := range w {
		w[i] = float32(i%5) / 4
	}
	c := func(t tensorProto) attribute { return attribute{name: "value", typ: attrTensor, t: &t} }
	g := &graphProto{
		name:    "view",
		inputs:  []valueInfo{{name: "x", elemType: dtFloat, hasShape: true, dims: []dim{{param: "batch"}, {value: 1}, {value: 3}, {value: 3}}}},
		outputs: []valueInfo{{name: "y", elemType: dtFloat, hasShape: true, dims: []dim{{param: "batch"}, {value: 3}}}},
		initializers: []tensorProto{
			f32("conv.w", []int64{2, 1, 2, 2}, 1, -1, 0.5, 0.25, -0.5, 1, 1, 0),
			f32("conv.b", []int64{2}, 0.1, -0.1),
			f32("w1", []int64{8, 3}, w...),
			f32("b1", []int64{3}, 0.5, 0, -0.5),
		},
		nodes: []nodeProto{
			{opType: "Constant", outputs: []string{"mean"}, attrs: []attribute{c(f32("", nil, 0.5))}},
			{opType: "Sub", inputs: []string{"x", "mean"}, outputs: []string{"xs"}},
			{opType: "Conv", inputs: []string{"xs", "conv.w", "conv.b"}, outputs: []string{"c"}, attrs: []attribute{ints("kernel_shape", 2, 2)}},
			{opType: "Relu", inputs: []string{"c"}, outputs: []string{"r"}},
			{opType: "Shape", inputs: []string{"r"}, outputs: []string{"s"}},
			{opType: "Constant", outputs: []string{"zero"}, attrs: []attribute{c(i64("", nil, 0))}},
			{opType: "Gather", inputs: []string{"s", "zero"}, outputs: []string{"n"}, attrs: []attribute{{name: "axis", typ: attrInt}}},
			{opType: "Constant", outputs: []string{"axes"}, attrs: []attribute{c(i64("", []int64{1}, 0))}},
			{opType: "Unsqueeze", inputs: []string{"n", "axes"}, outputs: []string{"n1"}},
			{opType: "Constant", outputs: []string{"minus1"}, attrs: []attribute{c(i64("", []int64{1}, -1))}},
			{opType: "Concat", inputs: []string{"n1", "minus1"}, outputs: []string{"shape"}, attrs: []attribute{{name: "axis", typ: attrInt}}},
			{opType: "Reshape", inputs: []string{"r", "shape"}, outputs: []string{"flat"}},
			{opType: "Dropout", inputs: []string{"flat"}, outputs: []string{"d"}},
			{opType: "MatMul", inputs: []string{"d", "w1"}, outputs: []string{"mm"}},
			{opType: "Add", inputs: []string{"mm", "b1"}, outputs: []string{"z"}},
			{opType: "LogSoftmax", inputs: []string{"z"}, outputs: []string{"y"}, attrs: []attribute{{name: "axis", typ: attrInt, i: 1}}},
		},
	}
	return &modelProto{irVersion: 7, opsets: []opsetID{{version: 13}}, producerName: "test", graph: g}
}

// TestViewModel reads the view() graph and checks it against the same
// network computed by hand: the (C, H, W) flatten's rows reordered, the
// MatMul's bias attached, the normalisation in front.
func TestViewModel(t *testing.T) {
	m, info, err := Read(viewModel(t).marshal())
	if err != nil {
		t.Fatal(err)
	}
	want := "3x3x1 normalize(x*1-0.5) conv2d(2,2x2,relu) flatten dense(3,softmax)"
	if m.Spec().String() != want || info.Output != "log-probabilities (digitnet applies softmax to the logits)" {
		t.Fatalf("read %s (%s), want %s", m.Spec(), info.Output, want)
	}
	x := []float32{0.1, 0.9, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.2}
	// By hand, in ONNX's layout: conv output (2, 2, 2) as (c, y, x).
	cw := [][]float32{{1, -1, 0.5, 0.25}, {-0.5, 1, 1, 0}}
	cb := []float32{0.1, -0.1}
	var flat [8]float32
	for c := range 2 {
		for y := range 2 {
			for xx := range 2 {
				s := cb[c]
				for ky := range 2 {
					for kx := range 2 {
						s += (x[(y+ky)*3+xx+kx] - 0.5) * cw[c][ky*2+kx]
					}
				}
				flat[c*4+y*2+xx] = max(s, 0)
			}
		}
	}
	logits := []float64{0.5, 0, -0.5}
	for i := range 8 {
		for o := range 3 {
			logits[o] += float64(flat[i]) * float64(float32((i*3+o)%5)/4)
		}
	}
	var sum float64
	for _, l := range logits {
		sum += math.Exp(l)
	}
	probs := make([]float32, 3)
	if err := m.Predict(x, 1, probs); err != nil {
		t.Fatal(err)
	}
	for o := range 3 {
		if want := math.Exp(logits[o]) / sum; math.Abs(float64(probs[o])-want) > 1e-6 {
			t.Errorf("class %d: %g, want %g", o, probs[o], want)
		}
	}
}
