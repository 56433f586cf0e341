package imgproc

// forest is a disjoint-set forest (union-find) over int32 labels, with
// path halving. A union keeps the smaller root, so a set's root is its
// smallest label: mergeComponents relies on that.
type forest []int32

// identity returns a forest of n labels, each its own set.
func identity(n int) forest {
	f := make(forest, n)
	for i := range f {
		f[i] = int32(i)
	}
	return f
}

// add appends a new label in a set of its own and returns it.
func (f *forest) add() int32 {
	l := int32(len(*f))
	*f = append(*f, l)
	return l
}

func (f forest) find(x int32) int32 {
	for f[x] != x {
		f[x] = f[f[x]]
		x = f[x]
	}
	return x
}

func (f forest) union(a, b int32) {
	if a, b = f.find(a), f.find(b); a != b {
		f[max(a, b)] = min(a, b)
	}
}
