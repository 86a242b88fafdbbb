#!/usr/bin/env python3
"""PyTorch reference for bench/fashion_mnist_epoch.ts.

The same 784-256-128-10 ReLU MLP, softmax cross-entropy, Adam 1e-3, batch 128,
one shuffled epoch over Fashion-MNIST (or the first N batches with
--batches N, extrapolated to a full epoch), 5 untimed warm-up steps on a
throw-away copy first, torch threads = os.cpu_count(). The data come from the
four standard IDX files (gzip or raw), read with numpy. Prints the seconds
per epoch and the test accuracy, in the words bench/fashion_mnist_epoch.ts
parses ("seconds per epoch: X").

    python3 bench/fashion_mnist_torch.py [--batches N] [--dir DIR]
"""
import argparse
import copy
import gzip
import math
import os
import time

import numpy as np
import torch
from torch import nn

BATCH, LR, WARMUP_STEPS = 128, 1e-3, 5
NAMES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}


def find_dir(explicit):
    if explicit:
        return explicit
    candidates = [os.environ.get("FASHION_MNIST_DIR")]
    if os.environ.get("DENDRITE_DATA"):
        candidates.append(os.path.join(os.environ["DENDRITE_DATA"], "fashion-mnist"))
    candidates.append("/usr/share/datasets/fashion-mnist")
    for d in candidates:
        if d and any(os.path.exists(os.path.join(d, NAMES["train_x"] + ext)) for ext in (".gz", "")):
            return d
    raise SystemExit("Fashion-MNIST not found: apt-get install dataset-fashion-mnist, or pass --dir")


def read_idx(path):
    """An IDX uint8 file (gzip or raw) as a numpy array of its shape."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise SystemExit(f"{path}: not a uint8 IDX file")
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(d):
    def one(key):
        base = os.path.join(d, NAMES[key])
        return read_idx(base + ".gz" if os.path.exists(base + ".gz") else base)

    x = lambda a: torch.from_numpy(a.reshape(a.shape[0], -1).astype(np.float32) / 255.0)
    y = lambda a: torch.from_numpy(a.astype(np.int64))
    return x(one("train_x")), y(one("train_y")), x(one("test_x")), y(one("test_y"))


def train(model, opt, x, y, steps, generator):
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(x.shape[0], generator=generator)
    last = None
    for s in range(steps):
        idx = order[s * BATCH : (s + 1) * BATCH]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        last = loss
    return float(last)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batches", type=int, default=None)
    p.add_argument("--dir", default=None)
    args = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    train_x, train_y, test_x, test_y = load(find_dir(args.dir))
    load_s = time.perf_counter() - t0
    full = math.ceil(train_x.shape[0] / BATCH)
    steps = full if args.batches is None else min(full, args.batches)
    used = min(train_x.shape[0], steps * BATCH)
    x, y = train_x[:used], train_y[:used]

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    warm = copy.deepcopy(model)
    train(warm, torch.optim.Adam(warm.parameters(), lr=LR), x, y, min(WARMUP_STEPS, steps), torch.Generator().manual_seed(1))

    opt = torch.optim.Adam(model.parameters(), lr=LR)
    t1 = time.perf_counter()
    last = train(model, opt, x, y, steps, torch.Generator().manual_seed(2))
    seconds = time.perf_counter() - t1
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    per_epoch = seconds * full / steps
    what = "one epoch" if steps == full else f"{steps} of {full} steps, extrapolated"
    print(
        f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads; data loaded in {load_s:.2f} s): "
        f"{what}: {seconds:.2f} s; seconds per epoch: {per_epoch:.3f}; test accuracy {accuracy:.4f}; last loss {last:.4f}"
    )


if __name__ == "__main__":
    main()
