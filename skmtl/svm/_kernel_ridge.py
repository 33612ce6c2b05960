"""MultiTaskKernelRidge: kernel ridge regression on the multi-task kernel ``Omega[s, t] k(x, z)``.

The model minimises ``sum_i w_i (y_i - f_{t_i}(x_i))^2 + alpha ||f||^2`` in the
space of the multi-task kernel, whose dual coefficients solve one linear system
on the training entries (row, task, target):

    (G + alpha I) c = y,    G_ij = Omega[t_i, t_j] k(x_i, x_j),

with the sample weights as :class:`sklearn.kernel_ridge.KernelRidge` applies
them: ``(S G S + alpha I) c' = S y`` and ``c = S c'``, ``S = diag(sqrt(w))``.
A row of task ``t`` is then predicted ``f_t(x) = sum_i c_i Omega[t, t_i] k(x, x_i)``.

Three routes solve it, each where it is the cheaper:

* Cholesky: the entries' N x N system, factorised directly (the long form, and
  a wide y of few tasks).
* Kronecker: a wide y (every row shared by every task) has ``G = Omega ⊗ K``
  on its n x T entries. With ``K = U diag(l) U'`` and ``Omega = V diag(s) V'``
  the solution is ``C = U ((U' Y V) / (l s' + alpha)) V'``: one n x n
  eigendecomposition and products of n x T matrices, never the nT x nT
  system. Missing targets (NaN) or weights that differ across tasks make the
  system the labelled entries' one, which is not a Kronecker product: it is
  solved by conjugate gradients whose product ``K C Omega`` (masked) costs
  ``n^2 T``, preconditioned by the Kronecker solve of the complete problem, so
  that a few iterations reach a tight tolerance.
* Nyström (``n_components``): the same model on m-dimensional features
  ``phi(x) ⊗ L[t]`` (``Omega = L L'``), a ridge regression in the primal: the
  long form by the linear models' multi-task ridge solver, a wide y by
  :class:`WideFeatureRidge`, which reads the features once for all tasks (the
  long-form solver would hold and read them once per task) and is exact at
  once where every target is present.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from .._memory import check_memory, format_bytes
from .._progress import log_progress, tick
from .._regression import RegressorTargetsMixin
from .._similarity import TASK_SIMILARITY_CONSTRAINTS, fill_similarity_doc, learn_similarity, similarity_from_param
from .._tasks import TaskDataMixin
from ..linear_model._base import fit_multitask_ridge
from ..linear_model._primal import factor_similarity
from ._base import InputKernelMixin
from ._kernels import KERNELS, check_gram_memory, gram_bytes
from ._nystroem import draw_landmarks, nystroem_features, nystroem_projection

_ADVICE = (
    "Pass n_components=500 (or another number of Nyström landmarks) to approximate the kernel "
    "in memory linear in the rows, use MultiTaskRidge for a linear kernel, or fit on fewer rows."
)
_WIDE_ADVICE = (
    "If every row of X belongs to every task, give y in wide form (one column per task, NaN where "
    "missing): its Kronecker solve holds an n x n Gram matrix instead of an (n T) x (n T) one. "
)

# An n x n eigendecomposition costs about twelve Cholesky factorisations of the same
# size (LAPACK syevd against potrf, one thread, n = 500-2000). The entries' system of
# a wide y with N entries costs (N / n)^3 factorisations of size n, so the Kronecker
# route is the cheaper from N = 12^(1/3) n ~ 2.3 n on (three tasks and more).
_EIGH_OVER_CHOLESKY = 12.0

# Conjugate gradients stop at this residual relative to the right-hand side: the
# iterative route is to give the direct solve's answer, not an approximation of it.
_CG_RTOL = 1e-12
_CG_MAX_ITER = 1000
# The long form's Nyström route stops the linear models' ridge solver at this gradient
# relative to its value at zero: agreement with a direct solve to about 1e-9.
_PRIMAL_TOL = 1e-10

# What each route of fit sets, so that a refit by the other route drops it.
_EXACT_ATTRIBUTES = ("dual_coef_", "X_fit_", "_fit_codes")
_NYSTROEM_ATTRIBUTES = ("components_", "component_indices_", "normalization_", "coef_")


# --------------------------------------------------------------------------- solvers


def scale_task_blocks(G, row_codes, col_codes, omega, block_rows: int = 256) -> None:
    """``G *= Omega[row_codes][:, col_codes]`` in place, without the full-size product matrix."""
    for start in range(0, G.shape[0], block_rows):
        stop = min(start + block_rows, G.shape[0])
        G[start:stop] *= omega[np.ix_(row_codes[start:stop], col_codes)]


def solve_entries(build_gram, targets, roots, alpha: float) -> np.ndarray:
    """Dual coefficients ``S (S G S + alpha I)^-1 S y`` by a Cholesky factorisation.

    ``build_gram()`` returns the entries' Gram matrix ``G``, which this
    function overwrites; it is called again only if ``G + alpha I`` is not
    positive definite (an indefinite kernel such as 'sigmoid'), for the
    least-squares solution that :class:`~sklearn.kernel_ridge.KernelRidge`
    falls back to, with its warning.
    """

    def system():
        G = build_gram()
        G *= roots[:, None]
        G *= roots
        G.flat[:: G.shape[0] + 1] += alpha
        return G

    rhs = roots * targets
    try:
        factor = la.cho_factor(system(), lower=True, overwrite_a=True, check_finite=False)
        solution = la.cho_solve(factor, rhs, check_finite=False)
    except la.LinAlgError:
        warnings.warn("Singular matrix in solving dual problem. Using least-squares solution instead.")
        solution = la.lstsq(system(), rhs, check_finite=False)[0]
    return roots * solution


def kronecker_factors(roots: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(a, b, exact)``: ``a b'`` close to the n x T matrix ``roots`` on its nonzero entries.

    ``exact`` when ``roots`` is the outer product ``a b'`` (up to rounding),
    which it is for a complete wide y with one weight per row, or none. ``a``
    is each row's mean over its nonzero entries (0 for a row without one),
    ``b`` each column's mean of ``roots / a`` over them (1 for a column
    without one).

    Examples
    --------
    >>> kronecker_factors(np.array([[1.0, 2.0], [3.0, 6.0]]))[2]
    True
    >>> kronecker_factors(np.array([[1.0, 0.0], [3.0, 6.0]]))[2]
    False
    """
    present = roots > 0
    per_row = present.sum(axis=1)
    a = np.divide(roots.sum(axis=1), per_row, out=np.zeros(len(roots)), where=per_row > 0)
    relative = np.divide(roots, a[:, None], out=np.zeros_like(roots), where=present)
    per_task = present.sum(axis=0)
    b = np.divide(relative.sum(axis=0), per_task, out=np.ones(roots.shape[1]), where=per_task > 0)
    scale = max(roots.max(initial=0.0), 1e-300)
    return a, b, bool(np.allclose(roots, np.outer(a, b), rtol=0, atol=1e-12 * scale))


class KroneckerSolver:
    """Solves ``K_a X Omega_b + alpha X = R`` for n x T matrices X in the two eigenbases.

    ``K_a = D_a K D_a`` and ``Omega_b = D_b Omega D_b``: the system
    ``(Omega_b ⊗ K_a + alpha I) vec(X) = vec(R)`` of a complete wide y whose
    square-root weights are ``a b'``. With ``K_a = U diag(l) U'`` and
    ``Omega_b = V diag(s) V'`` it is diagonal, eigenvalue ``l_i s_t + alpha``:

        X = U ((U' R V) / (l s' + alpha)) V'

    The n x n eigendecomposition is made once, so a new ``Omega``
    (:meth:`set_similarity`, with 'learn') costs a T x T one.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> A = rng.randn(4, 3)
    >>> K, omega, R = A @ A.T, np.array([[1.0, 0.5], [0.5, 1.0]]), rng.randn(4, 2)
    >>> solver = KroneckerSolver(K, np.ones(4), alpha=0.1)
    >>> solver.set_similarity(omega, np.ones(2))
    >>> X = solver.solve(R)
    >>> bool(np.allclose(K @ X @ omega + 0.1 * X, R))
    True
    """

    def __init__(self, K, row_scale, alpha: float, *, overwrite: bool = False):
        scaled = K if overwrite else K.copy()
        scaled *= row_scale[:, None]
        scaled *= row_scale
        # overwrite_a: the eigenvectors take the scaled copy's place (syevd's workspace is 2 n^2).
        self.values, self.vectors = la.eigh(scaled, overwrite_a=True, check_finite=False, driver="evd")
        self.alpha = alpha

    @property
    def positive_semidefinite(self) -> bool:
        """Whether ``K_a`` is PSD up to rounding (conjugate gradients need it)."""
        return self.values[0] >= -1e-10 * max(abs(self.values[-1]), 1e-300)

    def set_similarity(self, omega, task_scale) -> None:
        s, self.task_vectors = np.linalg.eigh(omega * np.outer(task_scale, task_scale))
        denominator = self.values[:, None] * s + self.alpha
        # Only an indefinite kernel can bring an eigenvalue l s + alpha near 0: its
        # component is dropped (the least-squares solution, as KernelRidge's fallback).
        singular = np.abs(denominator) <= 1e-12 * np.abs(denominator).max()
        if singular.any():
            warnings.warn("Singular matrix in solving dual problem. Using least-squares solution instead.")
        self.inverse = np.divide(1.0, denominator, out=np.zeros_like(denominator), where=~singular)

    def solve(self, R) -> np.ndarray:
        U, V = self.vectors, self.task_vectors
        return U @ (((U.T @ R) @ V) * self.inverse) @ V.T


def conjugate_gradients(matvec, b, precondition, x0=None, *, rtol: float = _CG_RTOL,
                        max_iter: int = _CG_MAX_ITER) -> tuple[np.ndarray, int, bool]:
    """Preconditioned conjugate gradients for ``A x = b``, A symmetric positive definite.

    Stops when ``||b - A x|| <= rtol ||b||`` (the recursively updated
    residual); returns ``(x, iterations, converged)``. Ticks progress on a
    log scale of the residual.
    """
    x = np.zeros_like(b) if x0 is None else x0.copy()
    r = b - matvec(x) if x0 is not None else b.copy()
    goal = rtol * np.linalg.norm(b)
    start = max(np.linalg.norm(r), goal)
    z = precondition(r)
    p, rz = z.copy(), r @ z
    for iteration in range(max_iter + 1):
        residual = np.linalg.norm(r)
        if residual <= goal:
            return x, iteration, True
        if iteration == max_iter:
            break
        q = matvec(p)
        step = rz / (p @ q)
        x += step * p
        r -= step * q
        z = precondition(r)
        rz, previous = r @ z, rz
        p *= rz / previous
        p += z
        tick(log_progress(start, max(np.linalg.norm(r), goal), goal))
    return x, max_iter, False


class WideDual:
    """The dual system of a wide y: n rows shared by T tasks, targets and weights n x T.

    ``roots`` holds the square roots of the weights, 0 where a target is
    missing (a missing target is an entry of weight 0: its coefficient is 0
    and the others are those of the labelled entries' system). Where
    ``roots`` is an outer product ``a b'`` (every target present, one weight
    per row or none) the system is the Kronecker one and
    :class:`KroneckerSolver` answers it at once; otherwise it is solved by
    :func:`conjugate_gradients` on the weighted entries, with the Kronecker
    solve of the nearest such problem (:func:`kronecker_factors`) as the
    preconditioner.
    """

    def __init__(self, K, targets, roots, alpha: float, *, keep_kernel: bool):
        self.row_scale, self.task_scale, self.exact = kronecker_factors(roots)
        self.kernel = K if (keep_kernel or not self.exact) else None
        self.kronecker = KroneckerSolver(K, self.row_scale, alpha, overwrite=self.kernel is None)
        self.entries = np.nonzero(roots > 0)
        self.roots, self.rhs = roots[self.entries], (roots * targets)[self.entries]
        self.shape, self.alpha = roots.shape, alpha
        self.n_iter, self.converged, self.last = 0, True, None

    def _full(self, values) -> np.ndarray:
        out = np.zeros(self.shape)
        out[self.entries] = values
        return out

    def solve(self, omega) -> np.ndarray:
        """The dual coefficients (n x T, 0 where a target is missing) for this Omega.

        Conjugate gradients start from the previous solve's solution: with
        'learn', Omega changes less and less from one solve to the next.
        """
        self.kronecker.set_similarity(omega, self.task_scale)
        if self.exact:
            solution = self.kronecker.solve(self._full(self.rhs))[self.entries]
        else:
            def matvec(x):
                return self.roots * (self.kernel @ self._full(self.roots * x) @ omega)[self.entries] + self.alpha * x

            def precondition(r):
                return self.kronecker.solve(self._full(r))[self.entries]

            solution, steps, self.converged = conjugate_gradients(matvec, self.rhs, precondition, self.last)
            self.n_iter += steps
        self.last = solution
        return self._full(self.roots * solution)

    def coefficient_gram(self, C) -> np.ndarray:
        """``C' K C``, the T x T Gram of the task parts of the dual coefficients."""
        return C.T @ (self.kernel @ C)


_CHUNK_ELEMENTS = 1 << 22  # float64 copies of feature rows of at most 32 MiB


def _rows_times(features, W) -> np.ndarray:
    """``features @ W`` in float64, a block of (float32) feature rows at a time."""
    out = np.empty((features.shape[0], W.shape[1]))
    step = max(1, _CHUNK_ELEMENTS // max(features.shape[1], 1))
    for a in range(0, features.shape[0], step):
        out[a:a + step] = features[a:a + step].astype(np.float64) @ W
    return out


def _rows_transpose_times(features, R) -> np.ndarray:
    """``features' @ R`` in float64, a block of (float32) feature rows at a time."""
    out = np.zeros((features.shape[1], R.shape[1]))
    step = max(1, _CHUNK_ELEMENTS // max(features.shape[1], 1))
    for a in range(0, features.shape[0], step):
        out += features[a:a + step].T.astype(np.float64) @ R[a:a + step]
    return out


class WideFeatureRidge:
    """Ridge regression on the features ``phi(x) ⊗ L[t]`` (``Omega = L L'``) of a wide y.

    Minimises ``sum_{i,t} w_it (y_it - phi_i' W[:, t])^2 + alpha ||V||^2``
    over ``V`` (m x r) with ``W = V L'``: the multi-task kernel ridge model
    on the kernel ``Omega[s, t] phi(x)'phi(z)``, the rows shared by the
    tasks. Its normal equations

        Phi' (w ∘ (Phi V L')) L + alpha V = Phi' (w ∘ Y) L

    are solved by conjugate gradients (:func:`conjugate_gradients`), each
    product two passes over the n x m features for all tasks at once
    (matrix products, the features read once, not once per task),
    preconditioned by the Kronecker solve (:class:`KroneckerSolver`) of
    ``H V L' diag(beta) L + alpha V``, ``H = Phi' diag(sum_t w_t) Phi`` and
    ``beta`` each task's share of the weight. Every target present and one
    weight per row (or none), that is the system itself: it is then solved
    at once, in the eigenbases of ``H`` and of ``L' diag(beta) L``.

    ``targets`` and ``roots`` (square-root weights) are n x T, 0 where a
    target is missing.
    """

    def __init__(self, features, targets, roots, alpha: float):
        self.features, self.alpha = features, alpha
        weight = roots * roots
        self.entries = np.nonzero(weight > 0)
        self.weight, self.shape = weight[self.entries], weight.shape
        self.exact = kronecker_factors(roots)[2]
        task_weight = weight.sum(axis=0)
        self.task_share = task_weight / max(task_weight.sum(), 1e-300)
        self.preconditioner = KroneckerSolver(
            _weighted_gram(features, weight.sum(axis=1)), np.ones(features.shape[1]), alpha, overwrite=True
        )
        self.rhs_weights = self._back(self.weight * targets[self.entries])
        self.n_iter, self.converged = 0, True

    def _back(self, values) -> np.ndarray:
        """``Phi' R`` with R n x T holding ``values`` at the entries: shape (m, T)."""
        R = np.zeros(self.shape)
        R[self.entries] = values
        return _rows_transpose_times(self.features, R)

    def solve(self, omega) -> np.ndarray:
        """The task weights W (m x T) for this Omega."""
        L = factor_similarity(omega)
        self.preconditioner.set_similarity(L.T @ (self.task_share[:, None] * L), np.ones(L.shape[1]))
        shape = (self.features.shape[1], L.shape[1])
        rhs = (self.rhs_weights @ L).ravel()

        def precondition(r):
            return self.preconditioner.solve(r.reshape(shape)).ravel()

        if self.exact:
            V = precondition(rhs)
        else:
            def matvec(v):
                V = v.reshape(shape)
                predicted = _rows_times(self.features, V @ L.T)[self.entries]
                return (self._back(self.weight * predicted) @ L + self.alpha * V).ravel()

            V, steps, self.converged = conjugate_gradients(matvec, rhs, precondition)
            self.n_iter += steps
        return V.reshape(shape) @ L.T


def _weighted_gram(features, row_weight) -> np.ndarray:
    """``Phi' diag(row_weight) Phi`` in float64, a block of rows at a time."""
    out = np.zeros((features.shape[1], features.shape[1]))
    step = max(1, _CHUNK_ELEMENTS // max(features.shape[1], 1))
    for a in range(0, features.shape[0], step):
        block = features[a:a + step].astype(np.float64)
        out += block.T @ (block * row_weight[a:a + step, None])
    return out


# ------------------------------------------------------------------------ estimator


@fill_similarity_doc
class MultiTaskKernelRidge(InputKernelMixin, RegressorTargetsMixin, TaskDataMixin, RegressorMixin, BaseEstimator):
    """Kernel ridge regression on a multi-task kernel.

    The kernel between row ``x`` of task ``s`` and row ``z`` of task ``t`` is
    ``Omega[s, t] * k(x, z)``: the input kernel ``k`` scaled by how similar
    the two tasks are. The model minimises the squared error plus ``alpha``
    times the squared norm of the multi-task function, and its dual
    coefficients ``c`` solve ``(G + alpha I) c = y`` on the training entries,
    ``G_ij = Omega[t_i, t_j] k(x_i, x_j)``, in closed form. With one task it is
    :class:`sklearn.kernel_ridge.KernelRidge` (no intercept either: center the
    targets, or add a constant to the kernel, e.g. 'poly' with ``coef0``).

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength; must be positive. As in KernelRidge (one
        number: the penalty of the multi-task function, shared by the tasks).
    kernel : {'linear', 'poly', 'rbf', 'sigmoid'} or callable, default='linear'
        Input kernel ``k``, as KernelRidge's of those names. A callable gets
        ``(X, Z)`` and returns their Gram matrix (where KernelRidge's callable
        gets two rows and returns one number).
    gamma : float, {'scale', 'auto'} or None, default=None
        Coefficient of 'rbf', 'poly' and 'sigmoid'. None (KernelRidge's
        default) and 'auto' mean ``1 / n_features``, 'scale'
        ``1 / (n_features * X.var())`` as in :class:`sklearn.svm.SVC`.
    degree : float, default=3
        Degree of the 'poly' kernel.
    coef0 : float, default=1
        Independent term of 'poly' and 'sigmoid'.
    task_similarity : float in [0, 1], array-like, dict or 'learn', default=0.5
        The task similarity matrix ``Omega``.

        - ``rho`` in [0, 1]: ``Omega = (1 - rho) I + rho 11'``. ``rho = 0`` fits
          one KernelRidge per task, ``rho = 1`` one KernelRidge on all rows.
        - a ``(n_tasks, n_tasks)`` symmetric positive semi-definite array whose
          rows and columns follow ``tasks_`` (y's column order for a wide y),
          or a DataFrame / dict of dicts keyed by task ids.
        {learn_similarity}
    task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
    solver : {'auto', 'cholesky', 'kronecker'}, default='auto'
        How the exact problem is solved (see Notes). 'cholesky' factorises the
        entries' N x N system; 'kronecker' (a wide y only) uses the
        eigendecompositions of ``Omega`` and of the n x n input Gram matrix,
        with conjugate gradients where targets are missing. 'auto' takes
        'kronecker' for a wide y with more than about 2.3 n entries or with
        'learn', and 'cholesky' otherwise.
    n_components : int or None, default=None
        None solves the exact problem. An integer m approximates the input
        kernel with m Nyström landmarks (distinct training rows with a target
        of positive weight, drawn with ``random_state``; all of them where
        there are at most m) and fits the same model as a ridge regression on
        the features ``phi(x) ⊗ L[t]`` (``Omega = L L'``), in memory and time
        linear in the rows, solved to a tight tolerance (conjugate gradients,
        see Notes). ``solver`` does not apply.
    similarity_ridge : float in [0, 1], default=1e-3
        With 'learn': weight of the identity mixed into each Omega update.
    similarity_max_iter : int, default=100
        With 'learn': cap on Omega updates.
    similarity_tol : float, default=1e-3
        With 'learn': stop when Omega changes by less than this (relative
        Frobenius norm).
    random_state : int, RandomState instance or None, default=None
        Seeds the landmarks of ``n_components``.
    verbose : int, default=0
        Print the route taken and Omega-learning progress.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_tasks)
        (Exact routes.) The dual coefficient of each training row, with
        ``S = diag(sqrt(sample_weight))`` folded in as KernelRidge does; for
        a wide y, one per row and task (0 where the target is missing).
    X_fit_ : ndarray or sparse matrix of shape (n_samples, n_features)
        (Exact routes.) The training features (without the task column),
        needed to predict.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        The Omega used, rows and columns ordered like ``tasks_``.
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in fit (``[None]`` for a single-task fit); for a
        wide y, its column names (else 0..n_tasks-1) in column order.
    n_tasks_ : int
        Number of tasks.
    solver_ : {'cholesky', 'kronecker', 'nystroem'}
        The route the fit took.
    n_iter_ : int
        Conjugate-gradient iterations, summed over Omega updates (0 for a
        direct solve).
    n_similarity_iter_ : int
        Omega updates made with 'learn' (0 otherwise).
    components_ : ndarray or sparse matrix of shape (n_components, n_features)
        With ``n_components``: the landmark rows (features only).
    component_indices_ : ndarray of shape (n_components,)
        With ``n_components``: the landmarks' indices in the rows of ``X``
        (distinct rows with a target of positive weight, see ``n_components``).
    normalization_ : ndarray of shape (n_components, n_features_approx)
        With ``n_components``: ``U S^(-1/2)`` of the landmarks' Gram matrix
        ``U S U'``; a row's features are ``k(x, components_) @ normalization_``.
    coef_ : ndarray of shape (n_tasks, n_features_approx)
        With ``n_components``: each task's weights on those features.
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names.

    Notes
    -----
    The routes of the exact problem (N training entries; n rows and T tasks
    for a wide y):

    - 'cholesky': the N x N system, factorised (N^3 / 3 flops, N^2 memory).
      Long form, and a wide y of a few tasks.
    - 'kronecker': a wide y's system is ``(Omega ⊗ K + alpha I) vec(C) =
      vec(Y)``. Every target present (and one weight per row, or none), it
      is solved exactly in the eigenbases: one n x n eigendecomposition
      (about twelve n x n Cholesky factorisations) and n^2 T flops, memory
      3 n^2. With missing targets (or per-target weights) the labelled
      entries' system is solved by preconditioned conjugate gradients to a
      residual of 1e-12 relative (memory 4 n^2): each iteration is a product
      ``K C Omega`` (n^2 T) and a Kronecker solve of the complete problem,
      which is the preconditioner, so the iterations are few where few
      targets are missing. Conjugate gradients need a positive
      semi-definite kernel; with another ('sigmoid', some callables),
      'auto' solves by 'cholesky' instead.

    With 'learn' the n x n (or N x N) Gram matrix is made once for all
    Omega updates, and the Kronecker route's eigendecomposition of it too.

    With ``n_components`` the long form is solved by the multi-task ridge
    solver of the linear models (conjugate gradients in the primal, to a
    gradient 1e-10 of its initial value), a wide y by conjugate gradients
    preconditioned by the Kronecker solve of its complete problem (exact at
    once where every target is present): there the features are read once
    per product for all tasks, not once per task.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskKernelRidge
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = X[:, 0] * np.where(tasks == "north", 1.0, 1.2) + 0.1 * rng.randn(200)
    >>> model = MultiTaskKernelRidge(alpha=0.1, kernel="rbf", task_similarity=0.5)
    >>> model.fit(X, y, tasks=tasks).tasks_
    array(['north', 'south'], dtype='<U5')
    >>> float(model.score(X, y, tasks=tasks)) > 0.9
    True

    A wide y (one column per task, NaN where missing) takes the Kronecker route:

    >>> Y = np.column_stack([X[:, 0], 1.2 * X[:, 0], X[:, 1]])
    >>> Y[::3, 1] = np.nan
    >>> model = MultiTaskKernelRidge(alpha=0.1, kernel="rbf").fit(X, Y)
    >>> model.solver_, model.predict(X[:2]).shape
    ('kronecker', (2, 3))
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "kernel": [StrOptions(set(KERNELS)), callable],
        "gamma": [None, StrOptions({"scale", "auto"}), Interval(Real, 0, None, closed="left")],
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        **TASK_SIMILARITY_CONSTRAINTS,
        "solver": [StrOptions({"auto", "cholesky", "kronecker"})],
        "n_components": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        kernel="linear",
        gamma=None,
        degree=3,
        coef0=1,
        task_similarity=0.5,
        task_column=None,
        solver="auto",
        n_components=None,
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        random_state=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.task_similarity = task_similarity
        self.task_column = task_column
        self.solver = solver
        self.n_components = n_components
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the multi-task kernel ridge model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets. Wide form: one column per task (a DataFrame's column
            names are the task ids), NaN where a row has no target for a task.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. Not with a wide y.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Weight of each row's squared error (with a wide y, also one weight
            per target), as in KernelRidge.

        Returns
        -------
        self : MultiTaskKernelRidge
            The fitted estimator.
        """
        X, y, codes = self._validate_fit_data(X, y, tasks, dtype=np.float64, accept_sparse=("csr", "csc"))
        if sp.issparse(X):
            X = X.tocsr()
        learn = isinstance(self.task_similarity, str)  # 'learn' is the only string
        # A given Omega is checked before the expensive part.
        omega = None if learn else similarity_from_param(self.task_similarity, self.tasks_)
        self._set_gamma(X)
        rows, codes, targets, weight = self._entry_targets(X.shape[0], y, codes, sample_weight)
        roots = np.sqrt(weight)
        if rows is None:
            if self.n_components is not None:
                return self._fit_nystroem(X, targets, roots, codes, omega)
            return self._fit_entries(X, targets, roots, codes, omega)
        # A wide y: targets and square-root weights as n x T matrices, 0 where a target is missing.
        targets, roots = (_entry_matrix(values, rows, codes, y.labelled.shape) for values in (targets, roots))
        if self.n_components is not None:
            return self._fit_nystroem(X, targets, roots, None, omega)
        return self._fit_wide(X, targets, roots, omega)

    def _fit_entries(self, X, targets, roots, codes, omega, rows=None):
        """The entries' system by Cholesky (``omega`` None: learn it).

        Entry ``e`` is row ``rows[e]`` of ``X`` for task ``codes[e]``; ``rows``
        None (the long form) means one entry per row. A wide y's coefficients
        come back as an n x T matrix.
        """
        long = rows is None
        if long and self.solver == "kronecker":
            raise ValueError(
                "solver='kronecker' needs a wide y (one column per task, every row shared by "
                "the tasks); with one target per row use solver='auto' or 'cholesky'."
            )
        learn = omega is None
        n, n_entries = X.shape[0], len(codes)
        if long:
            check_gram_memory(
                n, n, extra_bytes=gram_bytes(n, n) if learn else 0,
                extra_what="its product with Omega, a second such matrix for task_similarity='learn'",
                advice=_WIDE_ADVICE + _ADVICE if self.n_tasks_ > 1 else _ADVICE,
            )
        else:
            check_gram_memory(
                n_entries, n_entries, what="labelled entries'", extra_bytes=gram_bytes(n, n),
                extra_what=f"the rows' Gram matrix ({format_bytes(gram_bytes(n, n))})", advice=_ADVICE,
            )
        K = self._training_gram(X)
        # The long form with a fixed Omega scales K itself in place: one n x n matrix
        # (a retry after a failed factorisation recomputes it). 'learn' keeps K for
        # every update, and a wide y's entries are gathered from it.
        spare = [K] if long and not learn else []

        def entries_gram(omega):
            if spare:
                G = spare.pop()
            elif long:
                G = K.copy() if learn else self._training_gram(X)
            else:
                G = K[np.ix_(rows, rows)]
            scale_task_blocks(G, codes, codes, omega)
            return G

        def solve(omega):
            return solve_entries(lambda: entries_gram(omega), targets, roots, self.alpha)

        def coefficient_gram(c):
            task_parts = sp.csr_matrix((c, (np.arange(n) if long else rows, codes)), shape=(n, self.n_tasks_))
            return _quadratic(K, task_parts)

        if learn:
            omega, coef = self._learn_dual(solve, coefficient_gram)
        else:
            coef = solve(omega)
        if not long:
            coef = sp.csr_matrix((coef, (rows, codes)), shape=(n, self.n_tasks_)).toarray()
        self._set_exact(X, coef, codes if long else None, omega, "cholesky", 0)
        return self

    def _fit_wide(self, X, targets, roots, omega):
        """A wide y: the Kronecker route, or the entries' system where that is cheaper."""
        n = len(targets)
        learn = omega is None
        if self._wide_solver(n, np.count_nonzero(roots), learn) == "kronecker":
            exact = kronecker_factors(roots)[2]
            copies = 2 + (0 if exact and not learn else 1)  # the eigenvectors, syevd's workspace (2 n^2), K kept
            check_gram_memory(
                n, n, extra_bytes=copies * gram_bytes(n, n),
                extra_what=f"{copies} more of its size for its eigendecomposition", advice=_ADVICE,
            )
            K = self._training_gram(X)
            system = WideDual(K, targets, roots, self.alpha, keep_kernel=learn)
            del K
            if system.exact or system.kronecker.positive_semidefinite:
                self._fit_kronecker(X, system, omega)
                return self
            if self.solver == "kronecker":
                raise ValueError(
                    "solver='kronecker' solves a wide y with missing targets (or per-target "
                    "weights) by conjugate gradients, which need a positive semi-definite kernel, "
                    f"and this {self.kernel!r} kernel's Gram matrix is not; use solver='cholesky'."
                )
            del system
        rows, codes = np.nonzero(roots > 0)
        return self._fit_entries(X, targets[rows, codes], roots[rows, codes], codes, omega, rows)

    def _wide_solver(self, n, n_entries, learn) -> str:
        if self.solver != "auto":
            return self.solver
        # Each 'learn' update refactorises the entries' system; the Kronecker route
        # decomposes the Gram matrix once.
        cheaper = (n_entries / n) ** 3 > _EIGH_OVER_CHOLESKY or (learn and self.n_tasks_ > 1)
        return "kronecker" if cheaper else "cholesky"

    def _fit_kronecker(self, X, system, omega):
        if omega is None:
            omega, dual_coef = self._learn_dual(system.solve, system.coefficient_gram)
        else:
            dual_coef = system.solve(omega)
        self._warn_unconverged(system)
        self._set_exact(X, dual_coef, None, omega, "kronecker", system.n_iter)

    def _learn(self, solve, weight_gram):
        """Alternate ``solve(omega)`` and the shared MTRL update of Omega; return Omega and the solution.

        ``weight_gram(omega, solution)`` is the Gram ``W'W`` of the task
        functions of that solution.
        """
        omega, self.n_similarity_iter_ = learn_similarity(
            lambda omega: weight_gram(omega, solve(omega)), self.n_tasks_, ridge=self.similarity_ridge,
            max_iter=self.similarity_max_iter, tol=self.similarity_tol, verbose=self.verbose,
        )
        return omega, solve(omega)

    def _learn_dual(self, solve, coefficient_gram):
        """:meth:`_learn` for dual coefficients ``c``, whose ``M = coefficient_gram(c)`` is
        ``C' K C`` of their task parts: task ``t``'s function is ``w_t = sum_i c_i
        Omega[t, t_i] phi(x_i)``, so ``W'W = Omega M Omega``."""
        return self._learn(solve, lambda omega, c: omega @ coefficient_gram(c) @ omega)

    def _fit_nystroem(self, X, targets, roots, codes, omega):
        """The approximate route: ridge regression on Nyström features ``phi(x) ⊗ L[t]``.

        A wide y (``codes`` None) is solved by :class:`WideFeatureRidge`,
        which reads the features once for all tasks; the long form by the
        linear models' multi-task ridge solver (without intercepts), on rows
        sorted by task.
        """
        n = X.shape[0]
        indices = draw_landmarks(X, (roots > 0).reshape(n, -1).any(axis=1), self.n_components, self.random_state)
        m = len(indices)
        check_memory(
            4 * n * m + 4 * 8 * targets.size + 4 * 8 * m * m,
            f"Nyström features of the training rows ({n} x {m} float32) and the solver's arrays",
            "Use a smaller n_components, or fit on a sample of the rows.",
        )
        landmarks = X[indices]
        projection = nystroem_projection(self._kernel(landmarks, landmarks))
        if codes is None:
            features = nystroem_features(X, landmarks, projection, self._kernel)
            problem = WideFeatureRidge(features, targets, roots, self.alpha)
            if omega is None:
                omega, W = self._learn(problem.solve, lambda omega, W: W.T @ W)
            else:
                W = problem.solve(omega)
            self._warn_unconverged(problem)
            coef, n_iter = W.T, problem.n_iter
        else:
            order = np.argsort(codes, kind="stable")  # the solver's order: no copy of the features there
            fit = fit_multitask_ridge(
                nystroem_features(X[order], landmarks, projection, self._kernel), targets[order],
                codes[order], self.n_tasks_, "learn" if omega is None else omega, alpha=self.alpha,
                sample_weight=roots[order] ** 2, bias=None, tol=_PRIMAL_TOL,
                similarity_ridge=self.similarity_ridge, similarity_max_iter=self.similarity_max_iter,
                similarity_tol=self.similarity_tol, verbose=self.verbose,
            )
            coef, omega, n_iter = fit.coef, fit.task_similarity, fit.n_iter
            self.n_similarity_iter_ = fit.n_similarity_iter
        self._forget(_EXACT_ATTRIBUTES)
        if not isinstance(self.task_similarity, str):
            self.n_similarity_iter_ = 0
        self.components_, self.component_indices_ = landmarks, indices
        self.normalization_, self.coef_ = projection, coef
        self.task_similarity_, self.solver_, self.n_iter_ = omega, "nystroem", int(n_iter)
        return self

    def _warn_unconverged(self, problem):
        if not problem.converged:
            warnings.warn(
                f"Conjugate gradients stopped after {_CG_MAX_ITER} iterations before a residual of "
                f"{_CG_RTOL} relative; the coefficients are approximate. Raise alpha"
                + (", or use solver='cholesky' for the direct solve." if self.n_components is None else "."),
                ConvergenceWarning,
            )

    def _set_exact(self, X, dual_coef, codes, omega, solver, n_iter):
        self._forget(_NYSTROEM_ATTRIBUTES)
        if not isinstance(self.task_similarity, str):
            self.n_similarity_iter_ = 0
        self.X_fit_, self.dual_coef_, self._fit_codes = X, dual_coef, codes
        self.task_similarity_, self.solver_, self.n_iter_ = omega, solver, int(n_iter)
        if self.verbose:
            print(f"[MultiTaskKernelRidge] solved by {solver} ({n_iter} conjugate-gradient iterations)")

    # ------------------------------------------------------------- predict

    def _coefficients(self):
        """The dual coefficients as a (n_fit, n_tasks) matrix: column t holds task t's entries."""
        if self._fit_codes is None:  # a wide fit: one column per task already
            return self.dual_coef_
        n = len(self.dual_coef_)
        return sp.csr_matrix((self.dual_coef_, (np.arange(n), self._fit_codes)), shape=(n, self.n_tasks_))

    def _task_predictions(self, X) -> np.ndarray:
        """Every row predicted for every task: shape (n_samples, n_tasks)."""
        if hasattr(self, "coef_"):  # the Nyström route
            features = nystroem_features(X, self.components_, self.normalization_, self._kernel)
            return _rows_times(features, self.coef_.T)
        coefficients = self._coefficients()
        out = np.empty((X.shape[0], self.n_tasks_))
        for rows, K in self._kernel_blocks(X, self.X_fit_):
            out[rows] = _times(K, coefficients)
        return out @ self.task_similarity_

    def predict(self, X, tasks=None):
        """Predict each row's target with its own task's function.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None. 'all' (the
            default for a model fitted on a wide y) predicts every row for
            every task.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            One prediction per row; for every task (a wide fit, or
            ``tasks='all'``) one column per task in ``tasks_`` order (a
            DataFrame with the task ids as columns when fitted on one).
        """
        raw = X
        X, codes = self._validate_predict_data(X, tasks, dtype=np.float64, accept_sparse=("csr", "csc"))
        predictions = self._task_predictions(X.tocsr() if sp.issparse(X) else X)
        if codes is None:
            return self._wide_answer(list(predictions.T), raw)
        return predictions[np.arange(len(codes)), codes]

    def _single_task_counterpart(self):
        """The single-task model this one generalises: KernelRidge with the same settings.

        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled). Where KernelRidge has no such
        setting (gamma='scale', a callable kernel of two matrices, Nyström
        landmarks) it is this model with one task.
        """
        if isinstance(self.kernel, str) and self.gamma != "scale" and self.n_components is None:
            from sklearn.kernel_ridge import KernelRidge

            gamma = None if self.gamma in (None, "auto") else self.gamma
            return KernelRidge(alpha=self.alpha, kernel=self.kernel, gamma=gamma, degree=self.degree,
                               coef0=self.coef0)
        params = self.get_params()
        similarity = self.task_similarity if isinstance(self.task_similarity, Real) else 0.0
        params.update(task_column=None, task_similarity=similarity)
        return type(self)(**params)


def _entry_matrix(values, rows, codes, shape) -> np.ndarray:
    """The entries' ``values`` at ``(rows, codes)`` of a zero matrix of ``shape``."""
    out = np.zeros(shape)
    out[rows, codes] = values
    return out


def _times(K, coefficients) -> np.ndarray:
    """``K @ coefficients`` for dense or sparse (one entry per row) coefficients."""
    if sp.issparse(coefficients):
        return np.asarray((coefficients.T @ K.T).T)
    return K @ coefficients


def _quadratic(K, coefficients) -> np.ndarray:
    """``C' K C`` for dense or sparse coefficients C."""
    product = _times(K, coefficients)
    return np.asarray(coefficients.T @ product)
