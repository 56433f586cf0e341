// Command digitnet-reading prints the reading figures of issue 11 for a
// model: accuracy per handwriting style, the share of non-digits flagged
// as uncertain, the share of digits flagged, wrong readings not flagged,
// numbers read whole, the calibration of confidence and the MNIST test
// accuracy, on the report halves of the sets of package
// internal/scorecard. With -tune it chooses recognize.Doubt's limits on
// the tuning halves instead.
//
//	go run ./cmd/digitnet-reading                  # the embedded model
//	go run ./cmd/digitnet-reading -model m.safetensors
//	go run ./cmd/digitnet-reading -tune
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"digitnet/internal/scorecard"
	"digitnet/mnist"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "digitnet-reading:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("digitnet-reading", flag.ContinueOnError)
	model := fs.String("model", "", "model file (default: the embedded model)")
	also := fs.String("also", "", "comma-separated model files to average with -model (an experiment)")
	cache := fs.String("cache", "", "folder to keep prepared samples in between runs")
	tune := fs.Bool("tune", false, "choose the uncertainty limits on the tuning halves, and print the figures on those halves")
	budget := fs.Float64("budget", 0.02, "with -tune: the largest share of digits that may be flagged (DefaultDoubt was tuned with 0.02)")
	sizes := map[string]*int{
		scorecard.StyleSet:    fs.Int("styles", 60, "samples per style"),
		scorecard.NonDigitSet: fs.Int("nondigits", 40, "samples per kind of non-digit"),
		scorecard.UserSet:     fs.Int("userlike", 150, "samples per upload kind of MNIST test digits"),
		scorecard.StripSet:    fs.Int("strips", 200, "numbers of 2 to 4 MNIST test digits"),
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	for set, n := range sizes {
		if *n < 1 {
			return fmt.Errorf("the %s set needs at least 1 sample per kind, got %d", set, *n)
		}
	}
	if !(*budget > 0 && *budget < 1) {
		return fmt.Errorf("-budget must be a fraction between 0 and 1, got %v", *budget)
	}
	var mm *models.Model
	var err error
	if *model == "" {
		mm, err = models.Default()
	} else {
		mm, err = models.Load(*model)
	}
	if err != nil {
		return err
	}
	m := mm.Net
	var pred scorecard.Predictor = m
	if *also != "" { // an experiment: average with more models
		e := scorecard.Ensemble{m}
		for _, p := range strings.Split(*also, ",") {
			o, err := models.Load(p)
			if err != nil {
				return err
			}
			e = append(e, o.Net)
		}
		pred = e
	}
	_, test, _, err := mnist.Load(context.Background(), mnist.Options{})
	if err != nil {
		return err
	}
	split := scorecard.Report
	if *tune {
		split = scorecard.Tune
	}
	var sets []scorecard.Scored
	for _, set := range scorecard.Sets {
		ps, err := scorecard.Prepare(set, split, *sizes[set], test, *cache)
		if err != nil {
			return err
		}
		probs, err := scorecard.Classify(pred, ps)
		if err != nil {
			return err
		}
		sets = append(sets, scorecard.Scored{Set: set, Prepared: ps, Probs: probs})
	}
	d := recognize.DefaultDoubt
	if *tune {
		d = scorecard.TuneDoubt(sets, d, *budget, out)
		fmt.Fprintf(out, "tuned on the tuning halves: %#v\n\n", d)
	}
	fmt.Fprintf(out, "Reading figures on the %s halves of internal/scorecard's sets, with limits\n%+v\n\n", split, d)
	var results []scorecard.Result
	for _, s := range sets {
		res := s.Judge(d)
		res.Print(out)
		fmt.Fprintln(out)
		results = append(results, res)
	}
	var digitSets []scorecard.Scored
	for _, s := range sets {
		if s.Set == scorecard.StyleSet || s.Set == scorecard.UserSet {
			digitSets = append(digitSets, s)
		}
	}
	r := scorecard.Measure(digitSets, d)
	fmt.Fprintf(out, "style and user-like sets together: %.2f%% right, %.2f%% flagged, %.2f%% wrong and not flagged\n\n",
		100*r.Right, 100*r.DigitsFlagged, 100*r.WrongSure)
	conf, right := scorecard.Calibration(results[0], results[2])
	scorecard.PrintReliability(out, "calibration of confidence, style and user-like readings", conf, right)
	fmt.Fprintln(out)
	conf, right = scorecard.Calibration(results[:3]...)
	scorecard.PrintReliability(out, "calibration of confidence, with the non-digits (never right)", conf, right)
	fmt.Fprintln(out)
	mt, err := train.Evaluate(m, test)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "MNIST test accuracy %.2f%% (%d/%d)\n", 100*mt.Accuracy, mt.Correct, mt.N)
	return nil
}
