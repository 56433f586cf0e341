package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"digitnet/nn/internal/matmul"
)

// convDefinition is the convolution by its definition, one output at a
// time: y[b,oy,ox,f] = Σ x[b, oy*s-top+ky, ox*s-left+kx, c] · w[ky,kx,c,f],
// with values outside the image taken as 0 (no bias, no activation).
func convDefinition(x, w []float32, n int, in, out Shape, k, s int, pad Padding) []float32 {
	y := make([]float32, n*out.Size())
	for b := range n {
		for oy := range out.H {
			for ox := range out.W {
				for f := range out.C {
					var sum float64
					for ky := range k {
						for kx := range k {
							iy, ix := oy*s-pad.Top+ky, ox*s-pad.Left+kx
							if iy < 0 || iy >= in.H || ix < 0 || ix >= in.W {
								continue
							}
							for c := range in.C {
								sum += float64(x[((b*in.H+iy)*in.W+ix)*in.C+c]) * float64(w[((ky*k+kx)*in.C+c)*out.C+f])
							}
						}
					}
					y[((b*out.H+oy)*out.W+ox)*out.C+f] = float32(sum)
				}
			}
		}
	}
	return y
}

// TestConvMatchesDefinition holds the convolution, padded, strided or
// neither, to its definition: the gradient checks alone would pass a
// consistent but wrong forward pass.
func TestConvMatchesDefinition(t *testing.T) {
	tests := []struct {
		spec LayerSpec
		in   Shape
		out  [2]int
	}{
		{LayerSpec{Kind: KindConv2D, Filters: 4, Size: 3}, Shape{7, 6, 2}, [2]int{5, 4}},
		{LayerSpec{Kind: KindConv2D, Filters: 3, Size: 3}, Shape{9, 9, 1}, [2]int{7, 7}},
		{LayerSpec{Kind: KindConv2D, Filters: 4, Size: 3, Pad: Padding{1, 1, 1, 1}}, Shape{6, 5, 2}, [2]int{6, 5}},
		{LayerSpec{Kind: KindConv2D, Filters: 4, Size: 3, Stride: 2, Pad: Padding{0, 1, 0, 1}}, Shape{14, 14, 3}, [2]int{7, 7}},
		{LayerSpec{Kind: KindConv2D, Filters: 2, Size: 5, Stride: 2}, Shape{28, 28, 1}, [2]int{12, 12}},
		{LayerSpec{Kind: KindConv2D, Filters: 2, Size: 4, Pad: Padding{1, 2, 1, 2}}, Shape{5, 6, 2}, [2]int{5, 6}},
		{LayerSpec{Kind: KindConv2D, Filters: 2, Size: 4, Stride: 3, Pad: Padding{2, 1, 3, 0}}, Shape{7, 8, 3}, [2]int{3, 3}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%dx%dx%d", tt.spec, tt.in.H, tt.in.W, tt.in.C), func(t *testing.T) {
			spec := Spec{Input: [3]int{tt.in.H, tt.in.W, tt.in.C}, Layers: []LayerSpec{tt.spec,
				{Kind: KindFlatten}, {Kind: KindDense, Units: 2, Activation: ActSoftmax}}}
			plans, err := plan(spec)
			if err != nil {
				t.Fatal(err)
			}
			p := plans[0]
			if p.out.H != tt.out[0] || p.out.W != tt.out[1] {
				t.Fatalf("output %dx%d, want %dx%d", p.out.H, p.out.W, tt.out[0], tt.out[1])
			}
			rng := rand.New(rand.NewPCG(8, 9))
			const n = 3
			x := randSlice(rng, n*p.in.Size(), 1)
			params := randSlice(rng, kernelLen(p)+biasLen(p), 0.5)
			clear(params[kernelLen(p):])
			got := newOp(p, matmul.Gemm).forward(params, x, n)
			want := convDefinition(x, params, n, p.in, p.out, p.spec.Size, p.spec.stride(), p.spec.Pad)
			var worst float64
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i]-want[i])))
			}
			if worst > 1e-4 {
				t.Errorf("differs from the definition by up to %.2e", worst)
			}
		})
	}
}

func TestSamePadding(t *testing.T) {
	tests := []struct{ in, k, s, before, after int }{
		{28, 3, 1, 1, 1},
		{28, 3, 2, 0, 1}, // TensorFlow puts the odd row after
		{27, 3, 2, 1, 1},
		{28, 4, 1, 1, 2},
		{28, 5, 1, 2, 2},
		{14, 3, 2, 0, 1},
		{7, 2, 2, 0, 1},
		{8, 1, 2, 0, 0},
		{5, 5, 3, 1, 2},
	}
	for _, tt := range tests {
		b, a := SamePadding(tt.in, tt.k, tt.s)
		if b != tt.before || a != tt.after {
			t.Errorf("SamePadding(%d, %d, %d) = %d, %d; want %d, %d", tt.in, tt.k, tt.s, b, a, tt.before, tt.after)
		}
	}
}

// TestPlanRejects lists specs plan must refuse, with the reason.
func TestPlanRejects(t *testing.T) {
	head := func(l LayerSpec) Spec {
		return Spec{Input: [3]int{8, 8, 1}, Layers: []LayerSpec{l, {Kind: KindFlatten}, {Kind: KindDense, Units: 2, Activation: ActSoftmax}}}
	}
	tests := map[string]Spec{
		"pad as large as the kernel": head(LayerSpec{Kind: KindConv2D, Filters: 1, Size: 3, Pad: Padding{Top: 3}}),
		"negative pad":               head(LayerSpec{Kind: KindConv2D, Filters: 1, Size: 3, Pad: Padding{Left: -1}}),
		"negative stride":            head(LayerSpec{Kind: KindConv2D, Filters: 1, Size: 3, Stride: -1}),
		"stride on a pool":           head(LayerSpec{Kind: KindMaxPool2D, Size: 2, Stride: 2}),
		"pad on a pool":              head(LayerSpec{Kind: KindMaxPool2D, Size: 2, Pad: Padding{Top: 1}}),
		"scale on a conv":            head(LayerSpec{Kind: KindConv2D, Filters: 1, Size: 3, Scale: 2}),
		"zero scale":                 head(LayerSpec{Kind: KindNormalize, Shift: 1}),
		"infinite shift":             head(LayerSpec{Kind: KindNormalize, Scale: 1, Shift: math.Inf(1)}),
		"NaN scale":                  head(LayerSpec{Kind: KindNormalize, Scale: math.NaN()}),
		"filters on normalize":       head(LayerSpec{Kind: KindNormalize, Scale: 1, Filters: 2}),
		"units on deskew":            head(LayerSpec{Kind: KindDeskew, Units: 2}),
		"deskew not first":           {Input: [3]int{8, 8, 1}, Layers: []LayerSpec{{Kind: KindReLU}, {Kind: KindDeskew}, {Kind: KindFlatten}, {Kind: KindDense, Units: 2, Activation: ActSoftmax}}},
		"deskew on colour":           {Input: [3]int{8, 8, 3}, Layers: []LayerSpec{{Kind: KindDeskew}, {Kind: KindFlatten}, {Kind: KindDense, Units: 2, Activation: ActSoftmax}}},
		"kernel beyond padded input": {Input: [3]int{2, 2, 1}, Layers: []LayerSpec{{Kind: KindConv2D, Filters: 1, Size: 5, Pad: Padding{1, 1, 1, 1}}, {Kind: KindFlatten}, {Kind: KindDense, Units: 2, Activation: ActSoftmax}}},
	}
	for name, spec := range tests {
		if _, err := plan(spec); err == nil {
			t.Errorf("%s: plan accepted %s", name, spec)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestSpecJSONCompatible checks that a spec without the imported models'
// fields writes the same JSON as before they existed, so files written
// earlier and later read alike, and that the new fields round-trip.
func TestSpecJSONCompatible(t *testing.T) {
	const tutorial = `{"input":[28,28,1],"layers":[{"kind":"conv2d","filters":32,"size":3,"activation":"relu"},{"kind":"maxpool2d","size":2},{"kind":"conv2d","filters":64,"size":3,"activation":"relu"},{"kind":"maxpool2d","size":2},{"kind":"flatten"},{"kind":"dense","units":128,"activation":"relu"},{"kind":"dense","units":10,"activation":"softmax"}]}`
	if got := MarshalSpec(Tutorial()); got != tutorial {
		t.Errorf("tutorial spec JSON changed:\n got %s\nwant %s", got, tutorial)
	}
	s := Spec{Input: [3]int{28, 28, 1}, Layers: []LayerSpec{
		{Kind: KindNormalize, Scale: 1 / 0.3081, Shift: -0.1307 / 0.3081},
		{Kind: KindConv2D, Filters: 4, Size: 3, Stride: 2, Pad: Padding{Bottom: 1, Right: 1}, Activation: ActReLU},
		{Kind: KindFlatten},
		{Kind: KindDense, Units: 10, Activation: ActSoftmax},
	}}
	text := MarshalSpec(s)
	back, err := UnmarshalSpec(text)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != s.String() || MarshalSpec(back) != text {
		t.Errorf("round trip changed the spec:\n got %s\nwant %s", MarshalSpec(back), text)
	}
	t.Log(text)
}
