"""
Missing labels in the wide form
===============================

When every sample may carry a label for every task (a patient's diagnoses,
an image's attributes), the targets come as a wide ``y``: one column per
task, with NaN where a sample is not labelled for a task. This example fits
a multi-task model on such a ``y`` and one model per task on the same
labels, as the fraction of missing labels grows.
"""

# %%
# Six related tasks on shared inputs
# ----------------------------------
# Every sample has 30 features; task ``t`` labels it by the sign of
# ``x . w_t`` with ``w_t`` drawn around one shared rule, and 5% of labels
# flipped. All 600 training samples would be labelled for all six tasks;
# each label is then hidden (set to NaN) with probability ``missing``.

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from skmtl import IndependentTaskClassifier, MultiTaskLogisticRegression

N_TASKS, N_FEATURES = 6, 30
rng = np.random.RandomState(0)
rules = rng.randn(N_FEATURES) + 0.6 * rng.randn(N_TASKS, N_FEATURES)
columns = [f"task {t}" for t in range(N_TASKS)]


def make_samples(n, seed):
    """``n`` samples with every task's label: X and a wide y (a DataFrame)."""
    draw = np.random.RandomState(seed)
    X = draw.randn(n, N_FEATURES)
    y = (X @ rules.T > 0).astype(float)
    flip = draw.rand(*y.shape) < 0.05
    y[flip] = 1 - y[flip]
    return X, pd.DataFrame(y, columns=columns)


def hide_labels(y, missing, seed):
    """A copy of y with each label set to NaN with probability ``missing``."""
    hidden = np.random.RandomState(seed).rand(*y.shape) < missing
    return y.mask(hidden)


X_train, y_full = make_samples(600, seed=1)
X_test, y_test = make_samples(2000, seed=2)
print(hide_labels(y_full, 0.5, seed=0).head(4))

# %%
# Fits on fewer and fewer labels
# ------------------------------
# :class:`~skmtl.MultiTaskLogisticRegression` takes the wide ``y`` as it
# is: each task's loss is summed over its labelled rows only, and the tasks'
# weights are tied by a learned task similarity. One
# :class:`~sklearn.linear_model.LogisticRegression` per task
# (:class:`~skmtl.IndependentTaskClassifier`) fits each column on its own
# labelled rows. Both are scored by the mean over tasks of the accuracy on
# the fully labelled test set; each point is the mean over 3 draws of the
# hidden labels.

models = {
    "multi-task (learned Omega)": MultiTaskLogisticRegression(task_similarity="learn"),
    "one LogisticRegression per task": IndependentTaskClassifier(LogisticRegression()),
}
missing_fractions = [0.0, 0.5, 0.8, 0.9, 0.95]
seeds = [0, 1, 2]
scores = {name: np.zeros((len(missing_fractions), len(seeds))) for name in models}
for i, missing in enumerate(missing_fractions):
    for j, seed in enumerate(seeds):
        y_train = hide_labels(y_full, missing, seed)
        for name, model in models.items():
            scores[name][i, j] = model.fit(X_train, y_train).score(X_test, y_test)

labelled = [round(600 * (1 - m)) for m in missing_fractions]
print(f"{'labels per task (about):':<33}" + "  ".join(f"{n:>5}" for n in labelled))
for name, values in scores.items():
    print(f"{name:<33}" + "  ".join(f"{v:5.3f}" for v in values.mean(axis=1)))

# %%
# Test accuracy against the fraction of missing labels
# ----------------------------------------------------

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for (name, values), marker in zip(scores.items(), "os"):
    ax.errorbar(labelled, values.mean(axis=1), yerr=values.std(axis=1), marker=marker, capsize=3, label=name)
ax.axhline(0.95, color="grey", linestyle=":", label="best possible (5% of labels flipped)")
ax.set_xscale("log")
ax.invert_xaxis()  # more labels missing to the right
ax.minorticks_off()
ax.set_xticks(labelled, [f"{n}\n({m:.0%})" for n, m in zip(labelled, missing_fractions)])
ax.set_xlabel("labelled rows per task, about (labels missing)")
ax.set_ylabel("test accuracy, mean over the 6 tasks")
ax.set_title("Six related tasks, 600 samples, labels hidden at random")
ax.legend(loc="lower left")
ax.grid(alpha=0.3)
plt.show()

# %%
# What the figure shows
# ---------------------
# With all labels, or half of them, each task has enough rows of its own
# (300 or more for 30 features) and the two models score the same. As more
# labels go missing, each task's own model sees fewer rows, while the
# multi-task model also learns from the other tasks' labels on related
# rules: its accuracy falls more slowly, about 4 points above one model per
# task with 30 labelled rows per task. The gain comes from the tasks being
# related; on unrelated tasks there is nothing to borrow. Neither model gets
# near the best possible accuracy with few labels.
