package matmul

// Register tile of the pure-Go kernel: 16 accumulators already exceed the 15
// usable XMM registers a little, and larger tiles spill much more.
const (
	goMR = 4
	goNR = 4
)

// tileGo is the portable micro-kernel and the specification of the assembly
// ones: one goMR×goNR tile of C from packed panels (see kernel.tile). The Go
// compiler emits no FMA for float32, so this is plain multiply-add.
func tileGo(rows, cols, k int, a, b, c []float32, ldc int, beta float32) {
	a = a[:k*goMR]
	b = b[:k*goNR]
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for len(a) >= goMR && len(b) >= goNR {
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		a = a[goMR:]
		b = b[goNR:]
	}
	acc := [goMR][goNR]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	storeTile(acc[:rows], cols, c, ldc, beta)
}

// storeTile writes the first cols columns of acc's rows to C with beta.
func storeTile(acc [][goNR]float32, cols int, c []float32, ldc int, beta float32) {
	for r := range acc {
		row := c[r*ldc : r*ldc+cols]
		src := acc[r][:cols]
		switch beta {
		case 0:
			copy(row, src)
		case 1:
			for j, v := range src {
				row[j] += v
			}
		default:
			for j, v := range src {
				row[j] = v + beta*row[j]
			}
		}
	}
}
