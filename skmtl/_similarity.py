"""The task-similarity matrix Omega of the multi-task kernel ``Omega[s, t] k(x, z)``.

Omega is given (a matrix, a DataFrame or a dict of dicts keyed by task ids),
set by one number ``rho`` in [0, 1], or learned. Learning alternates a dual
solve with the closed-form update of task relationship learning (MTRL, Zhang &
Yeung 2010): with task weight vectors ``W`` in the kernel's feature space,
``Omega = (W'W)^(1/2) / trace((W'W)^(1/2))``, here scaled to trace ``n_tasks``
and mixed with the identity (:func:`similarity_from_weights`).

Every estimator with a ``task_similarity`` takes it, and its 'learn'
settings, with the same checks (:data:`TASK_SIMILARITY_CONSTRAINTS`) and
describes 'learn' in the same words (:func:`fill_similarity_doc`).
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from ._tasks import show_ids

#: ``_parameter_constraints`` of ``task_similarity``, its 'learn' settings and
#: ``task_column``, the same in every estimator that has them.
TASK_SIMILARITY_CONSTRAINTS: dict = {
    "task_similarity": [
        Interval(Real, 0, 1, closed="both"),
        StrOptions({"learn"}),
        "array-like",
        dict,
    ],
    "task_column": [None, Integral, str],
    "similarity_ridge": [Interval(Real, 0, 1, closed="both")],
    "similarity_max_iter": [Interval(Integral, 1, None, closed="left")],
    "similarity_tol": [Interval(Real, 0, None, closed="left")],
}

#: The 'learn' item of every ``task_similarity`` parameter's description: what
#: :func:`similarity_from_weights` computes. An estimator's docstring holds the
#: marker ``{learn_similarity}`` where it goes (:func:`fill_similarity_doc`).
LEARN_SIMILARITY_DOC = """- 'learn': alternate a fit with the closed-form update of task
          relationship learning (MTRL), starting from independent tasks:
          ``Omega = (1 - r) T S / trace(S) + r I`` with ``S = (W'W)^(1/2)``
          (``W``: the tasks' weight vectors), ``T`` the number of tasks and
          ``r = similarity_ridge``, so that Omega's trace is ``T`` (its
          diagonal about 1, as with ``rho``); see ``similarity_ridge``,
          ``similarity_max_iter``, ``similarity_tol``."""


def fill_similarity_doc(estimator):
    """Class decorator: put :data:`LEARN_SIMILARITY_DOC` at the docstring's ``{learn_similarity}``."""
    estimator.__doc__ = estimator.__doc__.replace("{learn_similarity}", LEARN_SIMILARITY_DOC)
    return estimator


def similarity_from_rho(rho: float, n_tasks: int) -> np.ndarray:
    """``(1 - rho) I + rho 11'``: independent tasks at 0, one pooled task at 1.

    Examples
    --------
    >>> similarity_from_rho(0.25, 2)
    array([[1.  , 0.25],
           [0.25, 1.  ]])
    """
    return (1.0 - rho) * np.eye(n_tasks) + rho * np.ones((n_tasks, n_tasks))


def similarity_from_param(param, tasks: np.ndarray) -> np.ndarray:
    """Omega as a T x T array ordered like ``tasks`` from a given ``task_similarity``.

    ``param`` is a number ``rho`` in [0, 1], a T x T array-like whose rows and
    columns follow ``tasks``, a DataFrame indexed by task ids, or a dict of
    dicts ``{s: {t: similarity}}``. 'learn' is handled by the estimator.
    """
    n_tasks = len(tasks)
    if isinstance(param, Real) and not isinstance(param, bool):
        return similarity_from_rho(float(param), n_tasks)
    if isinstance(param, dict):
        omega = _from_mapping(param, tasks)
    elif hasattr(param, "index") and hasattr(param, "columns"):
        omega = _from_mapping(
            {s: dict(zip(param.columns, row)) for s, row in zip(param.index, param.to_numpy())},
            tasks,
        )
    else:
        omega = _numbers(param)
        if omega.shape != (n_tasks, n_tasks):
            raise ValueError(
                f"task_similarity has shape {omega.shape}, but the data have {n_tasks} "
                f"task(s); pass a ({n_tasks}, {n_tasks}) matrix whose rows and columns "
                "follow the sorted task ids (tasks_), or a DataFrame / dict keyed by task id."
            )
    return check_similarity(omega)


def _numbers(values) -> np.ndarray:
    """``values`` as a float64 array, or a one-line error naming task_similarity."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "task_similarity must be a number rho in [0, 1], 'learn', or a square matrix "
            "(array, DataFrame or dict of dicts) of numbers, one row and column per task; "
            f"got {type(values).__name__} values that are not all numbers."
        ) from None


def _from_mapping(mapping: dict, tasks: np.ndarray) -> np.ndarray:
    n_tasks = len(tasks)
    omega = np.empty((n_tasks, n_tasks))
    for a, s in enumerate(tasks):
        for b, t in enumerate(tasks):
            try:
                omega[a, b] = _numbers(mapping[s][t])
            except (KeyError, TypeError):
                raise ValueError(
                    f"task_similarity has no entry for the task pair ({show_ids([s, t])}); "
                    f"it needs one for every pair of the {n_tasks} tasks {show_ids(tasks[:10])}"
                    f"{' ...' if n_tasks > 10 else ''}."
                ) from None
    return omega


def check_similarity(omega: np.ndarray) -> np.ndarray:
    """Check that Omega is finite, symmetric and positive semi-definite."""
    if not np.all(np.isfinite(omega)):
        raise ValueError("task_similarity contains NaN or infinite values.")
    scale = max(np.abs(omega).max(), 1e-300)
    if not np.allclose(omega, omega.T, rtol=0, atol=1e-10 * scale):
        raise ValueError("task_similarity must be symmetric: Omega[s, t] == Omega[t, s].")
    smallest = np.linalg.eigvalsh(omega)[0]
    if smallest < -1e-10 * scale:
        raise ValueError(
            "task_similarity must be positive semi-definite (a valid kernel over tasks); "
            f"its smallest eigenvalue is {smallest:.3g}."
        )
    if np.any(np.diag(omega) <= 0):
        raise ValueError(
            "task_similarity needs a positive diagonal: a task with Omega[t, t] = 0 "
            "could not fit its own data."
        )
    return 0.5 * (omega + omega.T)


def psd_sqrt(S: np.ndarray) -> np.ndarray:
    """The symmetric PSD square root, with negative rounding noise clipped."""
    eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (S + S.T))
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    return root @ eigenvectors.T


def similarity_from_weights(weight_gram: np.ndarray, ridge: float) -> np.ndarray:
    """The MTRL update: Omega from the Gram ``W'W`` of the task weight vectors.

    ``(1 - ridge) T S / trace(S) + ridge I`` with ``S = (W'W)^(1/2)`` and T
    the number of tasks: ``S`` normalised to unit trace, mixed with ``ridge``
    of the identity (at trace 1) so Omega stays well conditioned, and scaled
    to trace T so that its diagonal is about 1 and ``C`` means what it means
    for ``rho``.

    Examples
    --------
    Two tasks whose weights point the same way come out highly similar:

    >>> import numpy as np
    >>> similarity_from_weights(np.ones((2, 2)), ridge=0.0)
    array([[1., 1.],
           [1., 1.]])
    """
    n_tasks = len(weight_gram)
    root = psd_sqrt(weight_gram)
    trace = np.trace(root)
    if not np.isfinite(trace) or trace <= 0:
        # All weights zero (no support vectors anywhere): nothing says how tasks relate.
        return np.eye(n_tasks)
    return n_tasks * ((1.0 - ridge) * root / trace + ridge * np.eye(n_tasks) / n_tasks)


def learn_similarity(weight_gram, n_tasks: int, *, ridge: float, max_iter: int, tol: float,
                     verbose: int = 0) -> tuple[np.ndarray, int]:
    """Alternate a model fit with the MTRL update of Omega, from independent tasks.

    The one Omega-learning loop of every relationship-learning estimator:
    ``weight_gram(omega)`` fits the model with the task similarity ``omega``
    and returns the Gram ``W'W`` of its task weights (summed over binary
    subproblems); the next Omega is :func:`similarity_from_weights` of it.
    Stops when Omega changes by at most ``tol`` (relative Frobenius norm),
    or warns after ``max_iter`` updates.

    Returns
    -------
    omega : ndarray of shape (n_tasks, n_tasks)
        The last Omega.
    n_updates : int
        Updates made.
    """
    omega = np.eye(n_tasks)
    for n_updates in range(1, max_iter + 1):
        new = similarity_from_weights(weight_gram(omega), ridge)
        change = np.linalg.norm(new - omega) / np.linalg.norm(omega)
        omega = new
        if verbose:
            print(f"[task_similarity='learn'] update {n_updates}: Omega changed by {change:.3g}")
        if change <= tol:
            return omega, n_updates
    warnings.warn(
        f"Learning task_similarity did not converge in similarity_max_iter={max_iter} "
        f"updates (last change {change:.3g} > similarity_tol={tol}); raise "
        "similarity_max_iter or similarity_ridge.",
        ConvergenceWarning,
    )
    return omega, max_iter
