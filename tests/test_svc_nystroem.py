"""MultiTaskKernelSVC(n_components=m): the Nyström route against the exact solver."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from skmtl import MultiTaskKernelSVC
from skmtl.datasets import make_multitask_classification
from skmtl.svm._nystroem import nystroem_features, nystroem_projection


def _problem(n, seed=0):
    X, y, tasks = make_multitask_classification(n, n_tasks=4, n_features=5, random_state=seed)[:3]
    return X, y, tasks


def _mean_auc(model, X, y, tasks):
    scores = model.decision_function(X, tasks=tasks)
    return np.mean([roc_auc_score(y[tasks == t], scores[tasks == t]) for t in np.unique(tasks)])


def test_features_reproduce_the_kernel_on_the_landmarks():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 3)
    K = np.exp(-0.5 * ((X[:, None] - X[None]) ** 2).sum(-1))

    def kernel(A, B):
        return np.exp(-0.5 * ((A[:, None] - B[None]) ** 2).sum(-1))

    projection = nystroem_projection(K[:20, :20])
    features = nystroem_features(X, X[:20], projection, kernel)
    # Exact on the landmarks, k(x, Z) k(Z, Z)^+ k(Z, z) elsewhere.
    np.testing.assert_allclose(features[:20] @ features[:20].T, K[:20, :20], atol=1e-6)
    nystroem = K[:, :20] @ np.linalg.pinv(K[:20, :20], rcond=1e-8, hermitian=True) @ K[:20, :]
    np.testing.assert_allclose(features @ features.T, nystroem, atol=1e-5)


@pytest.mark.parametrize(
    "bias, task_similarity",
    # The per-task bias's proximal loop makes each of 'learn''s solves slow; one is enough.
    [("shared", 0.5), ("per_task", 0.5), ("shared", "learn")],
)
def test_all_rows_as_landmarks_is_the_exact_model(bias, task_similarity):
    """With every training row a landmark the feature map is exact (up to
    eigenvalues below 1e-8 of the largest), so both routes solve one problem."""
    X, y, tasks = _problem(120)
    # 'learn' repeats the solve per Omega update: a looser tol keeps it short.
    tol = 1e-6 if task_similarity == 0.5 else 1e-4
    params = dict(kernel="poly", degree=2, gamma=0.5, coef0=1.0, bias=bias,
                  task_similarity=task_similarity, similarity_tol=tol, tol=tol)
    exact = MultiTaskKernelSVC(**params).fit(X, y, tasks=tasks)
    approx = MultiTaskKernelSVC(n_components=len(y), random_state=0, **params).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(
        approx.decision_function(X, tasks=tasks), exact.decision_function(X, tasks=tasks), atol=1e3 * tol
    )
    np.testing.assert_allclose(approx.task_similarity_, exact.task_similarity_, atol=1e3 * tol)


def test_few_landmarks_come_close_to_the_exact_auc():
    X, y, tasks = _problem(1600, seed=1)
    train, test = slice(0, 1200), slice(1200, None)
    exact = MultiTaskKernelSVC(gamma=0.1).fit(X[train], y[train], tasks=tasks[train])
    approx = MultiTaskKernelSVC(gamma=0.1, n_components=150, random_state=0).fit(
        X[train], y[train], tasks=tasks[train]
    )
    assert approx.coef_.shape[:2] == (1, 4) and approx.components_.shape == (150, 5)
    assert not hasattr(approx, "support_vectors_")
    gap = _mean_auc(exact, X[test], y[test], tasks[test]) - _mean_auc(approx, X[test], y[test], tasks[test])
    assert abs(gap) < 0.01


def test_landmarks_follow_random_state_and_the_model_round_trips():
    X, y, tasks = _problem(300)
    fits = [MultiTaskKernelSVC(n_components=40, random_state=3).fit(X, y, tasks=tasks) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].component_indices_, fits[1].component_indices_)
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    other = MultiTaskKernelSVC(n_components=40, random_state=4).fit(X, y, tasks=tasks)
    assert not np.array_equal(other.component_indices_, fits[0].component_indices_)
    np.testing.assert_array_equal(X[fits[0].component_indices_], fits[0].components_)
    restored = pickle.loads(pickle.dumps(fits[0]))
    np.testing.assert_array_equal(restored.predict(X, tasks=tasks), fits[0].predict(X, tasks=tasks))


def test_integer_weights_are_repeated_rows_landmarks_included():
    """Landmarks are drawn from distinct rows of positive weight, in an order set by
    their values: weight 0 (a removed row) and repeats draw the same landmarks."""
    X, y, tasks = _problem(120)
    weight = np.random.RandomState(1).randint(0, 3, len(y)).astype(float)
    repeated = np.repeat(np.arange(len(y)), weight.astype(int))
    params = dict(gamma=0.2, n_components=30, random_state=0, tol=1e-9)  # a fixed gamma: 'scale' reads X's variance
    weighted = MultiTaskKernelSVC(**params).fit(X, y, tasks=tasks, sample_weight=weight)
    copies = MultiTaskKernelSVC(**params).fit(X[repeated], y[repeated], tasks=tasks[repeated])
    np.testing.assert_array_equal(weighted.components_, copies.components_)
    assert np.all(weight[weighted.component_indices_] > 0)
    np.testing.assert_allclose(
        weighted.decision_function(X, tasks=tasks), copies.decision_function(X, tasks=tasks), atol=1e-6
    )


def test_refitting_by_the_other_route_drops_the_old_attributes():
    X, y, tasks = _problem(200)
    model = MultiTaskKernelSVC().fit(X, y, tasks=tasks)
    model.set_params(n_components=30).fit(X, y, tasks=tasks)
    assert not hasattr(model, "support_") and hasattr(model, "coef_")
    model.set_params(n_components=None).fit(X, y, tasks=tasks)
    assert hasattr(model, "support_") and not hasattr(model, "coef_")


def test_probability_sparse_and_wide_work_on_the_approximate_route():
    X, y, tasks = _problem(400)
    dense = MultiTaskKernelSVC(n_components=50, probability=True, random_state=0).fit(X, y, tasks=tasks)
    proba = dense.predict_proba(X, tasks=tasks)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y, proba[:, 1]) > 0.85
    sparse = MultiTaskKernelSVC(n_components=50, probability=True, random_state=0).fit(
        sp.csr_matrix(X), y, tasks=tasks
    )
    np.testing.assert_allclose(sparse.predict_proba(X, tasks=tasks), proba, atol=1e-8)

    Y = np.full((len(y), 4), np.nan)
    Y[np.arange(len(y)), tasks] = y
    wide = MultiTaskKernelSVC(n_components=50, random_state=0).fit(X, Y)
    long = MultiTaskKernelSVC(n_components=50, random_state=0).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(wide.coef_, long.coef_, atol=1e-10)
    assert wide.predict(X).shape == (len(y), 4)


def test_the_exact_solvers_memory_error_names_n_components(monkeypatch):
    from skmtl import _memory

    monkeypatch.setattr(_memory, "tightest_memory_limit", lambda: _memory.MemoryLimit(10**5, "test"))
    X, y, tasks = _problem(400)
    with pytest.raises(MemoryError, match="n_components=500"):
        MultiTaskKernelSVC().fit(X, y, tasks=tasks)
    with pytest.raises(MemoryError, match="Nyström features .* smaller n_components"):
        MultiTaskKernelSVC(n_components=200).fit(X, y, tasks=tasks)


def test_the_cvxpy_reference_is_for_the_exact_route_only():
    X, y, tasks = _problem(100)
    with pytest.raises(ValueError, match="solver='cvxpy' .* use solver='auto'"):
        MultiTaskKernelSVC(n_components=20, solver="cvxpy").fit(X, y, tasks=tasks)


def test_dask_input_is_read_into_memory_after_a_memory_check(monkeypatch):
    da = pytest.importorskip("dask.array", reason="dask is an optional extra (pip install skmtl[dask])")
    import dask

    from skmtl import _memory

    X, y, tasks = _problem(300)
    X_dask = da.from_array(X, chunks=100)
    with dask.config.set(scheduler="threads"):  # a cluster test may have left distributed as default
        model = MultiTaskKernelSVC(n_components=30, random_state=0).fit(X_dask, y, tasks=tasks)
        reference = MultiTaskKernelSVC(n_components=30, random_state=0).fit(X, y, tasks=tasks)
        np.testing.assert_array_equal(model.coef_, reference.coef_)
        frame = pytest.importorskip("dask.dataframe", reason="dask is an optional extra").from_array(X, chunksize=100)
        from_frame = MultiTaskKernelSVC(n_components=30, random_state=0).fit(frame, y, tasks=tasks)
        np.testing.assert_array_equal(from_frame.coef_, reference.coef_)
        monkeypatch.setattr(_memory, "tightest_memory_limit", lambda: _memory.MemoryLimit(1000, "test"))
        with pytest.raises(MemoryError, match="dask array X read into memory .* MultiTaskLinearSVC"):
            MultiTaskKernelSVC(n_components=30).fit(X_dask, y, tasks=tasks)
