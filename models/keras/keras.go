package keras

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"digitnet/models/keras/internal/h5"
	"digitnet/nn"
)

// Layouts of Keras model files, as Info.Format names them.
const (
	FormatH5Keras2 = "Keras 2 HDF5"   // tf.keras model.save('x.h5'), TensorFlow ≤ 2.15
	FormatH5Keras3 = "Keras 3 HDF5"   // Keras 3 model.save('x.h5') (legacy writer)
	FormatZip      = "Keras 3 .keras" // Keras 3 model.save('x.keras')
)

// Info is what reading a Keras file learnt about it.
type Info struct {
	Format       string   // one of the Format constants
	KerasVersion string   // keras_version, e.g. "2.15.0"
	Backend      string   // backend the model was saved from (HDF5 only), e.g. "tensorflow"
	Layers       []string // the model's layers in order, "name (Class)"
	// Output says what the last layer gave: probabilities, or logits to
	// which digitnet applies the softmax.
	Output string
}

// FormatError reports a file that is not a well-formed Keras model file.
type FormatError struct {
	Where string // the node or layer, if the error is about one
	Msg   string
	Err   error
}

func (e *FormatError) Error() string {
	s := "keras: " + prefix(e.Where) + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a well-formed model that uses something digitnet
// cannot compute exactly (a layer class, an option).
type UnsupportedError struct {
	Where string // the node or layer, if the error is about one
	Msg   string
}

func (e *UnsupportedError) Error() string {
	return "keras: " + prefix(e.Where) + "unsupported: " + e.Msg
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
	return fmt.Errorf("keras: %s: %w", where, err)
}

// hdf5Magic and zipMagic begin HDF5 files and zip archives.
var (
	hdf5Magic = []byte("\x89HDF\r\n\x1a\n")
	zipMagic  = []byte("PK\x03\x04")
)

// IsHDF5 and IsZip report whether a file's first bytes are those of an
// HDF5 file (.h5) or of a zip archive (.keras).
func IsHDF5(head []byte) bool { return bytes.HasPrefix(head, hdf5Magic) }
func IsZip(head []byte) bool  { return bytes.HasPrefix(head, zipMagic) }

// maxSize bounds what the readers take in (a file, a member of a .keras
// archive): the tutorial's model is under 1 MB.
const maxSize = 1 << 30

// ReadFile reads a Keras model saved with model.save: HDF5 (.h5) or a
// .keras archive, told apart by the first bytes.
func ReadFile(path string) (*nn.Model, Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Info{}, fmt.Errorf("keras: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, Info{}, fmt.Errorf("keras: %w", err)
	}
	if len(data) > maxSize {
		return nil, Info{}, &FormatError{Msg: fmt.Sprintf("%s is larger than %d bytes", path, maxSize)}
	}
	return Read(data)
}

// Read reads a Keras model from the bytes of an HDF5 (.h5) or .keras file.
func Read(data []byte) (*nn.Model, Info, error) {
	switch {
	case IsHDF5(data):
		return readH5(data)
	case IsZip(data):
		return readZip(data)
	}
	return nil, Info{}, &FormatError{Msg: "neither an HDF5 file (.h5) nor a zip archive (.keras)"}
}

// openH5 opens HDF5 bytes and returns the root group.
func openH5(data []byte) (*h5.Group, error) {
	f, err := h5.Open(data)
	if err != nil {
		return nil, &FormatError{Msg: "not a readable HDF5 file", Err: err}
	}
	root, err := f.Root()
	if err != nil {
		return nil, &FormatError{Msg: "not a readable HDF5 file", Err: err}
	}
	return root, nil
}

// readH5 reads a model.save('x.h5') file, Keras 2 or Keras 3 (see
// legacy_h5_format.py in Keras 3, hdf5_format.py in tf.keras): the root
// attributes keras_version, backend and model_config (the JSON config), and
// a model_weights group with one group per layer whose weight_names
// attribute lists its weights' paths inside the group, kernel then bias.
func readH5(data []byte) (*nn.Model, Info, error) {
	var m *nn.Model
	var info Info
	err := func() error {
		root, err := openH5(data)
		if err != nil {
			return err
		}
		version, err := stringAttr(root, "keras_version")
		if err != nil {
			return missing(err)
		}
		info.KerasVersion = version
		switch major(version) {
		case 2:
			info.Format = FormatH5Keras2
		case 3:
			info.Format = FormatH5Keras3
		default:
			return &UnsupportedError{Msg: fmt.Sprintf("keras_version %q; digitnet reads files from Keras 2 and 3", version)}
		}
		if info.Backend, err = stringAttr(root, "backend"); err != nil {
			return missing(err)
		}
		config, err := stringAttr(root, "model_config")
		if err != nil {
			if _, ok, _ := root.Attr("model_config"); !ok {
				return &FormatError{Msg: "no model_config attribute: a weights-only file (model.save_weights)? digitnet needs the whole model, saved with model.save"}
			}
			return missing(err)
		}
		mc, err := parseModel([]byte(config))
		if err != nil {
			return err
		}
		weights, err := root.Group("model_weights")
		if err != nil {
			return missing(err)
		}
		saved, err := stringsAttr(weights, "layer_names")
		if err != nil {
			return missing(err)
		}
		inFile := map[string]bool{}
		for _, name := range saved {
			inFile[name] = true
		}
		var used []string
		model, layers, out, err := build(mc, func(_ int, l *layerObject, shapes [][]int) ([][]float32, error) {
			name := l.Config.Name
			if !inFile[name] {
				return nil, &FormatError{Msg: fmt.Sprintf("model_weights lists no layer %q (layer_names: %s)", name, strings.Join(saved, ", "))}
			}
			used = append(used, name)
			return h5LayerWeights(weights, name, shapes)
		})
		if err != nil {
			return err
		}
		if err := noExtraWeights(weights, saved, used); err != nil {
			return err
		}
		m, info.Layers, info.Output = model, layers, string(out)
		return nil
	}()
	if err != nil {
		return nil, Info{}, err
	}
	return m, info, nil
}

// h5LayerWeights reads the weights listed in layer name's weight_names.
func h5LayerWeights(weights *h5.Group, name string, shapes [][]int) ([][]float32, error) {
	g, err := weights.Group(name)
	if err != nil {
		return nil, missing(err)
	}
	names, err := stringsAttr(g, "weight_names")
	if err != nil {
		return nil, missing(err)
	}
	if len(names) != len(shapes) {
		return nil, &FormatError{Msg: fmt.Sprintf("the file holds %d weights for the layer (%s), it needs %d", len(names), strings.Join(names, ", "), len(shapes))}
	}
	out := make([][]float32, len(names))
	for i, wn := range names {
		// Keras 2 names end in kernel:0 and bias:0, Keras 3 paths in
		// kernel and bias; the order is kernel, bias either way.
		want := []string{"kernel", "bias"}[i]
		if base := strings.TrimSuffix(wn[strings.LastIndex(wn, "/")+1:], ":0"); base != want {
			return nil, &FormatError{Msg: fmt.Sprintf("weight %d is %q, expected the %s", i, wn, want)}
		}
		if out[i], err = g.Float32s(wn, shapes[i]); err != nil {
			return nil, &FormatError{Msg: "layer weights", Err: err}
		}
	}
	return out, nil
}

// noExtraWeights refuses a file whose model_weights hold weights for layers
// the config does not account for: the config and weights disagree.
func noExtraWeights(weights *h5.Group, saved, used []string) error {
	isUsed := map[string]bool{}
	for _, n := range used {
		isUsed[n] = true
	}
	for _, name := range saved {
		if isUsed[name] {
			continue
		}
		g, err := weights.Group(name)
		if err != nil {
			return missing(err)
		}
		names, err := stringsAttr(g, "weight_names")
		if err != nil {
			return missing(err)
		}
		if len(names) > 0 {
			return &FormatError{Msg: fmt.Sprintf("model_weights holds weights for layer %q (%s) that the model config does not use", name, strings.Join(names, ", "))}
		}
	}
	return nil
}

// readZip reads a Keras 3 .keras archive (saving_lib.py): metadata.json
// (keras_version), config.json (the model) and model.weights.h5, where
// layer j of a Sequential model (not counting the InputLayer) keeps its
// weights in layers/<name>/vars/0 (kernel) and vars/1 (bias), <name> being
// its class in snake case, numbered _1, _2 ... on repeats.
func readZip(data []byte) (*nn.Model, Info, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, Info{}, &FormatError{Msg: "not a readable zip archive", Err: err}
	}
	info := Info{Format: FormatZip}
	meta, err := member(zr, "metadata.json")
	if err != nil {
		return nil, Info{}, err
	}
	var md struct {
		KerasVersion string `json:"keras_version"`
	}
	if err := json.Unmarshal(meta, &md); err != nil || md.KerasVersion == "" {
		return nil, Info{}, &FormatError{Msg: "metadata.json has no keras_version", Err: err}
	}
	info.KerasVersion = md.KerasVersion
	if major(md.KerasVersion) != 3 {
		return nil, Info{}, &UnsupportedError{Msg: fmt.Sprintf("a .keras file from Keras %q; digitnet reads those of Keras 3", md.KerasVersion)}
	}
	config, err := member(zr, "config.json")
	if err != nil {
		return nil, Info{}, err
	}
	mc, err := parseModel(config)
	if err != nil {
		return nil, Info{}, err
	}
	weightsFile, err := member(zr, "model.weights.h5")
	if err != nil {
		if _, npz := member(zr, "model.weights.npz"); npz == nil {
			return nil, Info{}, &UnsupportedError{Msg: "weights saved as .npz; digitnet reads the default, model.weights.h5"}
		}
		return nil, Info{}, err
	}
	if !IsHDF5(weightsFile) {
		return nil, Info{}, &FormatError{Msg: "model.weights.h5 is not an HDF5 file"}
	}
	// Folder names of the layers, in config order, the InputLayer left
	// out as Sequential.layers leaves it out.
	folders := map[int]string{}
	count := map[string]int{}
	for i, l := range mc.Config.Layers {
		if l.Class == "InputLayer" {
			continue
		}
		name := snakeCase(l.Class)
		if n := count[name]; n > 0 {
			folders[i] = name + "_" + strconv.Itoa(n)
		} else {
			folders[i] = name
		}
		count[name]++
	}
	root, err := openH5(weightsFile)
	if err != nil {
		return nil, Info{}, &FormatError{Msg: "model.weights.h5", Err: err}
	}
	m, layers, out, err := build(mc, func(i int, l *layerObject, shapes [][]int) ([][]float32, error) {
		dir := "layers/" + folders[i] + "/vars"
		vars, err := root.Group(dir)
		if err != nil {
			return nil, &FormatError{Msg: "model.weights.h5", Err: err}
		}
		if n := len(vars.Names()); n != len(shapes) {
			return nil, &FormatError{Msg: fmt.Sprintf("model.weights.h5 holds %d weights in %s, the layer needs %d", n, dir, len(shapes))}
		}
		out := make([][]float32, len(shapes))
		for j, shape := range shapes {
			if out[j], err = vars.Float32s(strconv.Itoa(j), shape); err != nil {
				return nil, &FormatError{Msg: "model.weights.h5: " + dir, Err: err}
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, Info{}, err
	}
	info.Layers, info.Output = layers, string(out)
	return m, info, nil
}

// member returns the contents of the archive's file name, bounded by
// maxSize so that a small archive cannot expand without limit.
func member(zr *zip.Reader, name string) ([]byte, error) {
	f, err := zr.Open(name)
	if err != nil {
		return nil, &FormatError{Msg: "the archive has no " + name, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, &FormatError{Msg: "reading " + name, Err: err}
	}
	if len(data) > maxSize {
		return nil, &FormatError{Msg: fmt.Sprintf("%s is larger than %d bytes", name, maxSize)}
	}
	return data, nil
}

// major is the major version of a Keras version string ("2.15.0" → 2),
// or 0 if it has none.
func major(version string) int {
	n, err := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	if err != nil {
		return 0
	}
	return n
}

// missing wraps an error about a group or attribute that a Keras file must
// have.
func missing(err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	return &FormatError{Msg: "not a Keras model file", Err: err}
}
