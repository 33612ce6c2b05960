"""SharedMLPClassifier against MLPClassifier and a plain PyTorch loop, on digits.

Single task: ``load_digits`` standardised, a stratified 80/20 split, hidden
layers (128, 64), Adam, batch 64, learning rate 1e-3, 50 epochs (no early
stop). Every model is fitted ``--repeats`` times, interleaved, and the
median time per epoch is reported, with the ratios the issue asks for.

Multi-task: the same images in long format, three tasks per image (the
digit 0-9; even or odd; 5 or more), one SharedMLPClassifier against one
MLPClassifier per task, per-task test accuracy and total time.

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


def single_task(X, y, X_test, y_test, epochs, repeats, device):
    runners = {
        "MLPClassifier (float64)": lambda: MLPClassifier(**settings(epochs)),
        "SharedMLPClassifier numpy": lambda: SharedMLPClassifier(**settings(epochs)),
        "SharedMLPClassifier torch cpu": lambda: SharedMLPClassifier(**settings(epochs), backend="torch", device="cpu"),
    }
    if device != "cpu":
        runners[f"SharedMLPClassifier torch {device}"] = lambda: SharedMLPClassifier(
            **settings(epochs), backend="torch", device=device
        )
    times = {name: [] for name in [*runners, "plain PyTorch loop cpu"]}
    accuracy = {}
    for _ in range(repeats):  # interleaved, so a noisy moment hits every model
        for name, make in runners.items():
            model = make()
            start = time.perf_counter()
            model.fit(X, y)
            times[name].append((time.perf_counter() - start) / model.n_iter_)
            accuracy[name] = model.score(X_test, y_test)
        start = time.perf_counter()
        predicted = torch_loop(X, y, X_test, epochs)
        times["plain PyTorch loop cpu"].append((time.perf_counter() - start) / epochs)
        accuracy["plain PyTorch loop cpu"] = np.mean(predicted == y_test)
    median = {name: 1000 * np.median(t) for name, t in times.items()}
    sk, ours, plain = median["MLPClassifier (float64)"], median["SharedMLPClassifier numpy"], median["plain PyTorch loop cpu"]
    print(f"\n### Single task: digits, hidden {HIDDEN}, Adam, batch 64, {epochs} epochs, median of {repeats}\n")
    print("| model | ms / epoch | vs MLPClassifier | vs plain PyTorch | test accuracy |")
    print("|---|---|---|---|---|")
    for name in median:
        print(f"| {name} | {median[name]:.2f} | {median[name] / sk:.2f}x | {median[name] / plain:.2f}x | {accuracy[name]:.4f} |")
    print(f"\nnumpy backend: {ours / sk:.2f}x MLPClassifier (target <= 0.5), {ours / plain:.2f}x plain PyTorch "
          f"(target <= 1.0); accuracy {100 * (accuracy['SharedMLPClassifier numpy'] - accuracy['MLPClassifier (float64)']):+.2f} "
          "points against MLPClassifier (target within 1)")


def long_format(X, y):
    """Each image three times: the digit, its parity, and whether it is 5 or more."""
    labels = {"digit": y, "even": (y % 2 == 0).astype(int), "five_or_more": (y >= 5).astype(int)}
    tasks = np.concatenate([np.full(len(y), task) for task in labels])
    return np.tile(X, (3, 1)), np.concatenate(list(labels.values())), tasks


def multi_task(X, y, X_test, y_test, epochs, repeats):
    X_long, y_long, tasks = long_format(X, y)
    X_test_long, y_test_long, tasks_test = long_format(X_test, y_test)
    shared_times, independent_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        shared = SharedMLPClassifier(**settings(epochs)).fit(X_long, y_long, tasks=tasks)
        shared_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        independent = {
            task: MLPClassifier(**settings(epochs)).fit(X_long[tasks == task], y_long[tasks == task])
            for task in np.unique(tasks)
        }
        independent_times.append(time.perf_counter() - start)
    print(f"\n### Multi-task: digits as three tasks, {len(y_long)} training rows, {epochs} epochs, median of {repeats}\n")
    print("| task | SharedMLPClassifier | one MLPClassifier per task |")
    print("|---|---|---|")
    for task in np.unique(tasks):
        rows = tasks_test == task
        ours = shared.score(X_test_long[rows], y_test_long[rows], tasks=tasks_test[rows])
        theirs = independent[task].score(X_test_long[rows], y_test_long[rows])
        print(f"| {task} | {ours:.4f} | {theirs:.4f} |")
    print(f"| fit time (s) | {np.median(shared_times):.2f} | {np.median(independent_times):.2f} |")


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
