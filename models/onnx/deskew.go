package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"digitnet/nn"
)

// A deskew layer (nn.KindDeskew) is exported as one node, Deskew in the
// domain Domain, that the file defines as a model-local function of
// standard operators (ONNX IR 8). Runtimes such as onnxruntime inline it,
// so the file runs anywhere without digitnet, and Read maps the node back
// to the layer without matching a subgraph.
const (
	Domain        = "ai.digitnet"
	DeskewOp      = "Deskew"
	domainVersion = 1
	// functionIRVersion is the first IR version with model-local
	// functions; files without one keep IRVersion.
	functionIRVersion = 8
)

// functionProto is ONNX's FunctionProto, only as Write needs it.
type functionProto struct {
	name, domain, docString string
	inputs, outputs         []string
	nodes                   []nodeProto
	opsets                  []opsetID
}

func (f *functionProto) marshal(e *encoder) {
	e.string(1, f.name)
	for _, s := range f.inputs {
		e.bytes(4, []byte(s))
	}
	for _, s := range f.outputs {
		e.bytes(5, []byte(s))
	}
	for i := range f.nodes {
		e.message(7, f.nodes[i].marshal)
	}
	e.string(8, f.docString)
	for _, o := range f.opsets {
		e.message(9, o.marshal)
	}
	e.string(10, f.domain)
}

// deskewFunction returns the Deskew function for (N, 1, h, w) images: the
// same arithmetic as nn.Deskew, with its linear interpolation written as a
// product with tent weights, relu(1 - |j - (x + shift)|), over the row's
// pixels j, which is exact and needs no GridSample.
func deskewFunction(h, w int) *functionProto {
	f := &functionProto{
		name: DeskewOp, domain: Domain,
		docString: fmt.Sprintf("Shears each image along x about its centre of ink, halfway to making its ink's principal axis upright: "+
			"x' = x + %g*clip(cov(x,y)/var(y), -%g, %g)*(y - cy), by linear interpolation, zero outside (digitnet's nn.Deskew).",
			nn.DeskewShare, nn.DeskewMaxSlant, nn.DeskewMaxSlant),
		inputs: []string{"X"}, outputs: []string{"Y"},
		opsets: []opsetID{{version: Opset}},
	}
	node := func(op, out string, inputs ...string) {
		f.nodes = append(f.nodes, nodeProto{opType: op, name: out, inputs: inputs, outputs: []string{out}})
	}
	constant := func(out string, dt int32, dims []int64, raw []byte) {
		f.nodes = append(f.nodes, nodeProto{opType: "Constant", name: out, outputs: []string{out},
			attrs: []attribute{{name: "value", typ: attrTensor, t: &tensorProto{dims: dims, dataType: dt, raw: raw}}}})
	}
	floats := func(out string, dims []int64, vs ...float32) {
		raw := make([]byte, 0, 4*len(vs))
		for _, v := range vs {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		constant(out, dtFloat, dims, raw)
	}
	int64s := func(out string, vs ...int64) {
		raw := make([]byte, 0, 8*len(vs))
		for _, v := range vs {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
		constant(out, dtInt64, []int64{int64(len(vs))}, raw)
	}
	count := func(n int) []float32 {
		vs := make([]float32, n)
		for i := range vs {
			vs[i] = float32(i)
		}
		return vs
	}
	floats("xs", []int64{1, 1, 1, int64(w)}, count(w)...)
	floats("ys", []int64{1, 1, int64(h), 1}, count(h)...)
	floats("js", []int64{int64(w)}, count(w)...)
	floats("eps", nil, nn.DeskewEps)
	floats("one", nil, 1)
	floats("lo", nil, -nn.DeskewMaxSlant)
	floats("hi", nil, nn.DeskewMaxSlant)
	floats("share", nil, nn.DeskewShare)
	int64s("hw", 2, 3)
	int64s("last", 4)
	// moment sums X times the factors a and b over each image (keepdims
	// defaults to 1, so the sums broadcast back over the image).
	moment := func(out, a, b string) {
		node("Mul", out+"_a", "X", a)
		node("Mul", out+"_ab", out+"_a", b)
		node("ReduceSum", out, out+"_ab", "hw")
	}
	node("ReduceSum", "m", "X", "hw")
	node("Max", "mass", "m", "eps")
	moment("sx", "xs", "one")
	node("Div", "cx", "sx", "mass")
	moment("sy", "ys", "one")
	node("Div", "cy", "sy", "mass")
	node("Sub", "dx", "xs", "cx")
	node("Sub", "dy", "ys", "cy")
	moment("sxy", "dx", "dy")
	moment("syy", "dy", "dy")
	node("Max", "spread", "syy", "eps")
	node("Div", "ratio", "sxy", "spread")
	node("Clip", "slant", "ratio", "lo", "hi")
	node("Mul", "alpha", "share", "slant")
	node("Mul", "shift", "alpha", "dy")    // (N, 1, H, 1)
	node("Add", "at", "xs", "shift")       // (N, 1, H, W): where output x samples its row
	node("Unsqueeze", "at5", "at", "last") // (N, 1, H, W, 1)
	node("Sub", "gap", "at5", "js")        // (N, 1, H, W, W): to each pixel j of the row
	node("Abs", "dist", "gap")
	node("Sub", "near", "one", "dist")
	node("Relu", "tent", "near")
	node("Unsqueeze", "X5", "X", "last") // (N, 1, H, W, 1): each row a column
	node("MatMul", "Y5", "tent", "X5")
	node("Squeeze", "Y", "Y5", "last")
	return f
}

// deskew reads digitnet's own Deskew node. The file's function body is
// not read: the operator's name and version say what it computes.
func (r *reader) deskew(n *nodeProto) error {
	if r.digitnetOpset != domainVersion {
		return unsupportedf("%s version %d; digitnet reads version %d", Domain, r.digitnetOpset, domainVersion)
	}
	if len(n.inputs) != 1 || len(n.outputs) != 1 || len(n.attrs) != 0 {
		return &FormatError{Msg: fmt.Sprintf("%s takes one input and gives one output, without attributes", DeskewOp)}
	}
	if n.inputs[0] != r.cur {
		return r.offChain()
	}
	if err := r.add(nn.LayerSpec{Kind: nn.KindDeskew}, nil, nil); err != nil {
		return err
	}
	r.cur = n.outputs[0]
	return nil
}
