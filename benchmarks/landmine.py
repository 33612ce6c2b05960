"""The Landmine protocol: independent, pooled, rho-kernel and learned-Omega SVMs.

Landmine (Xue et al. 2007): 29 tasks (radar fields), 9 features, 14,820 rows,
about 6% positives. For each of 10 random splits, half of every task's rows
train and half test (stratified by label within each task); hyperparameters
are chosen by 5-fold cross-validation on the training half only (folds
stratified by task and label); the metric is ROC AUC per task, averaged over
the 29 tasks. All four models are MultiTaskKernelSVC with a linear kernel, so
they differ only in how tasks share:

- independent: task_similarity=0 with one bias per task (one SVM per task);
- pooled: task_similarity=1 with one shared bias (one SVM for all tasks);
- rho: task_similarity=rho, rho chosen by the inner CV;
- learn: task_similarity='learn'.

Each grid also chooses class_weight ('balanced' or 'balanced_per_task'): the
classes are very imbalanced, and every model gets the same choice.

The C grids differ: independent, pooled and rho choose C in
{0.001, 0.003, 0.01, 0.03, 0.1, 0.3} (C_GRID); learn chooses C in
{0.0003, 0.001, 0.003, 0.01, 0.03} (its own grid in MODELS, which replaces
C_GRID), and runs with similarity_max_iter=300.

Usage: python benchmarks/landmine.py PATH/TO/LandmineData.mat [--splits 10] [--n-jobs 2]
       [--plot omega.png]   (the Omega learned on the first split, as a heat map; needs matplotlib)
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.io import loadmat
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skmtl import MultiTaskKernelSVC

C_GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]
WEIGHTS = ["balanced", "balanced_per_task"]
MODELS = {
    "independent": ({"task_similarity": 0.0, "bias": "per_task"}, {}),
    "pooled": ({"task_similarity": 1.0}, {}),
    "rho": ({}, {"task_similarity": [0.2, 0.4, 0.6, 0.8]}),
    # Larger C needs more Omega updates (about 90 at C=0.03): allow them, so
    # that no fit stops early.
    "learn": ({"task_similarity": "learn", "similarity_max_iter": 300},
              {"C": [0.0003, 0.001, 0.003, 0.01, 0.03]}),
}
PUBLISHED = 0.7802  # GO-MTL (Kumar & Daume 2012), hyperparameters tuned on the test data


def load(path):
    """Rows with the task id as column 0, labels, task ids."""
    data = loadmat(path)
    features = [x.astype(float) for x in data["feature"][0]]
    labels = [y.ravel().astype(int) for y in data["label"][0]]
    tasks = np.concatenate([np.full(len(y), t) for t, y in enumerate(labels)])
    X = np.column_stack([tasks, np.vstack(features)])
    return X, np.concatenate(labels), tasks


def half_split(y, tasks, rng):
    """Half of every task's rows (of each label) for training."""
    train = np.zeros(len(y), dtype=bool)
    for task in np.unique(tasks):
        for label in (0, 1):
            rows = rng.permutation(np.flatnonzero((tasks == task) & (y == label)))
            train[rows[: len(rows) // 2]] = True
    return train


def splits(X, y, tasks, n_splits):
    """The protocol's splits: for each, the training half (a boolean mask,
    seeded by the split's number) and 5 inner folds of it, stratified by task
    and label."""
    for split in range(n_splits):
        train = half_split(y, tasks, np.random.RandomState(split))
        strata = tasks[train] * 2 + y[train]
        inner = list(StratifiedKFold(5, shuffle=True, random_state=split).split(X[train], strata))
        yield split, train, inner


def mean_task_auc(y, scores, tasks):
    return float(np.mean([roc_auc_score(y[tasks == t], scores[tasks == t]) for t in np.unique(tasks)]))


def task_auc_scorer(estimator, X, y):
    """Scorer for the inner CV: mean per-task ROC AUC (task ids in column 0)."""
    return mean_task_auc(np.asarray(y), estimator.decision_function(X), X[:, 0])


def plot_similarity(omega, path):
    """Heat map of a learned Omega as correlations (fields 1-15 foliated, 16-29 desert), in field order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skmtl.plotting import plot_task_similarity

    fig, ax = plt.subplots(figsize=(6.4, 5.6), layout="constrained")
    plot_task_similarity(
        omega, tasks=np.arange(1, len(omega) + 1), cluster=False, ax=ax,
        title="Landmine: learned task similarity\nfields 1-15 foliated, 16-29 bare earth / desert",
    )
    ax.axhline(14.5, color="k", lw=0.8)  # the two kinds of terrain, which the model was not told
    ax.axvline(14.5, color="k", lw=0.8)
    ax.set_xlabel("field (task)")
    ax.set_ylabel("field (task)")
    fig.savefig(path, dpi=110)
    print(f"saved {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="LandmineData.mat")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel inner-CV fits")
    parser.add_argument("--plot", help="save the Omega learned on split 0 as a heat map here")
    args = parser.parse_args()

    X, y, tasks = load(args.path)
    print(f"Landmine: {len(np.unique(tasks))} tasks, {X.shape[1] - 1} features, {len(y)} rows, "
          f"{y.mean():.1%} positives; {args.splits} splits, 5-fold inner CV\n")
    scores = {name: [] for name in MODELS}
    chosen = {name: [] for name in MODELS}
    started = time.perf_counter()
    for split, train, inner in splits(X, y, tasks, args.splits):
        line = []
        for name, (fixed, extra) in MODELS.items():
            grid = {"C": C_GRID, "class_weight": WEIGHTS, **extra}
            search = GridSearchCV(
                MultiTaskKernelSVC(kernel="linear", task_column=0, **fixed),
                grid, scoring=task_auc_scorer, cv=inner, n_jobs=args.n_jobs,
            )
            with warnings.catch_warnings():
                # A fit that stops early fails loudly rather than scoring quietly.
                warnings.simplefilter("error", ConvergenceWarning)
                search.set_params(error_score="raise").fit(X[train], y[train])
            test = ~train
            auc = mean_task_auc(y[test], search.decision_function(X[test]), tasks[test])
            scores[name].append(auc)
            chosen[name].append(search.best_params_)
            if name == "learn" and split == 0 and args.plot:
                plot_similarity(search.best_estimator_.task_similarity_, args.plot)
            line.append(f"{name} {auc:.4f}")
        print(f"split {split}: " + ", ".join(line) + f"  ({time.perf_counter() - started:.0f} s)",
              flush=True)

    print("\n| model | mean per-task AUC | std over splits |")
    print("|---|---|---|")
    for name, values in scores.items():
        print(f"| {name} | {np.mean(values):.4f} | {np.std(values):.4f} |")
    print(f"\nPublished reference under this protocol: {PUBLISHED} (GO-MTL, test-tuned).")
    print("\nHyperparameters chosen by the inner CV, per split:")
    for name, params in chosen.items():
        print(f"  {name}: " + "; ".join(
            ", ".join(f"{k}={v}" for k, v in sorted(p.items())) for p in params))


if __name__ == "__main__":
    main()
