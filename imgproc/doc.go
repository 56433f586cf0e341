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
//	DecodeCost       the memory reading a file takes, from its header alone
//	Decode           sniff, limit, decode, EXIF orientation (JPEG)
//	lumaPlane        alpha composited over a contrasting background, Rec. 601
//	                 luma; inputs over 1280 px box-averaged down early
//	flattenSurround  a sheet of paper on a darker desk: the desk is painted
//	                 over with the paper's level
//	polarity         the border's level against the image's extremes, or a
//	                 coarse median background when lighting is uneven
//	inkMap           background by a morphological opening on a coarse grid
//	                 (a single level when the border says the page is evenly
//	                 lit), subtracted and divided out: lighting, tinted paper;
//	inkMapFine       then, on unevenly lit pages, again at full resolution
//	                 with a window three strokes wide (sharp shadow edges)
//	threshold        noise floor from the border, then Otsu above it and at
//	                 least a third of the strongest ink (drops ruled lines,
//	                 UI chrome)
//	removeRuledLines evenly spaced page-wide lines (ruled or squared paper)
//	                 erased, except where strokes cross them
//	components       8-connected components; specks far from the digit and
//	                 page-wide lines (also broken ones) dropped
//	normaliseStroke  stroke width from the area/edge ratio, grown (or thinned)
//	                 to MNIST's median at the working resolution, using a
//	                 distance transform
//	fitCentre        area-averaging resample into a 20x20 box, placed in 28x28
//	                 with the centre of mass at MNIST's (14, 14)
//
// Segment runs the same steps on an image holding several digits side by
// side and returns one Glyph per digit, left to right.
//
// The errors of Decode and DecodeCost are sentences for the person who sent
// the file: what is wrong and what to do ("The file is 21 MB; the limit is
// 20 MB — send a smaller image"). The others start with "imgproc: ".
// Callers test kinds with errors.Is against ErrEmpty, ErrTooLarge,
// ErrUnsupported, ErrCorrupt and ErrNoInk.
package imgproc
