// Package keras reads the model files Keras's model.save writes, so that a
// model trained with the Keras MNIST tutorial (model.save('mnist_cnn_model.h5'))
// serves, evaluates and trains on in digitnet:
//
//   - HDF5 from tf.keras (Keras 2, TensorFlow up to 2.15): weights named
//     like conv2d/kernel:0;
//   - HDF5 from Keras 3's legacy writer: weight paths like
//     sequential/conv2d/kernel and a top_level_model_weights group;
//   - Keras 3 .keras archives: config.json, metadata.json and
//     model.weights.h5 with layers/<name>/vars/<i>.
//
// The layouts are those of keras/src/legacy/saving/legacy_h5_format.py and
// keras/src/saving/saving_lib.py in keras-team/keras, and of
// keras/saving/legacy/hdf5_format.py in tf.keras; the HDF5 inside is read
// by package internal/h5, which reads just what Keras writes.
//
// Sequential models of the layers in Supported are read; Keras's layouts
// are nn's (kernels (KH, KW, C, F) and (in, out), Flatten in H, W, C
// order), so weights copy unchanged, and "same" padding becomes the
// explicit padding TensorFlow computes. Anything else — another layer, a
// dilation, channels-first data, a missing group or attribute — is an
// error that names it: a model is read exactly or not at all.
package keras
