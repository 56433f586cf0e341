package main

import (
	"path/filepath"

	"digitnet/models"
	"digitnet/nn"
)

func dirOf(path string) string { return filepath.Dir(path) }

func defaultModel() (*nn.Model, error) { return models.Default() }
