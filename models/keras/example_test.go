package keras_test

import (
	"fmt"

	"digitnet/models/keras"
)

// A Keras 3 .keras file: its layers, what digitnet makes of them, and the
// weights read into nn's layouts.
func ExampleReadFile() {
	m, info, err := keras.ReadFile("testdata/tiny.keras")
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Format, info.KerasVersion)
	fmt.Println(info.Layers)
	fmt.Println(m.Spec())
	for _, t := range m.Tensors() {
		fmt.Println(t.Name, t.Shape)
	}
	// Output:
	// Keras 3 .keras 3.6.0
	// [input_layer (InputLayer) conv2d (Conv2D) flatten (Flatten) dense (Dense)]
	// 4x4x1 conv2d(2,3x3,relu) flatten dense(3,softmax)
	// conv1.kernel [3 3 1 2]
	// conv1.bias [2]
	// dense1.kernel [8 3]
	// dense1.bias [3]
}

// Layers digitnet cannot compute exactly are refused by name.
func ExampleRead_unsupported() {
	_, _, err := keras.ReadFile("testdata/weights_only.h5")
	fmt.Println(err)
	// Output:
	// keras: no model_config attribute: a weights-only file (model.save_weights)? digitnet needs the whole model, saved with model.save
}
