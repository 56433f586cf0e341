package main

import (
	"os"
	"syscall"
	"testing"
)

// TestMain lets a test run this test binary as digitnet itself, to check
// what only a real process shows: signals and exit statuses.
func TestMain(m *testing.M) {
	if os.Getenv("DIGITNET_TEST_AS_MAIN") == "1" {
		os.Args = append([]string{"digitnet"}, os.Args[1:]...)
		main()
	}
	os.Exit(m.Run())
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		code int
		sig  os.Signal
		want int
	}{
		{0, nil, 0},
		{1, nil, 1},
		{2, nil, 2},
		{130, os.Interrupt, 130},
		{0, os.Interrupt, 130}, // serve drained cleanly after Ctrl-C
		{1, os.Interrupt, 130},
		{130, syscall.SIGTERM, 143},
		{0, syscall.SIGTERM, 0}, // serve stopped by its service manager
	}
	for _, tt := range tests {
		if got := exitStatus(tt.code, tt.sig); got != tt.want {
			t.Errorf("exitStatus(%d, %v) = %d, want %d", tt.code, tt.sig, got, tt.want)
		}
	}
}
