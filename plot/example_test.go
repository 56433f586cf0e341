package plot_test

import (
	"fmt"
	"os"
	"strings"

	"digitnet/models"
	"digitnet/plot"
)

// Curves draws a training run's history, as `digitnet train --plot` does
// and as a model file's metadata keeps it.
func ExampleCurves() {
	history := []models.Epoch{
		{Epoch: 1, Loss: 0.2012, Accuracy: 0.9391, TestLoss: 0.0583, TestAccuracy: 0.9812},
		{Epoch: 2, Loss: 0.0561, Accuracy: 0.9826, TestLoss: 0.0412, TestAccuracy: 0.9861},
	}
	var svg strings.Builder
	if err := plot.Curves(&svg, history); err != nil {
		fmt.Println(err)
		return
	}
	first, _, _ := strings.Cut(svg.String(), "\n")
	fmt.Println(first)
	// Output:
	// <svg xmlns="http://www.w3.org/2000/svg" width="720" height="330" viewBox="0 0 720 330" font-family="sans-serif" font-size="12" fill="#222">
}

// ModelConfusion draws the confusion matrix a model file keeps from the
// end of its training; models without one give ErrNoConfusion.
func ExampleModelConfusion() {
	meta := models.Meta{Training: &models.Training{TestConfusion: [][]int{{98, 2}, {1, 99}}}}
	if err := plot.ModelConfusion(os.Stdout, models.Meta{}); err != nil {
		fmt.Println(err)
	}
	var svg strings.Builder
	if err := plot.ModelConfusion(&svg, meta); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Contains(svg.String(), "Confusion matrix: 98.50% of 200 read right"))
	// Output:
	// plot: the model file holds no confusion matrix
	// true
}
