"""Dual coordinate descent for the multi-task hinge and epsilon-insensitive losses.

The dual of the hinge-loss problem in `skmtl.linear_model._primal`
(liblinear's L1-loss SVC dual) is

    min 1/2 a'Qa - e'a  over  0 <= a_i <= C_i,
    Q_ij = y_i y_j Omega[t_i, t_j] x_i'x_j,

and that of the epsilon-insensitive regression loss (liblinear's L1-loss
SVR dual, Ho & Lin 2012) is

    min 1/2 a'Qa - y'a + epsilon ||a||_1  over  -C_i <= a_i <= C_i,
    Q_ij = Omega[t_i, t_j] x_i'x_j.

Both are ``min 1/2 a'Qa - r'a + epsilon ||a||_1`` over a box, with
``Q_ij = s_i s_j Omega[t_i, t_j] x_i'x_j``: the classifier has the signs
``s = y``, ``r = 1``, ``epsilon = 0`` and the box [0, C]; the regressor
``s = 1``, ``r = y`` and the box [-C, C]. So one descent serves both.
Coordinate descent (Hsieh et al., ICML 2008) takes one exact step per row:
the gradient ``G_i = s_i x_i'w_{t_i} - r_i`` needs task ``t_i``'s weights,
``w_t = sum_s Omega[t, s] u_s`` with ``u_s = sum_{i in s} a_i s_i x_i``.
Keeping every task's ``w_t`` current costs ``T nnz(x_i)`` a step (a step on
a row of task s moves every ``w_t`` by ``Omega[t, s]``). For dense rows and
more than two tasks, the rows are instead visited a chunk of one task at a
time, in random order within each task and over the chunks: a chunk of task
t computes ``w_t`` once (``T d``), and within it a step moves ``u_t`` and
``w_t`` only (``2d``), since no other task's ``u`` changes meanwhile. Sparse
rows with far fewer non-zeros than features make that per-chunk ``T d`` the
larger cost; there (and with one or two tasks) every task's weights are kept
current and the rows visited in plain random order. Either way the steps
are the same exact coordinate steps.

The epochs run in compiled code (numba): a step is a few hundred flops, and
in Python the interpreter's overhead per step was the whole cost (about
10 us a row of 500 features, against 0.5 us here).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import types
from numba.extending import overload

from .._compiled import compiled
from .._progress import log_progress, tick

# With a bias, dual coordinate descent moves the bias's proximal centre once
# the dual gap is below this fraction of the bias's last step.
_PROXIMAL_ACCURACY = 0.3

# Rows a chunk: at least T, as a chunk recomputes its task's weights (T d
# flops) against about 3 d flops a dense row; and no more than that, as long
# runs of one task's rows slow the descent like unshuffled rows (on 100,000
# rows of 100 tasks, chunks of 256 took twice the epochs of a random order;
# 32, the same as random).
_MIN_CHUNK = 32

# Sums of products may be reassociated (vectorised); nothing else of
# fast-math (no assumptions about inf or nan).
_FAST = {"reassoc", "contract"}


def dual_cd(rows, X, y, codes, L, C, group_of_task, n_groups, tol, max_iter, rng, verbose,
            warm_start=None, epsilon=None):
    """liblinear's dual coordinate descent for the hinge loss, on ``phi(x, t)``, or
    with ``epsilon`` (a number) for the epsilon-insensitive regression loss.

    X's rows are sorted by task (``rows`` reads them per task). Returns
    ``(V, group_bias, n_epochs, converged)`` with ``w_t = V @ L[t]``.

    liblinear's shrinking sets aside rows that sit at a bound and look set to
    stay there. Dual coordinate descent needs the bias regularised, as a
    constant feature B (liblinear's intercept_scaling). To solve the
    unregularised problem, the regulariser is ``1/(2B^2) ||b - c||^2`` around
    a centre c, and each time the descent converges c moves to the current
    bias: the proximal point method, whose fixed point is the bias that is not
    regularised at all. In the dual, r_i = 1 - y_i c_{g_i} (y_i - c_{g_i}
    for regression) and Q gains ``B^2`` between rows of one group.
    """
    n, d = X.shape
    n_tasks = L.shape[0]
    omega = L @ L.T
    norms = (np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X)
             else np.einsum("ij,ij->i", X, X, dtype=np.float64))
    diagonal = norms * np.diag(omega)[codes]
    fitted = C > 0
    if n_groups:
        # The bias feature as large as a typical row's: large enough that the
        # proximal steps are long, small enough that Q stays well conditioned.
        B2 = float(np.mean(diagonal[fitted])) if fitted.any() else 1.0
        B2 = B2 if B2 > 0 else 1.0
    else:
        B2 = 0.0  # no bias feature: it adds nothing to f or to Q
    B = np.sqrt(B2)
    QD = np.maximum(diagonal + B2, 1e-12)
    group_of_row = group_of_task[codes] if n_groups else np.zeros(n, dtype=np.intp)

    # The hinge's violations are in units of the margin, 1, so tol is taken
    # as it is; a regression's are in units of y, so tol is relative to the
    # first epoch's violations (as liblinear's SVR solver takes it).
    regression = epsilon is not None
    if not regression:  # the hinge: a_i y_i x_i, linear term 1, a_i in [0, C_i]
        sign, linear, lower, epsilon = y, np.ones(n), np.zeros(n), 0.0
    else:  # epsilon-insensitive: a_i x_i, linear term y_i, a_i in [-C_i, C_i]
        sign, linear, lower = np.ones(n), y, -C
    alpha = np.zeros(n)
    U = np.zeros((n_tasks, d))  # u_t = sum over task t's rows of a_i s_i x_i
    beta = np.zeros(max(n_groups, 1))  # the bias feature's weights: B * sum a_i s_i per group
    centre = np.zeros(max(n_groups, 1))
    if n_groups and regression:
        # Regression: the bias starts at each group's weighted mean target,
        # not at 0, which the proximal steps would have to travel from.
        mass = np.bincount(group_of_row, C, minlength=n_groups)
        centre = np.bincount(group_of_row, C * y, minlength=n_groups) / np.where(mass > 0, mass, 1.0)
    if warm_start:  # the last solve's dual variables stay feasible: only Q changed
        alpha = warm_start["alpha"].copy()
        U, sums = rows.task_sums(alpha * sign)
        if n_groups:
            beta = B * np.bincount(group_of_task, sums, minlength=n_groups)
            centre = warm_start["bias"] - B * beta  # the same bias to start from
    if sp.issparse(X):
        data, indices, indptr = X.data, X.indices, X.indptr
    else:  # rows of a Fortran-ordered X would be strided reads: 4-5x slower
        data, indices, indptr = np.ascontiguousarray(X), None, None
    codes = np.asarray(codes, dtype=np.intp)
    chunk = max(_MIN_CHUNK, n_tasks)
    every_task = _keeps_every_task(n_tasks, d, X.nnz / max(n, 1) if sp.issparse(X) else d, chunk)
    # every_task: W[t] = w_t, kept current; else W = U and w is the chunk's w_t.
    W = omega @ U if every_task else U
    w = np.empty(d)
    every = np.flatnonzero(fitted)
    active = every
    PGmax_old, PGmin_old = np.inf, -np.inf
    n_epochs, converged = 0, False
    while n_epochs < max_iter:
        if every_task:
            order = rng.permutation(active)
            bounds, chunk_order = np.array([0, len(order)]), np.zeros(1, dtype=np.intp)
        else:
            order, bounds = _task_chunks(rng.permutation(active), codes, n_tasks, chunk)
            chunk_order = rng.permutation(len(bounds) - 1)
        keep = np.ones(len(order), dtype=bool)
        PGmax_new, PGmin_new = _epoch(
            data, indices, indptr, order, bounds, chunk_order, every_task, codes, sign, linear,
            lower, C, epsilon, QD, omega, W, w, alpha, group_of_row, beta, centre, B,
            PGmax_old, PGmin_old, keep,
        )
        n_epochs += 1
        active = order[keep]
        if verbose:
            print(f"[dual CD] epoch {n_epochs}: gap {PGmax_new - PGmin_new:.3g} "
                  f"active {len(active)}/{len(every)}")
        gap = PGmax_new - PGmin_new
        shift = float(np.max(np.abs(B * beta[:n_groups]))) if n_groups else 0.0
        if n_epochs == 1:
            first_gap = gap
            if regression:
                tol = tol * max(first_gap, np.finfo(float).tiny)
        tick(log_progress(first_gap, max(gap, shift), tol))
        if gap <= tol and shift <= tol and len(active) == len(every):
            converged = True
            break
        # Inexact proximal point: each subproblem is solved only as accurately
        # as the bias is still moving (a fraction of its last step), not to
        # tol. On small hard problems this took 5-15 times fewer epochs.
        if n_groups and gap <= max(tol, _PROXIMAL_ACCURACY * shift):
            centre += B * beta
            if verbose:
                print(f"[dual CD] bias centre moved by {shift:.3g}")
        if gap <= max(tol, _PROXIMAL_ACCURACY * shift):
            active = every  # check again over every row, the set-aside ones too
            PGmax_old, PGmin_old = np.inf, -np.inf
            continue
        PGmax_old = PGmax_new if PGmax_new > 0 else np.inf
        PGmin_old = PGmin_new if PGmin_new < 0 else -np.inf
    # Recompute the primal from alpha: one pass, free of the rounding that
    # many small updates accumulate.
    U, sums = rows.task_sums(alpha * sign)
    if n_groups:
        beta = B * np.bincount(group_of_task, sums, minlength=n_groups)
    if warm_start is not None:
        warm_start.update(alpha=alpha, bias=centre + B * beta)
    return U.T @ L, (centre + B * beta)[:n_groups], n_epochs, converged


def _keeps_every_task(n_tasks, d, row_cost, chunk) -> bool:
    """Whether keeping every task's weights current (T nnz a step) costs less
    than chunks of one task's rows (2 nnz a step and T d a chunk)."""
    return (n_tasks + 1) * row_cost <= 3 * row_cost + n_tasks * d / chunk


@compiled(nogil=True)
def _task_chunks(rows, codes, n_tasks, chunk):
    """``rows`` regrouped by task (keeping their order within a task), and the
    bounds of consecutive runs of at most ``chunk`` rows of one task."""
    starts = np.zeros(n_tasks + 1, dtype=np.intp)
    for i in rows:
        starts[codes[i] + 1] += 1
    n_chunks = 0
    for t in range(n_tasks):
        n_chunks += (starts[t + 1] + chunk - 1) // chunk
        starts[t + 1] += starts[t]
    order = np.empty(len(rows), dtype=np.intp)
    position = starts[:-1].copy()
    for i in rows:
        order[position[codes[i]]] = i
        position[codes[i]] += 1
    bounds = np.empty(n_chunks + 1, dtype=np.intp)
    k = 0
    for t in range(n_tasks):
        for start in range(starts[t], starts[t + 1], chunk):
            bounds[k] = start
            k += 1
    bounds[k] = len(rows)
    return order, bounds


@compiled(nogil=True, fastmath=_FAST)
def _epoch(data, indices, indptr, order, bounds, chunk_order, every_task, codes, sign, linear,
           lower, C, epsilon, QD, omega, W, w, alpha, group_of_row, beta, centre, B,
           PGmax_old, PGmin_old, keep):
    """One pass of coordinate descent over ``order``, a chunk at a time.

    With ``every_task``, W holds every task's weights, kept current (one
    chunk of rows of any task); otherwise W holds the per-task sums ``u_t``
    and each chunk, of one task's rows, computes its task's weights into w.
    Row i's variable lies in [lower_i, C_i], enters the weights as
    ``alpha_i sign_i x_i`` and the objective with ``-linear_i alpha_i +
    epsilon |alpha_i|``. Updates alpha, W and beta in place, clears ``keep``
    for the rows shrinking sets aside, and returns the largest and smallest
    projected gradients. X is dense (``data``, with ``indices`` and
    ``indptr`` None) or CSR.
    """
    n_tasks, d = W.shape
    PGmax_new, PGmin_new = -np.inf, np.inf
    for c in chunk_order:
        lo, hi = bounds[c], bounds[c + 1]
        if not every_task:
            t = codes[order[lo]]
            for j in range(d):
                w[j] = 0.0
            for s in range(n_tasks):
                o = omega[t, s]
                if o != 0.0:
                    for j in range(d):
                        w[j] += o * W[s, j]
        for p in range(lo, hi):
            i = order[p]
            t = codes[i]
            g = group_of_row[i]
            weights = W[t] if every_task else w
            G = sign[i] * (_dot(data, indices, indptr, i, weights) + centre[g] + B * beta[g]) - linear[i]
            a = alpha[i]
            # The one-sided derivatives of the objective in a_i: |a_i| adds
            # epsilon or -epsilon, and both at a_i = 0 (its kink).
            G_right = G + epsilon if a >= 0.0 else G - epsilon
            G_left = G + epsilon if a > 0.0 else G - epsilon
            if a == lower[i]:  # only an increase is feasible
                if G_right > PGmax_old:
                    keep[p] = False
                    continue
                PG = min(G_right, 0.0)
            elif a == C[i]:  # only a decrease is feasible
                if G_left < PGmin_old:
                    keep[p] = False
                    continue
                PG = max(G_left, 0.0)
            elif G_right < 0.0:
                PG = G_right
            elif G_left > 0.0:
                PG = G_left
            else:  # at the kink, inside the epsilon tube
                if G_right > PGmax_old and G_left < PGmin_old:
                    keep[p] = False
                    continue
                PG = 0.0
            PGmax_new = max(PGmax_new, PG)
            PGmin_new = min(PGmin_new, PG)
            if abs(PG) > 1e-12:
                # The exact minimiser along a_i: a Newton step on the side of
                # the kink it lands on, then the box.
                if epsilon == 0.0:
                    new = a - G / QD[i]
                else:
                    new = a - (G + epsilon) / QD[i]
                    if new <= 0.0:
                        new = a - (G - epsilon) / QD[i]
                        if new >= 0.0:
                            new = 0.0
                new = min(max(new, lower[i]), C[i])
                if new != a:
                    step = (new - a) * sign[i]
                    alpha[i] = new
                    beta[g] += B * step
                    if every_task:  # w_s += Omega[s, t] step x_i, every s
                        for s in range(n_tasks):
                            if omega[s, t] != 0.0:
                                _add_row(data, indices, indptr, i, omega[s, t] * step, W[s])
                    else:  # u_t and the chunk's w_t
                        _add_row(data, indices, indptr, i, step, W[t])
                        _add_row(data, indices, indptr, i, omega[t, t] * step, w)
    return PGmax_new, PGmin_new


def _dot(data, indices, indptr, i, w):
    """``x_i'w`` for row i of a dense X (indices None) or a CSR one."""
    if indices is None:
        return float(data[i] @ w)
    part = slice(indptr[i], indptr[i + 1])
    return float(data[part] @ w[indices[part]])


def _add_row(data, indices, indptr, i, a, u):
    """``u += a x_i``."""
    if indices is None:
        u += a * data[i]
    else:
        part = slice(indptr[i], indptr[i + 1])
        u[indices[part]] += a * data[part]


# The compiled versions, dense or CSR, are chosen when numba types the call
# (a branch on ``indices is None`` would be typed for both kinds of X); the
# Python ones above run when numba's JIT is disabled (NUMBA_DISABLE_JIT=1).
@overload(_dot, inline="always", jit_options={"fastmath": _FAST})
def _dot_row(data, indices, indptr, i, w):
    if isinstance(indices, types.NoneType):
        def dense(data, indices, indptr, i, w):
            total = 0.0
            for j in range(data.shape[1]):
                total += data[i, j] * w[j]
            return total
        return dense

    def csr(data, indices, indptr, i, w):
        total = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            total += data[p] * w[indices[p]]
        return total
    return csr


@overload(_add_row, inline="always", jit_options={"fastmath": _FAST})
def _add_row_to(data, indices, indptr, i, a, u):
    if isinstance(indices, types.NoneType):
        def dense(data, indices, indptr, i, a, u):
            for j in range(data.shape[1]):
                u[j] += a * data[i, j]
        return dense

    def csr(data, indices, indptr, i, a, u):
        for p in range(indptr[i], indptr[i + 1]):
            u[indices[p]] += a * data[p]
    return csr
