package nn_test

import (
	"fmt"

	"digitnet/nn"
)

// A model is built from a Spec; its parameters are named tensors in Keras
// layouts, and Predict gives class probabilities.
func ExampleNew() {
	m, err := nn.New(nn.Tutorial(), 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Spec())
	for _, t := range m.Tensors() {
		fmt.Println(t.Name, t.Shape)
	}
	fmt.Println(len(m.Params), "parameters")
	fwd, train, _ := m.Spec().MultiplyAdds()
	fmt.Printf("%.2f M multiply-adds per image forward, %.2f M for a training step\n", float64(fwd)/1e6, float64(train)/1e6)

	x := make([]float32, 28*28) // one blank image
	probs := make([]float32, 10)
	if err := m.Predict(x, 1, probs); err != nil {
		panic(err)
	}
	var sum float32
	for _, p := range probs {
		sum += p
	}
	fmt.Printf("probabilities sum to %.3f\n", sum)
	// Output:
	// 28x28x1 conv2d(32,3x3,relu) maxpool2d(2x2) conv2d(64,3x3,relu) maxpool2d(2x2) flatten dense(128,relu) dense(10,softmax)
	// conv1.kernel [3 3 1 32]
	// conv1.bias [32]
	// conv2.kernel [3 3 32 64]
	// conv2.bias [64]
	// dense1.kernel [1600 128]
	// dense1.bias [128]
	// dense2.kernel [128 10]
	// dense2.bias [10]
	// 225034 parameters
	// 2.63 M multiply-adds per image forward, 7.70 M for a training step
	// probabilities sum to 1.000
}

// The tutorial CNN's arithmetic: the direct forward pass, and what Predict
// performs on this machine (fewer where the convolutions run as Winograd
// F(2x2, 3x3), which needs AVX-512; the same elsewhere).
func ExampleSpec_PredictMultiplyAdds() {
	direct, train, err := nn.Tutorial().MultiplyAdds()
	if err != nil {
		panic(err)
	}
	predict, err := nn.Tutorial().PredictMultiplyAdds()
	if err != nil {
		panic(err)
	}
	fmt.Printf("forward %.2f M, training %.2f M multiply-adds per image\n", float64(direct)/1e6, float64(train)/1e6)
	fmt.Println("Predict does at most the direct count:", predict <= direct)
	// Output:
	// forward 2.63 M, training 7.70 M multiply-adds per image
	// Predict does at most the direct count: true
}
