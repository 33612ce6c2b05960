"""SharedMLPClassifier against MLPClassifier and a plain PyTorch loop, on digits.

Single task: ``load_digits`` standardised, a stratified 80/20 split, hidden
layers (128, 64), Adam, batch 64, learning rate 1e-3, 50 epochs (no early
stop). Every model is fitted ``--repeats`` times, interleaved, and the
median time per epoch is reported, with the ratios the issue asks for.
SharedMLPClassifier trains in float32 (its default); MLPClassifier trains in
the dtype of X, so it is timed twice, on the float64 data and on the same
data cast to float32: the second ratio is the like-for-like one. All models
run in one process, with the thread counts printed in the header.

Multi-task: the same images in long format, three tasks per image (the
digit 0-9; even or odd; 5 or more), one SharedMLPClassifier against one
MLPClassifier per task (float64 and float32), per-task test accuracy and
total time.

Usage::

    python benchmarks/bench_mlp.py [--repeats 5] [--epochs 50] [--device cuda]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from skmtl import SharedMLPClassifier

HIDDEN = (128, 64)


def settings(epochs):
    return dict(
        hidden_layer_sizes=HIDDEN, batch_size=64, learning_rate_init=1e-3, max_iter=epochs,
        n_iter_no_change=epochs + 1, random_state=0,
    )


def torch_loop(X, y, X_test, epochs, device="cpu", seed=0):
    """The same network and training in plain PyTorch: what a user would write."""
    import torch

    torch.manual_seed(seed)
    sizes = (X.shape[1], *HIDDEN)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], int(y.max()) + 1)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X_t = torch.tensor(X, dtype=torch.float32, device=device)
    y_t = torch.tensor(y, device=device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator).to(device)
        for start in range(0, len(y), 64):
            rows = order[start : start + 64]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X_t[rows]), y_t[rows])
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return model(torch.tensor(X_test, dtype=torch.float32, device=device)).argmax(1).cpu().numpy()


def threads():
    """The thread pools every model of the run shares: BLAS/OpenMP, and torch's."""
    import torch

    pools = ", ".join(sorted({f"{pool['internal_api']} {pool['num_threads']}" for pool in threadpool_info()}))
    return f"threads: {pools}, torch {torch.get_num_threads()}"


def single_task(X, y, X_test, y_test, epochs, repeats, device):
    X32, X_test32 = X.astype(np.float32), X_test.astype(np.float32)
    runners = {  # name: (model factory, training rows, test rows)
        "MLPClassifier (float64)": (lambda: MLPClassifier(**settings(epochs)), X, X_test),
        "MLPClassifier (float32)": (lambda: MLPClassifier(**settings(epochs)), X32, X_test32),
        "SharedMLPClassifier numpy": (lambda: SharedMLPClassifier(**settings(epochs)), X, X_test),
        "SharedMLPClassifier torch cpu": (
            lambda: SharedMLPClassifier(**settings(epochs), backend="torch", device="cpu"), X, X_test
        ),
    }
    if device != "cpu":
        runners[f"SharedMLPClassifier torch {device}"] = (
            lambda: SharedMLPClassifier(**settings(epochs), backend="torch", device=device), X, X_test
        )
    times = {name: [] for name in [*runners, "plain PyTorch loop cpu"]}
    accuracy = {}
    for _ in range(repeats):  # interleaved, so a noisy moment hits every model
        for name, (make, rows, test_rows) in runners.items():
            model = make()
            start = time.perf_counter()
            model.fit(rows, y)
            times[name].append((time.perf_counter() - start) / model.n_iter_)
            accuracy[name] = model.score(test_rows, y_test)
            if name == "MLPClassifier (float32)":  # it trains in the dtype of X
                assert model.coefs_[0].dtype == np.float32
        start = time.perf_counter()
        predicted = torch_loop(X, y, X_test, epochs)
        times["plain PyTorch loop cpu"].append((time.perf_counter() - start) / epochs)
        accuracy["plain PyTorch loop cpu"] = np.mean(predicted == y_test)
    median = {name: 1000 * np.median(t) for name, t in times.items()}
    sk, sk32 = median["MLPClassifier (float64)"], median["MLPClassifier (float32)"]
    ours, plain = median["SharedMLPClassifier numpy"], median["plain PyTorch loop cpu"]
    print(f"\n### Single task: digits, hidden {HIDDEN}, Adam, batch 64, {epochs} epochs, median of {repeats}\n")
    print(threads() + "\n")
    print("| model | ms / epoch | vs MLPClassifier float64 | vs MLPClassifier float32 | vs plain PyTorch "
          "| test accuracy |")
    print("|---|---|---|---|---|---|")
    for name in median:
        print(f"| {name} | {median[name]:.2f} | {median[name] / sk:.2f}x | {median[name] / sk32:.2f}x "
              f"| {median[name] / plain:.2f}x | {accuracy[name]:.4f} |")
    print(f"\nnumpy backend (float32): {ours / sk:.2f}x MLPClassifier in float64 (target <= 0.5), "
          f"{ours / sk32:.2f}x MLPClassifier in float32 (same dtype), {ours / plain:.2f}x plain PyTorch "
          f"(target <= 1.0); accuracy {100 * (accuracy['SharedMLPClassifier numpy'] - accuracy['MLPClassifier (float64)']):+.2f} "
          f"points against MLPClassifier float64, "
          f"{100 * (accuracy['SharedMLPClassifier numpy'] - accuracy['MLPClassifier (float32)']):+.2f} against float32 "
          "(target within 1)")


def long_format(X, y):
    """Each image three times: the digit, its parity, and whether it is 5 or more."""
    labels = {"digit": y, "even": (y % 2 == 0).astype(int), "five_or_more": (y >= 5).astype(int)}
    tasks = np.concatenate([np.full(len(y), task) for task in labels])
    return np.tile(X, (3, 1)), np.concatenate(list(labels.values())), tasks


def multi_task(X, y, X_test, y_test, epochs, repeats):
    X_long, y_long, tasks = long_format(X, y)
    X_test_long, y_test_long, tasks_test = long_format(X_test, y_test)
    shared_times, independent_times = [], {np.float64: [], np.float32: []}
    independent = {}
    for _ in range(repeats):
        start = time.perf_counter()
        shared = SharedMLPClassifier(**settings(epochs)).fit(X_long, y_long, tasks=tasks)
        shared_times.append(time.perf_counter() - start)
        for dtype in independent_times:
            rows = X_long.astype(dtype)
            start = time.perf_counter()
            independent[dtype] = {
                task: MLPClassifier(**settings(epochs)).fit(rows[tasks == task], y_long[tasks == task])
                for task in np.unique(tasks)
            }
            independent_times[dtype].append(time.perf_counter() - start)
    print(f"\n### Multi-task: digits as three tasks, {len(y_long)} training rows, {epochs} epochs, median of {repeats}\n")
    print("| task | SharedMLPClassifier (float32) | one MLPClassifier per task, float64 | float32 |")
    print("|---|---|---|---|")
    for task in np.unique(tasks):
        rows = tasks_test == task
        ours = shared.score(X_test_long[rows], y_test_long[rows], tasks=tasks_test[rows])
        theirs = [independent[dtype][task].score(X_test_long[rows].astype(dtype), y_test_long[rows])
                  for dtype in independent_times]
        print(f"| {task} | {ours:.4f} | {theirs[0]:.4f} | {theirs[1]:.4f} |")
    print(f"| fit time (s) | {np.median(shared_times):.2f} | {np.median(independent_times[np.float64]):.2f} "
          f"| {np.median(independent_times[np.float32]):.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--device", default="cpu", help="also time the torch backend on this device (e.g. cuda)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    single_task(X_train, y_train, X_test, y_test, args.epochs, args.repeats, args.device)
    multi_task(X_train, y_train, X_test, y_test, args.epochs, args.repeats)


if __name__ == "__main__":
    main()
