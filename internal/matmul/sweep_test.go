//go:build linux

package matmul

import (
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSweep(t *testing.T) {
	if os.Getenv("MATMUL_SWEEP") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	threadTime := func() time.Duration {
		var ts unix.Timespec
		unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
		return time.Duration(ts.Nano())
	}
	kn := *kernels[len(os.Getenv("MATMUL_SWEEP"))-1]
	for _, s := range benchShapes[1:4] {
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
		for _, row := range []bool{false, true} {
			if row && s.transA {
				continue
			}
			useRowKernel = row
			for _, mc := range []int{kn.mr * 4, kn.mr * 8, kn.mr * 16, kn.mr * 32} {
				for _, kc := range []int{128, 192, 256, 320, 384} {
					kn.mc, kn.kc = mc, kc
					best := time.Duration(1 << 62)
					for range 5 {
						t0 := threadTime()
						gemmSerial(&kn, ws, &g)
						best = min(best, threadTime()-t0)
					}
					t.Logf("%-16s row=%v mc=%d kc=%d %6.1f GFLOPS", s.name, row, mc, kc, flops/best.Seconds()/1e9)
				}
			}
		}
		useRowKernel = true
	}
}
