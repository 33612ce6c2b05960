"""Synthetic multi-task data with a known task structure."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_multitask_classification"]


def make_multitask_classification(
    n_samples: int = 1000,
    n_tasks: int = 10,
    n_features: int = 10,
    n_clusters: int = 2,
    *,
    task_spread: float = 0.3,
    label_noise: float = 0.05,
    as_frame: bool = False,
    random_state=None,
):
    """Binary tasks in clusters that share a decision rule up to a perturbation.

    Cluster ``c`` draws a weight vector ``w_c``; task ``t`` of cluster ``c``
    uses ``w_t = w_c + task_spread * noise``, and labels its rows
    ``y = [x . w_t > 0]`` with a fraction ``label_noise`` of labels flipped.
    Tasks in one cluster help each other; tasks in different clusters do not.

    Parameters
    ----------
    n_samples : int, default=1000
        Total rows, spread over the tasks at random (so task sizes vary), at
        least ``n_tasks``.
    n_tasks : int, default=10
        Number of tasks.
    n_features : int, default=10
        Number of features.
    n_clusters : int, default=2
        Number of groups of related tasks (task ``t`` is in cluster ``t % n_clusters``).
    task_spread : float, default=0.3
        How far each task's rule is from its cluster's (relative to unit-norm rules).
    label_noise : float, default=0.05
        Fraction of labels flipped at random.
    as_frame : bool, default=False
        Return a DataFrame with feature columns ``x0, x1, ...`` and a ``task``
        column of string ids ``task_0, task_1, ...`` (use ``task_column="task"``).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features) or DataFrame
        Features (with the ``task`` column when ``as_frame``).
    y : ndarray of shape (n_samples,)
        Labels in {0, 1}.
    tasks : ndarray of shape (n_samples,)
        Task id of each row (ints; also in ``X`` when ``as_frame``).
    task_similarity : ndarray of shape (n_tasks, n_tasks)
        The true relation: cosine similarity of the tasks' rules.

    Examples
    --------
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, similarity = make_multitask_classification(200, n_tasks=4, random_state=0)
    >>> X.shape, y.shape, similarity.shape
    ((200, 10), (200,), (4, 4))
    >>> bool(similarity[0, 2] > similarity[0, 1])  # tasks 0 and 2 share a cluster
    True
    """
    for name, value, low in (("n_samples", n_samples, n_tasks), ("n_tasks", n_tasks, 1), ("n_features", n_features, 1)):
        if not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an integer of at least {low}, got {value!r}.")
    if not isinstance(n_clusters, Integral) or not 1 <= n_clusters <= n_tasks:
        raise ValueError(f"n_clusters must be an integer from 1 to n_tasks={n_tasks}, got {n_clusters!r}.")
    if not task_spread >= 0:
        raise ValueError(f"task_spread must be non-negative, got {task_spread!r}.")
    if not 0 <= label_noise < 0.5:
        raise ValueError(f"label_noise must be in [0, 0.5), got {label_noise!r}.")
    rng = check_random_state(random_state)
    centres = rng.randn(n_clusters, n_features)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    cluster = np.arange(n_tasks) % n_clusters
    rules = centres[cluster] + task_spread * rng.randn(n_tasks, n_features) / np.sqrt(n_features)
    tasks = rng.randint(n_tasks, size=n_samples)
    X = rng.randn(n_samples, n_features)
    y = (np.einsum("ij,ij->i", X, rules[tasks]) > 0).astype(int)
    flip = rng.rand(n_samples) < label_noise
    y[flip] = 1 - y[flip]
    unit = rules / np.linalg.norm(rules, axis=1, keepdims=True)
    similarity = unit @ unit.T
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
        frame["task"] = np.char.add("task_", tasks.astype(str))
        return frame, y, tasks, similarity
    return X, y, tasks, similarity
