package matmul_test

import (
	"fmt"

	"digitnet/nn/internal/matmul"
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

// Each goroutine of a trainer that already keeps every core busy multiplies
// its own shard on its own goroutine.
func ExampleGemmSerial() {
	a := []float32{1, 2, 3, 4} // 2×2
	b := []float32{5, 6, 7, 8} // 2×2
	c := []float32{1, 1, 1, 1}
	matmul.GemmSerial(false, false, 2, 2, 2, a, 2, b, 2, 1, c, 2) // c += a·b
	fmt.Println(c)
	// Output: [20 23 44 51]
}
