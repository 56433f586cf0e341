// Package models holds the model embedded in digitnet: the tutorial CNN
// trained with augmentation for real uploads. See the README for the command
// that reproduces it.
package models

import (
	_ "embed"
	"fmt"

	"digitnet/nn"
)

//go:embed default.safetensors
var defaultFile []byte

// DefaultFile returns the bytes of the embedded safetensors file.
func DefaultFile() []byte { return defaultFile }

// Default parses the embedded model. Each call returns a new Model, so a
// caller may fine-tune its copy without affecting others.
func Default() (*nn.Model, error) {
	m, err := nn.Parse(defaultFile)
	if err != nil {
		return nil, fmt.Errorf("models: embedded model: %w", err)
	}
	return m, nil
}
