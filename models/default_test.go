package models_test

import (
	"fmt"
	"testing"

	"digitnet/models"
	"digitnet/nn"
)

func TestDefault(t *testing.T) {
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The tutorial's network behind a deskew, which has no parameters.
	if got, want := m.Net.Spec().String(), nn.Tutorial().Deskewed().String(); got != want {
		t.Errorf("architecture %s, want the tutorial's with a deskew in front, %s", got, want)
	}
	if m.Meta.Training == nil || !m.Meta.Training.Augment {
		t.Errorf("the default model should be trained with augmentation; training %+v", m.Meta.Training)
	}
	if m.Meta.Input != models.MNISTInput {
		t.Errorf("input %+v, want %+v", m.Meta.Input, models.MNISTInput)
	}
	// Each call returns its own copy.
	m2, _ := models.Default()
	m2.Net.Params[0]++
	if m.Net.Params[0] == m2.Net.Params[0] {
		t.Error("Default returned shared parameters")
	}
}

func ExampleDefault() {
	m, err := models.Default()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d parameters, %.2f%% on MNIST test, weights %.12s...\n",
		len(m.Net.Params), 100*m.Meta.TestAccuracy, m.Meta.SHA256)
	// Output: 225034 parameters, 99.50% on MNIST test, weights 218130154cc2...
}
