"""Fits in threads equal sequential fits, for every estimator and backend.

joblib's threading backend (GridSearchCV(n_jobs=..., with
parallel_backend('threading')), a web server's workers) runs fits of
independent estimators at once in one process: no state may be shared
between them.
"""

import importlib.util

import numpy as np
import pytest
from joblib import Parallel, delayed
from sklearn.base import clone

from skmtl import (
    IndependentTaskClassifier,
    MultiTaskKernelSVC,
    PooledTaskClassifier,
    SharedMLPClassifier,
    SharedRNNClassifier,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="backend='torch' needs PyTorch (pip install torch)")


def _sequences(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(60, 6, 2)
    tasks = np.repeat(["a", "b"], 30)
    y = (X[:, -1, 0] * np.where(tasks == "a", 1, -1) > 0).astype(int)
    return X, y, tasks


def _rows(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(90, 4)
    tasks = np.repeat([0, 1, 2], 30)
    y = (X[:, 0] + np.where(tasks == 2, -1, 1) * X[:, 1] > 0).astype(int)
    return X, y, tasks


def _fit_proba(estimator, seed, data):
    X, y, tasks = data(seed)
    return clone(estimator).set_params(random_state=seed).fit(X, y, tasks=tasks).predict_proba(X, tasks=tasks)


NETWORKS = [
    pytest.param(SharedRNNClassifier(hidden_size=8, max_iter=5, dropout=0.0), _sequences, id="rnn-numpy"),
    pytest.param(
        SharedRNNClassifier(hidden_size=8, max_iter=5, backend="torch", device="cpu"),
        _sequences, id="rnn-torch", marks=needs_torch,
    ),
    pytest.param(
        SharedRNNClassifier(cell="gru", hidden_size=8, num_layers=2, bidirectional=True, max_iter=3,
                            backend="torch", device="cpu"),
        _sequences, id="gru-torch-2-layers", marks=needs_torch,
    ),
    pytest.param(SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, dropout=0.2), _rows, id="mlp-numpy"),
    pytest.param(
        SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, dropout=0.2, backend="torch", device="cpu"),
        _rows, id="mlp-torch", marks=needs_torch,
    ),
    pytest.param(MultiTaskKernelSVC(task_similarity="learn", probability=True), _rows, id="svc"),
    pytest.param(IndependentTaskClassifier(), _rows, id="independent"),
    pytest.param(PooledTaskClassifier(), _rows, id="pooled"),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator, data", NETWORKS)
def test_fits_in_threads_equal_sequential_fits(estimator, data):
    seeds = list(range(8))
    fit = _fit_proba if "random_state" in estimator.get_params() else _fit_proba_unseeded
    sequential = [fit(estimator, seed, data) for seed in seeds]
    threaded = Parallel(n_jobs=4, backend="threading")(delayed(fit)(estimator, seed, data) for seed in seeds)
    for one, other in zip(sequential, threaded):
        np.testing.assert_array_equal(one, other)


def _fit_proba_unseeded(estimator, seed, data):
    X, y, tasks = data(seed)
    return clone(estimator).fit(X, y, tasks=tasks).predict_proba(X, tasks=tasks)
