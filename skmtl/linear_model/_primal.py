"""Primal solvers for linear multi-task models with the kernel ``Omega[s, t] x'z``.

Task ``t`` has the weights ``w_t`` and the bias ``b_t``, and the model minimises

    1/2 tr(W Omega^+ W') + sum_i C_i loss(y_i, x_i' w_{t_i} + b_{t_i})

over the weights in the range of Omega, with a classification loss of the
margin ``y_i f_i`` (labels ``y_i`` in {-1, +1}) or a regression loss of the
residual ``f_i - y_i``. With ``Omega = L L'`` (``L`` of shape
(T, r), see `factor_similarity`) and the feature map ``phi(x, t) = x ⊗ L[t]``,
whose inner products are ``Omega[s, t] x'z``, this is an ordinary linear
model in ``phi``: the variable is ``V`` of shape (d, r), ``w_t = V L[t]'``
and the regulariser is ``1/2 ||V||_F^2``. With the hinge loss it is the
primal of the dual that `skmtl.svm` solves with a linear kernel, but its cost
grows with ``n d`` rather than ``n^2``; with the squared error and
``C_i = sample_weight_i / (2 alpha)`` it is ridge regression's
``sum_i sample_weight_i (y_i - f_i)^2 + alpha tr(W Omega^+ W')``.

The ``n x dr`` matrix of features ``phi`` is never formed. The solvers sort the
rows by task once, and every pass over the data is one product per task with
the weights ``W = V L'`` of shape (d, T): margins are ``X_t w_t`` and gradients
``V + U L`` with ``U[:, t] = X_t' g_t``. That is ``n d`` flops a pass whatever
the rank r, where ``(X V)`` row-dotted with ``L[t_i]`` would take ``n d r``;
both work the same on dense arrays and CSR matrices.

The bias is not regularised (as in LogisticRegression and libsvm; liblinear
instead regularises it as an extra constant feature, so LinearSVC matches this
model only with ``fit_intercept=False`` or a large ``intercept_scaling``).

Solvers, by loss:

* 'squared_hinge', 'logistic', 'squared_error' and
  'squared_epsilon_insensitive': Newton's method with a line search and
  preconditioned conjugate gradients, as liblinear's primal solver (its
  NEWTON, which replaced the trust-region TRON of Lin, Weng & Keerthi 2008 in
  version 2.40), with its diagonal preconditioner (Hsia, Chiang & Lin 2018).
  The Hessian ``I + Phi' D Phi`` (the generalised Hessian for the squared
  hinge) is only ever applied to a vector, at two passes over X each. A
  Newton step costs two passes (the direction's margins; gradient and
  preconditioner fused) plus two per CG step, whatever the number of tasks;
  the line search's trials move the margins along a line, without a pass. On
  1e6 rows it took 2-5 Newton steps to tol 1e-4. Without the preconditioner,
  features on scales from 1e-2 to 1e2 took 100 times as long. The squared
  error is a quadratic: one Newton step solves it, so its conjugate
  gradients run until their residual, the gradient at the step's end, meets
  ``tol`` (instead of liblinear's looser rule for a step that the next
  Newton step corrects). With a bias per task, the regression losses see
  each task's rows and targets centred (`_CentredRows`, never formed), as
  Ridge centres X and y: on features far from zero it took 14 CG steps to
  an exact answer where the uncentred problem took 84.
* 'hinge' and 'epsilon_insensitive': liblinear's dual coordinate descent
  (Hsieh et al. 2008; Ho & Lin 2012 for regression) on ``phi``, exact and
  without a step size. With a bias, an outer proximal-point
  loop removes the regularisation that dual coordinate descent needs on it.
  Its epochs run in compiled code (numba), a chunk of one task's rows at a
  time (`skmtl.linear_model._dual_cd`).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from .._dask import DaskRows, is_dask
from .._progress import log_progress, tick
from ._dual_cd import dual_cd

CLASSIFICATION_LOSSES = ("squared_hinge", "logistic", "hinge")
REGRESSION_LOSSES = ("squared_error", "squared_epsilon_insensitive", "epsilon_insensitive")
LOSSES = CLASSIFICATION_LOSSES + REGRESSION_LOSSES

# Solved by dual coordinate descent; the others by Newton's method.
DUAL_LOSSES = ("hinge", "epsilon_insensitive")

# The losses that are quadratics: one Newton step, its conjugate gradients run to tol.
QUADRATIC_LOSSES = ("squared_error",)

BIASES = ("shared", "per_task", None)


def factor_similarity(omega, rtol: float = 1e-10) -> np.ndarray:
    """``L`` of shape (T, r) with ``L L' = Omega`` and r the rank of Omega.

    The columns are the eigenvectors scaled by the roots of their eigenvalues,
    largest first, each signed so that its largest entry is positive (so that
    the factor of a given Omega is reproducible).

    Examples
    --------
    Independent tasks give the identity, one pooled task (rho = 1) one column:

    >>> factor_similarity(np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    >>> factor_similarity(np.ones((3, 3)))
    array([[1.],
           [1.],
           [1.]])
    """
    omega = np.asarray(omega, dtype=np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (omega + omega.T))
    order = np.argsort(-eigenvalues, kind="stable")
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    # A singular Omega (rho = 1 gives 11', of rank 1) comes back from eigh with
    # its zero eigenvalues as rounding noise of either sign, about 1e-16 times
    # the largest. A negative one has no square root; a kept one adds d
    # variables, and the work of a pass, for a direction that L L' hardly
    # sees. Dropping every eigenvalue below rtol of the largest changes Omega
    # by at most that much, and makes the rank, hence the problem size, exact.
    keep = eigenvalues > rtol * max(eigenvalues[0], 0.0)
    L = eigenvectors[:, keep] * np.sqrt(eigenvalues[keep])
    largest = np.abs(L).argmax(axis=0)
    L *= np.where(L[largest, np.arange(L.shape[1])] < 0, -1.0, 1.0)
    return L


def primal_objective(X, y, codes, L, C_rows, loss, V, b, epsilon: float = 0.0) -> float:
    """``1/2 ||V||^2 + sum_i C_i loss(y_i, f(x_i, t_i))`` with ``b`` one bias per task."""
    codes = np.asarray(codes, dtype=np.intp)
    task_weights = (np.asarray(L) @ np.asarray(V).T)[codes]  # row i: w_{t_i}
    if sp.issparse(X):
        f = np.asarray(sp.csr_matrix(X).multiply(task_weights).sum(axis=1)).ravel()
    else:
        f = np.einsum("ij,ij->i", np.asarray(X, dtype=np.float64), task_weights)
    losses = _loss_values(loss, np.asarray(y, dtype=np.float64), f + np.asarray(b)[codes], epsilon)
    return float(0.5 * np.sum(np.square(V)) + np.asarray(C_rows, dtype=np.float64) @ losses)


def _loss_values(loss, y, f, epsilon=0.0):
    """Each row's loss at the prediction ``f``: of the margin ``y f`` (classification)
    or of the residual ``f - y`` (regression, no loss within ``epsilon``)."""
    if loss in CLASSIFICATION_LOSSES:
        z = y * f
        if loss == "logistic":
            return np.logaddexp(0.0, -z)
        margin = np.maximum(1.0 - z, 0.0)
        return margin * margin if loss == "squared_hinge" else margin
    residual = f - y
    if loss == "squared_error":
        return residual * residual
    excess = np.maximum(np.abs(residual) - epsilon, 0.0)
    return excess * excess if loss == "squared_epsilon_insensitive" else excess


def _loss_derivatives(loss, y, f, C, epsilon=0.0):
    """The first and second derivatives in ``f`` of each row's loss times ``C``.

    Where the loss is piecewise quadratic (squared hinge, squared
    epsilon-insensitive) the second derivative is the generalised one
    (Mangasarian 2002): 2 where the loss is positive and 0 elsewhere.
    """
    if loss == "logistic":
        p = expit(-(y * f))  # the probability of the wrong label
        return -C * y * p, C * p * (1.0 - p)
    if loss == "squared_hinge":
        margin = np.maximum(1.0 - y * f, 0.0)
        return -2.0 * C * y * margin, np.where(margin > 0.0, 2.0 * C, 0.0)
    residual = f - y
    if loss == "squared_error":
        return 2.0 * C * residual, 2.0 * C
    excess = np.maximum(np.abs(residual) - epsilon, 0.0)
    return 2.0 * C * np.sign(residual) * excess, np.where(excess > 0.0, 2.0 * C, 0.0)


def solve_primal(X, y, codes, L, C_rows, *, loss: str = "squared_hinge", bias="shared",
                 tol: float = 1e-4, max_iter: int = 1000, random_state=None, verbose: int = 0,
                 warm_start: dict | None = None, epsilon: float = 0.0):
    """Minimise ``1/2 ||V||^2 + sum_i C_i loss(y_i, x_i' V L[t_i]' + b_{t_i})``.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix of shape (n, d)
        Features. Rows not already sorted by task are sorted in a copy.
    y : ndarray of shape (n,)
        Labels in {-1, +1} for a classification loss; targets for a
        regression loss.
    codes : ndarray of shape (n,)
        Task code of each row, in ``range(T)``.
    L : ndarray of shape (T, r)
        A factor of the task similarity, ``Omega = L L'`` (`factor_similarity`).
    C_rows : ndarray of shape (n,)
        The weight of each row's loss: C times its sample and class weights.
    loss : str
        Classification: 'squared_hinge' ``max(0, 1 - y f)^2``, 'logistic'
        ``log(1 + exp(-y f))``, 'hinge' ``max(0, 1 - y f)``. Regression:
        'squared_error' ``(f - y)^2``, 'squared_epsilon_insensitive'
        ``max(0, |f - y| - epsilon)^2``, 'epsilon_insensitive'
        ``max(0, |f - y| - epsilon)``.
    bias : {'shared', 'per_task', None}
        One unregularised bias for all tasks, one per task, or none.
    tol : float
        For the losses solved by Newton's method, stop when the gradient
        norm is at most ``tol`` times its norm at zero (liblinear's primal
        rule; for 'squared_error', the relative residual of the normal
        equations). For 'hinge' and 'epsilon_insensitive', stop when the
        largest violation of the dual optimality conditions, ``max PG - min
        PG`` in liblinear's notation, is at most ``tol``, and (with a bias)
        the bias moved by at most ``tol`` in the last proximal step: both
        in units of the margin for 'hinge', and relative to the first
        epoch's violations for 'epsilon_insensitive' (whose units are y's).
    max_iter : int or None
        Cap on Newton steps (on conjugate-gradient iterations in all, for
        'squared_error'), or on epochs of coordinate descent. None, for
        Newton's method only: ten times the number of variables.
    random_state : int, RandomState or None
        The order of coordinate descent.
    verbose : int
        Print progress when positive.
    warm_start : dict or None
        Carried between solves of one problem under changing task
        similarities (learning Omega): when it holds the last solve's
        solution (task weights ``W`` of shape (T, d) and the biases, one per
        bias group; the dual variables for coordinate descent), the solver
        starts there instead of at zero; on return it holds this solve's.
        The rows must come in the same order each time.
    epsilon : float
        The width of the epsilon-insensitive losses' tube.

    Returns
    -------
    V : ndarray of shape (d, r)
        Task ``t``'s weights are ``V @ L[t]``.
    b : ndarray of shape (T,)
        Each task's bias (all equal for 'shared', zeros for None).
    n_iter : int
        Newton steps taken (conjugate-gradient iterations for
        'squared_error'), or epochs of coordinate descent.

    Notes
    -----
    With the logistic loss, a class that no row of a bias group has makes the
    infimum unattained: that bias runs off towards infinity until the
    gradient test stops it.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
    if bias not in BIASES:
        raise ValueError(f"bias must be one of {BIASES}, got {bias!r}.")
    L = np.asarray(L, dtype=np.float64)
    n_tasks = L.shape[0]
    if is_dask(X):
        if loss in DUAL_LOSSES:
            smooth = "squared_hinge" if loss == "hinge" else "squared_epsilon_insensitive"
            raise ValueError(
                f"loss={loss!r} is solved by coordinate descent, one row at a time, which dask "
                f"input cannot serve; use loss={smooth!r}"
                + (" (or the logistic model)." if loss == "hinge" else ".")
            )
        rows = DaskRows(X, codes, n_tasks)
        y, C_rows = rows.align(y), rows.align(C_rows)
    elif sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64)
        if not X.has_canonical_format:  # repeated entries would be gathered, not summed
            X = X.copy()
            X.sum_duplicates()
    else:
        X = np.asarray(X)
        if X.dtype != np.float32:  # float32 rows (Nyström features) are read as they are
            X = X.astype(np.float64, copy=False)
    if not is_dask(X):
        X, y, codes, C_rows = _sorted_by_task(X, y, codes, C_rows, n_tasks, loss)
        _check_scale(X, C_rows, y)
        rows = _TaskRows(X, np.searchsorted(codes, np.arange(n_tasks + 1)),
                         squares=loss not in DUAL_LOSSES)
    if bias is None:
        group_of_task = np.zeros(n_tasks, dtype=np.intp)
        n_groups = 0
    elif bias == "shared":
        group_of_task = np.zeros(n_tasks, dtype=np.intp)
        n_groups = 1
    else:
        group_of_task = np.arange(n_tasks)
        n_groups = n_tasks
    # Regression with a bias per task: the tasks' rows are centred (never
    # formed; see _CentredRows), as Ridge centres X, and the biases moved back.
    centred = bias == "per_task" and loss in REGRESSION_LOSSES and loss not in DUAL_LOSSES
    if centred:
        rows = _CentredRows(rows, C_rows, y)
        y = rows.centred_targets
    if loss in DUAL_LOSSES:
        if max_iter is None:
            raise ValueError(f"loss={loss!r} needs max_iter, a number of epochs; got None.")
        V, group_bias, n_iter, converged = dual_cd(
            rows, X, y, codes, L, C_rows, group_of_task, n_groups,
            tol, max_iter, check_random_state(random_state), verbose, warm_start,
            epsilon=epsilon if loss == "epsilon_insensitive" else None,
        )
    else:
        problem = _SmoothProblem(rows, y, C_rows, L, loss, group_of_task, n_groups, epsilon)
        if max_iter is None:  # as scipy's cg: ten times the number of variables
            max_iter = 10 * problem.n_vars
        w0 = None
        if warm_start:  # w_t = V L[t]': V' is the least-squares solution of L V' = W
            V0 = np.linalg.lstsq(L, warm_start["W"], rcond=None)[0].T
            start_bias = warm_start["bias"]
            if centred:
                start_bias = start_bias + rows.shift(warm_start["W"]) - rows.level
            w0 = np.concatenate([V0.ravel(), start_bias])
        w, n_iter, converged = _newton(problem, tol, max_iter, verbose, w0)
        V, group_bias = problem.split(w)
        if centred:
            group_bias = group_bias - rows.shift(L @ V.T) + rows.level
        if warm_start is not None:
            warm_start.update(W=L @ V.T, bias=group_bias)
    if not converged:
        warnings.warn(
            f"The primal solver ({loss!r}) stopped after {n_iter} iterations "
            f"(max_iter={max_iter}) before reaching tol={tol}; raise max_iter, or scale "
            "the features (StandardScaler).",
            ConvergenceWarning,
        )
    b = group_bias[group_of_task] if n_groups else np.zeros(n_tasks)
    return V, b, n_iter


# The solvers multiply C, features, targets and their squares with each
# other and sum over rows (losses, gradients, Hessian-vector products, norms
# of both); past this bound on C max|x|^2 max|y|^2 n those products can
# overflow float64 (about 1e308).
_LARGEST_SCALE = 1e150


def _check_scale(X, C_rows, y):
    """Refuse weights, features and targets so large that the solver's products would overflow.

    Without this, a gradient norm that overflows to inf reads as converged
    at zero: an all-zero model, silently.
    """
    values = X.data if sp.issparse(X) else X
    largest = max(float(values.max()), -float(values.min())) if values.size else 0.0
    target = float(np.abs(y).max()) if y.size else 0.0
    C_max = float(C_rows.max()) if C_rows.size else 0.0
    with np.errstate(over="ignore"):
        scale = (C_max * np.float64(max(largest, 1.0)) ** 2 * np.float64(max(target, 1.0)) ** 2
                 * max(len(C_rows), 1))
    if not scale < _LARGEST_SCALE:
        raise ValueError(
            f"C times the sample and class weights (up to {C_max:.3g}) with features up to "
            f"{largest:.3g} and targets up to {target:.3g} in size are too large for the "
            "solver's float64 arithmetic (its products would overflow); scale the features "
            "(StandardScaler) and the targets, and use a smaller C (a larger alpha) or "
            "sample_weight."
        )


def _sorted_by_task(X, y, codes, C_rows, n_tasks, loss):
    """The in-memory problem checked, as float64 arrays, its rows sorted by task."""
    y = np.asarray(y, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.intp)
    C_rows = np.asarray(C_rows, dtype=np.float64)
    if loss in CLASSIFICATION_LOSSES and not np.all(np.abs(y) == 1.0):
        raise ValueError("y must hold -1 and +1 only.")
    if not np.all(np.isfinite(y)):
        raise ValueError("y must hold finite targets only.")
    if np.any(codes[1:] < codes[:-1]):
        order = np.argsort(codes, kind="stable")
        X, y, codes, C_rows = X[order], y[order], codes[order], C_rows[order]
    if len(codes) and (codes[0] < 0 or codes[-1] >= n_tasks):
        raise ValueError(f"task codes must lie in range({n_tasks}), the rows of L.")
    return X, y, codes, C_rows


class _TaskRows:
    """X with its rows sorted by task, read one task's block at a time."""

    def __init__(self, X, starts, squares=True):
        self.n, self.d = X.shape
        self.starts = starts
        self.n_tasks = len(starts) - 1
        self.sparse = sp.issparse(X)
        self.tasks = [t for t in range(self.n_tasks) if starts[t + 1] > starts[t]]
        if self.sparse:
            # Views on X's arrays, not copies: slicing rows of a CSR matrix copies them.
            self.blocks = [_csr_rows(X, X.data, starts[t], starts[t + 1]) for t in self.tasks]
            if squares:  # for the preconditioner: one copy of the values, squared
                data = X.data * X.data
                self.square_blocks = [_csr_rows(X, data, starts[t], starts[t + 1])
                                      for t in self.tasks]
        else:
            self.blocks = [X[starts[t]:starts[t + 1]] for t in self.tasks]
        # Squares are taken a chunk at a time: a buffer of ~2 MB that stays in
        # cache while it is summed, instead of a second copy of X.
        self.chunk = max(1, 2**18 // max(self.d, 1))
        # NumPy multiplies float32 rows (Nyström features) by float64 weights
        # by converting the rows first: a chunk at a time, that is ~2 MB, not
        # a float64 copy of a whole task's block on every pass.
        self.by_chunk = not self.sparse and X.dtype != np.float64

    def _chunks(self, n_rows):
        """(start, end) of consecutive chunks of n_rows rows."""
        return ((c, min(c + self.chunk, n_rows)) for c in range(0, n_rows, self.chunk))

    @staticmethod
    def keep(v):
        """A per-row vector the solver reads again (kept where the rows are: here, as it is)."""
        return v

    def per_row(self, values):
        """``values[t_i]`` for every row from one value per task."""
        return np.repeat(values, np.diff(self.starts))

    def margins(self, W, offsets=None) -> np.ndarray:
        """``f_i = x_i' W[t_i] (+ offsets[t_i])`` for task weights W of shape (T, d)."""
        out = np.zeros(self.n)
        for t, Xt in zip(self.tasks, self.blocks):
            a, b = self.starts[t], self.starts[t + 1]
            if self.sparse:
                out[a:b] = Xt @ W[t]
            elif self.by_chunk:
                for c, e in self._chunks(b - a):
                    np.dot(Xt[c:e], W[t], out=out[a + c:a + e])
            else:
                np.dot(Xt, W[t], out=out[a:b])
            if offsets is not None:
                out[a:b] += offsets[t]
        return out

    def task_sums(self, q, q2=None):
        """Per task: ``U[t] = X_t' q_t`` (T, d) and ``sum(q_t)``; with q2 also
        ``S[t] = (X_t * X_t)' q2_t`` and ``sum(q2_t)``, in the same pass."""
        U = np.zeros((self.n_tasks, self.d))
        sums = np.zeros(self.n_tasks)
        if q2 is not None:
            S = np.zeros((self.n_tasks, self.d))
            sums2 = np.zeros(self.n_tasks)
            buffer = None if self.sparse else np.empty((self.chunk, self.d))
        for k, (t, Xt) in enumerate(zip(self.tasks, self.blocks)):
            a, b = self.starts[t], self.starts[t + 1]
            sums[t] = q[a:b].sum()
            if q2 is None:
                if self.by_chunk:
                    for c, e in self._chunks(b - a):
                        U[t] += q[a + c:a + e] @ Xt[c:e]
                else:
                    U[t] = q[a:b] @ Xt
                continue
            sums2[t] = q2[a:b].sum()
            if self.sparse:
                U[t] = Xt.T @ q[a:b]
                S[t] = self.square_blocks[k].T @ q2[a:b]
                continue
            for c, e in self._chunks(b - a):
                part = Xt[c:e]
                U[t] += q[a + c:a + e] @ part
                squares = np.multiply(part, part, out=buffer[:e - c])
                S[t] += q2[a + c:a + e] @ squares
        if q2 is None:
            return U, sums
        return U, sums, S, sums2


class _CentredRows:
    """The rows and targets of each task seen minus their task's means, never formed.

    With a bias per task, ``x'w_t + b_t - y = (x - mu_t)'w_t - (y - m_t) +
    (b_t + mu_t'w_t - m_t)``: the same regression in other variables.
    Uncentred features make a task's bias and its weights pull together (the
    Hessian is as ill-conditioned as the features' means are large against
    their spread), and conjugate gradients crawl along that direction; a
    large mean target makes the gradient at zero, against which ``tol`` is
    measured, mostly the biases'. Ridge centres X and y for both reasons.
    Here the margins shift by ``-mu_t'w_t`` and the sums ``X_t' q_t`` by
    ``-mu_t sum(q_t)``, on dense, sparse or dask rows alike; ``mu_t`` and
    ``m_t`` are task t's means weighted by ``C``.
    """

    def __init__(self, rows, C, y):
        self.rows, self.n, self.d = rows, rows.n, rows.d
        U, mass = rows.task_sums(C)
        mass = np.where(mass > 0, mass, 1.0)
        self.mean = U / mass[:, None]
        self.level = rows.task_sums(C * y)[1] / mass  # m_t
        self.centred_targets = rows.keep(y - rows.per_row(self.level))

    def shift(self, W) -> np.ndarray:
        """``mu_t' W[t]`` per task: what a task's bias gains when its rows are centred."""
        return np.einsum("td,td->t", self.mean, W)

    def keep(self, v):
        return self.rows.keep(v)

    def per_row(self, values):
        return self.rows.per_row(values)

    def margins(self, W, offsets=None):
        offsets = -self.shift(W) if offsets is None else offsets - self.shift(W)
        return self.rows.margins(W, offsets)

    def task_sums(self, q, q2=None):
        if q2 is None:
            U, sums = self.rows.task_sums(q)
            return U - self.mean * sums[:, None], sums
        U, sums, S, sums2 = self.rows.task_sums(q, q2)
        # sum q2 (x - mu)^2 = sum q2 x^2 - 2 mu sum q2 x + mu^2 sum q2: one
        # more pass (once a Newton step), for the preconditioner only.
        U2, _ = self.rows.task_sums(q2)
        S = S - 2.0 * self.mean * U2 + self.mean * self.mean * sums2[:, None]
        return U - self.mean * sums[:, None], sums, np.maximum(S, 0.0), sums2


def _csr_rows(X, data, a, b):
    """Rows a:b of the CSR matrix X, with ``data`` as values, sharing X's arrays."""
    p, q = X.indptr[a], X.indptr[b]
    return sp.csr_matrix((data[p:q], X.indices[p:q], X.indptr[a:b + 1] - p),
                         shape=(b - a, X.shape[1]), copy=False)


class _SmoothProblem:
    """The objective of a twice-differentiable loss, for Newton's method.

    The variables are ``V.ravel()`` followed by one bias per group. `fun`
    keeps the predictions ``f`` of its point; `grad` (at the point of the
    last `fun`, as Newton's method calls it after accepting a step) fixes
    the loss curvatures D that `hess_vec` then uses until the next `grad`.
    """

    def __init__(self, rows, y, C, L, loss, group_of_task, n_groups, epsilon=0.0):
        self.rows, self.y, self.C, self.L, self.loss = rows, y, C, L, loss
        self.epsilon = epsilon
        self.quadratic = loss in QUADRATIC_LOSSES
        self.group_of_task, self.n_groups = group_of_task, n_groups
        self.shape = (rows.d, L.shape[1])
        self.n_vars = rows.d * L.shape[1] + n_groups
        self.L2 = L * L

    def split(self, w):
        n_v = self.shape[0] * self.shape[1]
        return w[:n_v].reshape(self.shape), w[n_v:]

    def _margins(self, V, b):
        offsets = b[self.group_of_task] if self.n_groups else None
        return self.rows.margins(self.L @ V.T, offsets)

    def _join(self, V_part, task_sums):
        """The vector of all variables: V's part, then per-task sums summed per group."""
        group_sums = np.bincount(self.group_of_task, task_sums, self.n_groups)[:self.n_groups]
        return np.concatenate([V_part.ravel(), group_sums])

    def _losses(self, f):
        return self.C @ _loss_values(self.loss, self.y, f, self.epsilon)

    def fun(self, w) -> float:
        V, b = self.split(w)
        self._f = self.rows.keep(self._margins(V, b))
        return float(0.5 * (V * V).sum() + self._losses(self._f))

    def grad(self, w):
        """The gradient, and the Hessian's diagonal, at the point of the last `fun`."""
        V, _ = self.split(w)
        g, D = _loss_derivatives(self.loss, self.y, self._f, self.C, self.epsilon)
        self._D = self.rows.keep(D)
        U, sums, S, sums2 = self.rows.task_sums(g, self._D)
        gradient = self._join(V + U.T @ self.L, sums)
        diagonal = self._join(1.0 + S.T @ self.L2, sums2)
        return gradient, diagonal

    def line_search(self, w, s, f, gs, eta, max_halvings):
        """The longest step in 1, 1/2, 1/4, ... along s with Armijo's decrease.

        Returns the step (0 if none) and the objective there, whose
        predictions the next `grad` reads. One pass over X for s's margins;
        each trial then moves every prediction along a line. On a quadratic
        the conjugate-gradient step minimises the objective over the space
        it spans, so the full step always descends: it is taken without the
        test, which rounding in f could fail near the optimum.
        """
        V, _ = self.split(w)
        S_V, s_b = self.split(s)
        du = self.rows.keep(self._margins(S_V, s_b))
        vv, vs, ss = (V * V).sum(), (V * S_V).sum(), (S_V * S_V).sum()
        step = 1.0
        for _ in range(max_halvings):
            moved = self._f + step * du
            f_new = float(0.5 * (vv + 2.0 * step * vs + step * step * ss) + self._losses(moved))
            # Near the optimum the decrease falls below f's rounding; a
            # promised decrease that small is taken as it is.
            if (self.quadratic or f_new - f <= eta * step * gs
                    or -step * gs <= 1e-12 * abs(f)):
                self._f = self.rows.keep(moved)
                return step, f_new
            step *= 0.5
        return 0.0, f

    def hess_vec(self, s):
        S_V, s_b = self.split(s)
        u = self._margins(S_V, s_b)
        u *= self._D
        U, sums = self.rows.task_sums(u)
        return self._join(S_V + U.T @ self.L, sums)


def _newton(problem, tol, max_iter, verbose, w0=None):
    """Newton's method with a line search (liblinear's NEWTON, which replaced its
    trust region in 2.40); returns the solution, the number of Newton steps
    (of conjugate-gradient iterations, on a quadratic) and whether the
    gradient test passed.

    Each step solves ``H s = -g`` approximately by preconditioned CG, then
    halves the step from 1 until the objective falls by Armijo's fraction of
    the decrease the gradient promises. Along a direction the margins move
    linearly, so after one pass for the direction's margins every trial costs
    O(n), not a pass over X. A trust region fared badly on the squared hinge:
    its generalised Hessian changes where rows cross the margin, and on
    Landmine (C=1) the region kept shrinking to one CG step per Newton step,
    2,188 steps where this takes a few tens.

    On a quadratic (the squared error) the Hessian is constant, so one CG
    solve is the whole answer: CG runs until its residual, which is the
    gradient at the step's end, is within ``tol``, and ``max_iter`` caps
    the CG iterations in all. A second step only mends the rounding of the
    first's recurrences.
    """
    eta = 0.01  # Armijo's fraction
    max_halvings = 20
    alpha_pcg = 0.01  # mix of the Hessian's diagonal into the identity

    w = np.zeros(problem.n_vars)
    f = problem.fun(w)
    g, diagonal = problem.grad(w)
    gnorm0 = gnorm = np.linalg.norm(g)
    if gnorm0 == 0.0:  # every C is 0, or nothing to fit
        return w, 0, True
    if w0 is not None:  # tol stays relative to the gradient at zero, as without
        w = w0
        f = problem.fun(w)
        g, diagonal = problem.grad(w)
        gnorm = np.linalg.norm(g)
    n_iter = 0
    converged = gnorm <= tol * gnorm0
    while not converged and n_iter < max_iter:
        # The diagonal alone can be 0 (an unregularised bias with no row inside
        # the margin); the mix with the identity keeps the preconditioner positive.
        M = (1.0 - alpha_pcg) + alpha_pcg * diagonal
        if problem.quadratic:
            s, cg_iter = _pcg(problem, g, M, residual_tol=tol * gnorm0, max_cg=max_iter - n_iter)
        else:
            s, cg_iter = _pcg(problem, g, M)
        gs = g @ s
        if not gs < 0:
            break  # no descent left that CG can find: the gradient is rounding noise
        step, f = problem.line_search(w, s, f, gs, eta, max_halvings)
        if step == 0.0:
            break
        w = w + step * s
        n_iter += cg_iter if problem.quadratic else 1
        g, diagonal = problem.grad(w)
        last, gnorm = gnorm, np.linalg.norm(g)
        tick(log_progress(gnorm0, gnorm, tol * gnorm0))
        if verbose:
            print(f"[Newton] iter {n_iter:3d} f {f:.6e} |g| {gnorm:.3e} step {step:.3g} CG {cg_iter}")
        converged = gnorm <= tol * gnorm0
        if problem.quadratic and not gnorm < 0.5 * last:
            break  # the residual is at its rounding floor: more CG cannot lower it
    return w, n_iter, converged


def _pcg(problem, g, M, residual_tol=None, max_cg=None):
    """Preconditioned CG on ``H s = -g``; returns s and the number of Hessian products.

    Without ``residual_tol``, stops on liblinear's relative decrease of the
    quadratic model ``Q(s) = g's + s'Hs/2`` (Nash & Sofer): when the last
    step's decrease times the number of steps is below half of the total,
    further steps buy little. With it, stops when the residual ``-g - Hs``
    has at most that norm (the quadratic case, where it is the gradient at
    the step's end). A direction without curvature (an unregularised bias
    with no row inside the margin) ends it; the line search then sets the
    length. At most ``max_cg`` products, and at most the number of variables
    (or 5) per call.
    """
    eps_cg = 0.5
    n = len(g)
    s = np.zeros(n)
    r = -g
    z = r / M
    d = z.copy()
    zTr = z @ r
    Q = 0.0
    cg_iter = 0
    limit = max(n, 5) if max_cg is None else min(max(n, 5), max_cg)
    while cg_iter < limit:
        cg_iter += 1
        Hd = problem.hess_vec(d)
        dHd = d @ Hd
        if not dHd > 0:
            return (d if cg_iter == 1 else s), cg_iter
        alpha = zTr / dHd
        s = s + alpha * d
        r = r - alpha * Hd
        if residual_tol is not None:
            if np.linalg.norm(r) <= residual_tol:
                break
        else:
            Q_old = Q
            Q = -0.5 * (s @ r - s @ g)
            if Q <= 0 and cg_iter * (Q - Q_old) >= eps_cg * Q:
                break
        z = r / M
        zTr_new = z @ r
        d = z + (zTr_new / zTr) * d
        zTr = zTr_new
    return s, cg_iter
