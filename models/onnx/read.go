package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"digitnet/models/internal/importer"
	"digitnet/nn"
)

// Supported lists the ONNX operators Read takes, in the default domain.
var Supported = []string{
	"Conv", "Relu", "MaxPool", "Flatten", "Reshape", "Gemm", "MatMul", "Add",
	"Sub", "Mul", "Div", "Softmax", "LogSoftmax", "Dropout", "Identity",
	"Constant", "Shape", "Gather", "Unsqueeze", "Concat",
}

// Opset versions of the default domain Read takes: from the first with
// today's Dropout (7) to the newest the semantics below were checked
// against.
const (
	minOpset = 7
	maxOpset = 21
)

// Info is what reading an ONNX file learnt about it.
type Info struct {
	IRVersion int64
	Opset     int64
	Producer  string            // producer name and version, e.g. "pytorch 1.13.0"
	Input     string            // the graph input, e.g. "input [batch 1 28 28]"
	Nodes     []string          // every node, "OpType name"
	Output    string            // what the last node gave before digitnet's softmax
	Metadata  map[string]string // the model's metadata_props
}

// FormatError reports bytes that are not a well-formed ONNX model.
type FormatError struct {
	Where string // the node or layer, if the error is about one
	Msg   string
	Err   error
}

func (e *FormatError) Error() string {
	s := "onnx: " + prefix(e.Where) + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a well-formed model that uses something digitnet
// cannot compute exactly: an operator, an attribute, a layout.
type UnsupportedError struct {
	Where string // the node or layer, if the error is about one
	Msg   string
}

func (e *UnsupportedError) Error() string {
	return "onnx: " + prefix(e.Where) + "unsupported: " + e.Msg
}

func prefix(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

// at places err at a node or layer.
func at(where string, err error) error {
	var ue *UnsupportedError
	var fe *FormatError
	switch {
	case errors.As(err, &ue) && ue.Where == "":
		c := *ue
		c.Where = where
		return &c
	case errors.As(err, &fe) && fe.Where == "":
		c := *fe
		c.Where = where
		return &c
	}
	return fmt.Errorf("onnx: %s: %w", where, err)
}

func unsupportedf(format string, args ...any) error {
	return &UnsupportedError{Msg: fmt.Sprintf(format, args...)}
}

// Looks reports whether data may be an ONNX model: a ModelProto starts with
// its ir_version (field 1, varint: byte 0x08), as every writer puts it
// first, followed by a small version number. It is a cheap check for
// telling formats apart, not a validation.
func Looks(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x08 && data[1] >= 3 && data[1] <= 20
}

// Read reads an ONNX model: a chain of the operators in Supported from one
// image input (N, C, H, W) or (N, H*W) to one output of class scores.
func Read(data []byte) (*nn.Model, Info, error) {
	mp, err := parseModel(data)
	if err != nil {
		return nil, Info{}, &FormatError{Msg: "not a readable ONNX model", Err: err}
	}
	info := Info{IRVersion: mp.irVersion, Producer: strings.TrimSpace(mp.producerName + " " + mp.producerVersion)}
	if len(mp.metadata) > 0 {
		info.Metadata = map[string]string{}
		for _, kv := range mp.metadata {
			info.Metadata[kv.key] = kv.value
		}
	}
	if mp.graph == nil {
		return nil, Info{}, &FormatError{Msg: "the model has no graph"}
	}
	var digitnetOpset int64
	for _, o := range mp.opsets {
		switch o.domain {
		case "", "ai.onnx":
			info.Opset = o.version
		case Domain:
			digitnetOpset = o.version
		}
	}
	if info.Opset < minOpset || info.Opset > maxOpset {
		return nil, Info{}, unsupportedf("opset %d; digitnet reads opsets %d to %d of the default domain", info.Opset, minOpset, maxOpset)
	}
	r := &reader{g: mp.graph, opset: info.Opset, digitnetOpset: digitnetOpset, consts: map[string]*constant{}, shapes: map[string][]int64{}}
	m, err := r.read(&info)
	if err != nil {
		return nil, Info{}, err
	}
	return m, info, nil
}

// constant is a tensor known when reading: an initializer or the output of
// a Constant node.
type constant struct {
	dims []int64
	f    []float64 // float and double tensors
	i    []int64   // integer tensors
}

// batch stands for the batch size in shape computations.
const batch = math.MinInt64

// reader walks a graph's nodes in order, following the one tensor that
// carries the images (cur) from the input to the output.
type reader struct {
	g     *graphProto
	opset int64
	// digitnetOpset is the version of Domain the file imports.
	digitnetOpset int64
	net           *importer.Net
	cur           string
	consts        map[string]*constant
	// shapes holds the shape computations of x.view(x.size(0), -1):
	// values derived from Shape(cur), with batch for the batch size.
	shapes map[string][]int64

	// affine is an elementwise x*scale + shift not yet added: consecutive
	// Sub, Div, Mul and Add by constants become one normalize layer.
	scale, shift float64
	// chw is the (H, W, C) shape flattened in ONNX's (C, H, W) order by the
	// last Flatten or Reshape, until the dense layer after it permutes its
	// rows to nn's (H, W, C) order.
	chw *nn.Shape
	// matmul is a MatMul waiting for the Add of its bias.
	matmul *pendingDense
	// isFlat is set once cur is (N, D).
	isFlat bool
}

type pendingDense struct {
	kernel []float32 // (in, out), rows in nn's order
	units  int
	node   string
}

// cshape returns the shape of cur in ONNX's layout: (N, C, H, W), or (N, D)
// once flattened.
func (r *reader) cshape() []int64 {
	s := r.net.Shape()
	if r.flat() {
		return []int64{batch, int64(s.C)}
	}
	return []int64{batch, int64(s.C), int64(s.H), int64(s.W)}
}

// flat reports whether cur is flattened: (N, D).
func (r *reader) flat() bool { return r.isFlat }

func (r *reader) read(info *Info) (*nn.Model, error) {
	g := r.g
	for i := range g.initializers {
		t := &g.initializers[i]
		c, err := tensorValue(t)
		if err != nil {
			return nil, at(fmt.Sprintf("initializer %q", t.name), err)
		}
		r.consts[t.name] = c
	}
	// The image input: the one graph input that is not an initializer
	// (IR < 4 lists initializers among the inputs).
	var inputs []valueInfo
	for _, in := range g.inputs {
		if _, ok := r.consts[in.name]; !ok {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 {
		return nil, unsupportedf("%d graph inputs; digitnet reads models with one image input", len(inputs))
	}
	if len(g.outputs) != 1 {
		return nil, unsupportedf("%d graph outputs; digitnet reads models with one output of class scores", len(g.outputs))
	}
	in := inputs[0]
	shape, flatten, err := inputShape(in)
	if err != nil {
		return nil, err
	}
	info.Input = in.name + " " + dimsString(in.dims)
	r.net = importer.New(shape)
	r.cur = in.name
	r.scale = 1
	if flatten {
		if err := r.add(nn.LayerSpec{Kind: nn.KindFlatten}, nil, nil); err != nil {
			return nil, err
		}
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		info.Nodes = append(info.Nodes, strings.TrimSpace(n.opType+" "+n.name))
		if err := r.node(n); err != nil {
			name := n.name
			if name == "" {
				name = fmt.Sprintf("#%d", i)
			}
			return nil, at(fmt.Sprintf("node %s (%s)", name, n.opType), err)
		}
	}
	if err := r.flush(); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if g.outputs[0].name != r.cur {
		return nil, unsupportedf("the graph output %q is not computed from the input by the chain of nodes digitnet follows (it ends at %q)", g.outputs[0].name, r.cur)
	}
	m, out, err := r.net.Build()
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	info.Output = string(out)
	return m, nil
}

// inputShape reads the image input: float32 (N, C, H, W), or (N, D) with D
// a square number of pixels (an MLP taking a flattened MNIST image), which
// is (H, W, 1) flattened — the same values in the same order.
func inputShape(in valueInfo) (nn.Shape, bool, error) {
	if in.notTensor || in.elemType != dtFloat {
		return nn.Shape{}, false, unsupportedf("input %q is not a float32 tensor (type %d)", in.name, in.elemType)
	}
	if !in.hasShape {
		return nn.Shape{}, false, unsupportedf("input %q has no shape", in.name)
	}
	fixed := func(d dim) (int, bool) { return int(d.value), d.param == "" && d.value > 0 && d.value <= 1<<16 }
	switch len(in.dims) {
	case 4:
		c, ok1 := fixed(in.dims[1])
		h, ok2 := fixed(in.dims[2])
		w, ok3 := fixed(in.dims[3])
		if ok1 && ok2 && ok3 {
			return nn.Shape{H: h, W: w, C: c}, false, nil
		}
	case 2:
		if d, ok := fixed(in.dims[1]); ok {
			side := int(math.Sqrt(float64(d)))
			if side*side == d {
				return nn.Shape{H: side, W: side, C: 1}, true, nil
			}
		}
	}
	return nn.Shape{}, false, unsupportedf("input %q of shape %s; digitnet reads (batch, channels, height, width) with fixed sizes", in.name, dimsString(in.dims))
}

func dimsString(ds []dim) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		if d.param != "" {
			parts[i] = d.param
		} else {
			parts[i] = fmt.Sprint(d.value)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// tensorValue decodes a constant tensor.
func tensorValue(t *tensorProto) (*constant, error) {
	if t.external {
		return nil, unsupportedf("tensor %q is stored outside the file (external data); export with the weights inside", t.name)
	}
	if t.segment {
		return nil, unsupportedf("tensor %q is segmented", t.name)
	}
	n := int64(1)
	for _, d := range t.dims {
		if d < 0 || d > 1<<31 || n*max(d, 1) > 1<<31 {
			return nil, &FormatError{Msg: fmt.Sprintf("tensor %q has bad dimensions %v", t.name, t.dims)}
		}
		n *= d
	}
	c := &constant{dims: t.dims}
	var got int
	switch t.dataType {
	case dtFloat:
		if t.raw != nil {
			if int64(len(t.raw)) != 4*n {
				return nil, &FormatError{Msg: fmt.Sprintf("tensor %q: %d bytes of float32 data for %d values", t.name, len(t.raw), n)}
			}
			c.f = make([]float64, n)
			for i := range c.f {
				c.f[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:])))
			}
		} else {
			c.f = make([]float64, len(t.floats))
			for i, v := range t.floats {
				c.f[i] = float64(v)
			}
		}
		got = len(c.f)
	case dtDouble:
		if t.raw != nil {
			if int64(len(t.raw)) != 8*n {
				return nil, &FormatError{Msg: fmt.Sprintf("tensor %q: %d bytes of float64 data for %d values", t.name, len(t.raw), n)}
			}
			c.f = make([]float64, n)
			for i := range c.f {
				c.f[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.raw[8*i:]))
			}
		} else {
			c.f = t.doubles
		}
		got = len(c.f)
	case dtInt64, dtInt32:
		size := int64(8)
		if t.dataType == dtInt32 {
			size = 4
		}
		switch {
		case t.raw != nil:
			if int64(len(t.raw)) != size*n {
				return nil, &FormatError{Msg: fmt.Sprintf("tensor %q: %d bytes of integer data for %d values", t.name, len(t.raw), n)}
			}
			c.i = make([]int64, n)
			for i := range c.i {
				if size == 8 {
					c.i[i] = int64(binary.LittleEndian.Uint64(t.raw[8*i:]))
				} else {
					c.i[i] = int64(int32(binary.LittleEndian.Uint32(t.raw[4*i:])))
				}
			}
		case t.dataType == dtInt64:
			c.i = t.int64s
		default:
			c.i = t.int32s
		}
		got = len(c.i)
	default:
		// Other types are kept by name only: using one is an error.
		return &constant{dims: t.dims}, nil
	}
	if int64(got) != n {
		return nil, &FormatError{Msg: fmt.Sprintf("tensor %q holds %d values, its shape %v needs %d", t.name, got, t.dims, n)}
	}
	return c, nil
}

// attrs indexes a node's attributes and records which were read, so that
// an attribute digitnet does not know is an error, not silently ignored.
type attrs struct {
	byName map[string]*attribute
	used   map[string]bool
}

func nodeAttrs(n *nodeProto) (*attrs, error) {
	a := &attrs{byName: map[string]*attribute{}, used: map[string]bool{}}
	for i := range n.attrs {
		at := &n.attrs[i]
		if at.typ == attrGraph {
			return nil, unsupportedf("attribute %q holds a subgraph", at.name)
		}
		a.byName[at.name] = at
	}
	return a, nil
}

func (a *attrs) int(name string, def int64) (int64, error) {
	a.used[name] = true
	at, ok := a.byName[name]
	if !ok {
		return def, nil
	}
	if at.typ != attrInt && at.typ != 0 {
		return 0, &FormatError{Msg: fmt.Sprintf("attribute %q is not an int", name)}
	}
	return at.i, nil
}

func (a *attrs) float(name string, def float32) (float32, error) {
	a.used[name] = true
	at, ok := a.byName[name]
	if !ok {
		return def, nil
	}
	if at.typ != attrFloat && at.typ != 0 {
		return 0, &FormatError{Msg: fmt.Sprintf("attribute %q is not a float", name)}
	}
	return at.f, nil
}

func (a *attrs) ints(name string) ([]int64, bool, error) {
	a.used[name] = true
	at, ok := a.byName[name]
	if !ok {
		return nil, false, nil
	}
	if at.typ != attrInts && at.typ != 0 {
		return nil, false, &FormatError{Msg: fmt.Sprintf("attribute %q is not a list of ints", name)}
	}
	return at.ints, true, nil
}

func (a *attrs) string(name, def string) (string, error) {
	a.used[name] = true
	at, ok := a.byName[name]
	if !ok {
		return def, nil
	}
	if at.typ != attrString && at.typ != 0 {
		return "", &FormatError{Msg: fmt.Sprintf("attribute %q is not a string", name)}
	}
	return string(at.s), nil
}

// done fails if the node has attributes that were not read.
func (a *attrs) done() error {
	for name := range a.byName {
		if !a.used[name] {
			return unsupportedf("attribute %q", name)
		}
	}
	return nil
}

// node handles one node.
func (r *reader) node(n *nodeProto) error {
	if n.domain == Domain && n.opType == DeskewOp {
		return r.deskew(n)
	}
	if n.domain != "" && n.domain != "ai.onnx" {
		return unsupportedf("operator domain %q; digitnet reads the default ONNX domain and %s's %s", n.domain, Domain, DeskewOp)
	}
	a, err := nodeAttrs(n)
	if err != nil {
		return err
	}
	if n.opType == "Constant" {
		return r.constantNode(n, a)
	}
	// Shape arithmetic: nodes all of whose inputs are known shapes or
	// constants compute more of them.
	if r.isShapeOp(n) {
		return r.shapeNode(n, a)
	}
	// From here on the node must take the images as its data input.
	data := slices.Index(n.inputs, r.cur)
	if data < 0 {
		return r.offChain()
	}
	if len(n.outputs) == 0 || n.outputs[0] == "" {
		return &FormatError{Msg: "the node has no output"}
	}
	// A MatMul's bias, or the end of it.
	if r.matmul != nil {
		if n.opType == "Add" {
			if bias, ok := r.vector(n, data, r.matmul.units); ok {
				if err := a.done(); err != nil {
					return err
				}
				err := r.add(nn.LayerSpec{Kind: nn.KindDense, Units: r.matmul.units}, r.matmul.kernel, bias)
				r.matmul = nil
				r.cur = n.outputs[0]
				return err
			}
		}
		if err := r.flushMatMul(); err != nil {
			return err
		}
	}
	var err2 error
	switch n.opType {
	case "Identity":
		err2 = r.passThrough(n, a)
	case "Dropout":
		err2 = r.dropout(n, a)
	case "Sub", "Div", "Mul", "Add":
		err2 = r.affine(n, a, data)
	case "Conv":
		err2 = r.conv(n, a)
	case "Relu":
		err2 = r.relu(n, a)
	case "MaxPool":
		err2 = r.maxPool(n, a)
	case "Flatten":
		err2 = r.flattenNode(n, a)
	case "Reshape":
		err2 = r.reshape(n, a)
	case "Gemm":
		err2 = r.gemm(n, a)
	case "MatMul":
		err2 = r.matMul(n, a)
	case "Softmax", "LogSoftmax":
		err2 = r.softmax(n, a)
	default:
		return unsupportedf("operator %s; digitnet reads %s", n.opType, strings.Join(Supported, ", "))
	}
	if err2 != nil {
		return err2
	}
	r.cur = n.outputs[0]
	return nil
}

// offChain reports a node that does not take the tensor the reader
// follows.
func (r *reader) offChain() error {
	return unsupportedf("the node does not take the tensor digitnet follows (%q); digitnet reads a chain of operators", r.cur)
}

// oneOutput checks that only the node's first output is used.
func oneOutput(n *nodeProto) error {
	for _, o := range n.outputs[1:] {
		if o != "" {
			return unsupportedf("its second output %q is used", o)
		}
	}
	return nil
}

func (r *reader) constantNode(n *nodeProto, a *attrs) error {
	if len(n.outputs) != 1 {
		return &FormatError{Msg: "a Constant needs one output"}
	}
	c := &constant{}
	switch {
	case a.byName["value"] != nil && a.byName["value"].t != nil:
		v, err := tensorValue(a.byName["value"].t)
		if err != nil {
			return err
		}
		c = v
		a.used["value"] = true
	case a.byName["value_float"] != nil:
		f, _ := a.float("value_float", 0)
		c.f = []float64{float64(f)}
	case a.byName["value_floats"] != nil:
		a.used["value_floats"] = true
		for _, f := range a.byName["value_floats"].floats {
			c.f = append(c.f, float64(f))
		}
		c.dims = []int64{int64(len(c.f))}
	case a.byName["value_int"] != nil:
		i, _ := a.int("value_int", 0)
		c.i = []int64{i}
	case a.byName["value_ints"] != nil:
		c.i, _, _ = a.ints("value_ints")
		c.dims = []int64{int64(len(c.i))}
	default:
		return unsupportedf("a Constant without a numeric value")
	}
	if err := a.done(); err != nil {
		return err
	}
	r.consts[n.outputs[0]] = c
	return nil
}

// isShapeOp reports whether n computes with shapes: Shape of the images,
// or Gather, Unsqueeze and Concat of shapes and constants.
func (r *reader) isShapeOp(n *nodeProto) bool {
	switch n.opType {
	case "Shape":
		return len(n.inputs) == 1 && n.inputs[0] == r.cur
	case "Gather", "Unsqueeze", "Concat", "Squeeze", "Cast":
		for _, in := range n.inputs {
			if _, ok := r.shapes[in]; ok {
				return true
			}
		}
	}
	return false
}

// shapeValue returns a shape value or an integer constant.
func (r *reader) shapeValue(name string) ([]int64, bool) {
	if v, ok := r.shapes[name]; ok {
		return v, true
	}
	if c, ok := r.consts[name]; ok && c.i != nil {
		return c.i, true
	}
	return nil, false
}

func (r *reader) shapeNode(n *nodeProto, a *attrs) error {
	if len(n.outputs) != 1 {
		return unsupportedf("%s with %d outputs", n.opType, len(n.outputs))
	}
	var out []int64
	switch n.opType {
	case "Shape":
		if _, ok := a.byName["start"]; ok {
			return unsupportedf("Shape with start or end")
		}
		if _, ok := a.byName["end"]; ok {
			return unsupportedf("Shape with start or end")
		}
		if err := r.flush(); err != nil {
			return err
		}
		out = r.cshape()
	case "Gather":
		if len(n.inputs) != 2 {
			return &FormatError{Msg: "Gather needs 2 inputs"}
		}
		axis, err := a.int("axis", 0)
		if err != nil {
			return err
		}
		data, ok1 := r.shapeValue(n.inputs[0])
		idx, ok2 := r.shapeValue(n.inputs[1])
		if !ok1 || !ok2 || axis != 0 {
			return unsupportedf("Gather of values digitnet does not know")
		}
		for _, i := range idx {
			if i < 0 {
				i += int64(len(data))
			}
			if i < 0 || i >= int64(len(data)) {
				return &FormatError{Msg: fmt.Sprintf("Gather index %d out of range", i)}
			}
			out = append(out, data[i])
		}
	case "Unsqueeze", "Squeeze", "Cast":
		v, ok := r.shapeValue(n.inputs[0])
		if !ok {
			return unsupportedf("%s of values digitnet does not know", n.opType)
		}
		// Scalars and 1-element vectors hold the same value; these ops
		// only change which of the two it is.
		a.used["axes"], a.used["to"] = true, true
		out = v
	case "Concat":
		if _, err := a.int("axis", 0); err != nil {
			return err
		}
		for _, in := range n.inputs {
			v, ok := r.shapeValue(in)
			if !ok {
				return unsupportedf("Concat of values digitnet does not know")
			}
			out = append(out, v...)
		}
	}
	if err := a.done(); err != nil {
		return err
	}
	r.shapes[n.outputs[0]] = out
	return nil
}

// vector returns the node's other input (not the data at index data) as a
// constant float vector of length n, or of shape (1, n).
func (r *reader) vector(n *nodeProto, data, length int) ([]float32, bool) {
	if len(n.inputs) != 2 {
		return nil, false
	}
	c, ok := r.consts[n.inputs[1-data]]
	if !ok || c.f == nil || len(c.f) != length {
		return nil, false
	}
	if !slices.Equal(c.dims, []int64{int64(length)}) && !slices.Equal(c.dims, []int64{1, int64(length)}) {
		return nil, false
	}
	out := make([]float32, length)
	for i, v := range c.f {
		out[i] = float32(v)
	}
	return out, true
}

func (r *reader) passThrough(n *nodeProto, a *attrs) error {
	if len(n.inputs) != 1 {
		return &FormatError{Msg: "Identity needs one input"}
	}
	return a.done()
}

// dropout is the identity when predicting (ratio ignored; the mask output
// must be unused). A training_mode input set to true is refused.
func (r *reader) dropout(n *nodeProto, a *attrs) error {
	if n.inputs[0] != r.cur {
		return &FormatError{Msg: "Dropout's data is its first input"}
	}
	if len(n.inputs) > 2 && n.inputs[2] != "" {
		c, ok := r.consts[n.inputs[2]]
		if !ok || len(c.i) != 1 || c.i[0] != 0 {
			return unsupportedf("a Dropout whose training_mode is not a constant false")
		}
	}
	if err := oneOutput(n); err != nil {
		return err
	}
	a.used["ratio"], a.used["seed"], a.used["is_test"] = true, true, true
	return a.done()
}

// affine folds Sub, Div, Mul or Add by a constant scalar (or a per-channel
// constant with equal values) into the pending x*scale + shift.
func (r *reader) affine(n *nodeProto, a *attrs, data int) error {
	if err := a.done(); err != nil {
		return err
	}
	if len(n.inputs) != 2 || n.inputs[0] == n.inputs[1] {
		return &FormatError{Msg: n.opType + " needs two inputs"}
	}
	other := n.inputs[1-data]
	c, ok := r.consts[other]
	if !ok || c.f == nil || len(c.f) == 0 {
		return unsupportedf("%s by %q, which is not a float constant; digitnet reads elementwise arithmetic by constants (input normalisation)", n.opType, other)
	}
	v := c.f[0]
	for _, x := range c.f {
		if x != v {
			return unsupportedf("%s by a constant with different values (%v ...); digitnet reads the same constant for every value", n.opType, c.f[:min(len(c.f), 3)])
		}
	}
	// The constant must broadcast without growing the tensor: at most the
	// tensor's rank, every dimension 1 or the tensor's own.
	cs := r.cshape()
	if len(c.dims) > len(cs) {
		return unsupportedf("%s by a constant of shape %v on a tensor of rank %d", n.opType, c.dims, len(cs))
	}
	for i, d := range c.dims {
		own := cs[len(cs)-len(c.dims)+i]
		if d != 1 && d != own {
			return unsupportedf("%s by a constant of shape %v, which does not broadcast to %v", n.opType, c.dims, cs[1:])
		}
	}
	switch {
	case n.opType == "Add":
		r.shift += v
	case n.opType == "Sub" && data == 0:
		r.shift -= v
	case n.opType == "Sub": // v - x
		r.scale, r.shift = -r.scale, v-r.shift
	case n.opType == "Mul":
		r.scale, r.shift = r.scale*v, r.shift*v
	case n.opType == "Div" && data == 0:
		if v == 0 {
			return unsupportedf("division by zero")
		}
		r.scale, r.shift = r.scale/v, r.shift/v
	default: // v / x
		return unsupportedf("Div of a constant by the tensor (not elementwise linear)")
	}
	return nil
}

// flush adds the pending normalisation, if any, as a layer.
func (r *reader) flush() error {
	if err := r.flushMatMul(); err != nil {
		return err
	}
	if r.scale == 1 && r.shift == 0 {
		return nil
	}
	l := nn.LayerSpec{Kind: nn.KindNormalize, Scale: r.scale, Shift: r.shift}
	r.scale, r.shift = 1, 0
	return r.add(l, nil, nil)
}

func (r *reader) flushMatMul() error {
	if r.matmul == nil {
		return nil
	}
	p := r.matmul
	r.matmul = nil
	return r.add(nn.LayerSpec{Kind: nn.KindDense, Units: p.units}, p.kernel, make([]float32, p.units))
}

// add flushes pending work (except when adding it) and appends a layer.
func (r *reader) add(l nn.LayerSpec, kernel, bias []float32) error {
	if l.Kind != nn.KindNormalize && l.Kind != nn.KindDense {
		if err := r.flush(); err != nil {
			return err
		}
	}
	if err := r.net.Add(l, kernel, bias); err != nil {
		return err
	}
	if l.Kind == nn.KindFlatten {
		r.isFlat = true
	}
	return nil
}

// conv reads a Conv: weights (F, C, KH, KW) become nn's (KH, KW, C, F).
func (r *reader) conv(n *nodeProto, a *attrs) error {
	if err := r.flush(); err != nil {
		return err
	}
	if r.flat() {
		return unsupportedf("a Conv after the tensor was flattened")
	}
	if n.inputs[0] != r.cur || len(n.inputs) < 2 || len(n.inputs) > 3 {
		return &FormatError{Msg: "Conv takes (X, W[, B])"}
	}
	w, ok := r.consts[n.inputs[1]]
	if !ok || w.f == nil || len(w.dims) != 4 {
		return unsupportedf("Conv weights %q are not a constant 4-D float tensor", n.inputs[1])
	}
	in := r.net.Shape()
	f, c, kh, kw := int(w.dims[0]), int(w.dims[1]), int(w.dims[2]), int(w.dims[3])
	if group, err := a.int("group", 1); err != nil || group != 1 {
		return unsupportedf("group %d; digitnet runs ungrouped convolutions", group)
	}
	if c != in.C {
		return &FormatError{Msg: fmt.Sprintf("Conv weights for %d input channels, the input has %d", c, in.C)}
	}
	if kh != kw {
		return unsupportedf("a %dx%d kernel; digitnet runs square kernels", kh, kw)
	}
	k := kh
	if ks, ok, err := a.ints("kernel_shape"); err != nil || (ok && !slices.Equal(ks, []int64{int64(k), int64(k)})) {
		return &FormatError{Msg: fmt.Sprintf("kernel_shape %v does not match the weights' %dx%d", ks, k, k)}
	}
	if d, ok, err := a.ints("dilations"); err != nil || (ok && slices.ContainsFunc(d, func(v int64) bool { return v != 1 })) {
		return unsupportedf("dilations %v; digitnet runs undilated convolutions", d)
	}
	s, err := r.strides(a)
	if err != nil {
		return err
	}
	pad, err := r.pads(a, in, k, s)
	if err != nil {
		return err
	}
	if err := a.done(); err != nil {
		return err
	}
	kernel := make([]float32, len(w.f))
	for fi := range f {
		for ci := range c {
			for y := range k {
				for x := range k {
					kernel[((y*k+x)*c+ci)*f+fi] = float32(w.f[((fi*c+ci)*k+y)*k+x])
				}
			}
		}
	}
	bias := make([]float32, f)
	if len(n.inputs) == 3 && n.inputs[2] != "" {
		b, ok := r.vector(&nodeProto{inputs: []string{"", n.inputs[2]}}, 0, f)
		if !ok {
			return unsupportedf("Conv bias %q is not a constant float vector of %d values", n.inputs[2], f)
		}
		bias = b
	}
	spec := nn.LayerSpec{Kind: nn.KindConv2D, Filters: f, Size: k, Pad: pad}
	if s != 1 {
		spec.Stride = s
	}
	return r.add(spec, kernel, bias)
}

// strides reads a square stride (ONNX's default is 1).
func (r *reader) strides(a *attrs) (int, error) {
	st, ok, err := a.ints("strides")
	if err != nil || !ok {
		return 1, err
	}
	if len(st) != 2 || st[0] != st[1] || st[0] <= 0 || st[0] > 1<<16 {
		return 0, unsupportedf("strides %v; digitnet needs equal positive strides", st)
	}
	return int(st[0]), nil
}

// pads reads auto_pad and pads (x1_begin, x2_begin, x1_end, x2_end: top,
// left, bottom, right).
func (r *reader) pads(a *attrs, in nn.Shape, k, s int) (nn.Padding, error) {
	auto, err := a.string("auto_pad", "NOTSET")
	if err != nil {
		return nn.Padding{}, err
	}
	p, hasPads, err := a.ints("pads")
	if err != nil {
		return nn.Padding{}, err
	}
	switch auto {
	case "NOTSET", "":
		if !hasPads {
			return nn.Padding{}, nil
		}
		if len(p) != 4 {
			return nn.Padding{}, &FormatError{Msg: fmt.Sprintf("pads %v", p)}
		}
		for _, v := range p {
			if v < 0 || v >= int64(k) {
				return nn.Padding{}, unsupportedf("pads %v; digitnet pads each side by less than the kernel size %d", p, k)
			}
		}
		return nn.Padding{Top: int(p[0]), Left: int(p[1]), Bottom: int(p[2]), Right: int(p[3])}, nil
	case "VALID":
		return nn.Padding{}, nil
	case "SAME_UPPER", "SAME_LOWER":
		t, b := nn.SamePadding(in.H, k, s)
		l, rr := nn.SamePadding(in.W, k, s)
		if auto == "SAME_LOWER" {
			t, b, l, rr = b, t, rr, l
		}
		return nn.Padding{Top: t, Bottom: b, Left: l, Right: rr}, nil
	}
	return nn.Padding{}, unsupportedf("auto_pad %q", auto)
}

func (r *reader) relu(n *nodeProto, a *attrs) error {
	if err := a.done(); err != nil {
		return err
	}
	if err := r.flush(); err != nil {
		return err
	}
	return r.net.ReLU()
}

// maxPool reads a MaxPool whose strides equal its window and that pads
// nothing (or would pad nothing: ceil_mode on sizes the window divides).
func (r *reader) maxPool(n *nodeProto, a *attrs) error {
	if err := oneOutput(n); err != nil {
		return err
	}
	ks, ok, err := a.ints("kernel_shape")
	if err != nil || !ok || len(ks) != 2 || ks[0] != ks[1] || ks[0] <= 0 || ks[0] > 1<<16 {
		return unsupportedf("kernel_shape %v; digitnet pools square windows", ks)
	}
	p := int(ks[0])
	st, hasStrides, err := a.ints("strides")
	if err != nil || !hasStrides || !slices.Equal(st, ks) {
		return unsupportedf("strides %v with window %v; digitnet pools with strides equal to the window", st, ks)
	}
	if d, ok, err := a.ints("dilations"); err != nil || (ok && slices.ContainsFunc(d, func(v int64) bool { return v != 1 })) {
		return unsupportedf("dilations %v", d)
	}
	if so, err := a.int("storage_order", 0); err != nil || so != 0 {
		return unsupportedf("storage_order %d", so)
	}
	in := r.net.Shape()
	pad, err := r.pads(a, in, p, p)
	if err != nil {
		return err
	}
	ceil, err := a.int("ceil_mode", 0)
	if err != nil {
		return err
	}
	if pad != (nn.Padding{}) {
		return unsupportedf("a padded MaxPool")
	}
	if ceil != 0 && (in.H%p != 0 || in.W%p != 0) {
		return unsupportedf("ceil_mode on a %dx%d input the window %d does not divide", in.H, in.W, p)
	}
	if err := a.done(); err != nil {
		return err
	}
	return r.add(nn.LayerSpec{Kind: nn.KindMaxPool2D, Size: p}, nil, nil)
}

// flatten records a flatten in ONNX's (C, H, W) order.
func (r *reader) flatten() error {
	if err := r.flush(); err != nil {
		return err
	}
	if r.flat() {
		return nil // already (N, D)
	}
	s := r.net.Shape()
	if s.H*s.W > 1 && s.C > 1 {
		r.chw = &s
	}
	return r.add(nn.LayerSpec{Kind: nn.KindFlatten}, nil, nil)
}

func (r *reader) flattenNode(n *nodeProto, a *attrs) error {
	axis, err := a.int("axis", 1)
	if err != nil {
		return err
	}
	if axis != 1 && !(axis == -1 && r.flat()) {
		return unsupportedf("Flatten with axis %d; digitnet flattens all but the batch axis (axis 1)", axis)
	}
	if err := a.done(); err != nil {
		return err
	}
	return r.flatten()
}

// reshape reads a Reshape to (batch, features): x.view(x.size(0), -1),
// x.view(-1, C*H*W), torch.flatten as Reshape, or the same with the batch
// fixed at 1 in a model exported without a dynamic batch.
func (r *reader) reshape(n *nodeProto, a *attrs) error {
	if len(n.inputs) != 2 || n.inputs[0] != r.cur {
		return &FormatError{Msg: "Reshape takes (data, shape)"}
	}
	if az, err := a.int("allowzero", 0); err != nil || az != 0 {
		return unsupportedf("allowzero %d", az)
	}
	if err := a.done(); err != nil {
		return err
	}
	target, ok := r.shapeValue(n.inputs[1])
	if !ok {
		return unsupportedf("a Reshape to a shape digitnet cannot work out")
	}
	cs := r.cshape()
	size := int64(1)
	for _, d := range cs[1:] {
		size *= d
	}
	if len(target) == 2 {
		b, f := target[0], target[1]
		batchOK := b == batch || b == 0 || b == 1 || (b == -1 && f == size)
		if batchOK && (f == -1 || f == size) {
			return r.flatten()
		}
	}
	return unsupportedf("a Reshape to %s; digitnet reads reshapes to (batch, %d)", shapeString(target), size)
}

func shapeString(v []int64) string {
	parts := make([]string, len(v))
	for i, d := range v {
		if d == batch {
			parts[i] = "batch"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// denseKernel converts a weight matrix to nn's (in, out) layout: w holds
// in*out values, (out, in) when transposed (Gemm's transB, PyTorch's
// Linear) else (in, out). Rows of a dense layer that follows a (C, H, W)
// flatten are reordered to nn's (H, W, C).
func (r *reader) denseKernel(w []float64, in, out int, transposed bool) []float32 {
	kernel := make([]float32, in*out)
	row := func(i int) int { return i }
	if s := r.chw; s != nil {
		hw := s.H * s.W
		// nn row (h*W + w)*C + c reads ONNX row c*H*W + h*W + w.
		row = func(i int) int { return (i%s.C)*hw + i/s.C }
	}
	for i := range in {
		src := row(i)
		for o := range out {
			if transposed {
				kernel[i*out+o] = float32(w[o*in+src])
			} else {
				kernel[i*out+o] = float32(w[src*out+o])
			}
		}
	}
	r.chw = nil
	return kernel
}

// gemm reads Y = A·B + C with A the flattened images, B constant.
func (r *reader) gemm(n *nodeProto, a *attrs) error {
	if err := r.flush(); err != nil {
		return err
	}
	if !r.flat() {
		return unsupportedf("a Gemm on a tensor that is not flattened")
	}
	if n.inputs[0] != r.cur || len(n.inputs) < 2 || len(n.inputs) > 3 {
		return &FormatError{Msg: "Gemm takes (A, B[, C]) with A the data"}
	}
	if ta, err := a.int("transA", 0); err != nil || ta != 0 {
		return unsupportedf("transA %d", ta)
	}
	tb, err := a.int("transB", 0)
	if err != nil || (tb != 0 && tb != 1) {
		return &FormatError{Msg: fmt.Sprintf("transB %d", tb)}
	}
	alpha, err1 := a.float("alpha", 1)
	beta, err2 := a.float("beta", 1)
	if err1 != nil || err2 != nil || alpha != 1 || beta != 1 {
		return unsupportedf("alpha %g and beta %g; digitnet reads Gemm with alpha = beta = 1", alpha, beta)
	}
	if err := a.done(); err != nil {
		return err
	}
	in := r.net.Shape().C
	w, ok := r.consts[n.inputs[1]]
	if !ok || w.f == nil || len(w.dims) != 2 {
		return unsupportedf("Gemm weights %q are not a constant 2-D float tensor", n.inputs[1])
	}
	rows, cols := int(w.dims[0]), int(w.dims[1])
	out := cols
	if tb == 1 {
		rows, out = cols, rows
	}
	if rows != in {
		return &FormatError{Msg: fmt.Sprintf("Gemm weights %v for %d inputs, the tensor has %d", w.dims, rows, in)}
	}
	kernel := r.denseKernel(w.f, in, out, tb == 1)
	bias := make([]float32, out)
	if len(n.inputs) == 3 && n.inputs[2] != "" {
		b, ok := r.vector(&nodeProto{inputs: []string{"", n.inputs[2]}}, 0, out)
		if !ok {
			return unsupportedf("Gemm bias %q is not a constant float vector of %d values", n.inputs[2], out)
		}
		bias = b
	}
	return r.add(nn.LayerSpec{Kind: nn.KindDense, Units: out}, kernel, bias)
}

// matMul reads Y = A·B with A the flattened images and B a constant
// (in, out); the Add of a bias may follow.
func (r *reader) matMul(n *nodeProto, a *attrs) error {
	if err := r.flush(); err != nil {
		return err
	}
	if !r.flat() {
		return unsupportedf("a MatMul on a tensor that is not flattened")
	}
	if len(n.inputs) != 2 || n.inputs[0] != r.cur {
		return &FormatError{Msg: "MatMul takes (A, B) with A the data"}
	}
	if err := a.done(); err != nil {
		return err
	}
	w, ok := r.consts[n.inputs[1]]
	in := r.net.Shape().C
	if !ok || w.f == nil || len(w.dims) != 2 || int(w.dims[0]) != in {
		return unsupportedf("MatMul weights %q are not a constant (%d, units) float tensor", n.inputs[1], in)
	}
	out := int(w.dims[1])
	r.matmul = &pendingDense{kernel: r.denseKernel(w.f, in, out, false), units: out, node: n.name}
	return nil
}

func (r *reader) softmax(n *nodeProto, a *attrs) error {
	if err := r.flush(); err != nil {
		return err
	}
	axis, err := a.int("axis", -1)
	if r.opset < 13 {
		axis, err = a.int("axis", 1)
	}
	if err != nil {
		return err
	}
	if !r.flat() || (axis != 1 && axis != -1) {
		return unsupportedf("%s over axis %d of a %d-D tensor; digitnet takes it over the classes of (batch, classes)", n.opType, axis, len(r.cshape()))
	}
	if err := a.done(); err != nil {
		return err
	}
	return r.net.Softmax(n.opType == "LogSoftmax")
}
