"""The reference solver: the same dual written in cvxpy.

A generic modelling layer is easy to trust (the formulation below is the
dual, word for word) but about 50x slower than the dedicated solver (54x at
n=4000 in benchmarks/README.md) and some 20 times hungrier for memory than
the Gram matrix, so it serves to check that solver and as a fallback for
unusual constraint sets.
"""

from __future__ import annotations

import numpy as np

from ._dual import DualProblem, DualSolution


def solve_cvxpy(problem: DualProblem, *, tol: float = 1e-3, max_iter: int = -1,
                alpha0: np.ndarray | None = None, verbose: int = 0) -> DualSolution:
    """Solve ``problem`` with cvxpy (Clarabel when installed) to 1e-8.

    ``tol``, ``max_iter`` and ``alpha0`` are accepted so that both solvers
    share one signature, and ignored: the reference always solves to its own
    tight tolerance, and interior-point methods do not warm start.

    The intercepts are the dual variables of the equality constraints, which
    are exact at the optimum whether or not any variable is strictly inside
    its box (an interior-point solution never puts one exactly on a bound).
    """
    import cvxpy as cp

    y, C = problem.y, problem.C
    task = problem.task
    Q = problem.K * problem.omega[np.ix_(task, task)] * np.outer(y, y)
    Q = 0.5 * (Q + Q.T)
    alpha = cp.Variable(len(y))
    groups = problem.group_starts
    equalities = [y[a:b] @ alpha[a:b] == 0 for a, b in zip(groups[:-1], groups[1:])]
    objective = cp.Minimize(0.5 * cp.quad_form(alpha, cp.psd_wrap(Q)) - cp.sum(alpha))
    cvx_problem = cp.Problem(objective, [alpha >= 0, alpha <= C, *equalities])
    solver = cp.CLARABEL if cp.CLARABEL in cp.installed_solvers() else None
    options = {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8} if solver == cp.CLARABEL else {}
    try:
        cvx_problem.solve(solver=solver, verbose=bool(verbose), **options)
    except cp.error.SolverError as exc:
        raise RuntimeError(
            f"The cvxpy reference solver failed: {exc}. Use solver='auto' (the dedicated "
            "SMO solver), or check that the kernel is positive semi-definite."
        ) from exc
    if cvx_problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or alpha.value is None:
        raise RuntimeError(
            f"The cvxpy reference solver ended with status {cvx_problem.status!r}; use "
            "solver='auto' (the dedicated SMO solver), or check that the kernel is "
            "positive semi-definite."
        )
    solution = np.clip(alpha.value, 0.0, C)
    # The multiplier nu of y'a = 0 enters the Lagrangian as +nu * y'a, and the
    # stationarity condition (Qa)_i - 1 + nu * y_i = 0 on the margin is
    # y_i f(x_i) = 1 with the intercept b = nu.
    intercept = np.array([float(np.atleast_1d(e.dual_value)[0]) for e in equalities])
    n_iter = int(cvx_problem.solver_stats.num_iters or 0)
    return DualSolution(solution, intercept, n_iter, True)
