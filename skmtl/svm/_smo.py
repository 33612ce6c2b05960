"""A dedicated SMO solver for the multi-task SVM dual.

Sequential minimal optimisation (Platt 1998) with libsvm's second-order
working-set selection (Fan, Chen & Lin 2005). Each step picks the most
violating pair, solves the two-variable subproblem in closed form and updates
the gradient with two rows of Q. With one bias per task, the pair comes from
the task whose optimality gap is largest, so every task's equality
constraint holds throughout.

Each step is O(n) on rows of the input Gram matrix, scaled on the fly by the
task similarity, so the solver never forms ``Q``. The regression dual's two
variables per row (libsvm's epsilon-SVR) read the same Gram row, as libsvm's
SVR_Q does: a step fetches two rows whatever the number of variables, and
both copies of a row take the same change of ``F`` (it depends on the row
only). The steps run in compiled code (numba), a slice of steps between two
progress reports: as whole-array NumPy operations they cost some ten array
passes and their Python overhead a step, which was the whole cost on small
problems.
"""

from __future__ import annotations

import numpy as np

from .._compiled import compiled
from .._progress import log_progress, tick
from ._dual import DualProblem, DualSolution, intercepts, violating_sets

TAU = 1e-12  # libsvm's floor on the curvature of a pair
# Steps between two progress reports: 2**22 // n of them. A step reads about
# 13 n values (a few us for n = 1000), so a slice takes tens of ms; a report
# is a Python call.
SLICE_VALUES = 1 << 22


def solve_smo(problem: DualProblem, *, tol: float = 1e-3, max_iter: int = -1,
              alpha0: np.ndarray | None = None, verbose: int = 0) -> DualSolution:
    """Solve ``problem`` to libsvm's stopping rule: every KKT gap below ``tol``.

    Parameters
    ----------
    problem : DualProblem
    tol : float
        Largest allowed gap ``max_{I_up} F - min_{I_low} F`` per group.
    max_iter : int
        Cap on pair updates; -1 for none.
    alpha0 : ndarray, optional
        A feasible starting point (a warm start).
    verbose : int
        Print the largest gap after every slice of steps when positive.
    """
    K, y, C, omega = problem.K, problem.y, problem.C, problem.omega
    n = len(K)
    task = problem.task
    # Row i of Omega∘K is K[i] * omega_rows[task[i]]: one multiply per fetched value.
    omega_rows = np.ascontiguousarray(omega[:, task])
    diag = omega[task, task] * np.diagonal(K)
    if alpha0 is None:
        alpha = np.zeros(len(y))
        F = -y * problem.linear_term  # F = -y * (Q a + p) at a = 0
    else:
        alpha = np.clip(alpha0, 0.0, C)
        F = -y * problem.gradient(alpha)
    up, low = violating_sets(alpha, y, C)
    # Tasks absent from a training fold have empty groups: drop them.
    groups = np.unique(problem.group_starts).astype(np.intp)
    task = np.asarray(task, dtype=np.intp)
    limit = max_iter if max_iter >= 0 else np.iinfo(np.int64).max
    per_slice = max(1, SLICE_VALUES // max(n, 1))
    arrays = (K, omega_rows, task, y, C, diag, alpha, F, up, low, groups, tol)
    _, converged, first_gap = _smo_steps(*arrays, 0)  # the gap at the start
    tick(log_progress(first_gap, first_gap, tol))
    n_iter = 0
    while not converged and n_iter < limit:
        steps, converged, gap = _smo_steps(*arrays, min(per_slice, limit - n_iter))
        n_iter += steps
        tick(log_progress(first_gap, gap, tol))  # how far the gap has come down to tol
        if verbose:
            print(f"[SMO] step {n_iter}: largest KKT gap {gap:.3g} (tol {tol:g})")
    if verbose:
        print(f"[SMO] {'converged' if converged else 'stopped'} after {n_iter} steps")
    return DualSolution(alpha, intercepts(alpha, y, C, F, problem.group_starts), n_iter, converged)


@compiled(nogil=True)
def _smo_steps(K, omega_rows, task, y, C, diag, alpha, F, up, low, groups, tol, max_steps):
    """Up to ``max_steps`` SMO steps, in place on alpha, F, up and low.

    ``K`` has n rows; there are n variables (the classifier) or 2n (the
    regression), variable ``v`` on Gram row ``v mod n``. ``groups`` bound
    the rows of each equality constraint; a group holds its rows' variables
    in every copy.

    Returns the steps taken, whether every group's gap is below ``tol``, and
    the largest gap at the last check.
    """
    n = len(K)
    n_variables = len(y)
    steps = 0
    while True:
        # The group with the largest gap max_{I_up} F - min_{I_low} F, and its i.
        gap, i, a, b = -np.inf, -1, 0, 0
        for g in range(len(groups) - 1):
            top, arg, bottom = -np.inf, -1, np.inf
            for offset in range(0, n_variables, n):
                for k in range(groups[g] + offset, groups[g + 1] + offset):
                    if up[k] and F[k] > top:
                        top, arg = F[k], k
                    if low[k] and F[k] < bottom:
                        bottom = F[k]
            if top - bottom > gap:
                gap, i, a, b = top - bottom, arg, groups[g], groups[g + 1]
        if not gap >= tol:  # also when no pair violates at all (-inf)
            return steps, True, gap
        if steps >= max_steps:
            return steps, False, gap
        # Second-order choice of j: the largest decrease (F_i - F_j)^2 / curvature.
        row_i = i % n
        t_i = task[row_i]
        j, best = -1, -1.0
        for offset in range(0, n_variables, n):
            for k in range(a + offset, b + offset):
                if low[k] and F[i] - F[k] > 0.0:
                    row = k - offset
                    curvature = max(diag[row] - 2.0 * (K[row_i, row] * omega_rows[t_i, row]) + diag[row_i], TAU)
                    gain = (F[i] - F[k]) * (F[i] - F[k]) / curvature
                    if gain > best:
                        j, best = k, gain
        row_j = j % n
        t_j = task[row_j]
        old_i, old_j = alpha[i], alpha[j]
        new_i, new_j = _pair_step(
            old_i, old_j, y[i], y[j], -y[i] * F[i], -y[j] * F[j], C[i], C[j],
            diag[row_i] + diag[row_j] - 2.0 * (K[row_i, row_j] * omega_rows[t_i, row_j]),
        )
        alpha[i], alpha[j] = new_i, new_j
        # F -= y * (Q[:, i] da_i + Q[:, j] da_j), with y_k Q[k, i] = y_i Omega[t_i, t_k] K[i, k]:
        # the change depends on the row of k only, so both copies of a row take it.
        step_i, step_j = (new_i - old_i) * y[i], (new_j - old_j) * y[j]
        if n_variables == n:  # the classifier: one store per fetched value
            for k in range(n):
                F[k] -= K[row_j, k] * omega_rows[t_j, k] * step_j + K[row_i, k] * omega_rows[t_i, k] * step_i
        else:
            for k in range(n):
                change = K[row_j, k] * omega_rows[t_j, k] * step_j + K[row_i, k] * omega_rows[t_i, k] * step_i
                F[k] -= change
                F[k + n] -= change
        for k in (i, j):
            if y[k] > 0:
                up[k], low[k] = alpha[k] < C[k], alpha[k] > 0
            else:
                up[k], low[k] = alpha[k] > 0, alpha[k] < C[k]
        steps += 1


@compiled()
def _pair_step(ai, aj, yi, yj, Gi, Gj, Ci, Cj, curvature):
    """Exact minimiser of the dual over (a_i, a_j) with the rest fixed (libsvm)."""
    if curvature <= 0:
        curvature = TAU
    if yi != yj:
        delta = (-Gi - Gj) / curvature
        diff = ai - aj
        ai += delta
        aj += delta
        if diff > 0:
            if aj < 0:
                aj, ai = 0.0, diff
        elif ai < 0:
            ai, aj = 0.0, -diff
        if diff > Ci - Cj:
            if ai > Ci:
                ai, aj = Ci, Ci - diff
        elif aj > Cj:
            aj, ai = Cj, Cj + diff
    else:
        delta = (Gi - Gj) / curvature
        total = ai + aj
        ai -= delta
        aj += delta
        if total > Ci:
            if ai > Ci:
                ai, aj = Ci, total - Ci
        elif aj < 0:
            aj, ai = 0.0, total
        if total > Cj:
            if aj > Cj:
                aj, ai = Cj, total - Cj
        elif ai < 0:
            ai, aj = 0.0, total
    return ai, aj
