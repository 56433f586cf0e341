package main

import (
	"context"
	"fmt"

	"digitnet/models"
)

const exportSynopsis = `usage: digitnet export --format onnx [--model FILE] --out FILE

Writes a model in another framework's format, for onnxruntime, a browser or
a phone. ONNX (opset 13): one input "image" of shape (N, 1, 28, 28), float32
grey levels in [0, 1] (pixel/255, white ink on black, prepared as MNIST
was), N free; one output "probabilities" of shape (N, 10). The model's
test accuracy and training recipe go into the file's metadata properties.
Without --model it exports the embedded default model; --model reads any
format digitnet reads (safetensors, Keras .h5 or .keras, ONNX). An existing
--out is kept unless --force is given.`

func runExport(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("export", exportSynopsis, e)
	format := fs.String("format", "", "output `FORMAT`: onnx")
	modelPath := fs.String("model", "", "model `FILE` to export (default: the embedded model)")
	out := fs.String("out", "", "`FILE` to write")
	force := fs.Bool("force", false, "replace --out if it exists")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("export", "unexpected argument %q", fs.Arg(0))
	case *format == "":
		return usagef("export", "--format is required (onnx)")
	case *format != "onnx":
		return usagef("export", "--format %q is not supported; digitnet exports onnx", *format)
	case *out == "":
		return usagef("export", "--out must name a file")
	}
	if err := checkPath("export", "model", *modelPath, false); err != nil {
		return err
	}
	if err := checkOutput("export", "out", *out, !*force); err != nil {
		return err
	}
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	if err := models.WriteONNXFile(*out, m); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s: %s as ONNX opset 13\n", *out, m.Net.Spec())
	return nil
}
