package matmul

// packA copies the mc×kc block of op(A) whose top-left element is a[0] into
// dst as ceil(mc/mr) panels of kc×mr: element (i, p) of the block goes to
// dst[(i/mr)*mr*kc + p*mr + i%mr]. Rows past mc in the last panel are zeroed.
// If trans, the block is stored transposed (element (i, p) at a[p*lda+i]).
func packA(mr, mc, kc int, a []float32, lda int, trans bool, dst []float32) {
	for i0 := 0; i0 < mc; i0 += mr {
		rows := min(mr, mc-i0)
		d := dst[i0*kc : i0*kc+mr*kc]
		switch {
		case trans && rows == 2:
			// A two-element copy per k step: plain moves beat memmove.
			for p := 0; p < kc; p++ {
				*(*[2]float32)(d[p*mr:]) = *(*[2]float32)(a[p*lda+i0:])
			}
		case trans:
			for p := 0; p < kc; p++ {
				src := a[p*lda+i0 : p*lda+i0+rows]
				copy(d[p*mr:p*mr+rows], src)
			}
		default:
			interleave(d, mr, a[i0*lda:], lda, rows, kc)
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(d[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies the kc×nc block of op(B) whose top-left element is b[0] into
// dst as ceil(nc/nr) panels of kc×nr: element (p, j) goes to
// dst[(j/nr)*nr*kc + p*nr + j%nr]. Columns past nc in the last panel are
// zeroed. If trans, the block is stored transposed (element (p, j) at
// b[j*ldb+p]).
func packB(nr, kc, nc int, b []float32, ldb int, trans bool, dst []float32) {
	for j0 := 0; j0 < nc; j0 += nr {
		cols := min(nr, nc-j0)
		d := dst[j0*kc : j0*kc+nr*kc]
		if trans {
			interleave(d, nr, b[j0*ldb:], ldb, cols, kc)
		} else {
			for p := 0; p < kc; p++ {
				copy(d[p*nr:p*nr+cols], b[p*ldb+j0:p*ldb+j0+cols])
			}
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// interleave writes n rows of kc elements, row r starting at src[r*lds],
// into a panel of width w: element p of row r goes to dst[p*w+r]. Both
// packA's row-major A and packB's transposed B come down to this. Four
// rows go at a time, so that each store fills four neighbouring floats of
// a panel line instead of one.
func interleave(dst []float32, w int, src []float32, lds, n, kc int) {
	r := 0
	for ; r+4 <= n; r += 4 {
		s0 := src[r*lds : r*lds+kc]
		s1 := src[(r+1)*lds : (r+1)*lds+kc]
		s2 := src[(r+2)*lds : (r+2)*lds+kc]
		s3 := src[(r+3)*lds : (r+3)*lds+kc]
		dd := dst[r:]
		for p := range s0 {
			q := dd[p*w : p*w+4]
			q[0], q[1], q[2], q[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	for ; r < n; r++ {
		s := src[r*lds : r*lds+kc]
		for p, v := range s {
			dst[p*w+r] = v
		}
	}
}
