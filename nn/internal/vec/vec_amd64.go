//go:build amd64 && gc && !purego

package vec

import "golang.org/x/sys/cpu"

// The AVX-512 kernels use only AVX512F (zmm arithmetic, opmask loads and
// stores, KORTESTW); the AVX2 ones only AVX. x/sys/cpu also checks that the
// OS saves the zmm/ymm state.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2
)

// Widths baked into _asm/main.go: the column-block kernels hold up to 8
// vector registers of columns.
const (
	blockAVX512 = 8 * 16
	blockAVX2   = 8 * 8
)

// archImpls lists the assembly implementations this CPU can run, best
// first.
func archImpls() []*impl {
	var is []*impl
	if useAVX512 {
		is = append(is, avx512Impl)
	}
	if useAVX2 {
		is = append(is, avx2Impl)
	}
	return is
}

// lanes is the AVX-512 mask of the first k <= 16 lanes.
func lanes(k int) uint16 { return uint16(uint32(1)<<k - 1) }

// tail16 is the AVX-512 mask of the last n%16 lanes.
func tail16(n int) uint16 { return lanes(n % 16) }

// period is lcm(n, lanes) when n is not a multiple of lanes and the lcm is
// at most most floats, else 0. Rows of such a narrow n share vectors, and
// a masked store followed by a masked load of the same vector stalls (the
// load cannot be forwarded from the store), so the column-block kernels
// walk y or src as rows of period floats instead, with the bias or the sums
// repeated period/n times.
func period(n, lanes, most int) int {
	if n%lanes == 0 {
		return 0
	}
	a, b := n, lanes
	for b != 0 {
		a, b = b, a%b
	}
	if p := n / a * lanes; p <= most {
		return p
	}
	return 0
}
