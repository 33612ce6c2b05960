"""The primal solvers of multi-task linear models, against cvxpy and scikit-learn."""

import time

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skmtl.linear_model._cvxpy_primal import solve_primal_cvxpy
from skmtl.linear_model._primal import factor_similarity, primal_objective, solve_primal
from skmtl._similarity import similarity_from_rho

LOSSES = ["squared_hinge", "logistic", "hinge"]
BIASES = ["shared", "per_task", None]
# Tight enough for 1e-6 on the objective: relative gradient norm for the
# Newton solver, dual optimality gap (in margin units) for dual CD.
TIGHT = {"squared_hinge": 1e-10, "logistic": 1e-10, "hinge": 1e-6}


def random_problem(seed, omega="random", n=90, d=5, n_tasks=3):
    """Related tasks, noisy labels, per-row C; Omega random PSD or singular (rho = 1)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    codes = rng.randint(n_tasks, size=n)
    w = rng.randn(d) + 0.7 * rng.randn(n_tasks, d)
    y = np.where(np.einsum("ij,ij->i", X, w[codes]) + 0.5 * rng.randn(n) + 0.4 > 0, 1.0, -1.0)
    if omega == "random":
        A = rng.randn(n_tasks, n_tasks)
        Omega = A @ A.T + 0.2 * np.eye(n_tasks)
    else:
        Omega = similarity_from_rho(1.0, n_tasks)
    C = rng.uniform(0.2, 2.0, size=n)  # per-row weights, as sample weights give
    return X, y, codes, factor_similarity(Omega), C


def solve(X, y, codes, L, C, loss, bias, **options):
    options = {"tol": TIGHT[loss], "max_iter": 100000, "random_state": 0, **options}
    return solve_primal(X, y, codes, L, C, loss=loss, bias=bias, **options)


def test_factor_similarity_rebuilds_omega_at_its_rank():
    rng = np.random.RandomState(0)
    A = rng.randn(4, 2)
    for Omega, rank in [(A @ A.T, 2), (similarity_from_rho(0.3, 4), 4),
                        (similarity_from_rho(1.0, 4), 1), (np.eye(4), 4)]:
        L = factor_similarity(Omega)
        assert L.shape == (4, rank)
        np.testing.assert_allclose(L @ L.T, Omega, atol=1e-12)
    # Rounding noise below zero is clipped, not rooted.
    noisy = similarity_from_rho(1.0, 3) - 1e-17 * np.eye(3)
    assert factor_similarity(noisy).shape == (3, 1)


@pytest.mark.parametrize("bias", BIASES)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("omega", ["random", "singular"])
def test_matches_cvxpy(omega, loss, bias):
    X, y, codes, L, C = random_problem(1 if omega == "random" else 2, omega)
    V, b, _ = solve(X, y, codes, L, C, loss, bias)
    V_ref, b_ref = solve_primal_cvxpy(X, y, codes, L, C, loss=loss, bias=bias)
    f = primal_objective(X, y, codes, L, C, loss, V, b)
    f_ref = primal_objective(X, y, codes, L, C, loss, V_ref, b_ref)
    assert abs(f - f_ref) <= 1e-6 * abs(f_ref)
    # The weights are unique: the objective is 1-strongly convex in V, so
    # ||V - V*||^2 <= 2 (f - f*). With the hinge's flat curvature elsewhere
    # that bound is all there is, and objectives 1e-9 apart (the reference's
    # own accuracy) leave V free to ~1e-4.
    np.testing.assert_allclose(V @ L.T, V_ref @ L.T, atol=1e-3 if loss == "hinge" else 1e-4)
    if loss != "hinge":  # a hinge bias can be any point of an interval
        np.testing.assert_allclose(b, b_ref, atol=1e-4)
    if bias == "shared":
        assert np.ptp(b) == 0
    if bias is None:
        assert np.all(b == 0)


@pytest.mark.parametrize("bias", BIASES)
@pytest.mark.parametrize("every_task", [False, True])
def test_both_orders_of_coordinate_descent_match_cvxpy(every_task, bias, monkeypatch):
    # Dense rows of 3 tasks take chunks of one task's rows; sparse rows far
    # narrower than X keep every task's weights current. Force each here.
    from skmtl.linear_model import _dual_cd

    monkeypatch.setattr(_dual_cd, "_keeps_every_task", lambda *args: every_task)
    X, y, codes, L, C = random_problem(3)
    V, b, _ = solve(X, y, codes, L, C, "hinge", bias)
    V_ref, b_ref = solve_primal_cvxpy(X, y, codes, L, C, loss="hinge", bias=bias)
    f_ref = primal_objective(X, y, codes, L, C, "hinge", V_ref, b_ref)
    assert abs(primal_objective(X, y, codes, L, C, "hinge", V, b) - f_ref) <= 1e-6 * abs(f_ref)


def one_task(seed=0, n=120, d=6):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = np.where(X @ rng.randn(d) + 0.8 * rng.randn(n) + 0.5 > 0, 1.0, -1.0)
    weight = rng.uniform(0.5, 2.0, size=n)
    return X, y, np.zeros(n, dtype=int), np.ones((1, 1)), weight


@pytest.mark.parametrize("dual", [False, True])
def test_one_task_squared_hinge_is_linear_svc(dual):
    X, y, codes, L, weight = one_task()
    C = 0.7
    svc = LinearSVC(C=C, loss="squared_hinge", dual=dual, fit_intercept=False,
                    tol=1e-10, max_iter=100000).fit(X, y, sample_weight=weight)
    V, _, _ = solve(X, y, codes, L, C * weight, "squared_hinge", None)
    np.testing.assert_allclose(V[:, 0], svc.coef_[0], atol=1e-4)


def test_one_task_squared_hinge_with_bias_is_linear_svc_with_a_free_intercept():
    # liblinear regularises its intercept as a feature of value intercept_scaling:
    # a large one leaves it almost free, as ours is.
    X, y, codes, L, weight = one_task(1)
    svc = LinearSVC(C=0.7, dual=False, intercept_scaling=1e3, tol=1e-12,
                    max_iter=100000).fit(X, y, sample_weight=weight)
    V, b, _ = solve(X, y, codes, L, 0.7 * weight, "squared_hinge", "shared")
    np.testing.assert_allclose(V[:, 0], svc.coef_[0], atol=1e-4)
    np.testing.assert_allclose(b, svc.intercept_, atol=1e-4)


def test_one_task_hinge_is_linear_svc():
    X, y, codes, L, weight = one_task(2)
    svc = LinearSVC(C=0.7, loss="hinge", dual=True, fit_intercept=False, tol=1e-10,
                    max_iter=1000000, random_state=0).fit(X, y, sample_weight=weight)
    V, _, _ = solve(X, y, codes, L, 0.7 * weight, "hinge", None)
    np.testing.assert_allclose(V[:, 0], svc.coef_[0], atol=1e-4)


def test_one_task_logistic_is_logistic_regression():
    # LogisticRegression: 1/2 ||w||^2 + C sum_i s_i log-loss, intercept not regularised.
    X, y, codes, L, weight = one_task(3)
    lr = LogisticRegression(C=0.7, tol=1e-12, max_iter=10000).fit(X, y, sample_weight=weight)
    V, b, _ = solve(X, y, codes, L, 0.7 * weight, "logistic", "shared")
    np.testing.assert_allclose(V[:, 0], lr.coef_[0], atol=1e-4)
    np.testing.assert_allclose(b, lr.intercept_, atol=1e-4)


@pytest.mark.parametrize("loss", LOSSES)
def test_independent_tasks_are_one_model_per_task(loss):
    X, y, codes, _, C = random_problem(3)
    L = factor_similarity(similarity_from_rho(0.0, 3))
    V, b, _ = solve(X, y, codes, L, C, loss, "per_task")
    W = V @ L.T
    for t in range(3):
        rows = codes == t
        task_rows = (X[rows], y[rows], codes[rows] * 0, np.ones((1, 1)), C[rows])
        V_t, b_t, _ = solve(*task_rows, loss, "shared")
        np.testing.assert_allclose(W[:, t], V_t[:, 0], atol=1e-4)
        if loss != "hinge":
            np.testing.assert_allclose(b[t], b_t[0], atol=1e-4)
    if loss == "logistic":  # and each task's model is scikit-learn's
        for t in range(3):
            rows = codes == t
            lr = LogisticRegression(C=1.0, tol=1e-12, max_iter=10000)
            lr.fit(X[rows], y[rows], sample_weight=C[rows])
            np.testing.assert_allclose(W[:, t], lr.coef_[0], atol=1e-4)
            np.testing.assert_allclose(b[t], lr.intercept_[0], atol=1e-4)


@pytest.mark.parametrize("loss", LOSSES)
def test_fully_related_tasks_are_one_pooled_model(loss):
    X, y, codes, _, C = random_problem(4)
    L = factor_similarity(similarity_from_rho(1.0, 3))
    V, b, _ = solve(X, y, codes, L, C, loss, "shared")
    W = V @ L.T
    pooled, b_pooled, _ = solve(X, y, codes * 0, np.ones((1, 1)), C, loss, "shared")
    for t in range(3):
        np.testing.assert_allclose(W[:, t], pooled[:, 0], atol=1e-4)
    if loss != "hinge":
        np.testing.assert_allclose(b, b_pooled[0], atol=1e-4)


@pytest.mark.parametrize("bias", ["shared", "per_task"])
@pytest.mark.parametrize("loss", LOSSES)
def test_a_warm_start_from_a_nearby_omega_reaches_the_same_solution_sooner(loss, bias):
    """What learning Omega does between its solves: start from the last solution."""
    X, y, codes, L, C = random_problem(6)
    order = np.argsort(codes, kind="stable")  # the estimators pass rows sorted by task
    X, y, codes, C = X[order], y[order], codes[order], C[order]
    state = {}
    nearby = factor_similarity(0.9 * L @ L.T + 0.1 * np.eye(3))  # as consecutive updates are
    solve(X, y, codes, nearby, C, loss, bias, warm_start=state)
    V_cold, b_cold, n_cold = solve(X, y, codes, L, C, loss, bias)
    V_warm, b_warm, n_warm = solve(X, y, codes, L, C, loss, bias, warm_start=state)
    np.testing.assert_allclose(V_warm, V_cold, atol=1e-5)
    np.testing.assert_allclose(b_warm, b_cold, atol=1e-4)
    np.testing.assert_allclose(state["W"] if "W" in state else L @ V_warm.T, L @ V_warm.T)
    if loss != "hinge":  # coordinate descent's epoch counts at tol=1e-6 vary either way
        assert n_warm <= n_cold


@pytest.mark.parametrize("loss", LOSSES)
def test_sparse_and_shuffled_rows_give_the_same_solution(loss):
    X, y, codes, L, C = random_problem(5)
    X[np.abs(X) < 0.7] = 0.0  # about half the entries
    V, b, _ = solve(X, y, codes, L, C, loss, "per_task")
    V_sparse, b_sparse, _ = solve(sp.csr_matrix(X), y, codes, L, C, loss, "per_task")
    np.testing.assert_allclose(V_sparse, V, atol=1e-6)
    np.testing.assert_allclose(b_sparse, b, atol=1e-5)
    # Rows sorted by task take the copy-free path, and give the same solution.
    order = np.argsort(codes, kind="stable")
    V_sorted, b_sorted, _ = solve(X[order], y[order], codes[order], L, C[order], loss, "per_task")
    np.testing.assert_allclose(V_sorted, V, atol=1e-6)
    np.testing.assert_allclose(b_sorted, b, atol=1e-5)


@pytest.mark.parametrize("loss", LOSSES)
def test_wide_sparse_matches_dense(loss):
    # More columns than a dense block of coordinate descent may hold: the
    # hinge solver keeps its blocks sparse.
    rng = np.random.RandomState(9)
    X = sp.random(60, 3000, density=0.01, format="csr", random_state=rng) * 3.0
    codes = rng.randint(2, size=60)
    y = np.where(rng.randn(60) > 0, 1.0, -1.0)
    L = factor_similarity(similarity_from_rho(0.5, 2))
    V_sparse, b_sparse, _ = solve(X, y, codes, L, np.ones(60), loss, "shared")
    V, b, _ = solve(X.toarray(), y, codes, L, np.ones(60), loss, "shared")
    np.testing.assert_allclose(V_sparse, V, atol=1e-6)
    np.testing.assert_allclose(b_sparse, b, atol=1e-5)


@pytest.mark.parametrize("loss", LOSSES)
def test_rows_without_weight_and_tasks_without_rows(loss):
    X, y, codes, _, C = random_problem(6, n_tasks=4)
    codes[codes == 3] = 2  # task 3 has no rows
    L = factor_similarity(similarity_from_rho(0.5, 4))
    C[:10] = 0.0
    V, b, _ = solve(X, y, codes, L, C, loss, "per_task")
    V_kept, b_kept, _ = solve(X[10:], y[10:], codes[10:], L, C[10:], loss, "per_task")
    np.testing.assert_allclose(V, V_kept, atol=1e-6)
    assert b[3] == 0.0  # nothing moves the bias of a task with no rows
    # Its weights still come from the others through Omega.
    assert np.linalg.norm(V @ L[3]) > 0


@pytest.mark.parametrize("loss", LOSSES)
def test_stopping_early_warns(loss):
    X, y, codes, L, C = random_problem(7)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        _, _, n_iter = solve(X, y, codes, L, 10 * C, loss, "shared", max_iter=1)
    assert n_iter == 1


def test_bad_arguments():
    X, y, codes, L, C = random_problem(8)
    with pytest.raises(ValueError, match="loss"):
        solve_primal(X, y, codes, L, C, loss="log")
    with pytest.raises(ValueError, match="bias"):
        solve_primal(X, y, codes, L, C, bias="tasks")
    with pytest.raises(ValueError, match="-1 and \\+1"):
        solve_primal(X, (y > 0).astype(float), codes, L, C)
    with pytest.raises(ValueError, match="range\\(3\\)"):
        solve_primal(X, y, codes + 1, L, C)


@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
def test_large_n_fits_in_seconds(loss):
    rng = np.random.RandomState(0)
    n, d, n_tasks = 200_000, 20, 10
    X = rng.randn(n, d)
    codes = rng.randint(n_tasks, size=n)
    w = rng.randn(d) + 0.5 * rng.randn(n_tasks, d)
    y = np.where(np.einsum("ij,ij->i", X, w[codes]) + rng.randn(n) > 0, 1.0, -1.0)
    L = factor_similarity(similarity_from_rho(0.5, n_tasks))
    start = time.perf_counter()
    V, b, n_iter = solve_primal(X, y, codes, L, np.full(n, 0.1), loss=loss, bias="per_task",
                                tol=1e-4)
    elapsed = time.perf_counter() - start
    print(f"{loss}: {n} x {d}, {n_tasks} tasks: {elapsed:.2f} s, {n_iter} Newton steps")
    assert np.mean(np.sign(np.einsum("ij,ij->i", X, (V @ L.T).T[codes]) + b[codes]) == y) > 0.75
