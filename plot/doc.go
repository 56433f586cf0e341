// Package plot draws digitnet's pictures of a model as small SVG files:
// the loss and accuracy curves of a training run (Curves) and a confusion
// matrix with each digit's recall (Confusion). The files are
// self-contained (no scripts, fonts or styles from elsewhere, a white
// background), so a browser, an <img> tag and GitHub's README show them
// alike. SVG is specified at https://www.w3.org/TR/SVG11/.
package plot
