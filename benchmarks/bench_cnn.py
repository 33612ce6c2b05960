"""SharedCNNClassifier (the founding two-input network, issue 12) against a plain PyTorch loop.

Network (the Keras example of issue 12): two 28x28 grey images per sample,
each through its own Conv2D(32, 3x3, relu) and MaxPooling2D(2x2), the two
feature maps flattened and concatenated, Dense(128, relu), Dense(64, relu),
two Dense(10, softmax) heads (the digit in each image), cross-entropy, Adam
(learning rate 1e-3, no weight penalty), batches of 32 shuffled samples. In
skmtl: ``SharedCNNClassifier(conv_layers=[(32, 3)], pool_size=2,
conv_groups=2, hidden_layer_sizes=(128, 64), alpha=0.0, batch_size=32)`` on
images (n, 28, 28, 2) (the two images as two channels) and a wide y with
two columns.

Data (no download): MultiMNIST in small, as in
``examples/plot_keras_conv.py``: scikit-learn's 8x8 digits upsampled
to 28x28 (bilinear) in [0, 1], split 75/25, each sample two random images
of its split (fixed seeds); ``--n`` training pairs (2048), 1024 test pairs.

Speed: time per epoch = fit time / epochs of a ``--epochs`` fit (no early
stop), everything included (validation, layout, initialisation, the
tensors of the plain loop), median of ``--repeats`` interleaved runs, after
one untimed warm-up fit of each model on 128 samples, of:

* SharedCNNClassifier, numpy backend (float32, its default);
* a plain PyTorch loop of the same network, as a user would write it:
  ``nn.Sequential(nn.Conv2d(2, 64, 3, groups=2), nn.ReLU(), nn.MaxPool2d(2),
  nn.Flatten(), nn.Linear(10816, 128), nn.ReLU(), nn.Linear(128, 64),
  nn.ReLU())``, two ``nn.Linear(64, 10)`` heads, the mean cross-entropy
  over all labelled entries of the batch (skmtl's default objective, see
  doc/user_guide/loss_weighting.md: with both tasks labelled, the mean of the two heads'
  mean losses), ``torch.optim.Adam``, ``torch.randperm`` batches of 32;
* SharedCNNClassifier(backend='torch', device='cpu').

One thread on every side: threadpoolctl limits OpenBLAS/OpenMP to 1 and
``torch.set_num_threads(1)`` (the script prints the pools). Test accuracy
after the timed fit is printed as a check that the three train the same
network.

Memory: each model fits once (``--memory-epochs``) in a fresh subprocess,
which reports its peak resident memory before and after the fit: VmHWM of
``/proc/self/status``, the high-water mark of the process's own memory
since its ``exec``. Not ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: on
Linux that keeps the peak of the process before ``exec``, which for a
child of this script is the parent's size at the fork (every child would
read the parent's ~900 MiB). The numpy backend runs without importing
torch, the other two import it before the first reading.
A further subprocess gives the numpy backend's peak ``tracemalloc`` memory
during the fit (NumPy's arrays are traced; PyTorch's are not, so that
figure exists for the numpy side only).

Usage::

    python benchmarks/bench_cnn.py [--repeats 5] [--epochs 2] [--n 2048] [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_info, threadpool_limits

from _rss import peak_rss_mib
from skmtl import SharedCNNClassifier

FILTERS, KERNEL, POOL, HIDDEN, BATCH, N_TEST = 32, 3, 2, (128, 64), 32, 1024
MODELS = ("SharedCNNClassifier numpy", "plain PyTorch loop", "SharedCNNClassifier torch cpu")


def digit_pairs(n_train, n_test=N_TEST):
    """MultiMNIST in small: X (n, 28, 28, 2) float32 in [0, 1] and Y (n, 2), train and test."""
    digits = load_digits()
    images = np.clip(zoom(digits.images / 16.0, (1, 3.5, 3.5), order=1), 0.0, 1.0).astype(np.float32)
    splits = train_test_split(images, digits.target, test_size=0.25, stratify=digits.target, random_state=0)
    out = []
    for (images, labels), n, seed in zip([splits[0::2], splits[1::2]], (n_train, n_test), (0, 1)):
        pick = np.random.RandomState(seed).randint(len(images), size=(2, n))
        out += [np.stack([images[pick[0]], images[pick[1]]], axis=-1), labels[pick].T]
    return out  # X_train, Y_train, X_test, Y_test


def settings(epochs, **more):
    return dict(
        conv_layers=[(FILTERS, KERNEL)], pool_size=POOL, conv_groups=2, hidden_layer_sizes=HIDDEN,
        solver="adam", learning_rate_init=1e-3, alpha=0.0, batch_size=BATCH, max_iter=epochs,
        tol=0.0, n_iter_no_change=epochs + 1, random_state=0, **more,
    )


def torch_loop(X, Y, epochs, seed=0):
    """The same two-tower network and training in plain PyTorch: what a user would write."""
    import torch

    torch.manual_seed(seed)
    channels, height, width = X.shape[3], X.shape[1], X.shape[2]
    flat = channels * FILTERS * ((height - KERNEL + 1) // POOL) * ((width - KERNEL + 1) // POOL)
    trunk = torch.nn.Sequential(
        torch.nn.Conv2d(channels, channels * FILTERS, KERNEL, groups=channels), torch.nn.ReLU(),
        torch.nn.MaxPool2d(POOL), torch.nn.Flatten(),
        torch.nn.Linear(flat, HIDDEN[0]), torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN[0], HIDDEN[1]), torch.nn.ReLU(),
    )
    heads = torch.nn.ModuleList([torch.nn.Linear(HIDDEN[1], 10) for _ in range(Y.shape[1])])
    optimizer = torch.optim.Adam([*trunk.parameters(), *heads.parameters()], lr=1e-3)
    X_t = torch.tensor(X.transpose(0, 3, 1, 2).copy())  # channels last -> NCHW
    Y_t = torch.tensor(Y)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=generator)
        for start in range(0, len(X_t), BATCH):
            rows = order[start : start + BATCH]
            z = trunk(X_t[rows])
            losses = [torch.nn.functional.cross_entropy(head(z), Y_t[rows, t], reduction="none")
                      for t, head in enumerate(heads)]
            loss = torch.cat(losses).mean()  # the mean over all labelled entries, as skmtl's objective
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def predict(X_new):
        with torch.no_grad():
            z = trunk(torch.tensor(X_new.transpose(0, 3, 1, 2).copy()))
            return np.column_stack([head(z).argmax(1).numpy() for head in heads])

    return predict


def fit(name, X, Y, epochs):
    """Fit one model; return its predict function."""
    if name == "plain PyTorch loop":
        return torch_loop(X, Y, epochs)
    more = {} if name.endswith("numpy") else dict(backend="torch", device="cpu")
    model = SharedCNNClassifier(**settings(epochs, **more)).fit(X, Y)
    assert model.n_iter_ == epochs
    return model.predict


def threads():
    import torch

    pools = ", ".join(sorted({f"{pool['internal_api']} {pool['num_threads']}" for pool in threadpool_info()}))
    return f"threads: {pools}, torch {torch.get_num_threads()}"


def speed(X, Y, X_test, Y_test, epochs, repeats):
    times = {name: [] for name in MODELS}
    accuracy = {}
    for name in MODELS:  # untimed warm-up: torch's first call pays for its lazy set-up
        fit(name, X[:4 * BATCH], Y[:4 * BATCH], 1)
    for _ in range(repeats):  # interleaved, so a noisy moment hits every model
        for name in MODELS:
            start = time.perf_counter()
            predict = fit(name, X, Y, epochs)
            times[name].append((time.perf_counter() - start) / epochs)
            accuracy[name] = (np.asarray(predict(X_test)) == Y_test).mean(axis=0)
    median = {name: 1000 * np.median(t) for name, t in times.items()}
    plain = median["plain PyTorch loop"]
    print(f"\n### Speed: {len(X)} pairs of 28x28 images, conv 2 x {FILTERS} {KERNEL}x{KERNEL}, pool {POOL}, "
          f"dense {HIDDEN}, 2 heads of 10, Adam, batch {BATCH}, {epochs} epoch(s) per fit, median of {repeats}\n")
    print(threads() + "\n")
    print(f"| model | ms / epoch | min-max ms | vs plain PyTorch | test accuracy after {epochs} epoch(s) "
          "(digit_1, digit_2) |")
    print("|---|---|---|---|---|")
    for name, value in median.items():
        low, high = 1000 * np.min(times[name]), 1000 * np.max(times[name])
        print(f"| {name} | {value:.0f} | {low:.0f}-{high:.0f} | {value / plain:.2f}x "
              f"| {accuracy[name][0]:.3f}, {accuracy[name][1]:.3f} |")
    numpy_ratio = median["SharedCNNClassifier numpy"] / plain
    print(f"\nnumpy backend / plain PyTorch: {numpy_ratio:.2f} (target <= 1.3); "
          f"torch backend / plain PyTorch: {median['SharedCNNClassifier torch cpu'] / plain:.2f}")
    return numpy_ratio


def memory_child(name, n, epochs, traced):
    """In a fresh process: peak RSS before and after one fit (and traced peak for numpy)."""
    warnings.simplefilter("ignore", ConvergenceWarning)
    if name != "SharedCNNClassifier numpy":
        import torch

        torch.set_num_threads(1)
    X, Y, _, _ = digit_pairs(n)
    with threadpool_limits(limits=1):
        before = peak_rss_mib()
        if traced:
            tracemalloc.start()
        fit(name, X, Y, epochs)
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        after = peak_rss_mib()
    print(json.dumps({"before": before, "after": after, "traced": peak / 2**20}))


def memory(n, epochs):
    def child(name, traced=False):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", name, "--n", str(n), "--memory-epochs", str(epochs)]
            + ["--traced"] * traced,
            capture_output=True, text=True, check=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    print(f"\n### Peak memory of one fit ({n} pairs, {epochs} epoch(s)), each model in a fresh subprocess\n")
    print("Peak resident memory of the process (VmHWM), read before the fit (imports and data loaded) "
          "and after it; the increase is the fit's own peak above what the process already held.\n")
    print("| model | peak RSS before fit (MiB) | peak RSS after fit (MiB) | increase (MiB) |")
    print("|---|---|---|---|")
    for name in MODELS:
        rss = child(name)
        print(f"| {name} | {rss['before']:.0f} | {rss['after']:.0f} | {rss['after'] - rss['before']:.0f} |")
    traced = child(MODELS[0], traced=True)["traced"]
    print(f"\nSharedCNNClassifier numpy, peak traced by tracemalloc during the fit (NumPy arrays and "
          f"Python objects, its input copies included): {traced:.0f} MiB (training images as float32: "
          f"{n * 28 * 28 * 2 * 4 / 2**20:.1f} MiB)")


def profile(X, Y, epochs, top=20):
    """Where the numpy backend's time goes."""
    profiler = cProfile.Profile()
    profiler.enable()
    fit(MODELS[0], X, Y, epochs)
    profiler.disable()
    for key in ("tottime", "cumulative"):
        print(f"\n### cProfile of one numpy fit ({epochs} epochs), sorted by {key}\n")
        pstats.Stats(profiler).sort_stats(key).print_stats(top)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved fits per model for the timings")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of each timed fit")
    parser.add_argument("--n", type=int, default=2048, help="training pairs")
    parser.add_argument("--memory-epochs", type=int, default=1, help="epochs of the fit whose memory is measured")
    parser.add_argument("--quick", action="store_true", help="512 pairs, 2 repeats of 1 epoch (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="also cProfile a fit of the numpy backend")
    parser.add_argument("--memory-child", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child, args.n, args.memory_epochs, args.traced)
    if args.quick:
        args.n, args.repeats, args.epochs = 512, 2, 1
    warnings.simplefilter("ignore", ConvergenceWarning)
    import torch

    torch.set_num_threads(1)
    X, Y, X_test, Y_test = digit_pairs(args.n)
    wall = time.perf_counter()
    with threadpool_limits(limits=1):
        speed(X, Y, X_test, Y_test, args.epochs, args.repeats)
        memory(args.n, args.memory_epochs)
        if args.profile:
            profile(X, Y, args.epochs)
    print(f"\nwall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
