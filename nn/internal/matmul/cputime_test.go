//go:build linux

package matmul

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkCPUTime reports single-thread GFLOPS per kernel and shape
// measured in the thread's CPU time, which a loaded machine disturbs far
// less than wall time. It is a tuning aid:
//
//	go test -run '^$' -bench CPUTime ./nn/internal/matmul/
func BenchmarkCPUTime(b *testing.B) {
	threadTime := func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	for _, kn := range kernels {
		for _, s := range benchShapes {
			if s.m*s.n*s.k > 1e8 {
				continue
			}
			b.Run(kn.name+"/"+s.name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				a := make([]float32, s.m*s.k)
				bm := make([]float32, s.k*s.n)
				c := make([]float32, s.m*s.n)
				lda, ldb := s.k, s.n
				if s.transA {
					lda = s.m
				}
				if s.transB {
					ldb = s.k
				}
				g := gemmArgs{s.transA, s.transB, s.m, s.n, s.k, a, lda, bm, ldb, 0, c, s.n}
				ws := getWorkspace()
				defer wsPool.Put(ws)
				t0 := threadTime()
				for b.Loop() {
					gemmSerial(kn, ws, &g)
				}
				cpu := threadTime() - t0
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/cpu.Seconds()/1e9, "cpu-GFLOPS")
			})
		}
	}
}
