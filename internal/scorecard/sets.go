package scorecard

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"digitnet/internal/fixtures"
	"digitnet/mnist"
)

// Split says which half of a set a sample belongs to. Thresholds and
// calibration are tuned on Tune; every figure reported is on Report.
type Split int

const (
	Tune Split = iota
	Report
)

func (s Split) String() string {
	if s == Tune {
		return "tune"
	}
	return "report"
}

// The sets.
const (
	StyleSet    = "style"    // handwriting styles MNIST lacks, as uploads
	NonDigitSet = "nondigit" // letters, shapes, scribbles, text, textures, noise, photos
	UserSet     = "userlike" // MNIST test digits rendered as the fixtures' upload kinds
	StripSet    = "strip"    // numbers of 2 to 4 MNIST test digits side by side
)

// Sets lists the sets in the order they are reported.
var Sets = []string{StyleSet, NonDigitSet, UserSet, StripSet}

// Sample is one upload and what it shows.
type Sample struct {
	Set   string
	Kind  string // the style, non-digit kind or upload kind
	Group string // what the sample is reported under
	// Truth is the digit or number shown ("7", "2026"), "" for a non-digit.
	Truth string
	File  []byte
}

// seed returns the generator of sample i of a set's kind in a split. The
// generators of the two splits never share a stream, and none is used by
// training (package augment draws its own shapes from its own seeds).
func seed(set string, split Split, kind, i int) *rand.Rand {
	base := map[string]uint64{StyleSet: 0x5717e, NonDigitSet: 0x4e0d, UserSet: 0x05e5, StripSet: 0x5791}[set]
	return rand.New(rand.NewPCG(base<<8|uint64(split), uint64(kind)<<32|uint64(i)))
}

// mnistHalf is the range of MNIST test images a split draws from: the
// first half for tuning, the second for the report.
func mnistHalf(split Split, n int) (lo, hi int) {
	if split == Tune {
		return 0, n / 2
	}
	return n / 2, n
}

// Size is how many samples a set has with n per kind.
func Size(set string, n int) int {
	switch set {
	case StyleSet:
		return n * len(fixtures.Styles)
	case NonDigitSet:
		return n * len(fixtures.NonDigits)
	case UserSet:
		return n * len(fixtures.Kinds)
	}
	return n
}

// At renders sample i of a set with n samples per kind (per upload kind
// for the user-like set; n strips for the strip set) in a split. test is
// the MNIST test set, needed by the user-like and strip sets. Each sample
// has its own generator, so sample i is the same whatever else is drawn.
func At(set string, split Split, n int, test *mnist.Set, i int) (Sample, error) {
	k, j := i/n, i%n
	switch set {
	case StyleSet:
		st := fixtures.Styles[k]
		file, digit, err := fixtures.RenderStyle(st.Name, seed(set, split, k, j), j)
		return Sample{Set: set, Kind: st.Name, Group: st.Name, Truth: strconv.Itoa(digit), File: file}, err
	case NonDigitSet:
		nd := fixtures.NonDigits[k]
		file, err := fixtures.RenderNonDigit(nd.Name, seed(set, split, k, j))
		return Sample{Set: set, Kind: nd.Name, Group: nd.Group, File: file}, err
	case UserSet, StripSet:
		if test == nil {
			return Sample{}, fmt.Errorf("scorecard: the %s set needs MNIST's test set", set)
		}
	default:
		return Sample{}, fmt.Errorf("scorecard: unknown set %q", set)
	}
	lo, hi := mnistHalf(split, test.N)
	if set == UserSet {
		kind := fixtures.Kinds[k]
		r := seed(set, split, k, j)
		idx := lo + r.IntN(hi-lo)
		file, err := fixtures.Render(kind, r, test.Image(idx))
		return Sample{Set: set, Kind: string(kind), Group: string(kind), Truth: strconv.Itoa(int(test.Labels[idx])), File: file}, err
	}
	r := seed(set, split, 0, i)
	size := 2 + r.IntN(3)
	var digits [][]byte
	var labels []int
	for range size {
		idx := lo + r.IntN(hi-lo)
		digits = append(digits, test.Image(idx))
		labels = append(labels, int(test.Labels[idx]))
	}
	file, want, err := fixtures.Strip(r, digits, labels)
	return Sample{Set: set, Kind: "strip", Group: fmt.Sprintf("%d digits", size), Truth: want, File: file}, err
}
