"""The dedicated SMO solver against the cvxpy reference and the KKT conditions."""

import numpy as np
import pytest

from skmtl.svm._cvxpy import solve_cvxpy
from skmtl.svm._dual import DualProblem, kkt_gaps, task_kernel_product
from skmtl.svm._kernels import input_kernel
from skmtl.svm._smo import solve_smo
from skmtl._similarity import similarity_from_rho


def random_problem(seed, per_task_bias, n=150, n_tasks=3, kernel="rbf"):
    rng = np.random.RandomState(seed)
    task = np.sort(rng.randint(n_tasks, size=n))
    X = rng.randn(n, 4)
    w = rng.randn(n_tasks, 4)
    y = np.where(np.einsum("ij,ij->i", X, w[task]) + 0.5 * rng.randn(n) > 0, 1.0, -1.0)
    K = input_kernel(X, X, kernel=kernel, gamma=0.3, degree=2, coef0=1.0)
    A = rng.randn(n_tasks, n_tasks)
    omega = A @ A.T + 0.5 * np.eye(n_tasks)  # a random PSD task similarity
    C = rng.uniform(0.2, 3.0, size=n)  # per-row bounds, as sample weights give
    starts = np.searchsorted(task, np.arange(n_tasks + 1))
    return DualProblem(K, starts, omega, y, C, per_task_bias)


def decision(problem, solution):
    u = (solution.alpha * problem.y)[:, None]
    f = task_kernel_product(problem.K, problem.starts, problem.omega, problem.task, u)[:, 0]
    groups = problem.task if problem.per_task_bias else np.zeros(len(f), int)
    return f + solution.intercept[groups]


@pytest.mark.parametrize("per_task_bias", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
def test_smo_matches_cvxpy(seed, per_task_bias, kernel):
    problem = random_problem(seed, per_task_bias, kernel=kernel)
    smo = solve_smo(problem, tol=1e-8)
    ref = solve_cvxpy(problem)
    assert smo.converged
    f_smo, f_ref = problem.objective(smo.alpha), problem.objective(ref.alpha)
    assert abs(f_smo - f_ref) <= 1e-5 * abs(f_ref)
    assert f_smo <= f_ref + 1e-7 * abs(f_ref)  # SMO is exact: never worse than the reference
    # The dual is ill-conditioned (tiny Gram eigenvalues), so the reference's
    # 1e-9 relative objective error moves decision values by up to ~3e-4.
    np.testing.assert_allclose(decision(problem, smo), decision(problem, ref), atol=1e-3)


@pytest.mark.parametrize("per_task_bias", [False, True])
def test_smo_solution_satisfies_kkt(per_task_bias):
    problem = random_problem(3, per_task_bias)
    tol = 1e-6
    sol = solve_smo(problem, tol=tol)
    a, y, C = sol.alpha, problem.y, problem.C
    # Feasibility: box and every equality constraint.
    assert np.all(a >= 0) and np.all(a <= C)
    groups = problem.group_starts
    for lo, hi in zip(groups[:-1], groups[1:]):
        assert abs(y[lo:hi] @ a[lo:hi]) < 1e-9 * C.sum()
    # Optimality: the libsvm gap, and the margin conditions with the intercepts.
    F = -y * problem.gradient(a)
    assert kkt_gaps(a, y, C, F, groups).max() < tol
    margin = y * decision(problem, sol)
    free = (a > 1e-12) & (a < C - 1e-12)
    assert np.all(np.abs(margin[free] - 1) < 10 * tol)
    assert np.all(margin[a <= 0] > 1 - 10 * tol)
    assert np.all(margin[a >= C] < 1 + 10 * tol)


def test_per_task_bias_separates_tasks_at_rho_zero():
    """With independent tasks and one bias each, the dual splits into T SVMs."""
    joint = random_problem(4, True)
    joint.omega = similarity_from_rho(0.0, 3)
    together = solve_smo(joint, tol=1e-9)
    for t, (lo, hi) in enumerate(zip(joint.starts[:-1], joint.starts[1:])):
        alone = DualProblem(
            joint.K[lo:hi, lo:hi], np.array([0, hi - lo]), np.ones((1, 1)),
            joint.y[lo:hi], joint.C[lo:hi], False,
        )
        single = solve_smo(alone, tol=1e-9)
        assert alone.objective(single.alpha) == pytest.approx(
            alone.objective(together.alpha[lo:hi]), rel=1e-8
        )
        assert single.intercept[0] == pytest.approx(together.intercept[t], abs=1e-6)


def test_warm_start_reaches_the_same_optimum_in_fewer_steps():
    problem = random_problem(5, False, n=300)
    cold = solve_smo(problem, tol=1e-6)
    problem.omega = problem.omega + 0.02 * (1 - np.eye(3))  # as between Omega updates
    warm = solve_smo(problem, tol=1e-6, alpha0=cold.alpha)
    fresh = solve_smo(problem, tol=1e-6)
    assert warm.n_iter < 0.75 * fresh.n_iter
    assert problem.objective(warm.alpha) == pytest.approx(problem.objective(fresh.alpha), rel=1e-6)


def test_max_iter_stops_without_convergence():
    problem = random_problem(6, False)
    sol = solve_smo(problem, tol=1e-6, max_iter=5)
    assert sol.n_iter == 5 and not sol.converged


def test_empty_task_in_a_fold_is_skipped():
    problem = random_problem(7, True)
    lo, hi = problem.starts[1], problem.starts[2]
    keep = np.r_[0:lo, hi:len(problem.y)]  # drop task 1 entirely
    starts = problem.starts.copy()
    starts[2:] -= hi - lo
    sub = DualProblem(problem.K[np.ix_(keep, keep)], starts, problem.omega,
                      problem.y[keep], problem.C[keep], True)
    sol = solve_smo(sub, tol=1e-6)
    assert sol.converged and len(sol.intercept) == 3


def test_failed_reference_solve_raises_a_clear_error(monkeypatch):
    import cvxpy as cp

    def broken(self, *args, **kwargs):
        raise cp.error.SolverError("numerical trouble")

    monkeypatch.setattr(cp.Problem, "solve", broken)
    with pytest.raises(RuntimeError, match="cvxpy reference solver failed.*solver='auto'"):
        solve_cvxpy(random_problem(0, False, n=20))


def test_task_gram_is_w_transpose_w_without_features():
    """W'W from dual coefficients and the input Gram equals it from explicit features."""
    from skmtl.svm._dual import task_gram

    rng = np.random.RandomState(8)
    n_tasks, n = 3, 40
    task = np.sort(rng.randint(n_tasks, size=n))
    starts = np.searchsorted(task, np.arange(n_tasks + 1))
    X = rng.randn(n, 5)
    u = rng.randn(n)  # a_j y_j
    omega = similarity_from_rho(0.3, n_tasks)
    A = np.zeros((n, n_tasks))
    A[np.arange(n), task] = u
    W = X.T @ A @ omega  # linear kernel: w_t = sum_j a_j y_j Omega[t_j, t] x_j
    M = task_gram(X @ X.T, starts, u[:, None])
    np.testing.assert_allclose(omega @ M @ omega, W.T @ W, rtol=1e-10)
