package onnx_test

import (
	"bytes"
	"fmt"

	"digitnet/models/onnx"
	"digitnet/nn"
)

// Export a network and read it back: the graph digitnet writes, and the
// same network from it.
func ExampleWrite() {
	m, err := nn.New(nn.Tutorial(), 1)
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := onnx.Write(&buf, m, map[string]string{"test_accuracy": "0.9948"}); err != nil {
		panic(err)
	}
	back, info, err := onnx.Read(buf.Bytes())
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Producer, "opset", info.Opset, info.Input, info.Metadata)
	fmt.Println(info.Nodes)
	fmt.Println(back.Spec())
	// Output:
	// digitnet opset 13 image [N 1 28 28] map[test_accuracy:0.9948]
	// [Conv Conv_1 Relu Relu_2 MaxPool MaxPool_3 Conv Conv_4 Relu Relu_5 MaxPool MaxPool_6 Flatten Flatten_7 Gemm Gemm_8 Relu Relu_9 Gemm Gemm_10 Softmax Softmax_11]
	// 28x28x1 conv2d(32,3x3,relu) maxpool2d(2x2) conv2d(64,3x3,relu) maxpool2d(2x2) flatten dense(128,relu) dense(10,softmax)
}
