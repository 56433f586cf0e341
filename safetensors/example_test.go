package safetensors_test

import (
	"bytes"
	"fmt"
	"log"

	"digitnet/safetensors"
)

func Example() {
	var buf bytes.Buffer
	tensors := []safetensors.Tensor{
		safetensors.F32("dense.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		safetensors.F32("dense.bias", []int{2}, []float32{0.5, -0.5}),
	}
	if err := safetensors.Write(&buf, tensors, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("file size:", buf.Len())

	f, err := safetensors.Read(&buf, 1<<20)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.DType, t.Shape)
	}
	bias, ok := f.Tensor("dense.bias")
	if !ok {
		log.Fatal("no bias")
	}
	values, err := bias.Float32s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("bias:", values, "format:", f.Metadata["format"])

	_, err = safetensors.Parse([]byte("not a safetensors file"))
	fmt.Println(err)
	// Output:
	// file size: 208
	// dense.weight F32 [2 3]
	// dense.bias F32 [2]
	// bias: [0.5 -0.5] format: pt
	// safetensors: invalid format: header length 7021991845529153390 exceeds the limit of 100000000
}
