// Package learn runs the fine-tuning jobs of `digitnet serve --samples
// DIR`: it learns one person's handwriting from the samples they saved,
// one job at a time, in the background, and hands the new model over.
//
// A Learner keeps a samples.Store and a base model. Start checks that the
// store holds enough samples, then runs a job that prepares them (package
// samples), loads MNIST (package mnist), fine-tunes the base model on both
// (train.FineTune), saves the result atomically under DIR/models/ and
// passes it, ready to read images, to the caller's function, which makes
// it the model in use. Status says how the job is going and, when it is
// done, what it measured. Every job starts again from the base model and
// learns from all the samples, so jobs do not stack one on another.
//
// Package learn knows nothing of HTTP: package server maps it to routes.
package learn
