"""MultiTaskKernelSVR: epsilon-insensitive support vector regression on the multi-task kernel."""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval

from .._dask import is_dask
from .._regression import RegressorTargetsMixin
from .._similarity import fill_similarity_doc, similarity_from_param
from .._tasks import TaskDataMixin
from ._base import SHARED_PARAMETER_CONSTRAINTS, MultiTaskKernelMixin, check_gathered_dask
from ._cvxpy import solve_cvxpy
from ._dual import svr_problem
from ._smo import solve_smo

_GRAM_ADVICE = (
    "Fit on fewer rows (a subsample of each task's rows), or use MultiTaskKernelRidge with "
    "n_components=500 (Nyström landmarks: memory linear in the rows), or MultiTaskRidge for "
    "a linear kernel."
)
_DASK_ADVICE = (
    "MultiTaskKernelSVR reads its rows into memory; MultiTaskRidge fits dask arrays a chunk at a time."
)


@fill_similarity_doc
class MultiTaskKernelSVR(MultiTaskKernelMixin, RegressorTargetsMixin, TaskDataMixin, RegressorMixin, BaseEstimator):
    """Epsilon-insensitive support vector regression on a multi-task kernel.

    The kernel between row ``x`` of task ``s`` and row ``z`` of task ``t`` is
    ``Omega[s, t] * k(x, z)``: the input kernel ``k`` as in
    :class:`sklearn.svm.SVR`, scaled by how similar the two tasks are. The
    task similarity ``Omega`` is given, set by one number, or learned from
    the data. Errors smaller than ``epsilon`` cost nothing, larger ones
    linearly, as in SVR. The dual (libsvm's epsilon-SVR: two variables per
    row) is solved by the dedicated SMO solver of
    :class:`~skmtl.MultiTaskKernelSVC`; a cvxpy formulation of the same dual
    is the reference.

    Parameters
    ----------
    C : float, default=1.0
        Regularisation: the upper bound of each dual variable. Must be positive.
    epsilon : float, default=0.1
        Half-width of the tube in which errors cost nothing, in the units of
        the targets. Must be non-negative.
    kernel : {'linear', 'poly', 'rbf', 'sigmoid'} or callable, default='rbf'
        Input kernel ``k``. A callable gets ``(X, Z)`` and returns their Gram matrix.
    degree : int, default=3
        Degree of the 'poly' kernel.
    gamma : {'scale', 'auto'} or float, default='scale'
        Coefficient of 'rbf', 'poly' and 'sigmoid': ``1 / (n_features * X.var())``
        for 'scale', ``1 / n_features`` for 'auto'.
    coef0 : float, default=0.0
        Independent term of 'poly' and 'sigmoid'.
    task_similarity : float in [0, 1], array-like, dict or 'learn', default=0.5
        The task similarity matrix ``Omega``.

        - ``rho`` in [0, 1]: ``Omega = (1 - rho) I + rho 11'``. ``rho = 0`` with
          ``bias='per_task'`` fits independent per-task SVRs, ``rho = 1`` with
          ``bias='shared'`` one pooled SVR.
        - a ``(n_tasks, n_tasks)`` symmetric positive semi-definite array whose
          rows and columns follow ``tasks_`` (the sorted task ids; y's column
          order for a wide y), or a DataFrame / dict of dicts keyed by task ids.
        {learn_similarity}
    bias : {'shared', 'per_task'}, default='per_task'
        One intercept per task (one equality constraint per task in the dual),
        or one intercept for all tasks (one equality constraint, as libsvm).
        The default is per task, as the linear regressors': tasks' targets
        usually sit at different levels, which one shared intercept cannot
        follow (the classifier, whose labels have no level, shares one). With
        one task the two are the same.
    task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
    tol : float, default=1e-3
        Stopping tolerance: the largest allowed KKT violation of the dual.
    max_iter : int, default=-1
        Cap on solver steps per solve; -1 for none.
    solver : {'auto', 'smo', 'cvxpy'}, default='auto'
        'auto' and 'smo' use the dedicated SMO solver; 'cvxpy' the reference
        formulation (much slower, and it needs about 20 times the Gram
        matrix's memory and a positive semi-definite kernel).
    similarity_ridge : float in [0, 1], default=1e-3
        With 'learn': weight of the identity mixed into each Omega update.
        Keeps Omega well conditioned (its smallest eigenvalue is at least
        ``similarity_ridge``); larger values shrink it toward independent tasks.
    similarity_max_iter : int, default=100
        With 'learn': cap on Omega updates.
    similarity_tol : float, default=1e-3
        With 'learn': stop when Omega changes by less than this (relative
        Frobenius norm).
    verbose : int, default=0
        Print solver and Omega-learning progress.

    Attributes
    ----------
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in fit (``[None]`` for a single-task fit); for a
        wide y, its column names (else 0..n_tasks-1) in column order.
    n_tasks_ : int
        Number of tasks.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        The Omega used, rows and columns ordered like ``tasks_``.
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors in the training data, grouped by task.
        For a wide y they index its labelled entries in row-major order
        (``np.nonzero(~np.isnan(y))``, the rows of the equivalent long form).
    support_vectors_ : ndarray or sparse matrix of shape (n_SV, n_features)
        Support vectors (features only, without the task column); a CSR
        matrix when fitted on sparse ``X``, as in SVR.
    dual_coef_ : ndarray of shape (1, n_SV)
        ``alpha_i - alpha*_i`` of each support vector, as in SVR.
    intercept_ : ndarray of shape (1,) or (n_tasks,)
        The intercept; one per task with ``bias='per_task'``.
    n_support_ : ndarray of shape (1,)
        Number of support vectors, as in SVR.
    fit_status_ : int
        0 if the last solve reached ``tol``, 1 if it stopped at ``max_iter``
        (with a ConvergenceWarning), as in SVR.
    n_iter_ : int
        Solver steps, summed over the solves of 'learn'.
    n_similarity_iter_ : int
        Omega updates made with 'learn' (0 otherwise).
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names.

    See Also
    --------
    sklearn.svm.SVR : The single-task model; with one task this model is SVR.
    MultiTaskKernelSVC : The classifier on the same kernel.

    Notes
    -----
    A row of task ``t`` is predicted
    ``f_t(x) = sum_i dual_coef_i Omega[t, t_i] k(x, x_i) + b`` over the
    support vectors ``x_i`` of tasks ``t_i``.

    A wide y (one column per task, NaN where a row has no target for a task)
    is fitted as its labelled entries in long form: the same model as the
    long-form fit on them. ``predict`` then answers every task for every row.

    ``C`` and ``epsilon`` are shared by the tasks, and ``epsilon`` is in the
    units of the targets: tasks on very different scales are best fitted on
    targets standardised per task.

    ``score`` is the mean over tasks of each task's R² (scikit-learn's R²
    with one task), so that a large task does not hide a poorly fitted small one.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.svm._svr import MultiTaskKernelSVR
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(200, 1))
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = np.sin(X[:, 0]) * np.where(tasks == "north", 1.0, 0.8) + 0.05 * rng.randn(200)
    >>> reg = MultiTaskKernelSVR(task_similarity=0.5, epsilon=0.05).fit(X, y, tasks=tasks)
    >>> reg.tasks_
    array(['north', 'south'], dtype='<U5')
    >>> float(reg.score(X, y, tasks=tasks)) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **SHARED_PARAMETER_CONSTRAINTS,
        "epsilon": [Interval(Real, 0, None, closed="left")],
    }
    _gram_advice = _GRAM_ADVICE

    def __init__(
        self,
        C=1.0,
        epsilon=0.1,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        task_similarity=0.5,
        bias="per_task",
        task_column=None,
        tol=1e-3,
        max_iter=-1,
        solver="auto",
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        verbose=0,
    ):
        self.C = C
        self.epsilon = epsilon
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.task_similarity = task_similarity
        self.bias = bias
        self.task_column = task_column
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the multi-task SVR.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
            A sparse X (CSR or CSC) is never densified: its kernels are
            computed from sparse dot products.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets. Wide form: one column per task (a DataFrame's column
            names are the task ids), NaN where a row has no target for a
            task; the fit is the long-form fit on the labelled entries.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. Ids may be any
            sortable values (ints, strings). Not with a wide y.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights: row ``i``'s ``C`` becomes ``C * sample_weight[i]``.
            With a wide y, also one weight per target.

        Returns
        -------
        self : MultiTaskKernelSVR
            The fitted estimator.
        """
        if is_dask(X):
            check_gathered_dask(X, _DASK_ADVICE)
        X, y, codes = self._validate_fit_data(X, y, tasks, dtype=np.float64, accept_sparse=("csr", "csc"))
        if sp.issparse(X):
            X = X.tocsr()  # rows are what the kernels and the support vectors take
        X, targets, codes, sample_weight = self._training_entries(X, y, codes, sample_weight)
        # A given Omega is checked before the expensive part.
        learn = isinstance(self.task_similarity, str)  # 'learn' is the only string
        similarity = "learn" if learn else similarity_from_param(self.task_similarity, self.tasks_)

        # Sort rows by task: each task's rows become one contiguous slice.
        order = np.argsort(codes, kind="stable")
        X, targets, codes = X[order], targets[order], codes[order]
        upper = self.C * sample_weight[order]
        starts = np.searchsorted(codes, np.arange(self.n_tasks_ + 1))
        self._set_gamma(X)
        self._check_fit_memory(X.shape[0])
        K = self._training_gram(X)

        solve = solve_cvxpy if self.solver == "cvxpy" else solve_smo
        converged = []

        def solve_for(omega, warm):
            problem = svr_problem(K, starts, omega, targets, upper, self.epsilon, self.bias == "per_task")
            return self._solve_problems([problem], tracked, warm)

        def tracked(problem, **options):
            solution = solve(problem, **options)
            converged.append(solution.converged)
            return solution

        n = len(targets)
        alphas, intercepts, n_iter = self._solve_with_similarity(
            K, starts, similarity, solve_for, lambda alphas: (alphas[:, :n] - alphas[:, n:]).T
        )
        self._set_support(X, order, codes, alphas[:, :n] - alphas[:, n:])
        self.intercept_ = intercepts[0] if self.bias == "per_task" else intercepts[0, :1]
        self.n_support_ = np.array([len(self.support_)])
        self.n_iter_ = int(n_iter[0])
        self.fit_status_ = 0 if converged[-1] else 1
        return self

    # ------------------------------------------------------------- predict

    def predict(self, X, tasks=None):
        """Predict each row's target with its own task's function.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict, with the task column when ``task_column`` is set;
            dense or sparse (CSR or CSC).
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
        if sp.issparse(X):
            X = X.tocsr()
        intercept = np.broadcast_to(self.intercept_, (1, self.n_tasks_))
        scores = self._support_scores(X, codes, intercept)
        if codes is None:
            return self._wide_answer(list(scores[:, :, 0]), raw)
        return scores[:, 0]

    def _single_task_counterpart(self):
        """The single-task model this one generalises: an SVR with the same settings.

        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled) as the default baselines.
        """
        from sklearn.svm import SVR

        return SVR(
            kernel=self.kernel,
            degree=self.degree,
            gamma=self.gamma,
            coef0=self.coef0,
            tol=self.tol,
            C=self.C,
            epsilon=self.epsilon,
            max_iter=self.max_iter,
        )
