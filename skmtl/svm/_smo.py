"""A dedicated SMO solver for the multi-task SVM dual.

Sequential minimal optimisation (Platt 1998) with libsvm's second-order
working-set selection (Fan, Chen & Lin 2005). Each step picks the most
violating pair, solves the two-variable subproblem in closed form and updates
the gradient with two rows of Q. With one bias per task, the pair comes from
the task whose optimality gap is largest, so every task's equality
constraint holds throughout.

Everything per step is a handful of whole-array NumPy operations on
rows of the input Gram matrix, scaled on the fly by the task similarity, so
the solver never forms ``Q`` and its cost per step is O(n).
"""

from __future__ import annotations

import numpy as np

from .._progress import log_progress, tick
from ._dual import DualProblem, DualSolution, intercepts, violating_sets

TAU = 1e-12  # libsvm's floor on the curvature of a pair
TICK_STEPS = 64  # steps between two progress reports: each step is O(n), a report O(1)


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
        Print progress every 10 000 steps when positive.
    """
    K, y, C, omega = problem.K, problem.y, problem.C, problem.omega
    n = len(y)
    task = problem.task
    # Row i of Omega∘K is K[i] * omega_rows[task[i]]: one multiply per fetched row.
    omega_rows = np.ascontiguousarray(omega[:, task])
    diag = omega[task, task] * np.diagonal(K)
    if alpha0 is None:
        alpha = np.zeros(n)
        F = y.copy()  # F = -y * (Q a - 1) at a = 0
    else:
        alpha = np.clip(alpha0, 0.0, C)
        F = -y * problem.gradient(alpha)
    up, low = violating_sets(alpha, y, C)
    # F + hide_up is F on I_up and -inf elsewhere (likewise for I_low): one
    # pass each instead of a fill and a masked copy.
    hide_up = np.where(up, 0.0, -np.inf)
    hide_low = np.where(low, 0.0, np.inf)
    # Tasks absent from a training fold have empty groups, which reduceat
    # would not skip: drop them.
    groups = np.unique(problem.group_starts)
    several_groups = len(groups) > 2

    up_F, low_F, work = np.empty(n), np.empty(n), np.empty(n)
    limit = max_iter if max_iter >= 0 else np.inf
    n_iter = 0
    converged = False
    while True:
        np.add(F, hide_up, out=up_F)
        np.add(F, hide_low, out=low_F)
        if several_groups:
            gaps = np.maximum.reduceat(up_F, groups[:-1]) - np.minimum.reduceat(low_F, groups[:-1])
            g = int(np.argmax(gaps))
            gap = gaps[g]
            a, b = groups[g], groups[g + 1]
            i = a + int(up_F[a:b].argmax())
        else:
            a, b = 0, n
            i = int(up_F.argmax())
            gap = up_F[i] - low_F.min()
        if not gap >= tol:  # also stops on NaN gaps of empty sets
            converged = True
            break
        if n_iter >= limit:
            break
        if n_iter % TICK_STEPS == 0:  # progress: how far the gap has come down to tol
            if n_iter == 0:
                first_gap = gap
            tick(log_progress(first_gap, gap, tol))
        # Second-order choice of j: the largest decrease (F_i - F_t)^2 / curvature.
        row_i = K[i] * omega_rows[task[i]]
        gain = up_F[i] - low_F[a:b]
        np.maximum(gain, 0.0, out=gain)
        gain *= gain
        curvature = diag[a:b] - 2.0 * row_i[a:b]
        curvature += diag[i]
        np.maximum(curvature, TAU, out=curvature)
        gain /= curvature
        j = a + int(gain.argmax())

        old_i, old_j = alpha[i], alpha[j]
        new_i, new_j = _pair_step(
            old_i, old_j, y[i], y[j], -y[i] * F[i], -y[j] * F[j], C[i], C[j],
            diag[i] + diag[j] - 2.0 * row_i[j],
        )
        alpha[i], alpha[j] = new_i, new_j
        # F -= y * (Q[:, i] da_i + Q[:, j] da_j), with y * Q[:, i] = y_i * row_i.
        np.multiply(K[j], omega_rows[task[j]], out=work)
        work *= (new_j - old_j) * y[j]
        row_i *= (new_i - old_i) * y[i]
        work += row_i
        F -= work
        for k in (i, j):
            if y[k] > 0:
                can_up, can_low = alpha[k] < C[k], alpha[k] > 0
            else:
                can_up, can_low = alpha[k] > 0, alpha[k] < C[k]
            hide_up[k] = 0.0 if can_up else -np.inf
            hide_low[k] = 0.0 if can_low else np.inf
        n_iter += 1
        if verbose and n_iter % 10000 == 0:
            print(f"[SMO] step {n_iter}: largest KKT gap {gap:.3g} (tol {tol:g})")
    if verbose:
        print(f"[SMO] {'converged' if converged else 'stopped'} after {n_iter} steps")
    return DualSolution(alpha, intercepts(alpha, y, C, F, problem.group_starts), n_iter, converged)


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
