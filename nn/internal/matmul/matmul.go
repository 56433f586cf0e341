package matmul

import (
	"fmt"
	"runtime"
	"sync"
)

// Gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where op(A)
// is m×k and op(B) is k×n.
//
// If transA is false, A is stored m×k with row stride lda (lda ≥ k);
// otherwise A is stored k×m (lda ≥ m) and op(A) = Aᵀ. Likewise for B: k×n
// with ldb ≥ n, or n×k with ldb ≥ k when transB. C is m×n with ldc ≥ n.
// When beta is 0, C is not read (so it may hold NaNs or garbage).
//
// Gemm panics if a dimension is negative, a stride is too small or a slice
// is too short for its matrix: these are programming errors, and the
// assembly kernels must never touch memory outside the slices. Large
// products run on up to GOMAXPROCS goroutines; small ones run on the
// calling goroutine. Gemm does not allocate in steady state and is safe for
// concurrent use.
func Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(gemmArgs{transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc}, true)
}

// GemmSerial is Gemm on the calling goroutine alone. It is for callers that
// already keep every core busy (the trainer runs one batch shard per core),
// and whose results must not depend on how many helper goroutines happened
// to be free: a product split along k sums in a different order.
func GemmSerial(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(gemmArgs{transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc}, false)
}

func gemm(g gemmArgs, parallel bool) {
	m, n, k, beta := g.m, g.n, g.k, g.beta
	c, ldc := g.c, g.ldc
	g.check()
	if m == 0 || n == 0 {
		return
	}
	if beta == 0 {
		beta = 0 // -0 becomes +0, the kernels' "do not read C"
		g.beta = 0
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	// A single row of A, or column of B, is the same vector either way;
	// the transposed A and plain B layouts are the ones read in place.
	if m == 1 && !g.transA {
		g.transA, g.lda = true, 1
	}
	if n == 1 && g.transB {
		g.transB, g.ldb = false, 1
	}
	kn := active.Load()
	if workers := runtime.GOMAXPROCS(0); parallel && workers > 1 && 2*m*n*k >= parallelFlops {
		if gemmParallel(kn, &g, workers) {
			return
		}
	}
	ws := getWorkspace()
	gemmSerial(kn, ws, &g)
	wsPool.Put(ws)
}

// gemmArgs holds one Gemm call; sub-problems of a split call are gemmArgs
// too, with their slices starting at the sub-matrices.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

func (g *gemmArgs) check() {
	if g.m < 0 || g.n < 0 || g.k < 0 {
		panic(fmt.Sprintf("matmul: negative dimension m=%d n=%d k=%d", g.m, g.n, g.k))
	}
	ra, ca := stored(g.m, g.k, g.transA)
	rb, cb := stored(g.k, g.n, g.transB)
	checkMatrix("a", ra, ca, g.a, g.lda)
	checkMatrix("b", rb, cb, g.b, g.ldb)
	checkMatrix("c", g.m, g.n, g.c, g.ldc)
}

// stored returns the shape in memory of an operand that is rows×cols in
// the product: transposed, it is stored cols×rows.
func stored(rows, cols int, trans bool) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}

func checkMatrix(name string, rows, cols int, s []float32, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("matmul: ld%s = %d < max(1, %d)", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("matmul: len(%s) = %d < %d for a %d×%d matrix with stride %d", name, len(s), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// sub returns the product restricted to rows [i0, i0+m) and columns
// [j0, j0+n) of C and to the k range [p0, p0+k).
func (g *gemmArgs) sub(i0, j0, p0, m, n, k int) gemmArgs {
	s := *g
	s.m, s.n, s.k = m, n, k
	if g.transA {
		s.a = g.a[p0*g.lda+i0:]
	} else {
		s.a = g.a[i0*g.lda+p0:]
	}
	if g.transB {
		s.b = g.b[j0*g.ldb+p0:]
	} else {
		s.b = g.b[p0*g.ldb+j0:]
	}
	s.c = g.c[i0*g.ldc+j0:]
	return s
}

// scaleC sets C = beta·C without reading C when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// workspace holds the packing buffers of one goroutine.
type workspace struct {
	ap, bp []float32
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

func getWorkspace() *workspace { return wsPool.Get().(*workspace) }

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// blocks splits total into the fewest blocks of at most size, returning an
// even block length rounded up to a multiple of unit.
func blocks(total, size, unit int) int {
	nb := (total + size - 1) / size
	bl := (total + nb - 1) / nb
	return (bl + unit - 1) / unit * unit
}

// Reading a plain B in place instead of packing it pays when few row tiles
// reuse each B panel. (A transposed A is always read in place by the
// assembly kernels: that measured faster than packing for every shape.)
const directMaxRowTiles = 12

// gemmSerial runs the GotoBLAS loop nest on the calling goroutine: for each
// nc-wide column block and kc-deep slice, pack op(B); for each mc-high row
// block pack op(A); then sweep the register tiles. Later k slices
// accumulate into C with beta 1. Packing is skipped where it does not pay:
// a transposed A and a plain B already have the layout of a packed panel
// apart from the stride, so A is read in place and B too when few row tiles
// reuse it, and kernels with a row-major-A variant (tileR) never pack a
// plain A: they broadcast straight from its rows. Both measured faster than
// packing for every engine shape.
func gemmSerial(kn *kernel, ws *workspace, g *gemmArgs) {
	m, n, k := g.m, g.n, g.k
	mr, nr := kn.mr, kn.nr
	directA := g.transA && !kn.packOnly
	rowsA := !g.transA && kn.tileR != nil
	directB := !g.transB && m <= directMaxRowTiles*mr && (kn.maskedB || n%nr == 0) && (!kn.packOnly || m < mr)
	kc, mc := kn.kc, kn.mc
	if rowsA {
		kc, mc = kn.rowKC, kn.rowMC
	}
	kc = blocks(k, kc, 1)
	mc = blocks(m, mc, mr)
	nc := blocks(n, kn.nc, nr)
	if !directA && !rowsA {
		ws.ap = grow(ws.ap, min(mc, (m+mr-1)/mr*mr)*kc)
	}
	if !directB {
		ws.bp = grow(ws.bp, kc*min(nc, (n+nr-1)/nr*nr))
	}
	for jc := 0; jc < n; jc += nc {
		ncur := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcur := min(kc, k-pc)
			beta := g.beta
			if pc > 0 {
				beta = 1
			}
			switch {
			case directB:
			case g.transB && kn.packBT != nil:
				kn.packBT(kcur, ncur, g.b[jc*g.ldb+pc:], g.ldb, ws.bp)
			case g.transB:
				packB(nr, kcur, ncur, g.b[jc*g.ldb+pc:], g.ldb, true, ws.bp)
			default:
				packB(nr, kcur, ncur, g.b[pc*g.ldb+jc:], g.ldb, false, ws.bp)
			}
			for ic := 0; ic < m; ic += mc {
				mcur := min(mc, m-ic)
				switch {
				case directA, rowsA:
				case g.transA:
					packA(mr, mcur, kcur, g.a[pc*g.lda+ic:], g.lda, true, ws.ap)
				default:
					packA(mr, mcur, kcur, g.a[ic*g.lda+pc:], g.lda, false, ws.ap)
				}
				for jr := 0; jr < ncur; jr += nr {
					if kn.wide != nil && mcur == 1 && directA && directB && ncur-jr >= kn.wideN {
						// One row (a dense layer on one image): wideN columns
						// at a time keep more FMAs in flight.
						kn.wide(kcur, g.a[pc*g.lda+ic:], g.lda, g.b[pc*g.ldb+jc+jr:], g.ldb, g.c[ic*g.ldc+jc+jr:], beta)
						jr += kn.wideN - nr
						continue
					}
					cols := min(nr, ncur-jr)
					var bpan []float32
					ldb := nr
					if directB {
						bpan, ldb = g.b[pc*g.ldb+jc+jr:], g.ldb
					} else {
						bpan = ws.bp[jr*kcur:]
					}
					for ir := 0; ir < mcur; ir += mr {
						rows := min(mr, mcur-ir)
						var apan []float32
						lda := mr
						cs := g.c[(ic+ir)*g.ldc+jc+jr:]
						switch {
						case rowsA:
							kn.tileR(rows, cols, kcur, g.a[(ic+ir)*g.lda+pc:], g.lda, bpan, ldb, cs, g.ldc, beta)
							continue
						case directA:
							apan, lda = g.a[pc*g.lda+ic+ir:], g.lda
						default:
							apan = ws.ap[ir*kcur:]
						}
						kn.tile(rows, cols, kcur, apan, lda, bpan, ldb, cs, g.ldc, beta)
					}
				}
			}
		}
	}
}

// gemmNaive is the reference: the plain triple loop.
func gemmNaive(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = s
			} else {
				c[i*ldc+j] = beta*c[i*ldc+j] + s
			}
		}
	}
}
