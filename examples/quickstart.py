"""
Quickstart: independent, pooled and multi-task SVMs on grouped data
===================================================================

Ten tasks in two clusters of related rules. Cross-validation compares one SVM
per task (rho=0), one SVM for all (rho=1), a fixed amount of sharing (rho=0.5)
and a task similarity learned from the data.

Run: python examples/quickstart.py
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score

from skmtl import MultiTaskKernelSVC
from skmtl.datasets import make_multitask_classification
from skmtl.model_selection import TaskStratifiedKFold

X, y, tasks, true_similarity = make_multitask_classification(
    n_samples=600, n_tasks=10, n_features=10, n_clusters=2, as_frame=True, random_state=0
)
print(X.head(3), "\n")

# Stratify folds on task and label together, so every task is in every fold.
folds = TaskStratifiedKFold(5, task_column="task", shuffle=True, random_state=0)
models = {
    "independent (rho=0)": MultiTaskKernelSVC(task_column="task", kernel="linear", task_similarity=0.0),
    "pooled (rho=1)": MultiTaskKernelSVC(task_column="task", kernel="linear", task_similarity=1.0),
    "shared (rho=0.5)": MultiTaskKernelSVC(task_column="task", kernel="linear", task_similarity=0.5),
    "learned Omega": MultiTaskKernelSVC(task_column="task", kernel="linear", task_similarity="learn"),
}
print(f"{'model':<22}accuracy (5-fold CV)")
for name, model in models.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model, X, y, cv=folds)
    print(f"{name:<22}{scores.mean():.3f} +- {scores.std():.3f}")

learned = models["learned Omega"].fit(X, y).task_similarity_
same = np.equal.outer(np.arange(10) % 2, np.arange(10) % 2) & ~np.eye(10, dtype=bool)
print(f"\nlearned similarity, mean within clusters {learned[same].mean():+.2f}, "
      f"across clusters {learned[~same & ~np.eye(10, dtype=bool)].mean():+.2f}")
