package keras

// This file is the HDF5 access the readers need, on top of package h5:
// attributes as strings, groups by path, float32 datasets of a known
// shape. Anything missing or of another type is an error that names it.

import (
	"fmt"

	"digitnet/models/keras/internal/h5"
)

// stringAttr returns g's string attribute name, which must exist and hold
// one string. h5py writes Keras's bytes as fixed-length strings (h5py 2)
// or variable-length ones (h5py 3); both read the same.
func stringAttr(g *h5.Group, name string) (string, error) {
	v, ok, err := g.Attr(name)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", fmt.Errorf("group %q has no %q attribute", g.Name(), name)
	case len(v) != 1:
		return "", fmt.Errorf("attribute %q of %q holds %d strings, not one", name, g.Name(), len(v))
	}
	return v[0], nil
}

// stringsAttr returns g's attribute name as a list of strings: Keras's
// layer_names and weight_names, arrays of fixed-length strings. An empty
// list is an empty float64 array (np.asarray([])).
func stringsAttr(g *h5.Group, name string) ([]string, error) {
	v, ok, err := g.Attr(name)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("group %q has no %q attribute", g.Name(), name)
	}
	return v, nil
}
