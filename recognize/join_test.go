package recognize

import (
	"slices"
	"testing"
)

func TestJoinPieces(t *testing.T) {
	digit := func(d int, conf float32, uncertain bool) Digit {
		var p [10]float32
		for i := range p {
			p[i] = (1 - conf) / 9
		}
		p[d] = conf
		g := NewDigit(p)
		g.Box.H = 40
		g.Uncertain = uncertain
		return g
	}
	five, lifted, fiftyFour := digit(5, 0.99, false), digit(4, 0.3, true), digit(5, 0.98, false)
	sure4, unsureJoin := digit(4, 0.99, false), digit(5, 0.6, true)
	short4 := digit(4, 0.9, false)
	short4.Box.H = 20 // half the 5's height: a number's digits are about equally tall
	for _, tc := range []struct {
		name   string
		digits []Digit
		joined []*Digit
		want   []int
	}{
		{"nothing offered", []Digit{five, lifted}, nil, []int{5, 4}},
		{"a doubtful piece joins", []Digit{five, lifted}, []*Digit{&fiftyFour, nil}, []int{5}},
		{"sure digits stay apart", []Digit{five, sure4}, []*Digit{&fiftyFour, nil}, []int{5, 4}},
		{"a doubtful join does not", []Digit{five, lifted}, []*Digit{&unsureJoin, nil}, []int{5, 4}},
		{"less sure joined than apart", []Digit{digit(5, 0.99, true), digit(4, 0.99, false)}, []*Digit{&fiftyFour, nil}, []int{5, 4}},
		{"the second pair", []Digit{sure4, five, lifted}, []*Digit{nil, &fiftyFour, nil}, []int{4, 5}},
		{"heights like letters of text", []Digit{five, short4}, []*Digit{&fiftyFour, nil}, []int{5}},
		{"one join per piece", []Digit{lifted, lifted, lifted}, []*Digit{&fiftyFour, &fiftyFour, nil}, []int{5, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, d := range DefaultDoubt.JoinPieces(tc.digits, tc.joined) {
				got = append(got, d.Digit)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("read %v, want %v", got, tc.want)
			}
		})
	}
}
