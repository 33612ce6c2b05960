"""The multi-task SVM dual, shared by every solver.

    min_a  1/2 a'Qa - 1'a   s.t.  0 <= a_i <= C_i,  y'a = 0 (per group),
    Q_ij = y_i y_j Omega[t_i, t_j] k(x_i, x_j).

Rows are sorted by task, so each task's rows are the contiguous slice
``starts[t]:starts[t + 1]``; an equality constraint holds over the whole set
(a shared bias, as in libsvm) or over each task (one bias per task). Q is
never formed: solvers read rows of the input Gram K and scale them by Omega.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DualProblem:
    """One binary multi-task SVM dual.

    Attributes
    ----------
    K : ndarray of shape (n, n)
        Input Gram matrix, rows and columns sorted by task.
    starts : ndarray of shape (n_tasks + 1,)
        Row boundaries of the tasks in K.
    omega : ndarray of shape (n_tasks, n_tasks)
        Task similarity.
    y : ndarray of shape (n,)
        Labels in {-1.0, +1.0}.
    C : ndarray of shape (n,)
        Upper bound of each dual variable (C times sample and class weights).
    per_task_bias : bool
        One equality constraint (and intercept) per task rather than one in all.
    """

    K: np.ndarray
    starts: np.ndarray
    omega: np.ndarray
    y: np.ndarray
    C: np.ndarray
    per_task_bias: bool

    @property
    def task(self) -> np.ndarray:
        """Task code of each row."""
        return np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))

    @property
    def group_starts(self) -> np.ndarray:
        """Boundaries of the groups that share an equality constraint."""
        if self.per_task_bias:
            return self.starts
        return np.array([0, len(self.y)])

    def gradient(self, alpha: np.ndarray) -> np.ndarray:
        """``Q a - 1``."""
        u = (alpha * self.y)[:, None]
        return self.y * task_kernel_product(self.K, self.starts, self.omega, self.task, u)[:, 0] - 1.0

    def objective(self, alpha: np.ndarray) -> float:
        """The dual objective ``1/2 a'Qa - 1'a``."""
        return float(0.5 * alpha @ (self.gradient(alpha) - 1.0))


@dataclass
class DualSolution:
    """A solved dual: variables, intercepts (one per group) and diagnostics."""

    alpha: np.ndarray
    intercept: np.ndarray
    n_iter: int
    converged: bool


def per_task_products(K, starts, U) -> np.ndarray:
    """``P[i, t] = K[i, task t's columns] @ U[task t's rows]``, shape (m, n_tasks, k)."""
    return np.stack([K[:, a:b] @ U[a:b] for a, b in zip(starts[:-1], starts[1:])], axis=1)


def weigh_tasks(P, omega, row_task) -> np.ndarray:
    """``sum_t Omega[row_task_i, t] P[i, t]``: per-task products (:func:`per_task_products`)
    seen from each row's task, shape (m, k).

    Apart from :func:`task_kernel_product` so that one ``P`` can be seen from
    several tasks (every task for every row) at the price of this sum only.
    """
    return np.einsum("mtk,mt->mk", P, omega[row_task])


def task_kernel_product(K, starts, omega, row_task, U) -> np.ndarray:
    """``(Omega[row_task_i, t_j] * K_ij) @ U`` without forming the product kernel.

    ``K`` is ``(m, n)`` with columns sorted by task (boundaries ``starts``),
    ``row_task`` the task code of each of the m rows, ``U`` is ``(n, k)``.
    """
    return weigh_tasks(per_task_products(K, starts, U), omega, row_task)


def task_gram(K, starts, U) -> np.ndarray:
    """``M[r, s] = sum_k sum_{i in r, j in s} U_ik K_ij U_jk``: task-level Gram of ``U``."""
    per_task = per_task_products(K, starts, U)  # (n, n_tasks, k)
    return np.add.reduceat(U[:, None, :] * per_task, starts[:-1], axis=0).sum(axis=2)


def violating_sets(alpha, y, C):
    """libsvm's index sets: I_up may move up along y, I_low down."""
    positive = y > 0
    up = np.where(positive, alpha < C, alpha > 0)
    low = np.where(positive, alpha > 0, alpha < C)
    return up, low


def kkt_gaps(alpha, y, C, F, group_starts) -> np.ndarray:
    """Per group, ``max_{I_up} F - min_{I_low} F`` with ``F = -y * grad``.

    The dual is solved to ``tol`` when every gap is below ``tol`` (libsvm's
    stopping rule): no pair of variables can then improve the objective by
    more than a step of that size.
    """
    up, low = violating_sets(alpha, y, C)
    starts = np.unique(group_starts)[:-1]  # empty groups have no gap
    top = np.maximum.reduceat(np.where(up, F, -np.inf), starts)
    bottom = np.minimum.reduceat(np.where(low, F, np.inf), starts)
    return top - bottom


def intercepts(alpha, y, C, F, group_starts) -> np.ndarray:
    """The intercept of each group from the KKT conditions, as libsvm does.

    Free variables (0 < a < C) sit on the margin, so the intercept is the mean
    of ``F`` over them; with none free it is the middle of the feasible range.
    """
    out = np.empty(len(group_starts) - 1)
    for g, (a, b) in enumerate(zip(group_starts[:-1], group_starts[1:])):
        al, yy, cc, ff = alpha[a:b], y[a:b], C[a:b], F[a:b]
        free = (al > 0) & (al < cc)
        if free.any():
            out[g] = ff[free].mean()
            continue
        at_upper, at_lower = al >= cc, al <= 0
        # At a bound, the KKT conditions bound the intercept from one side:
        # b >= F for rows that could only move up along y, b <= F for the rest.
        below = (at_upper & (yy < 0)) | (at_lower & (yy > 0))
        above = (at_upper & (yy > 0)) | (at_lower & (yy < 0))
        lo = ff[below].max() if below.any() else -np.inf
        hi = ff[above].min() if above.any() else np.inf
        if np.isfinite(hi) and np.isfinite(lo):
            out[g] = 0.5 * (hi + lo)
        else:
            out[g] = hi if np.isfinite(hi) else (lo if np.isfinite(lo) else 0.0)
    return out
