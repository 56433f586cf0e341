package matmul_test

import (
	"fmt"

	"digitnet/internal/matmul"
)

// A dense layer's forward pass, out = x·Wᵀ, with W stored out×in as usual:
// transB reads W transposed without copying it.
func ExampleGemm() {
	x := []float32{ // 2 samples × 3 inputs
		1, 2, 3,
		4, 5, 6,
	}
	w := []float32{ // 2 outputs × 3 inputs
		1, 0, -1,
		0.5, 0.5, 0.5,
	}
	out := make([]float32, 2*2)
	matmul.Gemm(false, true, 2, 2, 3, x, 3, w, 3, 0, out, 2)
	fmt.Println(out)
	// Output: [-2 3 -2 7.5]
}

func ExampleKernel() {
	switch matmul.Kernel() {
	case "avx512", "avx2", "go":
		fmt.Println("ok")
	}
	// Output: ok
}
