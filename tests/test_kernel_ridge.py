"""MultiTaskKernelRidge against KernelRidge, against direct solves of its system, and as an estimator."""

import pickle
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
import pytest
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl import MultiTaskKernelRidge
from skmtl.svm._kernels import input_kernel

OMEGA = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.5], [0.2, 0.5, 1.0]])
RBF = dict(kernel="rbf", gamma=0.5)


def _wide_problem(n=40, seed=0, missing=0.0):
    """Three related tasks on shared rows; NaN for a share ``missing`` of the targets."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    base = np.sin(X[:, 0])
    Y = np.column_stack([base, base + 0.3 * X[:, 1], 0.5 * base + X[:, 2]]) + 0.1 * rng.randn(n, 3)
    Y[rng.rand(n, 3) < missing] = np.nan
    return X, Y


def _direct(X, Y, weight, omega, alpha, **kernel):
    """Dual coefficients of the labelled entries' system, built whole and solved by NumPy (n x T, 0 where missing)."""
    n, n_tasks = Y.shape
    K = input_kernel(X, X, degree=3, coef0=1.0, **kernel)
    G = np.kron(omega, K)  # vec() stacks columns: entry (i, t) is t * n + i
    labelled = ~np.isnan(Y.T.ravel())
    root = np.sqrt(weight.T.ravel()[labelled])
    system = root[:, None] * G[np.ix_(labelled, labelled)] * root + alpha * np.eye(labelled.sum())
    coef = np.zeros(n * n_tasks)
    coef[labelled] = root * np.linalg.solve(system, root * Y.T.ravel()[labelled])
    return coef.reshape(n_tasks, n).T


def _long(X, Y):
    rows, codes = np.nonzero(~np.isnan(Y))
    return X[rows], Y[rows, codes], codes, rows


@pytest.mark.parametrize("kernel", [dict(kernel="rbf", gamma=0.3), dict(kernel="linear")])
@pytest.mark.parametrize("weighted", [False, True])
def test_one_task_is_kernel_ridge(kernel, weighted):
    rng = np.random.RandomState(0)
    X = rng.randn(50, 4)
    y = X[:, 0] + 0.1 * rng.randn(50)
    weight = rng.uniform(0, 2, 50) if weighted else None
    ours = MultiTaskKernelRidge(alpha=0.5, **kernel).fit(X, y, sample_weight=weight)
    theirs = KernelRidge(alpha=0.5, **kernel).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X[:7]), theirs.predict(X[:7]), rtol=1e-8, atol=1e-10)
    assert ours.solver_ == "cholesky" and ours.tasks_.tolist() == [None]


def test_complete_wide_kronecker_solve_is_the_direct_solve():
    """Every target present, one weight per row: the eigenbasis formula, no iterations."""
    X, Y = _wide_problem()
    weight = np.random.RandomState(1).uniform(0.5, 2, len(X))
    model = MultiTaskKernelRidge(alpha=0.3, task_similarity=OMEGA, **RBF).fit(X, Y, sample_weight=weight)
    assert model.solver_ == "kronecker" and model.n_iter_ == 0
    expected = _direct(X, Y, np.repeat(weight[:, None], 3, axis=1), OMEGA, 0.3, **RBF)
    np.testing.assert_allclose(model.dual_coef_, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("per_target_weights", [False, True])
def test_masked_wide_conjugate_gradients_give_the_direct_solve(per_target_weights):
    """Missing targets (and weights per target): conjugate gradients on the labelled
    entries, preconditioned by the complete problem's Kronecker solve."""
    X, Y = _wide_problem(missing=0.3)
    rng = np.random.RandomState(2)
    weight = rng.uniform(0.5, 2, Y.shape) if per_target_weights else np.ones(Y.shape)
    model = MultiTaskKernelRidge(alpha=0.3, task_similarity=OMEGA, solver="kronecker", **RBF)
    model.fit(X, Y, sample_weight=weight)
    assert 0 < model.n_iter_ < 60
    expected = _direct(X, Y, weight, OMEGA, 0.3, **RBF)
    np.testing.assert_allclose(model.dual_coef_, expected, rtol=1e-8, atol=1e-10)
    cholesky = MultiTaskKernelRidge(alpha=0.3, task_similarity=OMEGA, solver="cholesky", **RBF)
    np.testing.assert_allclose(cholesky.fit(X, Y, sample_weight=weight).dual_coef_, expected, rtol=1e-8, atol=1e-10)


def test_wide_is_long_on_the_labelled_entries():
    X, Y = _wide_problem(missing=0.3)
    wide = MultiTaskKernelRidge(alpha=0.3, task_similarity=OMEGA, **RBF).fit(X, Y)
    X_long, y_long, codes, rows = _long(X, Y)
    long = MultiTaskKernelRidge(alpha=0.3, task_similarity=OMEGA, **RBF).fit(X_long, y_long, tasks=codes)
    np.testing.assert_allclose(long.dual_coef_, wide.dual_coef_[rows, codes], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(long.predict(X_long, tasks=codes), wide.predict(X)[rows, codes], atol=1e-10)
    np.testing.assert_allclose(long.predict(X[:5], tasks="all"), wide.predict(X[:5]), atol=1e-10)


def test_rho_zero_is_one_kernel_ridge_per_task_and_rho_one_a_pooled_one():
    X, Y = _wide_problem(missing=0.2)
    X_long, y_long, codes, _ = _long(X, Y)
    independent = MultiTaskKernelRidge(alpha=0.3, task_similarity=0.0, **RBF).fit(X_long, y_long, tasks=codes)
    for t in range(3):
        mine = codes == t
        single = KernelRidge(alpha=0.3, **RBF).fit(X_long[mine], y_long[mine])
        np.testing.assert_allclose(independent.predict(X, tasks=np.full(len(X), t)), single.predict(X), atol=1e-10)
    pooled = MultiTaskKernelRidge(alpha=0.3, task_similarity=1.0, **RBF).fit(X_long, y_long, tasks=codes)
    single = KernelRidge(alpha=0.3, **RBF).fit(X_long, y_long)
    np.testing.assert_allclose(pooled.predict(X, tasks="all"), np.tile(single.predict(X)[:, None], 3), atol=1e-10)


def _profile_objective(X, Y, omega, alpha):
    """min over the model of the squared error + alpha ||f||^2 for this Omega: alpha y'(G + alpha I)^-1 y."""
    labelled = ~np.isnan(Y.T.ravel())
    G = np.kron(omega, input_kernel(X, X, degree=3, coef0=1.0, **RBF))[np.ix_(labelled, labelled)]
    y = Y.T.ravel()[labelled]
    return alpha * y @ np.linalg.solve(G + alpha * np.eye(len(y)), y)


def test_learned_similarity_is_valid_decreases_the_objective_and_is_reproducible():
    X, Y = _wide_problem(missing=0.2)
    params = dict(alpha=0.3, task_similarity="learn", similarity_ridge=0.0, **RBF)
    model = MultiTaskKernelRidge(**params).fit(X, Y)
    omega = model.task_similarity_
    assert model.solver_ == "kronecker" and model.n_similarity_iter_ > 1
    np.testing.assert_allclose(omega, omega.T)
    assert np.linalg.eigvalsh(omega).min() > 0 and np.isclose(np.trace(omega), 3)  # trace n_tasks
    # Each update minimises the objective over Omega for the current model (MTRL), so
    # the objective of the model refitted on it cannot rise.
    objectives = [_profile_objective(X, Y, np.eye(3), 0.3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for updates in range(1, 5):
            partial = MultiTaskKernelRidge(similarity_max_iter=updates, **params).fit(X, Y)
            objectives.append(_profile_objective(X, Y, partial.task_similarity_, 0.3))
    assert np.all(np.diff(objectives) <= 1e-12 * objectives[0]) and objectives[-1] < objectives[0]
    np.testing.assert_array_equal(MultiTaskKernelRidge(**params).fit(X, Y).task_similarity_, omega)
    # The same alternation on the entries' system (Cholesky), and in the long form.
    cholesky = MultiTaskKernelRidge(solver="cholesky", **params).fit(X, Y)
    X_long, y_long, codes, _ = _long(X, Y)
    long = MultiTaskKernelRidge(**params).fit(X_long, y_long, tasks=codes)
    np.testing.assert_allclose(cholesky.task_similarity_, omega, atol=1e-9)
    np.testing.assert_allclose(long.task_similarity_, omega, atol=1e-9)


@pytest.mark.parametrize("form", ["wide", "long"])
@pytest.mark.parametrize("task_similarity", [OMEGA, "learn"])
def test_every_row_a_landmark_is_the_exact_model(form, task_similarity):
    """With every distinct row a landmark the features reproduce the kernel (up to
    float32 and eigenvalues below 1e-8 of the largest): the same model in the primal."""
    X, Y = _wide_problem(missing=0.3)
    data = (X, Y) if form == "wide" else _long(X, Y)[:2]
    fit = {} if form == "wide" else {"tasks": _long(X, Y)[2]}
    params = dict(alpha=0.3, task_similarity=task_similarity, **RBF)
    exact = MultiTaskKernelRidge(**params).fit(*data, **fit)
    approx = MultiTaskKernelRidge(n_components=len(X), random_state=0, **params).fit(*data, **fit)
    labelled_rows = (~np.isnan(Y)).any(axis=1).sum()  # the landmarks: distinct rows with a target
    assert approx.solver_ == "nystroem" and approx.components_.shape == (labelled_rows, 3)
    assert not hasattr(approx, "dual_coef_")
    np.testing.assert_allclose(approx.predict(X, tasks="all"), exact.predict(X, tasks="all"), atol=1e-6)
    np.testing.assert_allclose(approx.task_similarity_, exact.task_similarity_, atol=1e-6)


def test_fewer_landmarks_come_close_and_follow_random_state():
    X, Y = _wide_problem(n=200, seed=3, missing=0.2)
    train, test = slice(0, 150), slice(150, None)
    params = dict(alpha=1.0, kernel="rbf", gamma=0.2)
    exact = MultiTaskKernelRidge(**params).fit(X[train], Y[train])
    approx = MultiTaskKernelRidge(n_components=30, random_state=0, **params).fit(X[train], Y[train])
    assert approx.coef_.shape == (3, 30) and len(set(approx.component_indices_)) == 30
    # Test R² 0.927 exact, 0.920 with 30 landmarks.
    assert abs(exact.score(X[test], Y[test]) - approx.score(X[test], Y[test])) < 0.02
    again = MultiTaskKernelRidge(n_components=30, random_state=0, **params).fit(X[train], Y[train])
    np.testing.assert_array_equal(again.coef_, approx.coef_)
    exact.set_params(n_components=30, random_state=0).fit(X[train], Y[train])  # refit by the other route
    assert not hasattr(exact, "dual_coef_") and not hasattr(exact, "X_fit_")


@pytest.mark.parametrize("n_components", [None, 15])
def test_a_sparse_X_gives_the_dense_model(n_components):
    """Sparse kernels, and the same Nyström landmarks for a dense X and its sparse twin."""
    X, Y = _wide_problem(missing=0.3)
    X[np.abs(X) < 0.5] = 0.0
    params = dict(alpha=0.3, n_components=n_components, random_state=0, **RBF)
    dense = MultiTaskKernelRidge(**params).fit(X, Y)
    sparse = MultiTaskKernelRidge(**params).fit(sp.csr_matrix(X), Y)
    np.testing.assert_allclose(sparse.predict(sp.csc_matrix(X)), dense.predict(X), atol=1e-10)


def test_score_is_the_mean_per_task_r2():
    X, Y = _wide_problem(missing=0.2)
    X_long, y_long, codes, _ = _long(X, Y)
    model = MultiTaskKernelRidge(alpha=0.3, **RBF).fit(X_long, y_long, tasks=codes)
    predicted = model.predict(X_long, tasks=codes)
    expected = np.mean([r2_score(y_long[codes == t], predicted[codes == t]) for t in range(3)])
    assert np.isclose(model.score(X_long, y_long, tasks=codes), expected)


def test_dataframe_task_column_pickle_and_grid_search():
    X, Y = _wide_problem(n=60, missing=0.2)
    X_long, y_long, codes, _ = _long(X, Y)
    frame = pd.DataFrame(X_long, columns=["a", "b", "c"]).assign(school=np.array(["x", "y", "z"])[codes])
    model = MultiTaskKernelRidge(alpha=0.3, task_column="school", **RBF).fit(frame, y_long)
    assert model.tasks_.tolist() == ["x", "y", "z"] and model.feature_names_in_.tolist() == ["a", "b", "c", "school"]
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    wide = MultiTaskKernelRidge(alpha=0.3, **RBF).fit(X, pd.DataFrame(Y, columns=["p", "q", "r"]))
    assert list(wide.predict(X[:3]).columns) == ["p", "q", "r"]
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MultiTaskKernelRidge(kernel="rbf")),
        {"multitaskkernelridge__alpha": [0.1, 1.0], "multitaskkernelridge__task_similarity": [0.0, 0.5]},
        cv=3,
    )
    assert np.isfinite(search.fit(X, Y).best_score_)  # the wide form: folds of rows, mean per-task R²
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_pipeline(
            StandardScaler(), MultiTaskKernelRidge(**RBF).set_fit_request(tasks=True).set_score_request(tasks=True)
        )
        scores = cross_val_score(routed, X_long, y_long, params={"tasks": codes}, cv=3)
    assert np.all(np.isfinite(scores))


def test_bad_input_gets_a_one_line_error(monkeypatch):
    X, Y = _wide_problem(missing=0.2)
    X_long, y_long, codes, _ = _long(X, Y)
    for params, message in [
        (dict(alpha=0.0), "'alpha' parameter .* range \\(0.0, inf\\)"),
        (dict(solver="kronecker"), "solver='kronecker' needs a wide y"),
        (dict(task_similarity=-OMEGA), "positive semi-definite|positive diagonal"),
    ]:
        with pytest.raises(ValueError, match=message):
            MultiTaskKernelRidge(**params).fit(X_long, y_long, tasks=codes)
    model = MultiTaskKernelRidge().fit(X_long, y_long, tasks=codes)
    with pytest.raises(ValueError, match="fitted on 3 tasks, so it needs the task of every row"):
        model.predict(X_long)
    with pytest.raises(ValueError, match="y contains 1 missing target"):
        MultiTaskKernelRidge().fit(X_long, np.r_[np.nan, y_long[1:]], tasks=codes)
    with pytest.raises(ValueError, match="conjugate gradients, which need a positive semi-definite kernel"):
        MultiTaskKernelRidge(kernel="sigmoid", gamma=2.0, coef0=-1.0, solver="kronecker").fit(X, Y)
    with warnings.catch_warnings():  # an indefinite system: KernelRidge's least-squares fallback may warn
        warnings.simplefilter("ignore", UserWarning)
        fallback = MultiTaskKernelRidge(kernel="sigmoid", gamma=2.0, coef0=-1.0, task_similarity=OMEGA).fit(X, Y)
    assert fallback.solver_ == "cholesky"  # 'auto' solves the indefinite case directly

    from skmtl import _memory

    monkeypatch.setattr(_memory, "tightest_memory_limit", lambda: _memory.MemoryLimit(10**4, "test"))
    with pytest.raises(MemoryError, match="training Gram matrix .* wide form .* n_components=500"):
        MultiTaskKernelRidge().fit(X_long, y_long, tasks=codes)
    with pytest.raises(MemoryError, match="eigendecomposition.*n_components=500"):
        MultiTaskKernelRidge().fit(X, Y)


@parametrize_with_checks([MultiTaskKernelRidge(), MultiTaskKernelRidge(kernel="rbf", n_components=20, random_state=0)])
def test_sklearn_compatible_single_task(estimator, check):
    check(estimator)
