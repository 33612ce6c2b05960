"""Loss weighting and gradient surgery: each method's defining property."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmtl import SharedMLPClassifier
from skmtl.datasets import make_multitask_classification
from skmtl.nn._weighting import DWA_TEMPERATURE, min_norm_coefficients, pcgrad_coefficients


def _fit(X, y, tasks, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SharedMLPClassifier(**params).fit(X, y, tasks=tasks)


@pytest.fixture(scope="module")
def data():
    X, y, tasks, _ = make_multitask_classification(n_samples=400, n_tasks=3, random_state=0)
    return X, y, tasks


def test_pcgrad_removes_conflicts_between_two_tasks():
    rng = np.random.RandomState(0)
    for _ in range(200):
        g = rng.randn(2, 5)
        w = pcgrad_coefficients(g @ g.T, rng)
        combined = w @ g
        assert np.all(g @ combined >= -1e-10)
        if g[0] @ g[1] >= 0:  # no conflict: the plain sum
            np.testing.assert_allclose(w, [1.0, 1.0])


def test_pcgrad_matches_the_papers_loop_on_explicit_gradients():
    rng = np.random.RandomState(1)
    g = rng.randn(4, 6)
    order_rng, coefficient_rng = np.random.RandomState(5), np.random.RandomState(5)
    expected = []
    for i in range(4):
        projected = g[i].copy()
        for j in order_rng.permutation(4):
            if j != i and projected @ g[j] < 0:
                projected -= projected @ g[j] / (g[j] @ g[j]) * g[j]
        expected.append(projected)
    np.testing.assert_allclose(pcgrad_coefficients(g @ g.T, coefficient_rng) @ g, np.sum(expected, axis=0))


@pytest.mark.parametrize("n_tasks", [2, 3, 5, 8])
def test_mgda_weights_are_the_min_norm_point_of_the_simplex(n_tasks):
    cp = pytest.importorskip("cvxpy")
    rng = np.random.RandomState(n_tasks)
    for rank in (n_tasks, 2):  # full-rank and degenerate Gramians
        g = rng.randn(n_tasks, rank) @ rng.randn(rank, 7) * rng.uniform(0.1, 10, (n_tasks, 1))
        gram = g @ g.T
        ours = min_norm_coefficients(gram)
        w = cp.Variable(n_tasks)
        problem = cp.Problem(cp.Minimize(cp.sum_squares(g.T @ w)), [w >= 0, cp.sum(w) == 1])
        problem.solve()
        assert ours.min() >= 0 and ours.sum() == pytest.approx(1.0)
        assert ours @ gram @ ours == pytest.approx(problem.value, rel=1e-6, abs=1e-9)
        # Optimality: no vertex of the simplex descends from it.
        assert np.all(gram @ ours >= ours @ gram @ ours - 1e-8 * np.abs(gram).max())


def test_uncertainty_weighting_turns_down_a_task_of_noise(data):
    X, y, tasks = data
    noisy = tasks == np.unique(tasks)[0]
    y = np.where(noisy, np.random.RandomState(0).randint(0, 2, len(y)), y)
    clf = _fit(X, y, tasks, hidden_layer_sizes=(16,), max_iter=60, learning_rate_init=0.01, random_state=0,
               loss_weighting="uncertainty")
    weights = clf.task_weights_
    assert weights[0] < 0.7 * min(weights[1:])  # measured: 0.98 vs 1.82 and 2.22
    # s minimises L exp(-s) / 2 + s / 2, whose optimum is exp(s) = L: the task of
    # noise, whose loss levels off, gets there (measured: 0.531 vs 0.521 on this
    # data); the others' losses fall faster than s follows, so exp(s) stays above.
    variance = np.exp(clf._weighting.log_variance)
    last_losses = np.array([curve[-1] for curve in clf.task_loss_curves_.values()])
    assert variance[0] == pytest.approx(last_losses[0], rel=0.05)
    assert np.all(variance[1:] > last_losses[1:])


def test_dwa_weights_follow_the_ratio_of_the_last_two_epochs(data):
    X, y, tasks = data
    clf = _fit(X, y, tasks, hidden_layer_sizes=(8,), max_iter=6, random_state=0, loss_weighting="dwa")
    history = clf.task_weight_history_
    np.testing.assert_allclose(history[:2], 1.0)
    curves = np.array([clf.task_loss_curves_[t] for t in clf.tasks_]).T  # (epochs, tasks)
    for epoch in range(2, 6):
        ratio = curves[epoch - 1] / curves[epoch - 2]
        expected = 3 * np.exp(ratio / DWA_TEMPERATURE) / np.exp(ratio / DWA_TEMPERATURE).sum()
        np.testing.assert_allclose(history[epoch], expected, rtol=1e-10)


def test_gradnorm_lowers_the_weight_of_a_task_with_larger_gradients(data):
    X, y, tasks = data
    first = np.unique(tasks)[0]
    clf = _fit(X, y, tasks, hidden_layer_sizes=(8,), max_iter=20, learning_rate_init=0.01, random_state=0,
               loss_weighting="gradnorm", task_weights={first: 10.0})
    multipliers = clf._weighting.multipliers()
    np.testing.assert_allclose(clf.task_weight_history_[0], [10.0, 1.0, 1.0])  # epoch 0: plain
    assert multipliers.sum() == pytest.approx(3.0)
    assert multipliers[0] < 0.7 * min(multipliers[1:])  # measured: 0.61 vs 1.19


@pytest.mark.parametrize("method", ["pcgrad", "mgda"])
def test_gradient_methods_change_the_trunk_only(data, method):
    X, y, tasks = data
    y = np.where(tasks == np.unique(tasks)[0], 1 - y, y)  # a task against the others: conflicts
    params = dict(hidden_layer_sizes=(8,), max_iter=1, batch_size=len(y), random_state=0, dtype="float64",
                  solver="sgd", momentum=0.0)
    plain = _fit(X, y, tasks, **params)
    surgery = _fit(X, y, tasks, **params, gradient_method=method)
    # One full-batch gradient step: the heads saw the same gradients, the trunk another.
    for t in range(3):
        for p, q in zip(plain.task_coefs_[t], surgery.task_coefs_[t]):
            np.testing.assert_allclose(p, q, rtol=1e-12)
    assert not np.allclose(plain.coefs_[0], surgery.coefs_[0])
    assert np.isfinite(surgery.task_weights_).all()
