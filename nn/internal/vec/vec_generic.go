//go:build !amd64 || !gc || purego

package vec

// Without the assembly kernels only the pure-Go loops exist.
const (
	useAVX512 = false
	useAVX2   = false
)

func implName() string { return "go" }

func max4(dst, a, b, c, d []float32) { max4Go(dst, a, b, c, d) } // max4Go checks the lengths

func maxPool(dst, src []float32, oh, ow, c, w int) { maxPoolGo(dst, src, oh, ow, c, w, 0) }

func addBias(y, bias []float32, relu bool) {
	addBiasGo(y, len(bias), len(y)/len(bias), bias, relu)
}

func maskReLU(d, y []float32) { maskReLUGo(d, y) }

func add(dst, src []float32) { addGo(dst, src) }

func colSums(dst, src []float32) { colSumsGo(dst, src, len(dst), len(src)/len(dst)) }

func adam(w, g, m, v []float32, b1, b2, lr, eps float32) { adamGo(w, g, m, v, b1, b2, lr, eps) }

func unpool(dst, src, y, g []float32, oh, ow, c, w int) {
	unpoolGo(dst, src, y, g, oh, ow, c, w, 0)
}

func winogradInput(u []float32, us int, x []float32, xs, cs, n int) {
	winogradInputGo(u, us, x, xs, cs, n)
}

func winogradOutputMax(dst, m []float32, ms int) { winogradOutputMaxGo(dst, m, ms) }

func winogradKernel(v []float32, vs int, w []float32, ws, n int) {
	winogradKernelGo(v, vs, w, ws, n)
}

func winogradConv1Max(dst, x []float32, xs int, v []float32, vs int) {
	winogradConv1MaxGo(dst, x, xs, v, vs)
}
