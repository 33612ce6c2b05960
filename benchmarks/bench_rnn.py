"""SharedRNNClassifier against a plain PyTorch loop with nn.LSTM / nn.GRU / nn.RNN.

Single task: ``load_digits`` as sequences (8 time steps of 8 pixels, one
image row per step), standardised, a stratified 80/20 split; hidden size 64,
batch 64, Adam, learning rate 1e-3, no early stop. Every model is fitted
``--repeats`` times, interleaved, and the median time per epoch is reported
as a ratio to the plain PyTorch loop of the same network.

Sequence length: the same, on random sequences of 8 and of 100 steps (8
features, 1000 sequences), to show that the cost per time step stays flat.

Multi-task: digits-as-sequences in long format with three tasks (the digit;
even or odd; 5 or more), one SharedRNNClassifier against one single-task
SharedRNNClassifier per task: per-task test accuracy and time.

Usage::

    python benchmarks/bench_rnn.py [--repeats 5] [--epochs 20]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmtl import SharedRNNClassifier

HIDDEN = 64


def settings(cell, epochs):
    return dict(cell=cell, hidden_size=HIDDEN, batch_size=64, learning_rate_init=1e-3, max_iter=epochs,
                n_iter_no_change=epochs + 1, random_state=0)


def torch_loop(cell, X, y, epochs, seed=0):
    """The same network and training in plain PyTorch: nn.LSTM (or GRU, RNN) and a linear head."""
    import torch

    torch.manual_seed(seed)
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    rnn = kind(X.shape[2], HIDDEN, batch_first=True)
    head = torch.nn.Linear(HIDDEN, int(y.max()) + 1)
    optimizer = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=1e-3)
    X_t, y_t = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for first in range(0, len(y), 64):
            rows = order[first : first + 64]
            optimizer.zero_grad()
            output, _ = rnn(X_t[rows])
            loss = torch.nn.functional.cross_entropy(head(output[:, -1]), y_t[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*rnn.parameters(), *head.parameters()], 5.0)
            optimizer.step()
    return (time.perf_counter() - start) / epochs


def ours(cell, X, y, epochs, backend="numpy"):
    model = SharedRNNClassifier(**settings(cell, epochs), backend=backend, device="cpu")
    start = time.perf_counter()
    model.fit(X, y)
    return (time.perf_counter() - start) / model.n_iter_, model


def per_epoch_table(title, data, cells, epochs, repeats):
    X, y = data
    rows = []
    for cell in cells:
        times = {"numpy": [], "torch backend": [], "plain torch": []}
        for _ in range(repeats):  # interleaved
            times["numpy"].append(ours(cell, X, y, epochs)[0])
            times["torch backend"].append(ours(cell, X, y, epochs, backend="torch")[0])
            times["plain torch"].append(torch_loop(cell, X, y, epochs))
        rows.append((cell, {k: 1000 * np.median(v) for k, v in times.items()}))
    print(f"\n### {title}, median of {repeats}\n")
    print("| cell | numpy ms/epoch | torch backend ms/epoch | plain PyTorch ms/epoch | numpy / plain |")
    print("|---|---|---|---|---|")
    for cell, t in rows:
        print(f"| {cell} | {t['numpy']:.1f} | {t['torch backend']:.1f} | {t['plain torch']:.1f} | "
              f"{t['numpy'] / t['plain torch']:.2f}x |")
    return dict(rows)


def long_format(X, y):
    labels = {"digit": y, "even": (y % 2 == 0).astype(int), "five_or_more": (y >= 5).astype(int)}
    tasks = np.concatenate([np.full(len(y), task) for task in labels])
    return np.concatenate([X] * 3), np.concatenate(list(labels.values())), tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X = ((X - X.mean()) / X.std()).reshape(-1, 8, 8)  # 8 steps (image rows) of 8 pixels
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    per_epoch_table("Digits as sequences (1437 x 8 steps x 8), hidden 64, batch 64, Adam",
                    (X_train, y_train), ["lstm", "gru", "rnn"], args.epochs, args.repeats)
    _, model = ours("lstm", X_train, y_train, args.epochs)
    print(f"\nLSTM test accuracy after {args.epochs} epochs: {model.score(X_test, y_test):.4f}")

    rng = np.random.RandomState(0)
    lengths = {}
    for steps in (8, 100):
        Z = rng.randn(1000, steps, 8).astype(np.float32)
        label = (Z[:, :, 0].mean(axis=1) > 0).astype(int)
        lengths[steps] = per_epoch_table(f"Random sequences, 1000 x {steps} steps x 8, LSTM", (Z, label),
                                         ["lstm"], max(2, args.epochs // 4), args.repeats)["lstm"]
    for name in ("numpy", "plain torch"):
        per_step = [lengths[s][name] / s for s in (8, 100)]
        print(f"\n{name}: {per_step[0]:.3f} ms per step at 8 steps, {per_step[1]:.3f} at 100 "
              f"({per_step[1] / per_step[0]:.2f}x)")

    X_long, y_long, tasks = long_format(X_train, y_train)
    X_test_long, y_test_long, tasks_test = long_format(X_test, y_test)
    shared_times, single_times = [], []
    for _ in range(max(1, args.repeats // 2)):
        start = time.perf_counter()
        shared = SharedRNNClassifier(**settings("lstm", args.epochs)).fit(X_long, y_long, tasks=tasks)
        shared_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        single = {t: SharedRNNClassifier(**settings("lstm", args.epochs)).fit(X_long[tasks == t], y_long[tasks == t])
                  for t in np.unique(tasks)}
        single_times.append(time.perf_counter() - start)
    print(f"\n### Multi-task: digits as sequences, three tasks, {len(y_long)} training rows, LSTM 64, "
          f"{args.epochs} epochs\n")
    print("| task | shared LSTM | one LSTM per task |")
    print("|---|---|---|")
    for task in np.unique(tasks):
        rows = tasks_test == task
        print(f"| {task} | {shared.score(X_test_long[rows], y_test_long[rows], tasks=tasks_test[rows]):.4f} | "
              f"{single[task].score(X_test_long[rows], y_test_long[rows]):.4f} |")
    print(f"| fit time (s) | {np.median(shared_times):.2f} | {np.median(single_times):.2f} |")


if __name__ == "__main__":
    main()
