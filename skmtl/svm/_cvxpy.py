"""The reference solver: the same dual written in cvxpy.

A generic modelling layer is easy to trust (the formulation below is the
dual, word for word) but about 50x slower than the dedicated solver (54x at
n=4000 in benchmarks/README.md) and some 20 times hungrier for memory than
the Gram matrix, so it serves to check that solver and as a fallback for
unusual constraint sets.
"""

from __future__ import annotations

import numpy as np

from ._dual import DualProblem, DualSolution, group_members


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
    alpha = cp.Variable(len(y))
    equalities = [
        y[members] @ alpha[members] == 0
        for members in group_members(problem.group_starts, len(y))
    ]
    constraints = [alpha >= 0, alpha <= C, *equalities]
    cvx_problem = cp.Problem(cp.Minimize(_objective(problem, alpha)), constraints)
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
    # stationarity condition (Qa)_i + p_i + nu * y_i = 0 of a free variable is
    # the classifier's margin y_i f(x_i) = 1, or the regression's tube edge
    # f(x_i) = target_i -+ epsilon, with the intercept b = nu.
    intercept = np.array([float(np.atleast_1d(e.dual_value)[0]) for e in equalities])
    n_iter = int(cvx_problem.solver_stats.num_iters or 0)
    return DualSolution(solution, intercept, n_iter, True)


def _objective(problem: DualProblem, alpha):
    """``1/2 a'Qa + p'a`` in cvxpy.

    The classifier's with its Q; a general linear term (the regression) in
    the rows' coefficients ``u`` (``u = a - a*``: ``a'Qa = u' (Omega∘K) u``),
    so that cvxpy gets an n x n matrix and not the singular 2n x 2n one of
    the doubled variables.
    """
    import cvxpy as cp

    y, task = problem.y, problem.task
    Q = problem.K * problem.omega[np.ix_(task, task)]
    if problem.linear is None:
        Q = Q * np.outer(y, y)
        return 0.5 * cp.quad_form(alpha, cp.psd_wrap(0.5 * (Q + Q.T))) - cp.sum(alpha)
    n = len(problem.K)
    u = sum(cp.multiply(y[start:start + n], alpha[start:start + n]) for start in range(0, len(y), n))
    return 0.5 * cp.quad_form(u, cp.psd_wrap(0.5 * (Q + Q.T))) + problem.linear @ alpha
