"""
Sequences of different lengths with a shared recurrent trunk
============================================================

:class:`~skmtl.SharedRNNClassifier` reads sequences through one recurrent
trunk (an RNN, LSTM or GRU) shared by all tasks, and gives the state after
each sequence's last real step to its own task's head. Here the sequences
have different lengths (4 to 32 steps) and are given as a plain list of
arrays; the figure shows the test accuracy of each task against the length
of the sequence.
"""

# %%
# Two tasks on generated sequences
# --------------------------------
# Every sequence has two features per step, standard normal noise, and
# belongs to one of two tasks:
#
# * ``ends_up``: is the sum of the first feature over all steps positive (a
#   random walk that ends above where it started)? The network must add up
#   every step.
# * ``has_peak``: does the second feature exceed 2 at some step? The network
#   must remember one event, wherever it was.
#
# The two tasks read different features and share only the trunk.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skmtl import SharedRNNClassifier

TASKS = ("ends_up", "has_peak")


def make_sequences(n, rng):
    """``n`` sequences of 4 to 32 steps: a list of (length, 2) arrays, labels, task ids, lengths."""
    lengths = rng.randint(4, 33, size=n)
    X = [rng.randn(length, 2).astype(np.float32) for length in lengths]
    tasks = rng.choice(TASKS, size=n)
    y = np.array([
        int(s[:, 0].sum() > 0) if task == "ends_up" else int(s[:, 1].max() > 2.0)
        for s, task in zip(X, tasks)
    ])
    return X, y, tasks, lengths


rng = np.random.RandomState(0)
X_train, y_train, tasks_train, _ = make_sequences(500, rng)
X_test, y_test, tasks_test, lengths_test = make_sequences(800, rng)
print(f"{len(X_train)} training sequences of {min(map(len, X_train))} to {max(map(len, X_train))} steps")

# %%
# Ragged input: a list of 2-D arrays
# ----------------------------------
# ``X`` is a list with one ``(length, n_features)`` array per sequence; the
# estimator pads the sequences to the longest and masks the padding, so each
# head reads the state after the sequence's own last step. The task of each
# sequence is given as ``tasks=`` (the long form: one sequence, one label,
# one task). A 3-D array ``(n_sequences, n_steps, n_features)`` works the
# same way when all sequences have the same length.

model = SharedRNNClassifier(
    cell="gru", hidden_size=16, learning_rate_init=0.01, batch_size=32, max_iter=30, random_state=0
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget of 30 epochs
    model.fit(X_train, y_train, tasks=tasks_train)
print("trunk weights:", {name: w.shape for name, w in model.rnn_weights_.items() if name.startswith("weight")})
predicted = model.predict(X_test, tasks=tasks_test)
for task in TASKS:
    rows = tasks_test == task
    print(f"test accuracy, {task}: {np.mean(predicted[rows] == y_test[rows]):.3f}")

# %%
# Accuracy against sequence length
# --------------------------------
# The test sequences are grouped by length; the dashed lines are what always
# answering a task's most frequent label in that group would score. For
# ``has_peak`` that reference falls with the length (a long sequence more
# often has a peak), so its accuracy is best read against the dashed line,
# not against 0.5. In this run ``ends_up`` is most accurate on the shortest
# sequences, where there are the fewest steps to add up, and ``has_peak``
# stays above its reference at every length, furthest on the long sequences
# where the reference nears 0.5. One run of one model: it says nothing about
# how the two tasks would fare with separate networks.

edges = np.array([4, 11, 18, 25, 33])  # length groups [4, 10], [11, 17], [18, 24], [25, 32]
groups = np.digitize(lengths_test, edges[1:-1])
centres = (edges[:-1] + edges[1:] - 1) / 2
fig, ax = plt.subplots(figsize=(6.4, 4), layout="constrained")
for task, colour in zip(TASKS, ("tab:blue", "tab:orange")):
    rows = tasks_test == task
    right = predicted[rows] == y_test[rows]
    accuracy = [right[groups[rows] == g].mean() for g in range(len(centres))]
    majority = [max(p, 1 - p) for p in (y_test[rows][groups[rows] == g].mean() for g in range(len(centres)))]
    ax.plot(centres, accuracy, "o-", color=colour, label=f"{task}, shared GRU")
    ax.plot(centres, majority, "--", color=colour, alpha=0.7, label=f"{task}, most frequent label")
ax.set_xticks(centres, [f"{a}-{b - 1}" for a, b in zip(edges[:-1], edges[1:])])
ax.set_ylim(0.3, 1.02)
ax.set_xlabel("sequence length (steps)")
ax.set_ylabel("test accuracy")
ax.set_title("One GRU trunk, two tasks, ragged sequences")
ax.legend(fontsize=8, loc="lower center", ncols=2)

if __name__ == "__main__":
    plt.show()
