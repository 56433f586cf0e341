package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"digitnet/plot"
	"digitnet/train"
)

const evalSynopsis = `usage: digitnet eval [flags]

Measures a model on the 10,000 MNIST test images: accuracy, per-class
precision and recall, and the confusion matrix (rows: true digit, columns:
predicted digit). Without --model it measures the embedded default model.
--plot draws the confusion matrix with each digit's recall as an SVG.`

func runEval(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("eval", evalSynopsis, e)
	modelPath := fs.String("model", "", "model `FILE` (default: the embedded model)")
	data := fs.String("data", "", "folder `DIR` with the four MNIST files (default: as for train)")
	asJSON := fs.Bool("json", false, "print one JSON object: n, correct, accuracy, loss, confusion, precision, recall")
	plotPath := fs.String("plot", "", "draw the confusion matrix and each digit's recall into SVG `FILE`")
	quiet := fs.Bool("quiet", false, "print the results only: no notes about finding or downloading MNIST")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("eval", "unexpected argument %q", fs.Arg(0))
	}
	if err := checkPath("eval", "model", *modelPath, false); err != nil {
		return err
	}
	if err := checkPath("eval", "data", *data, true); err != nil {
		return err
	}
	if *plotPath != "" {
		if err := checkOutput("eval", "plot", *plotPath, false); err != nil {
			return err
		}
	}
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	_, testSet, err := loadMNIST(ctx, *data, e, *quiet)
	if err != nil {
		return err
	}
	var mt train.Metrics
	err = untilDone(ctx, "the evaluation did not finish", func() (err error) {
		mt, err = train.Evaluate(m.Net, testSet)
		return err
	})
	if err != nil {
		return err
	}
	if *plotPath != "" {
		if err := writePlot(*plotPath, func(w io.Writer) error { return plot.Confusion(w, mt.Confusion) }); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(mt)
	}
	fmt.Fprint(e.stdout, formatMetrics(mt))
	return nil
}

func formatMetrics(mt train.Metrics) string {
	var b strings.Builder
	fmt.Fprintf(&b, "accuracy %.2f%% (%d/%d), loss %.4f\n\n", 100*mt.Accuracy, mt.Correct, mt.N, mt.Loss)
	fmt.Fprintf(&b, "digit  precision  recall\n")
	for c := range mt.Precision {
		fmt.Fprintf(&b, "%5d  %8.2f%%  %5.2f%%\n", c, 100*mt.Precision[c], 100*mt.Recall[c])
	}
	fmt.Fprintf(&b, "\nconfusion (rows: true, columns: predicted)\n     ")
	for c := range mt.Confusion {
		fmt.Fprintf(&b, "%6d", c)
	}
	b.WriteString("\n")
	for t, row := range mt.Confusion {
		fmt.Fprintf(&b, "%5d", t)
		for _, v := range row {
			fmt.Fprintf(&b, "%6d", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}
