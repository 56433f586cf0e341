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
// The pipeline, each step in its own file:
//
//	cost.go        DecodeCost: the memory reading a file takes, from its header
//	decode.go      Decode: sniff, limit, decode, EXIF orientation (exif.go)
//	luma.go        lumaPlane: alpha composited over a contrasting background,
//	               Rec. 601 luma; inputs over 1280 px box-averaged down early
//	page.go        flattenSurround: a sheet of paper on a darker desk is
//	               painted over with the paper's level
//	polarity.go    polarity: the border's level against the image's
//	               extremes, or a coarse median background when lighting is
//	               uneven
//	inkmap.go      inkMap: background by a morphological opening on a coarse
//	               grid (one level when the page is evenly lit), subtracted
//	               and divided out; inkMapFine again at full resolution on
//	               unevenly lit pages (sharp shadow edges)
//	threshold.go   threshold: noise floor from the border, then Otsu above it
//	               and at least a third of the strongest ink
//	hysteresis.go  keepFaintStrokes: faint ink touching strong ink is kept,
//	               so a lightly pressed loop stays closed, and faint ink
//	               between pieces of a hair-thin stroke joins them
//	lines.go       removeRuledLines: evenly spaced page-wide lines, found
//	               at hysteresis' faint level, erased except where strokes
//	               cross them; keepOwnStrokes: a long
//	               stroke of a digit's own component is never a ruling
//	components.go  8-connected components; specks far from the digit and
//	               page-wide lines dropped; the main group for one digit
//	segment.go     Segment: one group per digit, left to right; pieces whose
//	               extents overlap stay together (openfour.go: an open 4
//	               whose bar stops short of its stem)
//	signals.go     what the glyph looks like: pieces, holes, fill, stray ink
//	render.go      the kept ink, cropped, as a grey plane
//	stroke.go      normaliseStroke: stroke width from the area/edge ratio,
//	               grown or thinned to MNIST's median with a distance
//	               transform (distance.go)
//	fit.go         fitCentre: area-averaging resample into a 20x20 box,
//	               placed in 28x28 with the centre of mass at (14, 14)
//
// plane.go, histogram.go and preprocess.go (the driver: Preprocess and the
// analysis shared by the steps) hold what the steps have in common.
//
// The errors of Decode and DecodeCost are sentences for the person who sent
// the file: what is wrong and what to do ("The file is 21 MB; the limit is
// 20 MB — send a smaller image"). The others start with "imgproc: ".
// Callers test kinds with errors.Is against ErrEmpty, ErrTooLarge,
// ErrUnsupported, ErrCorrupt and ErrNoInk.
package imgproc
