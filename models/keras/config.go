package keras

// This file turns a Keras model config (the JSON in an .h5 file's
// model_config attribute or a .keras file's config.json) into layers for
// nn, and their weights, fetched by the layout's own code, into nn's
// layouts. Keras's layouts are nn's: kernels (KH, KW, C, F) and (in, out),
// Flatten in (H, W, C) order, so the weights copy unchanged.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"digitnet/models/internal/importer"
	"digitnet/nn"
)

// Supported lists the Keras layer classes digitnet reads.
var Supported = []string{
	"InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout",
	"Activation", "ReLU", "Softmax", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
}

// noOps are the layers that pass their input through unchanged when
// predicting: regularisers that act only in training.
var noOps = map[string]bool{"Dropout": true, "SpatialDropout2D": true, "GaussianNoise": true, "GaussianDropout": true}

// model is the outer object of a Keras model config.
type model struct {
	Class  string `json:"class_name"`
	Config struct {
		Name   string        `json:"name"`
		Layers []layerObject `json:"layers"`
		// BuildInputShape is Keras 3's record of the input.
		BuildInputShape []*int `json:"build_input_shape"`
	} `json:"config"`
}

// layerObject is one entry of a model's layer list.
type layerObject struct {
	Class  string      `json:"class_name"`
	Config layerConfig `json:"config"`
}

// layerConfig holds the fields of get_config() that decide what a layer
// computes. Every one is checked, so a setting digitnet cannot run (a
// dilation, channels-first data, a constraint on the ReLU) is refused, not
// ignored.
type layerConfig struct {
	Name string `json:"name"`
	// Input shapes: batch_input_shape (Keras 2, any first layer),
	// batch_shape (Keras 3 InputLayer).
	BatchInputShape []*int `json:"batch_input_shape"`
	BatchShape      []*int `json:"batch_shape"`

	Filters    int             `json:"filters"`
	KernelSize json.RawMessage `json:"kernel_size"`
	Strides    json.RawMessage `json:"strides"`
	Padding    string          `json:"padding"`
	DataFormat *string         `json:"data_format"`
	Dilation   json.RawMessage `json:"dilation_rate"`
	Groups     *int            `json:"groups"`
	Activation json.RawMessage `json:"activation"`
	UseBias    *bool           `json:"use_bias"`
	Units      int             `json:"units"`
	PoolSize   json.RawMessage `json:"pool_size"`
	LoraRank   *int            `json:"lora_rank"`
	Dtype      json.RawMessage `json:"dtype"`

	// ReLU layer.
	MaxValue      *float64 `json:"max_value"`
	NegativeSlope *float64 `json:"negative_slope"`
	Threshold     *float64 `json:"threshold"`
	// Softmax layer.
	Axis json.RawMessage `json:"axis"`
}

// parseModel decodes a model config.
func parseModel(text []byte) (*model, error) {
	var m model
	if err := json.Unmarshal(text, &m); err != nil {
		return nil, &FormatError{Msg: "model config is not valid JSON", Err: err}
	}
	switch m.Class {
	case "Sequential":
	case "Functional", "Model":
		return nil, &UnsupportedError{Msg: fmt.Sprintf("a %s (functional API) model; digitnet reads Sequential models — "+
			"rebuild the same layers with keras.Sequential, load the weights and save again", m.Class)}
	case "":
		return nil, &FormatError{Msg: "model config has no class_name"}
	default:
		return nil, &UnsupportedError{Msg: fmt.Sprintf("model class %q; digitnet reads Sequential models", m.Class)}
	}
	if len(m.Config.Layers) == 0 {
		return nil, &FormatError{Msg: "model config lists no layers"}
	}
	return &m, nil
}

// weightFunc returns the weights of the i-th layer of the model's layer
// list (counting the InputLayer if the list has one), kernel then bias, in
// the shapes given, as the layout stores them.
type weightFunc func(i int, l *layerObject, shapes [][]int) ([][]float32, error)

// build converts m into an nn.Model, fetching weights with weights.
func build(m *model, weights weightFunc) (*nn.Model, []string, importer.Output, error) {
	input, err := inputShape(m)
	if err != nil {
		return nil, nil, "", err
	}
	net := importer.New(input)
	var names []string
	for i := range m.Config.Layers {
		l := &m.Config.Layers[i]
		names = append(names, fmt.Sprintf("%s (%s)", l.Config.Name, l.Class))
		if err := addLayer(net, i, l, weights); err != nil {
			return nil, nil, "", at(fmt.Sprintf("layer %d %q (%s)", i, l.Config.Name, l.Class), err)
		}
	}
	model, out, err := net.Build()
	if err != nil {
		return nil, nil, "", fmt.Errorf("keras: %w", err)
	}
	return model, names, out, nil
}

// inputShape finds the shape of one sample: the InputLayer's, the first
// layer's batch_input_shape (Keras 2), or the model's build_input_shape.
// A (H, W) input (images without a channel axis, for a Flatten) is
// (H, W, 1), which flattens the same way.
func inputShape(m *model) (nn.Shape, error) {
	first := m.Config.Layers[0].Config
	shape := first.BatchShape
	if shape == nil {
		shape = first.BatchInputShape
	}
	if shape == nil {
		shape = m.Config.BuildInputShape
	}
	if shape == nil {
		return nn.Shape{}, &FormatError{Msg: "the model config records no input shape (no InputLayer, batch_input_shape or build_input_shape)"}
	}
	dims := make([]int, 0, 3)
	for i, d := range shape[1:] {
		if d == nil || *d <= 0 {
			return nn.Shape{}, &UnsupportedError{Msg: fmt.Sprintf("input shape %s: dimension %d is not fixed", shapeString(shape), i+1)}
		}
		dims = append(dims, *d)
	}
	switch len(dims) {
	case 2:
		return nn.Shape{H: dims[0], W: dims[1], C: 1}, nil
	case 3:
		return nn.Shape{H: dims[0], W: dims[1], C: dims[2]}, nil
	}
	return nn.Shape{}, &UnsupportedError{Msg: fmt.Sprintf("input shape %s; digitnet reads images (batch, height, width[, channels])", shapeString(shape))}
}

func shapeString(shape []*int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		if d == nil {
			parts[i] = "None"
		} else {
			parts[i] = fmt.Sprint(*d)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// addLayer appends what layer i computes to net.
func addLayer(net *importer.Net, i int, l *layerObject, weights weightFunc) error {
	c := &l.Config
	if err := checkCommon(l.Class, c); err != nil {
		return err
	}
	in := net.Shape()
	switch {
	case l.Class == "InputLayer":
		if i != 0 {
			return fmt.Errorf("an InputLayer must come first")
		}
		return nil
	case noOps[l.Class]:
		return nil
	case l.Class == "Flatten":
		return net.Add(nn.LayerSpec{Kind: nn.KindFlatten}, nil, nil)
	case l.Class == "Activation":
		return activate(net, c.Activation)
	case l.Class == "ReLU":
		if (c.MaxValue != nil) || (c.NegativeSlope != nil && *c.NegativeSlope != 0) || (c.Threshold != nil && *c.Threshold != 0) {
			return unsupportedf("a ReLU with max_value, negative_slope or threshold; digitnet runs the plain ReLU")
		}
		return net.ReLU()
	case l.Class == "Softmax":
		if axis := strings.TrimSpace(string(c.Axis)); axis != "" && axis != "-1" && axis != "[-1]" {
			return unsupportedf("softmax over axis %s; digitnet takes it over the classes (axis -1)", axis)
		}
		return net.Softmax(false)
	case l.Class == "MaxPooling2D":
		p, err := square("pool_size", c.PoolSize, 0)
		if err != nil {
			return err
		}
		s, err := square("strides", c.Strides, p)
		if err != nil {
			return err
		}
		if s != p {
			return unsupportedf("pool %dx%d with strides %d; digitnet pools with strides equal to the window", p, p, s)
		}
		switch c.Padding {
		case "valid", "":
		case "same":
			// Keras pads the odd row or column with -inf; where the pool
			// fits exactly, "same" pads nothing and is "valid".
			if in.H%p != 0 || in.W%p != 0 {
				return unsupportedf(`pool padding "same" on a %dx%d input (not a multiple of %d); digitnet pools "valid"`, in.H, in.W, p)
			}
		default:
			return unsupportedf("pool padding %q", c.Padding)
		}
		return net.Add(nn.LayerSpec{Kind: nn.KindMaxPool2D, Size: p}, nil, nil)
	case l.Class == "Conv2D":
		k, err := square("kernel_size", c.KernelSize, 0)
		if err != nil {
			return err
		}
		s, err := square("strides", c.Strides, 1)
		if err != nil {
			return err
		}
		if d, err := square("dilation_rate", c.Dilation, 1); err != nil || d != 1 {
			return unsupportedf("dilation_rate %s; digitnet runs undilated convolutions", c.Dilation)
		}
		if c.Groups != nil && *c.Groups != 1 {
			return unsupportedf("groups %d; digitnet runs ungrouped convolutions", *c.Groups)
		}
		if c.Filters <= 0 {
			return &FormatError{Msg: fmt.Sprintf("filters %d", c.Filters)}
		}
		spec := nn.LayerSpec{Kind: nn.KindConv2D, Filters: c.Filters, Size: k}
		if s != 1 {
			spec.Stride = s
		}
		switch c.Padding {
		case "valid", "": // Keras's default
		case "same":
			t, b := nn.SamePadding(in.H, k, s)
			l, r := nn.SamePadding(in.W, k, s)
			spec.Pad = nn.Padding{Top: t, Bottom: b, Left: l, Right: r}
		default:
			return unsupportedf(`padding %q; digitnet reads "valid" and "same"`, c.Padding)
		}
		if err := net.Check(spec); err != nil {
			return err
		}
		w, err := weighted(i, l, weights, []int{k, k, in.C, c.Filters}, c.Filters)
		if err != nil {
			return err
		}
		if err := net.Add(spec, w[0], w[1]); err != nil {
			return err
		}
		return activate(net, c.Activation)
	case l.Class == "Dense":
		if c.Units <= 0 {
			return &FormatError{Msg: fmt.Sprintf("units %d", c.Units)}
		}
		if in.H != 1 || in.W != 1 {
			return unsupportedf("a Dense layer on a %dx%dx%d input acts on each pixel; digitnet needs a Flatten before it", in.H, in.W, in.C)
		}
		spec := nn.LayerSpec{Kind: nn.KindDense, Units: c.Units}
		if err := net.Check(spec); err != nil {
			return err
		}
		w, err := weighted(i, l, weights, []int{in.C, c.Units}, c.Units)
		if err != nil {
			return err
		}
		if err := net.Add(spec, w[0], w[1]); err != nil {
			return err
		}
		return activate(net, c.Activation)
	}
	return unsupportedf("layer class %s; digitnet reads %s", l.Class, strings.Join(Supported, ", "))
}

// checkCommon refuses settings every layer may carry that change what it
// computes: channels-first data, LoRA-adapted or quantised weights.
func checkCommon(class string, c *layerConfig) error {
	if c.DataFormat != nil && *c.DataFormat != "channels_last" {
		return unsupportedf("data_format %q; digitnet reads channels_last models", *c.DataFormat)
	}
	if c.LoraRank != nil && *c.LoraRank != 0 {
		return unsupportedf("LoRA-adapted weights (lora_rank %d)", *c.LoraRank)
	}
	if name := dtypeName(c.Dtype); name != "" && name != "float32" && !strings.HasPrefix(name, "mixed_") {
		return unsupportedf("dtype %q; digitnet reads float32 weights", name)
	}
	return nil
}

// dtypeName reads a layer's dtype: a string (Keras 2, Keras 3's legacy
// form) or a DTypePolicy object (Keras 3).
func dtypeName(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var policy struct {
		Config struct {
			Name string `json:"name"`
		} `json:"config"`
	}
	if json.Unmarshal(raw, &policy) == nil && policy.Config.Name != "" {
		return policy.Config.Name
	}
	return string(raw)
}

// activate applies a layer's activation to the network's output.
func activate(net *importer.Net, raw json.RawMessage) error {
	name, err := activationName(raw)
	if err != nil {
		return err
	}
	switch name {
	case "linear", "":
		return nil
	case "relu":
		return net.ReLU()
	case "softmax":
		return net.Softmax(false)
	}
	return unsupportedf("activation %q; digitnet reads relu, softmax and linear", name)
}

// activationName reads an activation: a name, or Keras 3's serialized
// function object whose config is the name.
func activationName(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var fn struct {
		Class  string `json:"class_name"`
		Config string `json:"config"`
	}
	if json.Unmarshal(raw, &fn) == nil && fn.Class == "function" {
		return fn.Config, nil
	}
	return "", unsupportedf("activation %s", raw)
}

// square reads a Keras size or stride: an int or a pair of equal ints.
// An absent value (null) is def; def 0 means it is required.
func square(field string, raw json.RawMessage, def int) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if def == 0 {
			return 0, &FormatError{Msg: "no " + field}
		}
		return def, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		if n <= 0 {
			return 0, &FormatError{Msg: fmt.Sprintf("%s %d", field, n)}
		}
		return n, nil
	}
	var pair []int
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 || pair[0] <= 0 {
		return 0, &FormatError{Msg: fmt.Sprintf("%s %s is not a size", field, raw)}
	}
	if pair[0] != pair[1] {
		return 0, unsupportedf("%s %v; digitnet needs equal height and width", field, pair)
	}
	return pair[0], nil
}

// weighted fetches a layer's kernel of the given shape and its bias of
// length units, or zeros when the layer has no bias (use_bias false).
func weighted(i int, l *layerObject, weights weightFunc, kernel []int, units int) ([2][]float32, error) {
	shapes := [][]int{kernel}
	useBias := l.Config.UseBias == nil || *l.Config.UseBias
	if useBias {
		shapes = append(shapes, []int{units})
	}
	w, err := weights(i, l, shapes)
	if err != nil {
		return [2][]float32{}, err
	}
	if len(w) != len(shapes) {
		return [2][]float32{}, &FormatError{Msg: fmt.Sprintf("%d weights, the layer needs %d", len(w), len(shapes))}
	}
	if !useBias {
		w = append(w, make([]float32, units))
	}
	return [2][]float32{w[0], w[1]}, nil
}

// snakeCase is Keras's naming.to_snake_case, which names a layer's folder
// in a .keras weights file after its class: Conv2D → conv2d,
// MaxPooling2D → max_pooling2d.
func snakeCase(name string) string {
	name = nonWord.ReplaceAllString(name, "")
	name = capitalWord.ReplaceAllString(name, "${1}_${2}")
	return strings.ToLower(lowerUpper.ReplaceAllString(name, "${1}_${2}"))
}

var (
	nonWord     = regexp.MustCompile(`\W+`)
	capitalWord = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	lowerUpper  = regexp.MustCompile(`([a-z])([A-Z])`)
)

func unsupportedf(format string, args ...any) error {
	return &UnsupportedError{Msg: fmt.Sprintf(format, args...)}
}
