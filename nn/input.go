package nn

// ScalePixels writes 8-bit pixels as model inputs: x / 255, in [0, 1], the
// input normalisation of the Keras tutorial. Training and prediction both
// call it, so a model always sees inputs scaled the way it was trained.
// dst must hold len(src) values.
func ScalePixels(dst []float32, src []byte) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v) / 255
	}
}
