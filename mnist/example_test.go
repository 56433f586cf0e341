package mnist_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"

	"digitnet/mnist"
)

// An IDX images file is a 16-byte header (magic 0x00000803, count, rows,
// columns) followed by the pixels; a labels file is an 8-byte header
// (magic 0x00000801, count) followed by one byte per label.
func ExampleReadSet() {
	var images, labels bytes.Buffer
	binary.Write(&images, binary.BigEndian, []uint32{0x803, 2, 2, 3})
	images.Write([]byte{
		0, 255, 0, 0, 255, 0, // a "1"
		255, 255, 255, 255, 0, 255, // something else
	})
	binary.Write(&labels, binary.BigEndian, []uint32{0x801, 2})
	labels.Write([]byte{1, 7})

	set, err := mnist.ReadSet(&images, &labels)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(set.N, "images of", set.Rows, "x", set.Cols)
	fmt.Println("label", set.Labels[0], "pixels", set.Image(0))

	// A labels file where an images file is expected:
	_, _, _, _, err = mnist.ReadImages(bytes.NewReader([]byte{0, 0, 8, 1, 0, 0, 0, 0}))
	fmt.Println(err)
	// Output:
	// 2 images of 2 x 3
	// label 1 pixels [0 255 0 0 255 0]
	// mnist: bad magic 0x00000801, want 0x00000803 (this is a labels file)
}

// Load finds the data the way the CLI does: --data, then $DIGITNET_DATA,
// the user cache, the Go module cache, and the mirrors.
func ExampleLoad() {
	dataFlag := "" // the value of --data, if given
	train, test, dir, err := mnist.Load(context.Background(), mnist.Options{
		Dir:    dataFlag,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Printf("%d training and %d test images from %s\n", train.N, test.N, dir)
}
