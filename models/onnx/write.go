package onnx

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"digitnet/nn"
)

// Names of the exported graph's input and output.
const (
	InputName  = "image"
	OutputName = "probabilities"
)

// Opset is the ONNX operator set Write targets, and IRVersion the file
// format version that goes with it.
const (
	Opset     = 13
	IRVersion = 7
)

// Write writes m as an ONNX model: one input InputName of shape
// (N, C, H, W) float32, N dynamic, the values digitnet's model takes
// (pixel/255 for MNIST models); one output OutputName of shape
// (N, classes), the class probabilities. meta is stored as the model's
// metadata_props, sorted by key.
//
// The graph is made of Conv, Relu, MaxPool, Flatten, Gemm, Mul, Add and
// Softmax, and a model-local function for a deskew layer (see Domain).
// nn's layouts become ONNX's: conv kernels (KH, KW, C, F) become
// (F, C, KH, KW), dense kernels (in, out) become Gemm's transposed
// (out, in), and the rows of a dense layer after a flatten are reordered
// from nn's (H, W, C) to ONNX's (C, H, W).
func Write(w io.Writer, m *nn.Model, meta map[string]string) error {
	mp, err := exportModel(m, meta)
	if err != nil {
		return err
	}
	if _, err := w.Write(mp.marshal()); err != nil {
		return fmt.Errorf("onnx: write: %w", err)
	}
	return nil
}

func exportModel(m *nn.Model, meta map[string]string) (*modelProto, error) {
	spec := m.Spec()
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, fmt.Errorf("onnx: export: %w", err)
	}
	g := &graphProto{name: "digitnet"}
	ex := exporter{g: g, cur: InputName}
	tensors := m.Tensors()
	in := nn.Shape{H: spec.Input[0], W: spec.Input[1], C: spec.Input[2]}
	for i, l := range spec.Layers {
		last := i == len(spec.Layers)-1
		switch l.Kind {
		case nn.KindDeskew:
			ex.node(DeskewOp, []string{ex.cur}, nil)
			g.nodes[len(g.nodes)-1].domain = Domain
			ex.deskew = deskewFunction(in.H, in.W)
		case nn.KindNormalize:
			ex.node("Mul", []string{ex.cur, ex.scalar(l.Scale)}, nil)
			ex.node("Add", []string{ex.cur, ex.scalar(l.Shift)}, nil)
		case nn.KindConv2D:
			k, b := tensors[0], tensors[1]
			tensors = tensors[2:]
			F, C, K := l.Filters, in.C, l.Size
			oihw := make([]float32, len(k.Data))
			for f := range F {
				for c := range C {
					for y := range K {
						for x := range K {
							oihw[((f*C+c)*K+y)*K+x] = k.Data[((y*K+x)*C+c)*F+f]
						}
					}
				}
			}
			s := max(l.Stride, 1)
			ex.node("Conv", []string{ex.cur, ex.weights(k.Name, []int64{int64(F), int64(C), int64(K), int64(K)}, oihw), ex.weights(b.Name, []int64{int64(F)}, b.Data)},
				[]attribute{ints("kernel_shape", K, K), ints("strides", s, s), ints("pads", l.Pad.Top, l.Pad.Left, l.Pad.Bottom, l.Pad.Right)})
		case nn.KindMaxPool2D:
			ex.node("MaxPool", []string{ex.cur}, []attribute{ints("kernel_shape", l.Size, l.Size), ints("strides", l.Size, l.Size)})
		case nn.KindFlatten:
			ex.chw = in
			ex.node("Flatten", []string{ex.cur}, []attribute{{name: "axis", typ: attrInt, i: 1}})
		case nn.KindDense:
			k, b := tensors[0], tensors[1]
			tensors = tensors[2:]
			nIn, nOut := in.Size(), l.Units
			// Gemm with transB: B is (out, in). Row r of nn's kernel is
			// the input at (h, w, c); ONNX flattened (c, h, w).
			perm := func(r int) int { return r }
			if s := ex.chw; s.H*s.W > 1 && s.C > 1 {
				perm = func(r int) int { return (r%s.C)*s.H*s.W + r/s.C }
			}
			ex.chw = nn.Shape{}
			bt := make([]float32, nIn*nOut)
			for r := range nIn {
				for o := range nOut {
					bt[o*nIn+perm(r)] = k.Data[r*nOut+o]
				}
			}
			ex.node("Gemm", []string{ex.cur, ex.weights(k.Name, []int64{int64(nOut), int64(nIn)}, bt), ex.weights(b.Name, []int64{int64(nOut)}, b.Data)},
				[]attribute{{name: "transB", typ: attrInt, i: 1}})
		case nn.KindReLU:
			ex.node("Relu", []string{ex.cur}, nil)
		default:
			return nil, fmt.Errorf("onnx: export: layer %d (%s) has no ONNX form here", i, l.Kind)
		}
		switch l.Activation {
		case nn.ActReLU:
			ex.node("Relu", []string{ex.cur}, nil)
		case nn.ActSoftmax:
			if !last {
				return nil, fmt.Errorf("onnx: export: softmax on layer %d, not the last", i)
			}
			ex.node("Softmax", []string{ex.cur}, []attribute{{name: "axis", typ: attrInt, i: 1}})
		}
		in = shapes[i]
	}
	// The last node writes the graph output.
	g.nodes[len(g.nodes)-1].outputs[0] = OutputName
	c, h, w := int64(spec.Input[2]), int64(spec.Input[0]), int64(spec.Input[1])
	g.inputs = []valueInfo{{name: InputName, elemType: dtFloat, hasShape: true,
		dims:      []dim{{param: "N"}, {value: c}, {value: h}, {value: w}},
		docString: "images, (N, channels, height, width), float32 as digitnet's model takes them (MNIST models: pixel/255, white ink on black, prepared as MNIST was)"}}
	g.outputs = []valueInfo{{name: OutputName, elemType: dtFloat, hasShape: true,
		dims:      []dim{{param: "N"}, {value: int64(m.Classes())}},
		docString: "class probabilities"}}
	mp := &modelProto{
		irVersion:    IRVersion,
		opsets:       []opsetID{{version: Opset}},
		producerName: "digitnet",
		graph:        g,
		docString:    "Exported by digitnet: " + spec.String(),
	}
	if ex.deskew != nil {
		mp.irVersion = functionIRVersion
		mp.opsets = append(mp.opsets, opsetID{domain: Domain, version: domainVersion})
		mp.functions = append(mp.functions, ex.deskew)
	}
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		mp.metadata = append(mp.metadata, keyValue{k, meta[k]})
	}
	return mp, nil
}

// exporter appends nodes to a graph, chaining each to the last.
type exporter struct {
	g     *graphProto
	cur   string   // the tensor the next node takes
	chw   nn.Shape // the shape the last Flatten flattened, until a dense layer uses it
	count int
	// deskew is the function a Deskew node calls, if the model has one.
	deskew *functionProto
}

func (ex *exporter) node(op string, inputs []string, attrs []attribute) {
	ex.count++
	out := fmt.Sprintf("%s_%d", op, ex.count)
	ex.g.nodes = append(ex.g.nodes, nodeProto{opType: op, name: out, inputs: inputs, outputs: []string{out}, attrs: attrs})
	ex.cur = out
}

// weights adds an initializer and returns its name.
func (ex *exporter) weights(name string, dims []int64, data []float32) string {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	ex.g.initializers = append(ex.g.initializers, tensorProto{name: name, dims: dims, dataType: dtFloat, raw: raw})
	return name
}

// scalar adds a float32 scalar initializer.
func (ex *exporter) scalar(v float64) string {
	ex.count++
	return ex.weights(fmt.Sprintf("const_%d", ex.count), nil, []float32{float32(v)})
}

func ints(name string, vs ...int) attribute {
	a := attribute{name: name, typ: attrInts}
	for _, v := range vs {
		a.ints = append(a.ints, int64(v))
	}
	return a
}
