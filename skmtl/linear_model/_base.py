"""What the multi-task linear classifiers share: the one-vs-rest fit and the linear decision.

Each binary subproblem is solved in the primal by :func:`solve_primal` on the
factor ``L`` of the task similarity; task ``t``'s weights are
``w_t = V L[t]'``. With ``task_similarity='learn'``, the fits alternate with
the MTRL update of Omega shared with the kernel estimator
(:func:`~skmtl._similarity.learn_similarity`): in the primal the
task weights are at hand, so ``W'W`` is read off them.
"""

from __future__ import annotations

from numbers import Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils import check_random_state

from .._dask import cell_weight, class_weight_table, is_dask, one_vs_rest, read_dask_training_data
from .._labels import ClassifierLabelsMixin
from .._memory import check_memory
from .._one_vs_rest import OneVsRestMixin
from .._progress import progress_part
from .._tasks import TaskDataMixin
from .._similarity import learn_similarity, similarity_from_param
from ._primal import factor_similarity, solve_primal

# Live during a solve besides X and its task-sorted copy: the Newton solver's vectors of
# one value per row (labels, weights, margins, gradient, curvature and the
# Hessian-vector products' temporaries); counted generously.
_ROW_VECTORS = 12


class LinearFit(NamedTuple):
    """The fitted one-vs-rest problems."""

    coef: np.ndarray  # (n_subproblems, n_tasks, n_features)
    intercept: np.ndarray  # (n_subproblems, n_tasks)
    omega: np.ndarray  # (n_tasks, n_tasks)
    n_iter: np.ndarray  # (n_subproblems,) solver iterations, summed over Omega updates
    n_similarity_iter: int


def fit_one_vs_rest(X, labels, codes, C_rows, n_tasks, task_similarity, *, loss, bias, tol,
                    max_iter, similarity_ridge=1e-3, similarity_max_iter=100,
                    similarity_tol=1e-3, random_state=None, verbose=0) -> LinearFit:
    """Solve every binary subproblem of a multi-task linear classifier.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n, d)
        Features, rows sorted by task (``codes`` non-decreasing).
    labels : ndarray of shape (n_subproblems, n)
        ±1 labels of each binary subproblem.
    codes : ndarray of shape (n,)
        Task code of each row.
    C_rows : ndarray of shape (n,)
        ``C`` times each row's sample and class weight.
    n_tasks : int
    task_similarity : ndarray of shape (n_tasks, n_tasks) or 'learn'
        A checked Omega, or 'learn' to alternate fits with MTRL updates.
    loss, bias, tol, max_iter :
        As :func:`~skmtl.linear_model._primal.solve_primal`.
    similarity_ridge, similarity_max_iter, similarity_tol :
        As :func:`~skmtl._similarity.learn_similarity`.
    random_state : int, RandomState or None
        The order of coordinate descent ('hinge').
    verbose : int

    Returns
    -------
    LinearFit
    """
    rng = check_random_state(random_state)
    n_iter = np.zeros(len(labels), dtype=int)
    # Each subproblem's last solution, the next Omega's starting point.
    warm = [{} if isinstance(task_similarity, str) else None for _ in labels]

    def solve(omega):
        L = factor_similarity(omega)
        coef = np.empty((len(labels), n_tasks, X.shape[1]))
        intercept = np.empty((len(labels), n_tasks))
        for k, y_k in enumerate(labels):
            with progress_part(k, len(labels)):
                V, intercept[k], steps = solve_primal(
                    X, y_k, codes, L, C_rows, loss=loss, bias=bias, tol=tol, max_iter=max_iter,
                    random_state=rng, verbose=verbose, warm_start=warm[k],
                )
            coef[k] = L @ V.T  # row t: w_t = V L[t]'
            n_iter[k] += steps
        return coef, intercept

    n_updates = 0
    if isinstance(task_similarity, str):  # 'learn'
        def weight_gram(omega):
            coef, _ = solve(omega)
            return np.einsum("ktd,ksd->ts", coef, coef)  # W'W summed over subproblems

        task_similarity, n_updates = learn_similarity(
            weight_gram, n_tasks, ridge=similarity_ridge, max_iter=similarity_max_iter,
            tol=similarity_tol, verbose=verbose,
        )
    coef, intercept = solve(task_similarity)
    return LinearFit(coef, intercept, task_similarity, n_iter, n_updates)


def linear_decision(X, codes, coef, intercept) -> np.ndarray:
    """Scores of every binary subproblem of per-task linear models.

    ``coef`` of shape (n_subproblems, n_tasks, n_features) and ``intercept``
    of shape (n_subproblems, n_tasks). Each row is seen from its task
    (shape (n_samples, n_subproblems)), or with ``codes`` None from every
    task (shape (n_tasks, n_samples, n_subproblems)).
    """
    n_tasks = coef.shape[1]

    def scores_of(X, t):
        return np.asarray(X @ coef[:, t].T) + intercept[:, t]

    if codes is None:
        return np.stack([scores_of(X, t) for t in range(n_tasks)])
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n_tasks + 1))
    scores = np.empty((X.shape[0], coef.shape[0]))
    for t in range(n_tasks):
        rows = order[starts[t]:starts[t + 1]]
        if len(rows):
            scores[rows] = scores_of(X[rows], t)
    return scores


def check_linear_memory(X, estimator: str) -> None:
    """Refuse up front a fit whose task-sorted copy of X and row vectors would not fit."""
    n = X.shape[0]
    copy = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
    check_memory(
        copy + _ROW_VECTORS * 8 * n,
        f"{estimator} fit (a copy of X sorted by task and {_ROW_VECTORS} vectors of {n} rows)",
        "Pass a sparse X if most features are zero, fit on a sample of the rows, or fit "
        "dask arrays, which are read chunk by chunk.",
    )


class MultiTaskLinearClassifierMixin(OneVsRestMixin, ClassifierLabelsMixin, TaskDataMixin,
                                     ClassifierMixin):
    """The fit and decision of :class:`MultiTaskLinearSVC` and
    :class:`MultiTaskLogisticRegression`; they set ``_loss``."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit one linear model per task, coupled by the task similarity.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
            A sparse X (CSR or CSC) is never densified. A dask array or dask
            DataFrame (with y, tasks and sample_weight as dask or in-memory
            vectors, in the long form) is fitted chunk by chunk on its
            scheduler without gathering the rows (squared hinge and
            logistic losses; see :mod:`skmtl._dask`).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels. Wide form: one column per task (a DataFrame's
            column names are the task ids), a missing value (NaN, None,
            ``pd.NA``) where a row is not labelled for a task; the fit is
            the long-form fit on the labelled entries.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. Not with a
            wide y.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights: row ``i``'s loss is weighed by
            ``C * sample_weight[i]``. With a wide y, also one weight per label.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if is_dask(X):
            return self._fit_dask(X, y, tasks, sample_weight)
        X, y, codes = self._validate_fit_data(
            X, y, tasks, dtype=np.float64, accept_sparse=self._accept_sparse
        )
        if sp.issparse(X):
            X = X.tocsr()
        X, y, codes, sample_weight, row_weight = self._training_entries(X, y, codes, sample_weight)
        # Checked before anything large is built: a given Omega, then memory.
        omega = self._similarity()
        check_linear_memory(X, type(self).__name__)
        order = np.argsort(codes, kind="stable")
        if np.any(order != np.arange(len(order))):  # the solver reads each task's rows as a block
            X, y, codes = X[order], y[order], codes[order]
            sample_weight, row_weight = sample_weight[order], row_weight[order]
        labels = self._subproblem_labels(y, len(self._union_classes()[0]))
        return self._solve(X, labels, codes, self.C * sample_weight * row_weight, omega)

    def _fit_dask(self, X, y, tasks, sample_weight):
        """Fit dask input chunk by chunk (see :mod:`skmtl._dask`); the long form only."""
        import dask

        X, y, codes, sample_weight, counts = read_dask_training_data(self, X, y, tasks, sample_weight)
        omega = self._similarity()
        table = class_weight_table(self.class_weight, self.classes_, counts)
        C_rows = self.C * sample_weight * y.map_blocks(cell_weight, codes, table=table, dtype=np.float64)
        n_classes = len(self.classes_)
        labels = [y.map_blocks(one_vs_rest, positive=k, dtype=np.float64)
                  for k in ([1] if n_classes == 2 else range(n_classes))]
        C_rows, *labels = dask.persist(C_rows, *labels)  # read on every pass: computed once
        return self._solve(X, labels, codes, C_rows, omega)

    def _similarity(self):
        """The checked Omega of a given ``task_similarity``, or 'learn'."""
        if isinstance(self.task_similarity, str):
            return self.task_similarity
        return similarity_from_param(self.task_similarity, self.tasks_)

    def _solve(self, X, labels, codes, C_rows, omega):
        fit = fit_one_vs_rest(
            X, labels, codes, C_rows, self.n_tasks_, omega,
            loss=self._loss, bias=self.bias, tol=self.tol, max_iter=self.max_iter,
            similarity_ridge=self.similarity_ridge, similarity_max_iter=self.similarity_max_iter,
            similarity_tol=self.similarity_tol, random_state=self.random_state,
            verbose=self.verbose,
        )
        self.coef_, self.intercept_, self.task_similarity_ = fit.coef, fit.intercept, fit.omega
        self.n_iter_, self.n_similarity_iter_ = fit.n_iter, fit.n_similarity_iter
        return self

    def _decision(self, X, codes):
        return linear_decision(X, codes, self.coef_, self.intercept_)

    def _single_task_counterpart(self):
        """The single-task model this one generalises: itself with one task.

        With one task the task similarity has no effect, so the model fitted
        per task (independent) or on all rows (pooled) by
        :func:`skmtl.model_selection.compare_with_single_task` solves the same
        objective with the same solver as the multi-task model.
        """
        class_weight = self._single_task_class_weight(
            f"{type(self).__name__}(class_weight='balanced')"
        )
        params = self.get_params()
        # One task has no similarity to learn or to give as a matrix; a number is kept.
        similarity = self.task_similarity if isinstance(self.task_similarity, Real) else 0.0
        params.update(task_column=None, class_weight=class_weight, task_similarity=similarity)
        return type(self)(**params)
