package vec_test

import (
	"fmt"

	"digitnet/nn/internal/vec"
)

func ExampleMaxPool2x2() {
	// A 2×3 plane with 2 channels; the odd last column is dropped.
	src := []float32{
		1, -1, 5, -5, 9, 9,
		3, -3, 2, -2, 9, 9,
	}
	dst := make([]float32, 1*1*2)
	vec.MaxPool2x2(dst, src, 2, 3, 2)
	fmt.Println(dst)
	// Output: [5 -1]
}

func ExampleAddBias() {
	y := []float32{1, -2, 3, -4}
	vec.AddBias(y, []float32{0.5, 1}, true) // two rows of two
	fmt.Println(y)
	// Output: [1.5 0 3.5 0]
}

func ExampleColSums() {
	db := []float32{0, 0, 0}
	vec.ColSums(db, []float32{1, 2, 3, 10, 20, 30})
	fmt.Println(db)
	// Output: [11 22 33]
}

func ExampleAdam() {
	w, g := []float32{1}, []float32{0.5}
	m, v := []float32{0}, []float32{0}
	vec.Adam(w, g, m, v, 0.9, 0.999, 0.1, 1e-7)
	fmt.Printf("w=%.4f m=%.4f v=%.6f\n", w[0], m[0], v[0])
	// Output: w=0.6838 m=0.0500 v=0.000250
}
