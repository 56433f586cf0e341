// Package imgproc decodes user uploads (photos of paper, canvas drawings,
// screenshots) and turns them into 28x28 inputs that look like MNIST digits.
//
// MNIST (http://yann.lecun.com/exdb/mnist/) was made by fitting each
// black-and-white NIST digit into a 20x20 box, preserving its aspect ratio,
// with anti-aliasing, and then placing it in a 28x28 field so that its centre
// of mass lies at the centre. Ink is white (255) on black (0). A model trained
// on MNIST only reads well what was prepared the same way, so Preprocess
// repeats that recipe after undoing what real uploads add: transparency,
// dark-on-light polarity, uneven lighting, tinted paper, ruled lines, specks,
// thin strokes on big canvases and small digits in big screenshots.
//
// The pipeline, each step a small function of its own:
//
//	Decode          sniff, limit, decode, EXIF orientation (JPEG)
//	lumaPlane       alpha composited over a contrasting background, Rec. 601 luma,
//	                very large images box-averaged down early
//	polarity        border (background) level against the two tails of the rest
//	inkMap          background estimated by a coarse morphological opening,
//	                removed and divided out (lighting, tinted paper)
//	threshold       noise floor, then Otsu above it (drops faint ruled lines)
//	components      8-connected components; specks and page-wide lines dropped
//	normaliseStroke stroke width from area/edge ratio, grown or thinned at the
//	                source resolution with a distance transform
//	fit             area-averaging resample into a 20x20 box
//	centre          placed in 28x28 with the centre of mass at the centre
//
// Segment runs the same steps on an image holding several digits side by
// side and returns one Glyph per digit, left to right.
//
// Errors start with "imgproc: ". Callers test kinds with errors.Is against
// ErrEmpty, ErrTooLarge, ErrUnsupported, ErrCorrupt and ErrNoInk.
package imgproc
