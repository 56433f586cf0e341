package matmul

import (
	"sync"
	"sync/atomic"
)

// parallelFlops is the smallest product (in FLOP) worth handing to helper
// goroutines: waking one costs microseconds, about what a 2 MFLOP product
// takes on one core.
const parallelFlops = 2 << 20

// minKSplit is the smallest k slice a helper gets when a product with too
// few register tiles to share is split along k instead.
const minKSplit = 512

// job is one parallel Gemm call, cut into parts that the caller and idle
// helpers claim through next. Jobs are pooled, so a call allocates nothing.
type job struct {
	kn     *kernel
	g      gemmArgs
	kSplit bool // parts are k slices; parts past the first write to partial
	pm, pn int  // MN split: parts along the row tiles × along the column tiles
	nparts int
	next   atomic.Int64
	wg     sync.WaitGroup
	// partial holds the products of k slices 1..nparts-1, m×n each.
	partial []float32
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// helpers are long-lived goroutines that take jobs from ch. The channel is
// unbuffered and offered with a non-blocking send, so a job only goes to a
// helper that is idle right now: a busy machine degrades to serial Gemm
// instead of queueing.
var helpers struct {
	mu sync.Mutex
	n  atomic.Int64 // helpers started
	ch chan *job
}

func init() { helpers.ch = make(chan *job) }

func ensureHelpers(n int) {
	if helpers.n.Load() >= int64(n) {
		return
	}
	helpers.mu.Lock()
	defer helpers.mu.Unlock()
	for helpers.n.Load() < int64(n) {
		go helper(helpers.ch)
		helpers.n.Add(1)
	}
}

func helper(ch chan *job) {
	for j := range ch {
		j.run()
		j.wg.Done()
	}
}

// gemmParallel splits g into parts for up to workers goroutines and runs
// them. It returns false, having done nothing, if g does not split well.
func gemmParallel(kn *kernel, g *gemmArgs, workers int) bool {
	j := jobPool.Get().(*job)
	if !j.plan(kn, g, workers) {
		jobPool.Put(j)
		return false
	}
	ensureHelpers(workers - 1)
	j.next.Store(0)
	ch := helpers.ch
offer:
	for h := 0; h < min(workers, j.nparts)-1; h++ {
		j.wg.Add(1)
		select {
		case ch <- j:
		default:
			j.wg.Done()
			break offer
		}
	}
	j.run()
	j.wg.Wait()
	if j.kSplit {
		j.reduce()
	}
	j.g = gemmArgs{} // drop the caller's slices before pooling
	j.kn = nil
	jobPool.Put(j)
	return true
}

// minPartFlops is the least work per part when a product is cut into more
// parts than workers; extra parts let the caller take over work from a
// helper that the OS has not scheduled yet.
const minPartFlops = 2 << 20

// plan chooses the parts: rectangles of whole register tiles of C when C has
// enough of them, else k slices.
func (j *job) plan(kn *kernel, g *gemmArgs, workers int) bool {
	j.kn, j.g = kn, *g
	parts := workers
	if more := 2 * g.m * g.n * g.k / minPartFlops; more > parts {
		parts = min(more, 4*workers)
	}
	tm := (g.m + kn.mr - 1) / kn.mr
	tn := (g.n + kn.nr - 1) / kn.nr
	j.kSplit = false
	if tm*tn >= workers {
		// Pick the grid with the least time, about the largest part times
		// the rounds of parts. Within 5%, prefer more parts, which the
		// caller can take over when a helper is slow to start, then more
		// row cuts (a row cut repacks only B, small next to A when A is
		// read in place).
		best := 0
		for pm := min(tm, parts); pm >= 1; pm-- {
			for pn := 1; pn <= min(tn, parts/pm); pn++ {
				if pm*pn < 2 {
					continue
				}
				cost := maxPart(g.m, kn.mr, pm) * maxPart(g.n, kn.nr, pn) * ((pm*pn + workers - 1) / workers)
				if best == 0 || cost*20 < best*19 || cost*19 <= best*20 && pm*pn > j.nparts {
					best, j.pm, j.pn, j.nparts = cost, pm, pn, pm*pn
				}
			}
		}
		return best > 0 && j.nparts > 1
	}
	parts = min(parts, g.k/minKSplit)
	if parts < 2 {
		return false
	}
	j.kSplit, j.nparts = true, parts
	j.partial = grow(j.partial, (parts-1)*g.m*g.n)
	return true
}

// maxPart is the size of the largest of parts ranges of whole units that
// cover total.
func maxPart(total, unit, parts int) int {
	tiles := (total + unit - 1) / unit
	p := min(parts, tiles)
	return min(total, (tiles+p-1)/p*unit)
}

// run claims and computes parts until none are left.
func (j *job) run() {
	ws := getWorkspace()
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.nparts {
			break
		}
		j.part(i, ws)
	}
	wsPool.Put(ws)
}

func (j *job) part(i int, ws *workspace) {
	g := &j.g
	if j.kSplit {
		p0, p1 := i*g.k/j.nparts, (i+1)*g.k/j.nparts
		s := g.sub(0, 0, p0, g.m, g.n, p1-p0)
		if i > 0 {
			s.c, s.ldc, s.beta = j.partial[(i-1)*g.m*g.n:], g.n, 0
		}
		gemmSerial(j.kn, ws, &s)
		return
	}
	mr, nr := j.kn.mr, j.kn.nr
	im, in := i/j.pn, i%j.pn
	tm := (g.m + mr - 1) / mr
	tn := (g.n + nr - 1) / nr
	i0, i1 := im*tm/j.pm*mr, min(g.m, (im+1)*tm/j.pm*mr)
	j0, j1 := in*tn/j.pn*nr, min(g.n, (in+1)*tn/j.pn*nr)
	if i0 >= i1 || j0 >= j1 {
		return
	}
	s := g.sub(i0, j0, 0, i1-i0, j1-j0, g.k)
	gemmSerial(j.kn, ws, &s)
}

// reduce adds the partial products of k slices 1.. into C.
func (j *job) reduce() {
	g := &j.g
	mn := g.m * g.n
	for i := 0; i < g.m; i++ {
		row := g.c[i*g.ldc : i*g.ldc+g.n]
		for q := 0; q < j.nparts-1; q++ {
			src := j.partial[q*mn+i*g.n : q*mn+i*g.n+g.n]
			for x, v := range src {
				row[x] += v
			}
		}
	}
}
