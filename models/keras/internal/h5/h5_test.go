package h5

import (
	"archive/zip"
	"io"
	"os"
	"slices"
	"testing"
)

func open(t *testing.T, path string) (*File, *Group) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	return f, root
}

// TestKeras2 reads what h5dump shows of a tf.keras file written by h5py 3
// (superblock 0, symbol-table groups, variable-length strings in the
// global heap, fixed-length string arrays, an empty float64 array).
func TestKeras2(t *testing.T) {
	_, root := open(t, "../../testdata/tiny_keras2.h5")
	if v, ok, err := root.Attr("keras_version"); err != nil || !ok || !slices.Equal(v, []string{"2.15.0"}) {
		t.Errorf("keras_version %q %v %v", v, ok, err)
	}
	if _, ok, err := root.Attr("nonexistent"); ok || err != nil {
		t.Errorf("a missing attribute: ok %v, err %v", ok, err)
	}
	mw, err := root.Group("model_weights")
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := mw.Attr("layer_names"); err != nil || !slices.Equal(v, []string{"conv2d", "flatten", "dense"}) {
		t.Errorf("layer_names %q %v", v, err)
	}
	flat, err := mw.Group("flatten")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := flat.Attr("weight_names"); err != nil || !ok || len(v) != 0 {
		t.Errorf("flatten's weight_names %q %v %v, want an empty list", v, ok, err)
	}
	dense, err := mw.Group("dense")
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := dense.Attr("weight_names"); err != nil || !slices.Equal(v, []string{"dense/kernel:0", "dense/bias:0"}) {
		t.Errorf("weight_names %q %v", v, err)
	}
	bias, err := dense.Float32s("dense/bias:0", []int{3})
	if err != nil || len(bias) != 3 {
		t.Fatalf("bias %v %v", bias, err)
	}
	if _, err := dense.Float32s("dense/bias:0", []int{4}); err == nil {
		t.Error("read a 3-value dataset as 4 values")
	}
	if _, err := dense.Float32s("dense/nothing", []int{3}); err == nil {
		t.Error("read a missing dataset")
	}
}

// TestSuperblockV3 reads a file h5py wrote with libver="latest": superblock
// 3, version 2 object headers, groups of link messages.
func TestSuperblockV3(t *testing.T) {
	data := weightsOf(t, "../../testdata/same.keras")
	g, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	root, err := g.Root()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := root.Group("layers")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"conv2d", "conv2d_1", "dense", "dense_1", "dropout", "flatten", "max_pooling2d"}
	got := slices.Sorted(slices.Values(layers.Names()))
	if !slices.Equal(got, want) {
		t.Errorf("layers %v, want %v", got, want)
	}
	if w, err := layers.Float32s("conv2d/vars/0", []int{3, 3, 1, 8}); err != nil || len(w) != 72 {
		t.Errorf("conv2d kernel: %d values, %v", len(w), err)
	}
}

// TestDamage reads every prefix of a file and the file with each byte
// changed: errors, never a panic, never a hang.
func TestDamage(t *testing.T) {
	data, err := os.ReadFile("../../testdata/tiny_keras3.h5")
	if err != nil {
		t.Fatal(err)
	}
	walk := func(b []byte) {
		f, err := Open(b)
		if err != nil {
			return
		}
		root, err := f.Root()
		if err != nil {
			return
		}
		root.Attr("model_config")
		if mw, err := root.Group("model_weights"); err == nil {
			for _, n := range mw.Names() {
				if g, err := mw.Group(n); err == nil {
					g.Attr("weight_names")
					g.Float32s("sequential/"+n+"/kernel", []int{3, 3, 1, 2})
				}
			}
		}
	}
	for n := 0; n < len(data); n += 7 {
		walk(data[:n])
	}
	b := slices.Clone(data)
	for i := range b {
		orig := b[i]
		b[i] ^= 0xff
		walk(b)
		b[i] = orig
	}
}

// weightsOf returns model.weights.h5 from a .keras archive.
func weightsOf(t *testing.T, path string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("model.weights.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
