package main

import (
	"context"
	"errors"
	"path/filepath"

	"digitnet/models"
	"digitnet/nn"
)

func dirOf(path string) string { return filepath.Dir(path) }

func defaultModel() (*nn.Model, error) { return models.Default() }

func runServe(ctx context.Context, args []string, e env) error { return errors.New("todo") }
func runBench(ctx context.Context, args []string, e env) error { return errors.New("todo") }
