package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Layer kinds accepted in a LayerSpec.
const (
	KindConv2D    = "conv2d"
	KindMaxPool2D = "maxpool2d"
	KindFlatten   = "flatten"
	KindDense     = "dense"
	KindReLU      = "relu"
	KindNormalize = "normalize"
	// KindDeskew shears each one-channel image towards upright (see
	// Deskew). It has no parameters and must be the first layer.
	KindDeskew = "deskew"
)

// Activations accepted on conv2d and dense layers. Softmax is allowed only on
// the last layer, where training fuses it with the cross-entropy loss.
const (
	ActLinear  = ""
	ActReLU    = "relu"
	ActSoftmax = "softmax"
)

// LayerSpec describes one layer. Only the fields its kind uses may be set.
type LayerSpec struct {
	Kind string `json:"kind"`
	// Filters is the number of output channels of a conv2d.
	Filters int `json:"filters,omitempty"`
	// Size is the kernel size of a conv2d or the window (and stride) of a
	// maxpool2d; both are square.
	Size int `json:"size,omitempty"`
	// Stride is the step of a conv2d's kernel, the same in both
	// directions; 0 means 1.
	Stride int `json:"stride,omitempty"`
	// Pad adds zero rows and columns around a conv2d's input. Imported
	// models need it: Keras' "same" padding and ONNX's pads. Each side is
	// less than Size.
	Pad Padding `json:"pad,omitzero"`
	// Units is the output width of a dense layer.
	Units int `json:"units,omitempty"`
	// Activation follows a conv2d or dense layer.
	Activation string `json:"activation,omitempty"`
	// Scale and Shift are the constants of a normalize layer, which
	// computes x*Scale + Shift for every value: an imported model's input
	// normalisation, such as PyTorch's (x-0.1307)/0.3081. Scale is not 0.
	Scale float64 `json:"scale,omitempty"`
	Shift float64 `json:"shift,omitempty"`
}

// Padding is the number of zero rows or columns added on each side of a
// conv2d's input.
type Padding struct {
	Top    int `json:"top,omitempty"`
	Bottom int `json:"bottom,omitempty"`
	Left   int `json:"left,omitempty"`
	Right  int `json:"right,omitempty"`
}

// SamePadding returns the padding before and after one dimension of size
// in that TensorFlow's (and Keras') "same" gives a kernel of size k moving
// by stride: the output has ceil(in/stride) positions, and when the total
// padding is odd the extra row or column goes after (bottom or right), as
// ONNX's SAME_UPPER.
func SamePadding(in, k, stride int) (before, after int) {
	out := (in + stride - 1) / stride
	total := max((out-1)*stride+k-in, 0)
	return total / 2, total - total/2
}

// stride is the conv2d step, with 0 meaning 1.
func (l LayerSpec) stride() int { return max(l.Stride, 1) }

// plain reports whether a conv2d is unpadded and moves by 1, the case the
// fast paths (fused pooling, Winograd, the one-channel im2col) handle.
func (l LayerSpec) plain() bool { return l.stride() == 1 && l.Pad == (Padding{}) }

// Spec describes a model: an input shape and a sequence of layers.
type Spec struct {
	// Input is the shape of one sample: height, width, channels.
	Input [3]int `json:"input"`
	// Layers run in order; the last must produce Classes outputs with a
	// softmax activation.
	Layers []LayerSpec `json:"layers"`
}

// Tutorial returns the CNN of the Keras MNIST tutorial:
// 28x28x1 → Conv 32 3x3 ReLU → MaxPool 2x2 → Conv 64 3x3 ReLU → MaxPool 2x2 →
// Flatten → Dense 128 ReLU → Dense 10 softmax.
func Tutorial() Spec {
	return Spec{
		Input: [3]int{28, 28, 1},
		Layers: []LayerSpec{
			{Kind: KindConv2D, Filters: 32, Size: 3, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindConv2D, Filters: 64, Size: 3, Activation: ActReLU},
			{Kind: KindMaxPool2D, Size: 2},
			{Kind: KindFlatten},
			{Kind: KindDense, Units: 128, Activation: ActReLU},
			{Kind: KindDense, Units: 10, Activation: ActSoftmax},
		},
	}
}

// Deskewed returns s with a deskew layer in front (see Deskew): the
// network then sees every image sheared towards upright.
func (s Spec) Deskewed() Spec {
	s.Layers = append([]LayerSpec{{Kind: KindDeskew}}, s.Layers...)
	return s
}

// String gives the spec in one line, e.g. "28x28x1 conv2d(32,3x3,relu) ...".
func (s Spec) String() string {
	parts := []string{fmt.Sprintf("%dx%dx%d", s.Input[0], s.Input[1], s.Input[2])}
	for _, l := range s.Layers {
		parts = append(parts, l.String())
	}
	return strings.Join(parts, " ")
}

// String gives the layer in the form used by Spec.String.
func (l LayerSpec) String() string {
	act := ""
	if l.Activation != "" {
		act = "," + l.Activation
	}
	switch l.Kind {
	case KindConv2D:
		var geo string
		if l.stride() != 1 {
			geo += fmt.Sprintf(",stride%d", l.stride())
		}
		if p := l.Pad; p != (Padding{}) {
			geo += fmt.Sprintf(",pad%d/%d/%d/%d", p.Top, p.Bottom, p.Left, p.Right)
		}
		return fmt.Sprintf("conv2d(%d,%dx%d%s%s)", l.Filters, l.Size, l.Size, geo, act)
	case KindNormalize:
		return fmt.Sprintf("normalize(x*%g%+g)", l.Scale, l.Shift)
	case KindMaxPool2D:
		return fmt.Sprintf("maxpool2d(%dx%d)", l.Size, l.Size)
	case KindDense:
		return fmt.Sprintf("dense(%d%s)", l.Units, act)
	default:
		return l.Kind
	}
}

// MarshalSpec and UnmarshalSpec give the JSON form stored in model files.
func MarshalSpec(s Spec) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // Spec holds only ints and strings.
	}
	return string(b)
}

// UnmarshalSpec parses and validates the JSON form of a Spec.
func UnmarshalSpec(text string) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("nn: architecture: %w", err)
	}
	if _, err := plan(s); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// Shape is the shape of one sample between layers.
type Shape struct{ H, W, C int }

// Size is the number of values in one sample.
func (s Shape) Size() int { return s.H * s.W * s.C }

// maxDim bounds every dimension so that a hostile spec in a model file cannot
// make New allocate without limit.
const maxDim = 1 << 16

// maxPatchValues bounds one sample's im2col matrix (256 MiB of float32).
const maxPatchValues = 1 << 26

// ParamCount is the number of parameters of a model built from s, or an
// error if s is invalid.
func (s Spec) ParamCount() (int, error) {
	plans, err := plan(s)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range plans {
		n += kernelLen(p) + biasLen(p)
	}
	return n, nil
}

// layerPlan is a validated layer with its input and output shapes.
type layerPlan struct {
	spec    LayerSpec
	in, out Shape
	// name prefixes the layer's tensors in a model file, e.g. "conv1".
	name string
}

// plan validates s and infers every layer's shapes.
func plan(s Spec) ([]layerPlan, error) {
	plans, err := planLayers(s)
	if err != nil {
		return nil, err
	}
	if s.Layers[len(s.Layers)-1].Activation != ActSoftmax {
		return nil, fmt.Errorf("nn: the last layer must have a softmax activation")
	}
	return plans, nil
}

// Shapes validates each layer of s and returns the shape of its output,
// without plan's rule that the last layer ends in a softmax: model
// importers check each layer as they add it.
func (s Spec) Shapes() ([]Shape, error) {
	plans, err := planLayers(s)
	if err != nil {
		return nil, err
	}
	out := make([]Shape, len(plans))
	for i, p := range plans {
		out[i] = p.out
	}
	return out, nil
}

// planLayers is plan without the check of the last layer.
func planLayers(s Spec) ([]layerPlan, error) {
	in := Shape{s.Input[0], s.Input[1], s.Input[2]}
	if in.H <= 0 || in.W <= 0 || in.C <= 0 || in.H > maxDim || in.W > maxDim || in.C > maxDim {
		return nil, fmt.Errorf("nn: bad input shape %v", s.Input)
	}
	if len(s.Layers) == 0 {
		return nil, fmt.Errorf("nn: spec has no layers")
	}
	var plans []layerPlan
	count := map[string]int{}
	params := 0
	for i, l := range s.Layers {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("nn: layer %d (%s): %s", i, l.Kind, fmt.Sprintf(format, args...))
		}
		p := layerPlan{spec: l, in: in}
		if l.Kind != KindConv2D && (l.Stride != 0 || l.Pad != (Padding{})) {
			return nil, bad("only conv2d takes a stride or padding")
		}
		if l.Kind != KindNormalize && (l.Scale != 0 || l.Shift != 0) {
			return nil, bad("only normalize takes a scale or shift")
		}
		switch l.Kind {
		case KindConv2D:
			if l.Filters <= 0 || l.Filters > maxDim || l.Size <= 0 || l.Size > maxDim || l.Units != 0 {
				return nil, bad("needs filters > 0 and size > 0 only")
			}
			pad := l.Pad
			if l.Stride < 0 || l.Stride > maxDim || min(pad.Top, pad.Bottom, pad.Left, pad.Right) < 0 ||
				max(pad.Top, pad.Bottom, pad.Left, pad.Right) >= l.Size {
				return nil, bad("needs a stride ≥ 0 and padding from 0 to size-1 on each side")
			}
			h, w := in.H+pad.Top+pad.Bottom, in.W+pad.Left+pad.Right
			if l.Size > h || l.Size > w {
				return nil, bad("kernel %dx%d larger than padded input %dx%d", l.Size, l.Size, h, w)
			}
			s := l.stride()
			p.out = Shape{(h-l.Size)/s + 1, (w-l.Size)/s + 1, l.Filters}
			if p.out.H*p.out.W*l.Size*l.Size*in.C > maxPatchValues {
				return nil, bad("patch matrix of %dx%d outputs by %d values too large", p.out.H, p.out.W, l.Size*l.Size*in.C)
			}
			count["conv"]++
			p.name = fmt.Sprintf("conv%d", count["conv"])
			params += l.Size*l.Size*in.C*l.Filters + l.Filters
		case KindMaxPool2D:
			if l.Size <= 0 || l.Filters != 0 || l.Units != 0 || l.Activation != "" {
				return nil, bad("needs size > 0 only")
			}
			if l.Size > in.H || l.Size > in.W {
				return nil, bad("window %dx%d larger than input %dx%d", l.Size, l.Size, in.H, in.W)
			}
			p.out = Shape{in.H / l.Size, in.W / l.Size, in.C}
		case KindFlatten:
			if l != (LayerSpec{Kind: KindFlatten}) {
				return nil, bad("takes no parameters")
			}
			p.out = Shape{1, 1, in.Size()}
		case KindDense:
			if l.Units <= 0 || l.Units > maxDim || l.Filters != 0 || l.Size != 0 {
				return nil, bad("needs units > 0 only")
			}
			if in.H != 1 || in.W != 1 {
				return nil, bad("input %dx%dx%d must be flattened first", in.H, in.W, in.C)
			}
			p.out = Shape{1, 1, l.Units}
			count["dense"]++
			p.name = fmt.Sprintf("dense%d", count["dense"])
			params += in.C*l.Units + l.Units
		case KindReLU:
			if l != (LayerSpec{Kind: KindReLU}) {
				return nil, bad("takes no parameters")
			}
			p.out = in
		case KindDeskew:
			if l != (LayerSpec{Kind: KindDeskew}) {
				return nil, bad("takes no parameters")
			}
			if i != 0 || in.C != 1 {
				return nil, bad("must be the first layer, on one-channel images")
			}
			p.out = in
		case KindNormalize:
			if l.Scale == 0 || math.IsNaN(l.Scale) || math.IsInf(l.Scale, 0) || math.IsNaN(l.Shift) || math.IsInf(l.Shift, 0) ||
				l != (LayerSpec{Kind: KindNormalize, Scale: l.Scale, Shift: l.Shift}) {
				return nil, bad("needs a finite, non-zero scale and a finite shift only")
			}
			p.out = in
		default:
			return nil, bad("unknown layer kind")
		}
		switch l.Activation {
		case ActLinear, ActReLU:
		case ActSoftmax:
			if i != len(s.Layers)-1 {
				return nil, bad("softmax is allowed only on the last layer")
			}
		default:
			return nil, bad("unknown activation %q", l.Activation)
		}
		if p.out.Size() <= 0 || p.out.Size() > 1<<24 || params > 1<<28 {
			return nil, bad("output %v or parameter count too large", p.out)
		}
		plans = append(plans, p)
		in = p.out
	}
	return plans, nil
}

// MultiplyAdds counts the multiply-adds of the heavy products (convolutions
// and dense layers) for one sample: forward is inference; train adds the two
// backward products (weight and input gradients), without the input gradient
// of the first layer, which training never needs.
func (s Spec) MultiplyAdds() (forward, train int, err error) {
	plans, err := plan(s)
	if err != nil {
		return 0, 0, err
	}
	first := true
	for _, p := range plans {
		var f int
		switch p.spec.Kind {
		case KindConv2D:
			f = p.out.H * p.out.W * p.spec.Size * p.spec.Size * p.in.C * p.out.C
		case KindDense:
			f = p.in.Size() * p.out.Size()
		default:
			continue
		}
		forward += f
		train += 2 * f // forward and weight gradient
		if !first {
			train += f // input gradient
		}
		first = false
	}
	return forward, train, nil
}

// PredictMultiplyAdds returns the multiplications Model.Predict performs per
// sample on this machine. It is MultiplyAdds's forward count, except where
// a 3x3 convolution with ReLU feeds a 2x2 max pool and the CPU runs
// Winograd F(2x2, 3x3) (see winograd.go): there it is 16 products per
// pooled output and pair of channels, not 36, and the outputs the pool
// drops are not computed. The transforms' additions are not counted.
func (s Spec) PredictMultiplyAdds() (int, error) {
	plans, err := plan(s)
	if err != nil {
		return 0, err
	}
	var n int
	for i, p := range plans {
		switch p.spec.Kind {
		case KindConv2D:
			if next := i + 1; next < len(plans) && p.spec.Activation == ActReLU &&
				plans[next].spec.Kind == KindMaxPool2D && winogradFits(p.spec, plans[next].spec.Size) {
				out := plans[next].out
				n += out.H * out.W * 16 * p.in.C * p.out.C
				continue
			}
			n += p.out.H * p.out.W * p.spec.Size * p.spec.Size * p.in.C * p.out.C
		case KindDense:
			n += p.in.Size() * p.out.Size()
		}
	}
	return n, nil
}
