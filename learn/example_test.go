package learn_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"digitnet/learn"
	"digitnet/models"
	"digitnet/recognize"
	"digitnet/samples"
	"digitnet/train"
)

// A server keeps one Learner for its samples folder, starts a job when
// asked, and swaps the model the job hands over into the reader it
// answers with (package server does this through its Live).
func ExampleLearner() {
	store, err := samples.Open("my-digits", samples.Options{})
	if err != nil {
		log.Fatal(err)
	}
	base, err := models.Default()
	if err != nil {
		log.Fatal(err)
	}
	l := learn.New(store, base, learn.Options{})

	var tooFew *train.TooFewError
	done, err := l.Start(context.Background(), func(r *recognize.Recognizer) {
		fmt.Println("now reading with", r.Info().SHA256)
	})
	switch {
	case errors.As(err, &tooFew):
		log.Fatalf("save more examples first: %v", err)
	case errors.Is(err, learn.ErrRunning):
		log.Fatal("a job runs already")
	case err != nil:
		log.Fatal(err)
	}
	<-done // or poll l.Status() for its stage and fraction
	st := l.Status()
	if st.State != learn.StateDone {
		log.Fatalf("%s: %s", st.State, st.Error)
	}
	r := st.Result
	fmt.Printf("held-out %.1f%% -> %.1f%%, MNIST %.2f%% -> %.2f%%, saved as %s\n",
		100*r.HeldOutBefore, 100*r.HeldOutAfter, 100*r.MNISTBefore, 100*r.MNISTAfter, r.File)
}
