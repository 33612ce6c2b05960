"""What the multi-task linear models share: the coupled fit, the linear decision, the estimators' plumbing.

Each subproblem (a binary one-vs-rest problem of a classifier, or the one
problem of a regressor) is solved in the primal by :func:`solve_primal` on
the factor ``L`` of the task similarity; task ``t``'s weights are
``w_t = V L[t]'``. With ``task_similarity='learn'``, the fits alternate
with the MTRL update of Omega shared with the kernel estimators
(:func:`~skmtl._similarity.learn_similarity`): in the primal the task
weights are at hand, so ``W'W`` is read off them.
"""

from __future__ import annotations

from numbers import Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils import check_random_state

from .._dask import (
    cell_weight,
    class_weight_table,
    is_dask,
    one_vs_rest,
    predict_blocks,
    read_dask_regression_data,
    read_dask_training_data,
)
from .._labels import ClassifierLabelsMixin
from .._memory import check_memory
from .._one_vs_rest import OneVsRestMixin
from .._progress import progress_part
from .._regression import RegressorTargetsMixin
from .._similarity import check_similarity, learn_similarity, similarity_from_param, similarity_from_rho
from .._tasks import TaskDataMixin
from ._primal import DUAL_LOSSES, factor_similarity, solve_primal

# Live during a solve besides X and its task-sorted copy: the Newton solver's vectors of
# one value per row (labels, weights, margins, gradient, curvature and the
# Hessian-vector products' temporaries); counted generously.
_ROW_VECTORS = 12


class LinearFit(NamedTuple):
    """The fitted subproblems."""

    coef: np.ndarray  # (n_subproblems, n_tasks, n_features)
    intercept: np.ndarray  # (n_subproblems, n_tasks)
    omega: np.ndarray  # (n_tasks, n_tasks)
    n_iter: np.ndarray  # (n_subproblems,) solver iterations, summed over Omega updates
    n_similarity_iter: int


def fit_linear_subproblems(X, targets, codes, C_rows, n_tasks, task_similarity, *, loss, bias,
                           tol, max_iter, epsilon=0.0, similarity_ridge=1e-3,
                           similarity_max_iter=100, similarity_tol=1e-3, random_state=None,
                           verbose=0, start=None) -> LinearFit:
    """Solve every subproblem of a multi-task linear model under one task similarity.

    Parameters
    ----------
    X : ndarray, CSR matrix or dask array of shape (n, d)
        Features, rows sorted by task (``codes`` non-decreasing) when in memory.
    targets : ndarray of shape (n_subproblems, n), or a list of dask vectors
        Each subproblem's ±1 labels (classifiers: one per one-vs-rest
        problem) or targets (regressors: one problem).
    codes : ndarray of shape (n,)
        Task code of each row.
    C_rows : ndarray of shape (n,)
        The weight of each row's loss (``C`` times its sample and class weight).
    n_tasks : int
    task_similarity : ndarray of shape (n_tasks, n_tasks) or 'learn'
        A checked Omega, or 'learn' to alternate fits with MTRL updates.
    loss, bias, tol, max_iter, epsilon :
        As :func:`~skmtl.linear_model._primal.solve_primal`.
    similarity_ridge, similarity_max_iter, similarity_tol :
        As :func:`~skmtl._similarity.learn_similarity`.
    random_state : int, RandomState or None
        The order of coordinate descent (the dual losses).
    verbose : int
    start : tuple (coef, intercept) or None
        A solution to start from, shaped as the returned ``coef`` and
        ``intercept`` (Newton's losses only): the first solve starts there,
        as the later solves of 'learn' start from the last one.

    Returns
    -------
    LinearFit
    """
    if start is not None and loss in DUAL_LOSSES:
        raise ValueError(f"A start is for Newton's losses; loss={loss!r} starts from its dual variables.")
    rng = check_random_state(random_state)
    n_iter = np.zeros(len(targets), dtype=int)
    # Each subproblem's last solution, the next Omega's starting point.
    warm = [{} if isinstance(task_similarity, str) or start is not None else None
            for _ in targets]
    if start is not None:
        for k, (W, intercept) in enumerate(zip(*start)):
            warm[k].update(W=np.asarray(W, dtype=np.float64),
                           bias=_group_bias(np.asarray(intercept, dtype=np.float64), bias))

    def solve(omega):
        L = factor_similarity(omega)
        coef = np.empty((len(targets), n_tasks, X.shape[1]))
        intercept = np.empty((len(targets), n_tasks))
        for k, y_k in enumerate(targets):
            with progress_part(k, len(targets)):
                V, intercept[k], steps = solve_primal(
                    X, y_k, codes, L, C_rows, loss=loss, bias=bias, tol=tol, max_iter=max_iter,
                    random_state=rng, verbose=verbose, warm_start=warm[k], epsilon=epsilon,
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



def _group_bias(intercept, bias) -> np.ndarray:
    """The solver's variables of per-task intercepts: one per bias group."""
    if bias is None:
        return np.zeros(0)
    return intercept[:1] if bias == "shared" else intercept


class RidgeFit(NamedTuple):
    """A fitted multi-task ridge regression (:func:`fit_multitask_ridge`)."""

    coef: np.ndarray  # (n_tasks, n_features): row t is task t's weights
    intercept: np.ndarray  # (n_tasks,)
    task_similarity: np.ndarray  # (n_tasks, n_tasks): the Omega used (learned with 'learn')
    n_iter: int  # conjugate-gradient iterations, summed over Omega updates
    n_similarity_iter: int  # Omega updates made with 'learn' (0 otherwise)


def fit_multitask_ridge(X, y, codes, n_tasks, task_similarity, *, alpha=1.0, sample_weight=None,
                        bias="per_task", tol=1e-4, max_iter=None, similarity_ridge=1e-3,
                        similarity_max_iter=100, similarity_tol=1e-3, warm_start=None,
                        verbose=0) -> RidgeFit:
    """Multi-task ridge regression in the primal: the solver of :class:`MultiTaskRidge`.

    Minimises ``sum_i sample_weight_i (y_i - x_i' w_{t_i} - b_{t_i})^2 +
    alpha tr(W Omega^+ W')`` over the task weights ``W = [w_1 ... w_T]``
    (in the range of Omega) and unregularised intercepts, by conjugate
    gradients on the factor ``Omega = L L'`` (never forming
    ``x (x) L[t]``). With one task it is :class:`sklearn.linear_model.Ridge`.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64, or a CSR matrix
        Features, in memory. float32 rows are read as they are, never
        copied whole (NumPy converts each task's block to float64 as a pass
        reads it).
    y : ndarray of shape (n,)
        Targets.
    codes : ndarray of shape (n,)
        Task code of each row, in ``range(n_tasks)``; any order (rows are
        sorted by task in a copy when they are not).
    n_tasks : int
    task_similarity : float, ndarray of shape (n_tasks, n_tasks) or 'learn'
        ``rho`` in [0, 1] for ``(1 - rho) I + rho 11'``, Omega itself
        (symmetric positive semi-definite, positive diagonal), or 'learn'
        to alternate fits with the MTRL update of Omega (from independent
        tasks; :func:`~skmtl._similarity.learn_similarity`).
    alpha : float, default=1.0
        Regularisation strength, > 0.
    sample_weight : ndarray of shape (n,) or None
        Multiplies each row's squared error.
    bias : {'per_task', 'shared', None}, default='per_task'
        One unregularised intercept per task, one for all, or none.
    tol : float, default=1e-4
        Stop when the gradient (the residual of the normal equations) is at
        most ``tol`` times its norm at zero.
    max_iter : int or None, default=None
        Cap on conjugate-gradient iterations per solve; None: ten times the
        number of variables.
    similarity_ridge, similarity_max_iter, similarity_tol :
        With 'learn', as :func:`~skmtl._similarity.learn_similarity`.
    warm_start : RidgeFit or tuple (coef, intercept), default=None
        A solution of a nearby problem (another alpha, Omega or target) to
        start from; with 'learn', the first solve starts there.
    verbose : int, default=0

    Returns
    -------
    RidgeFit
        ``coef`` (n_tasks, d), ``intercept`` (n_tasks,), ``task_similarity``,
        ``n_iter``, ``n_similarity_iter``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X, codes = rng.randn(60, 2), np.repeat([0, 1], 30)
    >>> y = X @ [1.0, -1.0] + 2.0 * codes
    >>> fit = fit_multitask_ridge(X, y, codes, 2, 0.5, alpha=1e-3, tol=1e-10)
    >>> fit.coef.round(2), fit.intercept.round(2) + 0.0
    (array([[ 1., -1.],
           [ 1., -1.]]), array([0., 2.]))
    """
    if isinstance(task_similarity, str):
        if task_similarity != "learn":
            raise ValueError(f"task_similarity must be a number, a matrix or 'learn'; got {task_similarity!r}.")
    elif isinstance(task_similarity, Real):
        task_similarity = similarity_from_rho(float(task_similarity), n_tasks)
    else:
        task_similarity = check_similarity(np.asarray(task_similarity, dtype=np.float64))
        if task_similarity.shape != (n_tasks, n_tasks):
            raise ValueError(f"task_similarity has shape {task_similarity.shape}; it must be ({n_tasks}, {n_tasks}).")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0; got {alpha!r}.")
    y = np.asarray(y, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.intp)
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    order = np.argsort(codes, kind="stable")
    if np.any(order != np.arange(len(order))):  # sorted once, not at every Omega update
        X, y, codes, weight = X[order], y[order], codes[order], weight[order]
    start = None
    if warm_start is not None:
        coef, intercept = warm_start[:2]
        start = (np.asarray(coef)[None], np.asarray(intercept)[None])
    fit = fit_linear_subproblems(
        X, y[None], codes, weight / (2.0 * alpha), n_tasks, task_similarity,
        loss="squared_error", bias=bias, tol=tol, max_iter=max_iter,
        similarity_ridge=similarity_ridge, similarity_max_iter=similarity_max_iter,
        similarity_tol=similarity_tol, verbose=verbose, start=start,
    )
    return RidgeFit(fit.coef[0], fit.intercept[0], fit.omega, int(fit.n_iter[0]), fit.n_similarity_iter)


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


class LinearModelMixin:
    """What the linear classifiers and regressors share around the solver.

    The estimator provides ``_loss``, ``_epsilon``, ``_linear_problem``
    (training data to subproblem targets and row weights), ``_fit_dask``
    and ``_store`` (fitted attributes from a :class:`LinearFit`).
    """

    _accept_sparse = ("csr", "csc")
    _epsilon = 0.0

    def _fit_in_memory(self, X, y, tasks, sample_weight):
        X, y, codes = self._validate_fit_data(
            X, y, tasks, dtype=np.float64, accept_sparse=self._accept_sparse
        )
        if sp.issparse(X):
            X = X.tocsr()
        X, targets, codes, C_rows = self._linear_problem(X, y, codes, sample_weight)
        # Checked before anything large is built: a given Omega, then memory.
        omega = self._similarity()
        check_linear_memory(X, type(self).__name__)
        order = np.argsort(codes, kind="stable")
        if np.any(order != np.arange(len(order))):  # the solver reads each task's rows as a block
            X, targets, codes, C_rows = X[order], targets[:, order], codes[order], C_rows[order]
        return self._solve(X, targets, codes, C_rows, omega)

    def _similarity(self):
        """The checked Omega of a given ``task_similarity``, or 'learn'."""
        if isinstance(self.task_similarity, str):
            return self.task_similarity
        return similarity_from_param(self.task_similarity, self.tasks_)

    def _solve(self, X, targets, codes, C_rows, omega):
        fit = fit_linear_subproblems(
            X, targets, codes, C_rows, self.n_tasks_, omega,
            loss=self._loss, bias=self.bias, tol=self.tol, max_iter=self.max_iter,
            epsilon=self._epsilon, similarity_ridge=self.similarity_ridge,
            similarity_max_iter=self.similarity_max_iter, similarity_tol=self.similarity_tol,
            random_state=getattr(self, "random_state", None), verbose=self.verbose,
        )
        self._store(fit)
        return self

    def _single_task_params(self) -> dict:
        """This model's parameters for one task: no task column, and a number as similarity.

        One task has no similarity to learn or to give as a matrix; with one
        task the similarity has no effect, so a number is kept and the rest
        becomes 0.
        """
        params = self.get_params()
        similarity = self.task_similarity if isinstance(self.task_similarity, Real) else 0.0
        params.update(task_column=None, task_similarity=similarity)
        return params


class MultiTaskLinearClassifierMixin(LinearModelMixin, OneVsRestMixin, ClassifierLabelsMixin,
                                     TaskDataMixin, ClassifierMixin):
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
        return self._fit_in_memory(X, y, tasks, sample_weight)

    def _linear_problem(self, X, y, codes, sample_weight):
        """The labelled entries, each subproblem's ±1 labels and each row's ``C``."""
        X, y, codes, sample_weight, row_weight = self._training_entries(X, y, codes, sample_weight)
        labels = self._subproblem_labels(y, len(self._union_classes()[0]))
        return X, labels, codes, self.C * sample_weight * row_weight

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

    def _store(self, fit):
        self.coef_, self.intercept_, self.task_similarity_ = fit.coef, fit.intercept, fit.omega
        self.n_iter_, self.n_similarity_iter_ = fit.n_iter, fit.n_similarity_iter

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
        return type(self)(**{**self._single_task_params(), "class_weight": class_weight})


class MultiTaskLinearRegressorMixin(LinearModelMixin, RegressorTargetsMixin, TaskDataMixin,
                                    RegressorMixin):
    """The fit and predictions of :class:`MultiTaskRidge` and :class:`MultiTaskLinearSVR`.

    They set ``_loss`` (and ``_epsilon``) and ``_row_costs``, the weight of
    each row's loss in the solver's objective from its sample weight.
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit one linear regression per task, coupled by the task similarity.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
            A sparse X (CSR or CSC) is never densified. A dask array or dask
            DataFrame (with y, tasks and sample_weight as dask or in-memory
            vectors, in the long form) is fitted chunk by chunk on its
            scheduler without gathering the rows (the losses solved by
            Newton's method; see :mod:`skmtl._dask`).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets. Wide form: one column per task (a DataFrame's column
            names are the task ids), NaN (or None, ``pd.NA``) where a row
            has no target for a task; the fit is the long-form fit on the
            present entries.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. Not with a
            wide y.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Multiplies each row's loss. With a wide y, also one weight per
            target.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if is_dask(X):
            return self._fit_dask(X, y, tasks, sample_weight)
        return self._fit_in_memory(X, y, tasks, sample_weight)

    def _linear_problem(self, X, y, codes, sample_weight):
        """The present entries (long form, float64 targets), as one subproblem, and each row's weight."""
        X, y, codes, sample_weight = self._training_entries(X, y, codes, sample_weight)
        return X, y[None], codes, self._row_costs(sample_weight)

    def _fit_dask(self, X, y, tasks, sample_weight):
        """Fit dask input chunk by chunk (see :mod:`skmtl._dask`); the long form only."""
        X, y, codes, sample_weight = read_dask_regression_data(self, X, y, tasks, sample_weight)
        omega = self._similarity()
        C_rows = self._row_costs(sample_weight).persist()  # read on every pass: computed once
        return self._solve(X, [y], codes, C_rows, omega)

    def _store(self, fit):
        self.coef_, self.intercept_ = fit.coef[0], fit.intercept[0]
        self.task_similarity_ = fit.omega
        self.n_iter_, self.n_similarity_iter_ = int(fit.n_iter[0]), fit.n_similarity_iter

    def _validate_predict_data(self, X, tasks, **check_params):
        # Every reading of rows to predict, the score's included, takes sparse X.
        check_params = {"dtype": np.float64, "accept_sparse": self._accept_sparse, **check_params}
        X, codes = super()._validate_predict_data(X, tasks, **check_params)
        return (X.tocsr() if sp.issparse(X) else X), codes

    def predict(self, X, tasks=None):
        """Predict each row's target with its own task's linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict, with the task column when ``task_column`` is
            set; dense or sparse (CSR or CSC).
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None. 'all' (the
            default for a model fitted on a wide y) predicts every row for
            every task.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            For every task (a wide fit, or ``tasks='all'``): one column per
            task, in ``tasks_`` order (a DataFrame with the task ids as
            columns when fitted on one). For dask input, a dask array of
            the predictions, computed block by block.
        """
        if is_dask(X):
            return predict_blocks(self, "predict", X, tasks)
        raw = X
        X, codes = self._validate_predict_data(X, tasks)
        predicted = linear_decision(X, codes, self.coef_[None], self.intercept_[None])
        if codes is None:
            return self._wide_answer([task[:, 0] for task in predicted], raw)
        return predicted[:, 0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _single_task_counterpart(self):
        """The single-task model this one generalises: itself with one task
        (see :meth:`MultiTaskLinearClassifierMixin._single_task_counterpart`)."""
        return type(self)(**self._single_task_params())
