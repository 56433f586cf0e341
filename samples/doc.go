// Package samples keeps one person's labelled handwriting: the digits a
// user corrected or drew on purpose, for fine-tuning a model to their
// style.
//
// A Store is a folder with one subfolder per digit, DIR/0 … DIR/9, holding
// the images as they were uploaded (PNG, JPEG, GIF, BMP, TIFF or WebP), so
// that a better preparation pipeline can read them again later. Files are
// written atomically (a hidden temporary file, then a rename), named by an
// ID the store makes, never by the client's file name. A person may also
// copy image files into the folders by hand; they are listed, served and
// trained on like the rest.
//
// Load prepares every sample as `digitnet predict` prepares an upload
// (package imgproc), giving 28x28 inputs and labels ready for package
// train.
package samples
