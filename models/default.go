package models

import (
	_ "embed"
	"fmt"
)

// The model embedded in digitnet: the tutorial CNN trained with
// augmentation for real uploads. docs/model.md gives the command that
// reproduces it.
//
//go:embed default.safetensors
var defaultFile []byte

// DefaultFile returns the bytes of the embedded model file.
func DefaultFile() []byte { return defaultFile }

// Default parses the embedded model. Each call returns a new Model, so a
// caller may fine-tune its copy without affecting others.
func Default() (*Model, error) {
	m, err := Parse(defaultFile)
	if err != nil {
		return nil, fmt.Errorf("models: embedded model: %w", err)
	}
	m.Meta.Source = "embedded"
	return m, nil
}
