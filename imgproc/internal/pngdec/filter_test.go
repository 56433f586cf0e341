package pngdec

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// unfilterRef is the spec's reconstruction (section 9.4), byte by byte.
func unfilterRef(ft byte, cur, prev []byte, bpp int) {
	for i := range cur {
		a, b, c := neighbours(cur, prev, i, bpp)
		cur[i] = byte(int(cur[i]) + predictRef(ft, a, b, c))
	}
}

// neighbours returns the bytes left of, above and above left of byte i.
func neighbours(cur, prev []byte, i, bpp int) (a, b, c int) {
	if i >= bpp {
		a, c = int(cur[i-bpp]), int(prev[i-bpp])
	}
	return a, int(prev[i]), c
}

// predictRef is the spec's predictor of filter ft.
func predictRef(ft byte, a, b, c int) int {
	switch ft {
	case ftSub:
		return a
	case ftUp:
		return b
	case ftAverage:
		return (a + b) / 2
	case ftPaeth:
		p := a + b - c
		pa, pb, pc := absRef(p-a), absRef(p-b), absRef(p-c)
		switch {
		case pa <= pb && pa <= pc:
			return a
		case pb <= pc:
			return b
		}
		return c
	}
	return 0
}

func absRef(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestUnfilter(t *testing.T) {
	for _, impl := range implNames() {
		t.Run(impl, func(t *testing.T) {
			defer setImpl(impl)()
			testUnfilter(t)
		})
	}
	if unfilter(5, make([]byte, 3), make([]byte, 3), 3) {
		t.Error("filter type 5 accepted")
	}
}

func testUnfilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for bpp := 1; bpp <= 4; bpp++ {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 100, 481} {
			n := n / bpp * bpp // whole pixels, as rows are
			for ft := byte(ftNone); ft <= ftPaeth; ft++ {
				for _, kind := range []string{"random", "smooth", "wrap", "flat"} {
					cur, prev := make([]byte, n), make([]byte, n)
					for i := range cur {
						switch kind {
						case "random":
							cur[i], prev[i] = byte(rng.Uint32()), byte(rng.Uint32())
						case "smooth": // small differences: every Paeth branch and tie
							cur[i], prev[i] = byte(rng.IntN(3)), byte(128+rng.IntN(5)-2)
						case "wrap": // sums past 255 and differences near ±255
							cur[i], prev[i] = byte(250+rng.IntN(6)), byte(rng.IntN(2)*255)
						case "flat":
							cur[i], prev[i] = 0, 255
						}
					}
					// Guard bytes past the row catch stray writes.
					buf := append(append([]byte(nil), cur...), 0xAA, 0xBB)
					got := buf[:n]
					want := append([]byte(nil), cur...)
					unfilterRef(ft, want, prev, bpp)
					if !unfilter(ft, got, prev, bpp) {
						t.Fatalf("filter %d refused", ft)
					}
					if !bytes.Equal(got, want) || buf[n] != 0xAA || buf[n+1] != 0xBB {
						t.Fatalf("bpp %d, %d bytes, filter %d, %s: got %v, want %v", bpp, n, ft, kind, got, want)
					}
				}
			}
		}
	}
}

func TestPaethPredictor(t *testing.T) {
	// Every (a, b, c) on a coarse grid plus the corners of the range.
	vals := []int{0, 1, 2, 3, 7, 64, 127, 128, 129, 200, 254, 255}
	for _, a := range vals {
		for _, b := range vals {
			for _, c := range vals {
				want := predictRef(ftPaeth, a, b, c)
				if got := paeth(a, b, c); got != want {
					t.Errorf("paeth(%d, %d, %d) = %d, want %d", a, b, c, got, want)
				}
			}
		}
	}
}

func TestRGBToRGBA(t *testing.T) {
	for _, impl := range implNames() {
		t.Run(impl, func(t *testing.T) {
			defer setImpl(impl)()
			for n := range 40 {
				row := make([]byte, 3*n)
				want := make([]byte, 4*n)
				for i := range n {
					row[3*i], row[3*i+1], row[3*i+2] = byte(7*i), byte(7*i+1), byte(7*i+2)
					copy(want[4*i:], []byte{byte(7 * i), byte(7*i + 1), byte(7*i + 2), 255})
				}
				buf := append(make([]byte, 4*n), 0xAA, 0xBB)
				rgbToRGBA(buf[:4*n], row)
				if !bytes.Equal(buf[:4*n], want) || buf[4*n] != 0xAA || buf[4*n+1] != 0xBB {
					t.Fatalf("%d pixels: got %v, want %v", n, buf, want)
				}
			}
		})
	}
}

// TestPaethPair holds the two-row Paeth filter to the spec's, row after
// row, for every length near the kernel's edges.
func TestPaethPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, impl := range implNames() {
		t.Run(impl, func(t *testing.T) {
			defer setImpl(impl)()
			for _, bpp := range []int{1, 2, 3, 4} {
				for px := range 24 {
					for _, kind := range []string{"random", "smooth"} {
						n := px * bpp
						rows := make([][]byte, 3)
						for r := range rows {
							rows[r] = make([]byte, n)
							for i := range rows[r] {
								if kind == "random" {
									rows[r][i] = byte(rng.Uint32())
								} else {
									rows[r][i] = byte(128 + rng.IntN(5) - 2)
								}
							}
						}
						// The rows sit in one buffer with filter bytes
						// between them and guard bytes after, as in a block.
						buf := []byte{ftPaeth}
						buf = append(append(buf, rows[1]...), ftPaeth)
						buf = append(append(buf, rows[2]...), 0xAA, 0xBB)
						cur0, cur1 := buf[1:1+n], buf[2+n:2+2*n]
						want0, want1 := slices.Clone(rows[1]), slices.Clone(rows[2])
						unfilterRef(ftPaeth, want0, rows[0], bpp)
						unfilterRef(ftPaeth, want1, want0, bpp)
						paethPair(cur0, cur1, rows[0], bpp)
						if !bytes.Equal(cur0, want0) || !bytes.Equal(cur1, want1) || buf[1+n] != ftPaeth || buf[len(buf)-2] != 0xAA || buf[len(buf)-1] != 0xBB {
							t.Fatalf("bpp %d, %d pixels, %s: got %v %v, want %v %v", bpp, px, kind, cur0, cur1, want0, want1)
						}
					}
				}
			}
		})
	}
}
