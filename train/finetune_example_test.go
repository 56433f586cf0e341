package train_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"digitnet/mnist"
	"digitnet/models"
	"digitnet/samples"
	"digitnet/train"
)

// FineTune adapts the embedded model to the handwriting in a samples
// folder (DIR/0 … DIR/9), as `digitnet finetune` does. A server runs the
// same call in a goroutine, keeps the last progress for its status route
// and cancels ctx on shutdown.
func ExampleFineTune() {
	ctx := context.Background()
	set, err := samples.Load(ctx, "samples", samples.Options{}.Limits)
	if err != nil {
		log.Fatal(err)
	}
	if err := train.CheckSamples(set.PerLabel()); err != nil {
		log.Fatal(err) // e.g. "… digit 7 has 2 (add 1 more)"
	}
	trainSet, testSet, _, err := mnist.Load(ctx, mnist.Options{})
	if err != nil {
		log.Fatal(err)
	}
	base, err := models.Default()
	if err != nil {
		log.Fatal(err)
	}
	res, err := train.FineTune(ctx, base, set.Data, trainSet, testSet, train.FineTuneConfig{}, func(p train.FineTuneProgress) {
		fmt.Printf("\r%-24s %3.0f%%", p.Stage, 100*p.Fraction)
	})
	var tooFew *train.TooFewError
	if errors.As(err, &tooFew) {
		log.Fatalf("%v (per digit: %v)", err, tooFew.PerLabel)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\nheld-out samples %.1f%% -> %.1f%%, MNIST test %.2f%% -> %.2f%%\n",
		100*res.HeldOutBefore.Accuracy, 100*res.HeldOutAfter.Accuracy, 100*res.MNISTBefore.Accuracy, 100*res.MNISTAfter.Accuracy)
	if err := models.WriteFile("finetuned.safetensors", res.Model); err != nil {
		log.Fatal(err)
	}
}
