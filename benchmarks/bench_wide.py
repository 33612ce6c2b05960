"""SharedMLPClassifier on a wide y (one column per task) against long format and plain PyTorch.

Problem (issue 11): one input, T = 8 binary targets for every row, generated
with a fixed seed so that the tasks are related: each target is a noisy
threshold of its own mix of the same few non-linear features of a
low-rank projection of X (64 standardised features, rank 4). Trunk
``hidden_layer_sizes=(128, 64)``, ReLU, Adam, learning rate 1e-3, batch 64
rows; one thread on every side (OpenBLAS/OpenMP through threadpoolctl,
``torch.set_num_threads(1)``), so the comparison is the same on any machine.

Speed (n = 8000 training rows, ``--epochs-timing`` epochs per fit, no early
stop; time per epoch = fit time / ``n_iter_``, everything included, median
of ``--repeats`` interleaved runs):

a) SharedMLPClassifier on the wide y, shape (8000, 8): the trunk runs once
   per row, each head reads its labelled rows;
b) the same entries in long format (64000 rows, ``tasks=``): the trunk runs
   once per (row, task);
c) a plain PyTorch loop of the same network, as a user would write it (an
   ``nn.Sequential`` trunk, 8 ``nn.Linear(64, 1)`` heads, BCE-with-logits
   masked to the labelled entries and averaged over them, Adam, shuffled
   batches of 64 rows); and SharedMLPClassifier(backend='torch') on the wide y.

Accuracy (``--missing`` of the labels missing at random, ``--epochs``
epochs): SharedMLPClassifier on the wide y with NaN labels, against one
MLPClassifier per task fitted on that task's labelled rows only, which is
what MultiOutputClassifier(MLPClassifier(...)) would be if it accepted
missing labels (it refuses NaN in y). Per-task accuracy on a held-out test
set with every label, and fit times.

Usage::

    python benchmarks/bench_wide.py [--repeats 5] [--epochs 20] [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

from skmtl import SharedMLPClassifier

HIDDEN = (128, 64)
N_TASKS, N_FEATURES, RANK = 8, 64, 4


def make_wide(n_train, n_test, seed=0):
    """(X, Y) train and test: Y[:, t] = 1{ g(X A) . b_t + noise > median }, tasks sharing A."""
    rng = np.random.RandomState(seed)
    n = n_train + n_test
    X = rng.randn(n, N_FEATURES)
    A = rng.randn(N_FEATURES, RANK) / np.sqrt(N_FEATURES)  # the shared low-rank projection
    latent = X @ A * 3
    features = np.column_stack([np.tanh(latent), latent**2 / 4, np.sin(latent)])  # shared non-linear features
    base = rng.randn(features.shape[1])  # what the tasks have in common
    B = base[:, None] + 0.8 * rng.randn(features.shape[1], N_TASKS)  # each task's own mix
    scores = features @ B + 0.5 * rng.randn(n, N_TASKS)
    Y = (scores > np.median(scores[:n_train], axis=0)).astype(float)
    return X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]


def settings(epochs):
    return dict(
        hidden_layer_sizes=HIDDEN, batch_size=64, learning_rate_init=1e-3, max_iter=epochs,
        tol=0.0, n_iter_no_change=epochs + 1, random_state=0,
    )


def long_format(X, Y):
    """Every labelled entry of the wide Y as a row: (X rows, labels, task of each row)."""
    rows, codes = np.nonzero(~np.isnan(Y))
    return X[rows], Y[rows, codes].astype(int), codes


def torch_loop(X, Y, epochs, seed=0):
    """The same multi-head network and training in plain PyTorch: what a user would write."""
    import torch

    torch.manual_seed(seed)
    trunk = torch.nn.Sequential(
        torch.nn.Linear(N_FEATURES, HIDDEN[0]), torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN[0], HIDDEN[1]), torch.nn.ReLU(),
    )
    heads = torch.nn.ModuleList([torch.nn.Linear(HIDDEN[1], 1) for _ in range(Y.shape[1])])
    optimizer = torch.optim.Adam([*trunk.parameters(), *heads.parameters()], lr=1e-3)
    X_t = torch.tensor(X, dtype=torch.float32)
    labelled = torch.tensor(~np.isnan(Y))
    Y_t = torch.tensor(np.nan_to_num(Y), dtype=torch.float32)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=generator)
        for start in range(0, len(X_t), 64):
            rows = order[start : start + 64]
            z = trunk(X_t[rows])
            logits = torch.cat([head(z) for head in heads], dim=1)
            mask = labelled[rows]
            losses = torch.nn.functional.binary_cross_entropy_with_logits(logits, Y_t[rows], reduction="none")
            loss = losses[mask].mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return trunk, heads


def threads():
    import torch

    pools = ", ".join(sorted({f"{pool['internal_api']} {pool['num_threads']}" for pool in threadpool_info()}))
    return f"threads: {pools}, torch {torch.get_num_threads()}"


def speed(X, Y, epochs, repeats):
    X_long, y_long, tasks = long_format(X, Y)
    runners = {  # name: fit once, return the epochs it ran
        "a) SharedMLPClassifier numpy, wide y": lambda: SharedMLPClassifier(**settings(epochs)).fit(X, Y).n_iter_,
        "b) SharedMLPClassifier numpy, long format": lambda: SharedMLPClassifier(**settings(epochs)).fit(
            X_long, y_long, tasks=tasks).n_iter_,
        "c) plain PyTorch loop, wide": lambda: torch_loop(X, Y, epochs) and epochs,
        "SharedMLPClassifier torch cpu, wide y": lambda: SharedMLPClassifier(
            **settings(epochs), backend="torch", device="cpu").fit(X, Y).n_iter_,
    }
    times = {name: [] for name in runners}
    for _ in range(repeats):  # interleaved, so a noisy moment hits every model
        for name, run in runners.items():
            start = time.perf_counter()
            n_iter = run()
            times[name].append((time.perf_counter() - start) / n_iter)
    median = {name: 1000 * np.median(t) for name, t in times.items()}
    wide, long_, plain = (median[k] for k in list(runners)[:3])
    torch_wide = median["SharedMLPClassifier torch cpu, wide y"]
    print(f"\n### Speed: {len(X)} rows x {Y.shape[1]} tasks ({len(y_long)} entries), hidden {HIDDEN}, "
          f"Adam, batch 64, {epochs} epochs per fit, median of {repeats}\n")
    print(threads() + "\n")
    print("| model | ms / epoch | min-max ms | vs a) wide | vs c) plain PyTorch |")
    print("|---|---|---|---|---|")
    for name, value in median.items():
        low, high = 1000 * np.min(times[name]), 1000 * np.max(times[name])
        print(f"| {name} | {value:.1f} | {low:.1f}-{high:.1f} | {value / wide:.2f}x | {value / plain:.2f}x |")
    print(f"\na/b (wide / long format): {wide / long_:.3f} (target <= 0.2); "
          f"a/c (wide / plain PyTorch): {wide / plain:.2f} (target <= 1.0); "
          f"torch backend wide / plain PyTorch: {torch_wide / plain:.2f}")
    return wide / plain


def accuracy(X, Y, X_test, Y_test, missing, epochs, seed=0):
    rng = np.random.RandomState(seed)
    Y_missing = Y.copy()
    Y_missing[rng.rand(*Y.shape) < missing] = np.nan
    start = time.perf_counter()
    shared = SharedMLPClassifier(**settings(epochs)).fit(X, Y_missing)
    shared_time = time.perf_counter() - start
    shared_predicted = shared.predict(X_test)
    start = time.perf_counter()
    independent = []
    for t in range(Y.shape[1]):
        rows = ~np.isnan(Y_missing[:, t])
        independent.append(MLPClassifier(**settings(epochs)).fit(X[rows], Y_missing[rows, t].astype(int)))
    independent_time = time.perf_counter() - start
    print(f"\n### Accuracy: {100 * missing:.0f}% of the training labels missing at random "
          f"({int((~np.isnan(Y_missing)).sum())} of {Y.size} labelled), {epochs} epochs, "
          f"test set of {len(X_test)} rows with every label\n")
    print("Baseline: one MLPClassifier per task on that task's labelled rows only; this is what "
          "MultiOutputClassifier(MLPClassifier(...)) would do if it accepted missing labels "
          "(it refuses NaN in y).\n")
    print("| task | labelled rows | SharedMLPClassifier, wide y with NaN | one MLPClassifier per task |")
    print("|---|---|---|---|")
    ours, theirs = [], []
    for t in range(Y.shape[1]):
        ours.append(np.mean(shared_predicted[:, t] == Y_test[:, t]))
        theirs.append(independent[t].score(X_test, Y_test[:, t].astype(int)))
        print(f"| {t} | {int((~np.isnan(Y_missing[:, t])).sum())} | {ours[-1]:.4f} | {theirs[-1]:.4f} |")
    print(f"| mean | | {np.mean(ours):.4f} | {np.mean(theirs):.4f} |")
    print(f"| fit time (s) | | {shared_time:.2f} | {independent_time:.2f} |")
    print(f"\nshared - per task: {100 * (np.mean(ours) - np.mean(theirs)):+.2f} points of mean accuracy, "
          f"better on {int(np.sum(np.array(ours) > np.array(theirs)))} of {Y.shape[1]} tasks; "
          f"fit time {shared_time / independent_time:.2f}x")


def profile(X, Y, epochs, top=25):
    """Where the numpy backend's time goes on the wide problem."""
    model = SharedMLPClassifier(**settings(epochs))
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(X, Y)
    profiler.disable()
    for key in ("tottime", "cumulative"):
        print(f"\n### cProfile of one wide fit ({epochs} epochs), sorted by {key}\n")
        pstats.Stats(profiler).sort_stats(key).print_stats(top)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved fits per model for the timings")
    parser.add_argument("--epochs-timing", type=int, default=3, help="epochs of each timed fit")
    parser.add_argument("--epochs", type=int, default=20, help="epochs of the accuracy comparison")
    parser.add_argument("--missing", type=float, default=0.3, help="share of labels missing in the accuracy part")
    parser.add_argument("--n", type=int, default=8000, help="training rows")
    parser.add_argument("--quick", action="store_true", help="2 repeats, 5 epochs for accuracy (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="also cProfile a wide fit of the numpy backend")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.epochs = 2, 5
    warnings.simplefilter("ignore", ConvergenceWarning)
    import torch

    torch.set_num_threads(1)
    X, Y, X_test, Y_test = make_wide(args.n, 2000)
    wall = time.perf_counter()
    with threadpool_limits(limits=1):
        speed(X, Y, args.epochs_timing, args.repeats)
        accuracy(X, Y, X_test, Y_test, args.missing, args.epochs)
        if args.profile:
            profile(X, Y, args.epochs_timing)
    print(f"\nwall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
