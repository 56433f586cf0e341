package main

import (
	"digitnet/models"
	"digitnet/recognize"
)

// loadModel is the one place the CLI turns --model into a model: the file
// at path, or the embedded default when path is empty.
func loadModel(path string) (*models.Model, error) {
	if path == "" {
		return models.Default()
	}
	return models.Load(path)
}

// loadRecognizer reads images with the model loadModel gives.
func loadRecognizer(path string) (*recognize.Recognizer, error) {
	m, err := loadModel(path)
	if err != nil {
		return nil, err
	}
	return recognize.New(m)
}
