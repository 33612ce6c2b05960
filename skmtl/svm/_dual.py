"""The multi-task SVM dual, shared by every solver.

    min_a  1/2 a'Qa + p'a   s.t.  0 <= a_i <= C_i,  y'a = 0 (per group),
    Q_ij = y_i y_j Omega[t_i, t_j] k(x_i, x_j).

The classifier's dual has one variable per row and ``p = -1``. The
epsilon-insensitive regression dual (libsvm's epsilon-SVR) has two per row:
variable ``i`` (label +1, ``p_i = epsilon - target_i``) and variable ``n + i``
(label -1, ``p_{n+i} = epsilon + target_i``), both on row ``i`` of the Gram
matrix; the row's coefficient in the decision function is their difference
(:func:`svr_problem`). Variable ``v`` reads row ``v mod n`` (as libsvm's
SVR_Q), so the 2n x 2n matrix is never formed either.

Rows are sorted by task, so each task's rows are the contiguous slice
``starts[t]:starts[t + 1]``; an equality constraint holds over the whole set
(a shared bias, as in libsvm) or over each task (one bias per task), both
copies of a row in the group of the row. Q is never formed: solvers read
rows of the input Gram K and scale them by Omega.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DualProblem:
    """One multi-task SVM dual: a binary classifier's, or an epsilon-SVR's.

    Attributes
    ----------
    K : ndarray of shape (n, n)
        Input Gram matrix, rows and columns sorted by task.
    starts : ndarray of shape (n_tasks + 1,)
        Row boundaries of the tasks in K.
    omega : ndarray of shape (n_tasks, n_tasks)
        Task similarity.
    y : ndarray of shape (n_variables,)
        Label of each dual variable, in {-1.0, +1.0}; ``n_variables`` is n,
        or 2n for the doubled variables of the regression dual.
    C : ndarray of shape (n_variables,)
        Upper bound of each dual variable (C times sample and class weights).
    per_task_bias : bool
        One equality constraint (and intercept) per task rather than one in all.
    linear : ndarray of shape (n_variables,) or None, default=None
        The linear term ``p`` of the objective; None is the classifier's ``-1``.
    """

    K: np.ndarray
    starts: np.ndarray
    omega: np.ndarray
    y: np.ndarray
    C: np.ndarray
    per_task_bias: bool
    linear: np.ndarray | None = None

    @property
    def task(self) -> np.ndarray:
        """Task code of each row (of K; both variables of a row share it)."""
        return np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))

    @property
    def group_starts(self) -> np.ndarray:
        """Row boundaries of the groups that share an equality constraint."""
        if self.per_task_bias:
            return self.starts
        return np.array([0, len(self.K)])

    @property
    def linear_term(self) -> np.ndarray:
        """``p``, one value per dual variable."""
        return np.full(len(self.y), -1.0) if self.linear is None else self.linear

    def coefficients(self, alpha: np.ndarray) -> np.ndarray:
        """Each row's coefficient in the decision function: ``sum`` of ``y_v a_v`` over its variables.

        ``y * alpha`` for the classifier, ``alpha_i - alpha*_i`` for the regression.
        """
        return (alpha * self.y).reshape(-1, len(self.K)).sum(axis=0)

    def gradient(self, alpha: np.ndarray) -> np.ndarray:
        """``Q a + p``."""
        u = self.coefficients(alpha)[:, None]
        products = task_kernel_product(self.K, self.starts, self.omega, self.task, u)[:, 0]
        return self.y * np.tile(products, len(self.y) // len(self.K)) + self.linear_term

    def objective(self, alpha: np.ndarray) -> float:
        """The dual objective ``1/2 a'Qa + p'a``."""
        return float(0.5 * alpha @ (self.gradient(alpha) + self.linear_term))


def svr_problem(K, starts, omega, targets, C, epsilon, per_task_bias) -> DualProblem:
    """The epsilon-insensitive regression dual (libsvm's epsilon-SVR) on the multi-task kernel.

    ``min 1/2 (a - a*)' Q (a - a*) + epsilon 1'(a + a*) - target'(a - a*)``
    over ``0 <= a, a* <= C`` with ``sum (a - a*) = 0`` (per group): as a
    :class:`DualProblem` on 2n variables, ``[a, a*]`` with labels ``[+1, -1]``.

    Examples
    --------
    >>> import numpy as np
    >>> problem = svr_problem(np.eye(2), np.array([0, 2]), np.ones((1, 1)),
    ...                       np.array([1.0, -1.0]), np.ones(2), 0.1, False)
    >>> problem.y, problem.linear_term
    (array([ 1.,  1., -1., -1.]), array([-0.9,  1.1,  1.1, -0.9]))
    """
    n = len(targets)
    y = np.concatenate([np.ones(n), -np.ones(n)])
    linear = np.concatenate([epsilon - targets, epsilon + targets])
    return DualProblem(K, starts, omega, y, np.tile(C, 2), per_task_bias, linear)


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


def group_members(group_starts, n_variables: int) -> list:
    """The dual variables of each group: its rows (``group_starts`` bound them), in every copy.

    With one variable per row a group is the slice of its rows; with two
    (the regression dual) it is those rows and the same rows ``n`` further on.
    """
    n = int(group_starts[-1])
    return [
        np.concatenate([np.arange(a, b) + offset for offset in range(0, n_variables, max(n, 1))])
        for a, b in zip(group_starts[:-1], group_starts[1:])
    ]


def kkt_gaps(alpha, y, C, F, group_starts) -> np.ndarray:
    """Per group, ``max_{I_up} F - min_{I_low} F`` with ``F = -y * grad``.

    The dual is solved to ``tol`` when every gap is below ``tol`` (libsvm's
    stopping rule): no pair of variables can then improve the objective by
    more than a step of that size. Empty groups have no gap.
    """
    up, low = violating_sets(alpha, y, C)
    members = [m for m in group_members(group_starts, len(alpha)) if len(m)]
    top = np.array([np.where(up[m], F[m], -np.inf).max() for m in members])
    bottom = np.array([np.where(low[m], F[m], np.inf).min() for m in members])
    return top - bottom


def intercepts(alpha, y, C, F, group_starts) -> np.ndarray:
    """The intercept of each group from the KKT conditions, as libsvm does.

    Free variables (0 < a < C) sit on the margin, so the intercept is the mean
    of ``F`` over them; with none free it is the middle of the feasible range.
    """
    out = np.empty(len(group_starts) - 1)
    for g, members in enumerate(group_members(group_starts, len(alpha))):
        al, yy, cc, ff = alpha[members], y[members], C[members], F[members]
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
