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
			r := 0
			for ; r+4 <= rows; r += 4 {
				s0 := a[(i0+r)*lda : (i0+r)*lda+kc]
				s1 := a[(i0+r+1)*lda : (i0+r+1)*lda+kc]
				s2 := a[(i0+r+2)*lda : (i0+r+2)*lda+kc]
				s3 := a[(i0+r+3)*lda : (i0+r+3)*lda+kc]
				dd := d[r:]
				for p := range s0 {
					q := dd[p*mr : p*mr+4]
					q[0], q[1], q[2], q[3] = s0[p], s1[p], s2[p], s3[p]
				}
			}
			for ; r < rows; r++ {
				s := a[(i0+r)*lda : (i0+r)*lda+kc]
				for p, v := range s {
					d[p*mr+r] = v
				}
			}
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
			j := 0
			for ; j+4 <= cols; j += 4 {
				s0 := b[(j0+j)*ldb : (j0+j)*ldb+kc]
				s1 := b[(j0+j+1)*ldb : (j0+j+1)*ldb+kc]
				s2 := b[(j0+j+2)*ldb : (j0+j+2)*ldb+kc]
				s3 := b[(j0+j+3)*ldb : (j0+j+3)*ldb+kc]
				dd := d[j:]
				for p := range s0 {
					q := dd[p*nr : p*nr+4]
					q[0], q[1], q[2], q[3] = s0[p], s1[p], s2[p], s3[p]
				}
			}
			for ; j < cols; j++ {
				s := b[(j0+j)*ldb : (j0+j)*ldb+kc]
				for p, v := range s {
					d[p*nr+j] = v
				}
			}
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
