"""MultiTaskKernelSVR: the epsilon-SVR dual on the multi-task kernel, against SVR, cvxpy and its KKT conditions."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVR
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl._similarity import similarity_from_weights
from skmtl.svm._cvxpy import solve_cvxpy
from skmtl.svm._dual import kkt_gaps, svr_problem, task_gram, task_kernel_product
from skmtl.svm._kernels import input_kernel
from skmtl.svm._smo import solve_smo
from skmtl import MultiTaskKernelSVR


def clustered_tasks(n_per_task=40, seed=0):
    """Four tasks in two clusters: tasks 0, 1 follow one curve, tasks 2, 3 its mirror image."""
    rng = np.random.RandomState(seed)
    tasks = np.repeat(np.arange(4), n_per_task)
    X = rng.uniform(-2, 2, size=(len(tasks), 2))
    sign = np.where(tasks < 2, 1.0, -1.0)
    y = sign * (np.sin(2 * X[:, 0]) + 0.5 * X[:, 1]) + 0.1 * rng.randn(len(tasks))
    return X, y, tasks


def random_dual(seed, per_task_bias, n=80, n_tasks=3):
    """An epsilon-SVR dual with a random PSD Omega and per-row bounds (sample weights)."""
    rng = np.random.RandomState(seed)
    task = np.sort(rng.randint(n_tasks, size=n))
    X = rng.randn(n, 3)
    targets = np.sin(X[:, 0]) + 0.3 * task + 0.1 * rng.randn(n)
    K = input_kernel(X, X, kernel="rbf", gamma=0.5, degree=3, coef0=0.0)
    A = rng.randn(n_tasks, n_tasks)
    omega = A @ A.T + 0.5 * np.eye(n_tasks)
    C = rng.uniform(0.2, 3.0, size=n)
    starts = np.searchsorted(task, np.arange(n_tasks + 1))
    return svr_problem(K, starts, omega, targets, C, 0.1, per_task_bias), targets


def dual_prediction(problem, solution):
    """f(x_i) of every training row: its task's function plus its group's intercept."""
    u = problem.coefficients(solution.alpha)[:, None]
    f = task_kernel_product(problem.K, problem.starts, problem.omega, problem.task, u)[:, 0]
    groups = problem.task if problem.per_task_bias else np.zeros(len(f), int)
    return f + solution.intercept[groups]


# ------------------------------------------------------------------ the dual

@pytest.mark.parametrize("per_task_bias", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_smo_matches_cvxpy_on_the_svr_dual(seed, per_task_bias):
    problem, _ = random_dual(seed, per_task_bias)
    smo = solve_smo(problem, tol=1e-9)
    ref = solve_cvxpy(problem)
    assert smo.converged
    f_smo, f_ref = problem.objective(smo.alpha), problem.objective(ref.alpha)
    assert abs(f_smo - f_ref) <= 1e-6 * abs(f_ref)
    assert f_smo <= f_ref + 1e-8 * abs(f_ref)  # SMO is exact: never worse than the reference
    np.testing.assert_allclose(dual_prediction(problem, smo), dual_prediction(problem, ref), atol=1e-4)


@pytest.mark.parametrize("per_task_bias", [False, True])
def test_smo_solution_satisfies_the_svr_kkt_conditions(per_task_bias):
    problem, targets = random_dual(2, per_task_bias, n=120)
    tol, eps = 1e-7, 0.1
    sol = solve_smo(problem, tol=tol)
    n = len(targets)
    a, a_star, C = sol.alpha[:n], sol.alpha[n:], problem.C[:n]
    # Feasibility: the box, and sum(a - a*) = 0 over each group.
    assert np.all(sol.alpha >= 0) and np.all(sol.alpha <= problem.C)
    groups = problem.group_starts
    for lo, hi in zip(groups[:-1], groups[1:]):
        assert abs(np.sum(a[lo:hi] - a_star[lo:hi])) < 1e-9 * C.sum()
    # A row is above the tube or below it, never both: a_i a*_i = 0 exactly.
    assert np.all(a * a_star == 0)
    # Optimality: libsvm's gap over the doubled variables, then the tube conditions
    # on the residual r = target - f: a = 0 -> r <= eps, 0 < a < C -> r = eps,
    # a = C -> r >= eps; and the mirror image for a* with -r.
    F = -problem.y * problem.gradient(sol.alpha)
    assert kkt_gaps(sol.alpha, problem.y, problem.C, F, groups).max() < tol
    residual = targets - dual_prediction(problem, sol)
    slack = 10 * tol
    for coef, r in ((a, residual), (a_star, -residual)):
        free = (coef > 0) & (coef < C)
        assert free.sum() > 5
        assert np.all(np.abs(r[free] - eps) < slack)
        assert np.all(r[coef == 0] < eps + slack)
        assert np.all(r[coef == C] > eps - slack)


def test_svr_dual_warm_start_reaches_the_same_optimum():
    problem, _ = random_dual(3, False)
    cold = solve_smo(problem, tol=1e-8)
    problem.omega = problem.omega + 0.05 * (1 - np.eye(3))  # as between Omega updates
    warm = solve_smo(problem, tol=1e-8, alpha0=cold.alpha)
    fresh = solve_smo(problem, tol=1e-8)
    assert warm.n_iter < fresh.n_iter
    assert problem.objective(warm.alpha) == pytest.approx(problem.objective(fresh.alpha), rel=1e-9)


# ------------------------------------------------------------- against SVR

@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_one_task_is_sklearn_svr(kernel, weighted):
    rng = np.random.RandomState(0)
    X = rng.randn(120, 3)
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.randn(120)
    weight = rng.uniform(0.5, 2.0, size=120) if weighted else None
    kw = dict(kernel=kernel, C=2.0, epsilon=0.1)
    ours = MultiTaskKernelSVR(tol=1e-10, **kw)
    theirs = ours._single_task_counterpart()  # compare_with_single_task's baseline: this SVR
    assert isinstance(theirs, SVR) and theirs.get_params()["tol"] == 1e-10
    ours.fit(X, y, sample_weight=weight)
    theirs.fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.support_vectors_, theirs.support_vectors_)
    # libsvm caches Q in float32 (its Qfloat), so its optimum is ~1e-7 relative
    # off in Q: measured up to 7e-6 in the coefficients (bounded by C * weight
    # <= 4), 3e-7 in the intercept, 2.4e-6 in the predictions; and ours is the
    # lower dual objective, by ~1e-12, in all four cases.
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=2e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=2e-6)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-5)
    K = input_kernel(X, X, kernel=kernel, gamma=ours._gamma, degree=3, coef0=0.0)
    C = kw["C"] * (np.ones(120) if weight is None else weight)
    problem = svr_problem(K, np.array([0, 120]), np.ones((1, 1)), y, C, kw["epsilon"], False)

    def objective(model):
        beta = np.zeros(120)
        beta[model.support_] = model.dual_coef_[0]
        return problem.objective(np.r_[np.maximum(beta, 0), np.maximum(-beta, 0)])

    assert objective(ours) <= objective(theirs) + 1e-10 * abs(objective(theirs))
    assert ours.n_support_.tolist() == theirs.n_support_.tolist()
    assert ours.fit_status_ == theirs.fit_status_ == 0
    assert ours.score(X, y) == pytest.approx(r2_score(y, ours.predict(X)))


def test_rho_zero_with_per_task_bias_is_one_svr_per_task():
    X, y, tasks = clustered_tasks()
    mt = MultiTaskKernelSVR(task_similarity=0.0, bias="per_task", gamma=0.5, tol=1e-9).fit(X, y, tasks=tasks)
    assert mt.intercept_.shape == (4,)
    for t in range(4):
        rows = tasks == t
        single = SVR(gamma=0.5, tol=1e-9).fit(X[rows], y[rows])
        np.testing.assert_allclose(mt.predict(X[rows], tasks=tasks[rows]), single.predict(X[rows]), atol=1e-6)
        assert mt.intercept_[t] == pytest.approx(single.intercept_[0], abs=1e-6)


def test_rho_one_with_shared_bias_is_one_pooled_svr():
    X, y, tasks = clustered_tasks()
    mt = MultiTaskKernelSVR(task_similarity=1.0, bias="shared", gamma=0.5, tol=1e-9).fit(X, y, tasks=tasks)
    pooled = SVR(gamma=0.5, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(mt.predict(X, tasks=tasks), pooled.predict(X), atol=1e-6)
    assert len(mt.support_) == len(pooled.support_)
    assert mt.intercept_.shape == (1,)


# ------------------------------------------------------------- the estimator

@pytest.mark.parametrize("bias", ["shared", "per_task"])
def test_cvxpy_solver_agrees_with_smo(bias):
    X, y, tasks = clustered_tasks(n_per_task=15)
    omega = np.array([[1, .6, .1, 0], [.6, 1, 0, .1], [.1, 0, 1, .5], [0, .1, .5, 1.]])
    kw = dict(bias=bias, task_similarity=omega, gamma=0.5)
    smo = MultiTaskKernelSVR(tol=1e-9, **kw).fit(X, y, tasks=tasks)
    ref = MultiTaskKernelSVR(solver="cvxpy", **kw).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(smo.predict(X, tasks=tasks), ref.predict(X, tasks=tasks), atol=1e-4)


def test_learned_similarity_is_the_alternation_done_by_hand():
    X, y, tasks = clustered_tasks()
    # Eight updates (similarity_tol=0 never stops early): the by-hand loop makes as many.
    kw = dict(gamma=0.5, tol=1e-10, bias="per_task", similarity_max_iter=8, similarity_tol=0.0)
    with pytest.warns(ConvergenceWarning, match="similarity_max_iter=8"):
        learned = MultiTaskKernelSVR(task_similarity="learn", **kw).fit(X, y, tasks=tasks)
    omega = learned.task_similarity_
    # A valid Omega: symmetric, well conditioned by the ridge, trace T (diagonal about 1).
    np.testing.assert_allclose(omega, omega.T)
    assert np.linalg.eigvalsh(omega)[0] >= 1e-3 - 1e-9
    assert np.trace(omega) == pytest.approx(4.0)
    assert omega[0, 1] > 0.5 and omega[2, 3] > 0.5  # same curve: similar
    assert omega[0, 2] < -0.5 and omega[1, 3] < -0.5  # mirror images: anti-similar
    # By hand: cold fits with a given Omega, W'W = Omega M Omega from the dual
    # coefficients, and the MTRL update, from independent tasks.
    by_hand = np.eye(4)
    for _ in range(8):
        fit = MultiTaskKernelSVR(task_similarity=by_hand, **kw).fit(X, y, tasks=tasks)
        sv = fit.support_vectors_
        M = task_gram(rbf_kernel(sv, sv, gamma=0.5), fit._support_starts, fit.dual_coef_.T)
        by_hand = similarity_from_weights(by_hand @ M @ by_hand, ridge=1e-3)
    assert learned.n_similarity_iter_ == 8
    np.testing.assert_allclose(omega, by_hand, atol=1e-7)  # warm and cold solves agree to tol
    final = MultiTaskKernelSVR(task_similarity=omega, **kw).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(learned.predict(X, tasks=tasks), final.predict(X, tasks=tasks), atol=1e-7)
    # Reproducible, and better than independent tasks on held-out rows.
    with pytest.warns(ConvergenceWarning):
        again = MultiTaskKernelSVR(task_similarity="learn", **kw).fit(X, y, tasks=tasks)
    np.testing.assert_array_equal(again.task_similarity_, omega)
    X_new, y_new, tasks_new = clustered_tasks(seed=1)
    independent = MultiTaskKernelSVR(task_similarity=0.0, **kw).fit(X, y, tasks=tasks)
    assert learned.score(X_new, y_new, tasks=tasks_new) > independent.score(X_new, y_new, tasks=tasks_new)


def test_wide_form_is_the_long_form_on_the_labelled_entries():
    rng = np.random.RandomState(4)
    X = rng.randn(50, 2)
    Y = np.column_stack([np.sin(X[:, 0]), np.sin(X[:, 0]) + 0.2 * X[:, 1], X[:, 1]])
    Y[rng.rand(*Y.shape) < 0.3] = np.nan
    frame = pd.DataFrame(Y, columns=["a", "b", "c"])
    kw = dict(task_similarity="learn", bias="per_task", similarity_max_iter=5)
    with pytest.warns(ConvergenceWarning, match="similarity_max_iter=5"):
        wide = MultiTaskKernelSVR(**kw).fit(X, frame)
    rows, codes = np.nonzero(~np.isnan(Y))
    with pytest.warns(ConvergenceWarning, match="similarity_max_iter=5"):
        long = MultiTaskKernelSVR(**kw).fit(X[rows], Y[rows, codes], tasks=np.array(["a", "b", "c"])[codes])
    for name in ("dual_coef_", "intercept_", "task_similarity_", "support_", "n_iter_"):
        np.testing.assert_array_equal(getattr(wide, name), getattr(long, name), err_msg=name)
    predicted = wide.predict(X)
    assert isinstance(predicted, pd.DataFrame) and list(predicted.columns) == ["a", "b", "c"]
    for task in "abc":
        np.testing.assert_array_equal(predicted[task], long.predict(X, tasks=np.full(50, task)))
    assert wide.score(X, frame) == pytest.approx(np.mean([
        r2_score(Y[~np.isnan(Y[:, t]), t], predicted.to_numpy()[~np.isnan(Y[:, t]), t]) for t in range(3)
    ]))


def test_dataframe_with_a_task_column_pickle_and_unknown_tasks():
    X, y, tasks = clustered_tasks(n_per_task=20)
    frame = pd.DataFrame(X, columns=["x1", "x2"]).assign(school=np.array(list("pqrs"))[tasks])
    reg = MultiTaskKernelSVR(task_column="school").fit(frame, y)
    assert list(reg.tasks_) == list("pqrs") and list(reg.feature_names_in_) == ["x1", "x2", "school"]
    by_ids = MultiTaskKernelSVR().fit(X, y, tasks=frame["school"].to_numpy())
    np.testing.assert_array_equal(reg.predict(frame), by_ids.predict(X, tasks=frame["school"].to_numpy()))
    loaded = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(loaded.predict(frame), reg.predict(frame))
    with pytest.raises(ValueError, match=r"Unknown task id\(s\) 'z'"):
        reg.predict(frame.assign(school="z"))
    with pytest.raises(ValueError, match="needs the task of every row"):
        by_ids.predict(X)


@pytest.mark.parametrize(
    "param, match",
    [
        (dict(epsilon=-0.1), r"'epsilon' parameter of MultiTaskKernelSVR must be a float in the range \[0"),
        (dict(C=0), r"'C' parameter of MultiTaskKernelSVR must be a float in the range \(0"),
        (dict(task_similarity=1.5), "'task_similarity' parameter"),
        (dict(bias="none"), "'bias' parameter"),
    ],
)
def test_bad_parameters_are_named(param, match):
    X, y, tasks = clustered_tasks(n_per_task=10)
    with pytest.raises(ValueError, match=match):
        MultiTaskKernelSVR(**param).fit(X, y, tasks=tasks)


def test_text_targets_and_early_stops_are_reported():
    X, y, tasks = clustered_tasks(n_per_task=10)
    with pytest.raises(ValueError, match="a regressor needs numeric targets"):
        MultiTaskKernelSVR().fit(X, np.where(y > 0, "up", "down"), tasks=tasks)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        stopped = MultiTaskKernelSVR(max_iter=3).fit(X, y, tasks=tasks)
    assert stopped.fit_status_ == 1 and stopped.n_iter_ == 3


def test_no_support_vectors_when_every_target_is_inside_the_tube():
    X, y, tasks = clustered_tasks(n_per_task=10)
    wide_tube = dict(epsilon=10.0, gamma=0.5)
    # One shared intercept, as the single SVR it is compared with (per task: each task's middle).
    reg = MultiTaskKernelSVR(bias="shared", **wide_tube).fit(X, y, tasks=tasks)
    single = SVR(**wide_tube).fit(X, y)
    assert reg.support_.shape == (0,) and reg.support_vectors_.shape == (0, 2) and reg.n_support_[0] == 0
    # The intercept is the middle of the feasible range, as libsvm's: (max y + min y) / 2.
    np.testing.assert_allclose(reg.predict(X, tasks=tasks), single.predict(X))
    np.testing.assert_allclose(reg.intercept_, [(y.max() + y.min()) / 2])


def test_sparse_input_gives_the_dense_model():
    import scipy.sparse as sp

    X, y, tasks = clustered_tasks(n_per_task=15)
    X[X < -1] = 0.0
    kw = dict(gamma=0.5, bias="per_task", tol=1e-10)
    dense = MultiTaskKernelSVR(**kw).fit(X, y, tasks=tasks)
    sparse = MultiTaskKernelSVR(**kw).fit(sp.csc_matrix(X), y, tasks=tasks)
    assert sp.issparse(sparse.support_vectors_)
    np.testing.assert_array_equal(sparse.support_, dense.support_)
    np.testing.assert_allclose(sparse.dual_coef_, dense.dual_coef_, atol=1e-9)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X), tasks=tasks), dense.predict(X, tasks=tasks), atol=1e-9)


def test_gram_matrix_too_large_for_memory_is_refused(monkeypatch):
    import skmtl._memory as memory_module
    import skmtl.svm._base as svm_base_module  # the input kernel is computed there
    from skmtl._memory import MemoryLimit

    X, y, tasks = clustered_tasks(n_per_task=20)
    monkeypatch.setattr(memory_module, "memory_limits", lambda: [MemoryLimit(10_000, "a test's limit")])

    def refuse(*args, **kwargs):
        raise AssertionError("the memory check should have refused before this")

    monkeypatch.setattr(svm_base_module, "input_kernel", refuse)
    with pytest.raises(MemoryError, match=r"training Gram matrix \(80 x 80 float64 = 50.0 KiB\).*"
                                          r"Fit on fewer rows.*MultiTaskKernelRidge with n_components"):
        MultiTaskKernelSVR().fit(X, y, tasks=tasks)


def test_grid_search_with_routed_task_ids_and_verbose_progress(capsys):
    import sklearn
    from sklearn.model_selection import GridSearchCV, KFold

    X, y, tasks = clustered_tasks()
    with sklearn.config_context(enable_metadata_routing=True):
        reg = MultiTaskKernelSVR(gamma=0.5).set_fit_request(tasks=True).set_score_request(tasks=True)
        grid = {"task_similarity": [0.0, 1.0], "bias": ["per_task"]}
        folds = KFold(3, shuffle=True, random_state=0)  # every task in every fold
        search = GridSearchCV(reg, grid, cv=folds).fit(X, y, tasks=tasks)
    # Two task clusters with mirrored curves: pooling them (rho = 1) must lose.
    assert search.best_params_["task_similarity"] == 0.0
    assert search.best_score_ > 0.5
    MultiTaskKernelSVR(task_similarity="learn", verbose=1).fit(X, y, tasks=tasks)
    out = capsys.readouterr().out
    assert "[SMO] converged" in out and "Omega changed by" in out


@parametrize_with_checks(
    # A numeric gamma and a tight tol: sample weights then equal repeated rows
    # to 1e-7, so the sample-weight checks pass (SVR's own are expected failures:
    # gamma='scale' reads X.var(), which repeating rows changes, and tol=1e-3).
    # No expected failures.
    [MultiTaskKernelSVR(gamma=1.0, tol=1e-10)],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
