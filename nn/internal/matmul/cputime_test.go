//go:build linux

package matmul

import (
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCPUTime prints single-thread GFLOPS per kernel and shape measured in
// thread CPU time, which a loaded machine disturbs far less than wall time.
// It is a tuning aid: MATMUL_CPUTIME=1 go test -run CPUTime -v.
func TestCPUTime(t *testing.T) {
	if os.Getenv("MATMUL_CPUTIME") == "" {
		t.Skip("set MATMUL_CPUTIME=1 to run")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	threadTime := func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	for _, kn := range kernels {
		for _, s := range benchShapes {
			if s.m*s.n*s.k > 1e8 && os.Getenv("MATMUL_CPUTIME") != "all" {
				continue
			}
			a := make([]float32, s.m*s.k)
			b := make([]float32, s.k*s.n)
			c := make([]float32, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			g := gemmArgs{s.transA, s.transB, s.m, s.n, s.k, a, lda, b, ldb, 0, c, s.n}
			ws := getWorkspace()
			flops := 2 * float64(s.m*s.n*s.k)
			reps := max(1, int(2e8/flops))
			best := time.Duration(1 << 62)
			for range 5 {
				t0 := threadTime()
				for range reps {
					gemmSerial(kn, ws, &g)
				}
				best = min(best, (threadTime()-t0)/time.Duration(reps))
			}
			wsPool.Put(ws)
			t.Logf("%-7s %-16s %8.1f GFLOPS %10v", kn.name, s.name, flops/best.Seconds()/1e9, best)
		}
	}
}
