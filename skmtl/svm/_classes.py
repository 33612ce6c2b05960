"""MultiTaskKernelSVC: a kernel SVM on the multi-task kernel ``Omega[s, t] k(x, z)``."""

from __future__ import annotations

import warnings
from functools import update_wrapper, wraps
from numbers import Integral
from types import MethodType

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._memory import check_memory
from .._dask import is_dask
from .._labels import ClassifierLabelsMixin
from .._one_vs_rest import OneVsRestMixin
from .._tasks import TaskDataMixin
from ._base import PREDICT_CHUNK_ELEMENTS, SHARED_PARAMETER_CONSTRAINTS, MultiTaskKernelMixin, check_gathered_dask
from ._cvxpy import solve_cvxpy
from ._dual import DualProblem, task_kernel_product
from ..linear_model._base import _ROW_VECTORS, fit_linear_subproblems, linear_decision
from ._nystroem import draw_landmarks, nystroem_features, nystroem_projection
from ._platt import apply_sigmoid, fit_sigmoid
from ._smo import solve_smo
from .._similarity import fill_similarity_doc, similarity_from_param

_DASK_ADVICE = (
    "MultiTaskKernelSVC reads its rows into memory; MultiTaskLinearSVC and "
    "MultiTaskLogisticRegression fit dask arrays a chunk at a time."
)

# What each route of fit sets, so that a refit by the other route drops it.
_EXACT_ATTRIBUTES = ("support_", "support_vectors_", "dual_coef_", "_support_starts")
_NYSTROEM_ATTRIBUTES = ("components_", "component_indices_", "normalization_", "coef_")

_PREDICT_CHUNK_ELEMENTS = PREDICT_CHUNK_ELEMENTS  # read at each call: tests shrink it here


class _needs_probability:
    """``sklearn.utils.metaestimators.available_if(probability)``, with a message.

    As for SVC, the method does not exist (``hasattr`` is False, an
    AttributeError) while ``probability=False``; the error says how to get
    probabilities instead of only that the attribute is missing.
    """

    def __init__(self, fn):
        self.fn = fn
        update_wrapper(self, fn)

    def _check(self, obj):
        if not obj.probability:
            raise AttributeError(
                f"This {type(obj).__name__!r} has no attribute {self.fn.__name__!r}: "
                "probabilities need probability=True when fitting (Platt scaling on an "
                "internal cross-validation); refit with probability=True, e.g. "
                "clf.set_params(probability=True).fit(X, y, tasks=tasks), or use "
                "decision_function for uncalibrated scores."
            )

    def __get__(self, obj, owner=None):
        if obj is not None:
            self._check(obj)
            return MethodType(self.fn, obj)

        @wraps(self.fn)
        def unbound(*args, **kwargs):
            self._check(args[0])
            return self.fn(*args, **kwargs)

        return unbound


@fill_similarity_doc
class MultiTaskKernelSVC(
    MultiTaskKernelMixin, OneVsRestMixin, ClassifierLabelsMixin, TaskDataMixin, ClassifierMixin, BaseEstimator
):
    """Support vector classifier on a multi-task kernel.

    The kernel between row ``x`` of task ``s`` and row ``z`` of task ``t`` is
    ``Omega[s, t] * k(x, z)``: the input kernel ``k`` as in
    :class:`sklearn.svm.SVC`, scaled by how similar the two tasks are. The
    task similarity ``Omega`` is given, set by one number, or learned from
    the data. The dual is solved by a dedicated SMO solver; a cvxpy
    formulation of the same dual is the reference.

    Parameters
    ----------
    C : float, default=1.0
        Regularisation: the upper bound of each dual variable. Must be positive.
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

        - ``rho`` in [0, 1]: ``Omega = (1 - rho) I + rho 11'``. ``rho = 0`` fits
          independent per-task SVMs, ``rho = 1`` one pooled SVM, so independent
          to pooled is one grid-searchable number.
        - a ``(n_tasks, n_tasks)`` symmetric positive semi-definite array whose
          rows and columns follow ``tasks_`` (the sorted task ids; y's column
          order for a wide y), or a DataFrame / dict of dicts keyed by task ids.
        {learn_similarity}
    bias : {'shared', 'per_task'}, default='shared'
        One intercept for all tasks (one equality constraint in the dual, as
        libsvm) or one intercept per task (one equality constraint per task).
    task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
    probability : bool, default=False
        Enable ``predict_proba``: Platt scaling fitted on decision values from
        an internal 5-fold cross-validation stratified by task and label
        (slower fit). As in SVC, ``predict`` still uses the decision function.
    tol : float, default=1e-3
        Stopping tolerance: the largest allowed KKT violation of the dual.
    class_weight : dict, list, 'balanced', 'balanced_per_task' or None, default=None
        Multiply ``C`` of the rows of class ``c`` by ``class_weight[c]``.
        'balanced' weighs classes inversely to their frequency over all rows;
        'balanced_per_task' does so within each task (row weight
        ``n_t / (n_classes_t * n_tc)``), so that every task's classes weigh
        the same whatever the other tasks' class balance. With a wide y
        each task is weighed on its own ('balanced' then balances within each
        task), and ``class_weight`` may also give one specification per task:
        a list in y's column order, or a dict ``{task id: specification}``.
    max_iter : int, default=-1
        Cap on solver steps per binary subproblem and solve; -1 for none.
    solver : {'auto', 'smo', 'cvxpy'}, default='auto'
        'auto' and 'smo' use the dedicated SMO solver; 'cvxpy' the reference
        formulation (about 50x slower, see benchmarks/README.md; it also needs
        about 20 times the Gram matrix's memory and a positive semi-definite
        kernel).
    n_components : int or None, default=None
        None solves the exact problem on the n x n Gram matrix. An integer m
        approximates the input kernel with m Nyström landmarks (distinct
        training rows of positive weight, drawn with ``random_state``; all of
        them where there are at most m) and fits the same multi-task model, the
        hinge loss and every other parameter unchanged, on the m-dimensional
        features (float32) with the primal solver of
        :class:`~skmtl.MultiTaskLinearSVC` (dual coordinate descent): memory
        and time grow with n m instead of n squared, and prediction needs
        only the landmarks and the weights.
        ``solver`` and ``n_jobs`` do not apply; ``max_iter`` caps epochs.
    similarity_ridge : float in [0, 1], default=1e-3
        With 'learn': weight of the identity mixed into each Omega update.
        Keeps Omega well conditioned (its smallest eigenvalue is at least
        ``similarity_ridge``); larger values shrink it toward independent tasks.
    similarity_max_iter : int, default=100
        With 'learn': cap on Omega updates.
    similarity_tol : float, default=1e-3
        With 'learn': stop when Omega changes by less than this (relative
        Frobenius norm).
    n_jobs : int, default=None
        Parallel jobs over the binary subproblems of a multi-class problem;
        None or 1 for none, -1 for all processors (0 is refused, as in
        scikit-learn).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds of the internal cross-validation of ``probability``,
        and with ``n_components`` the landmarks and the order of coordinate
        descent.
    verbose : int, default=0
        Print solver and Omega-learning progress.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of n_tasks such arrays
        Sorted union of the labels of all tasks; for a wide y, each task's
        sorted labels (one array per column, as ``MultiOutputClassifier``).
        The one-vs-rest subproblems run over the union in both forms.
    task_classes_ : dict
        Task id -> the labels that task has in the training data.
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in fit (``[None]`` for a single-task fit); for a
        wide y, its column names (else 0..n_tasks-1) in column order.
    n_tasks_ : int
        Number of tasks.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        The Omega used, rows and columns ordered like ``tasks_``.
    support_ : ndarray of shape (n_SV,)
        (Exact solver only, as the other support-vector attributes.) Indices of the support vectors in the training data, grouped by task.
        For a wide y they index its labelled entries in row-major order
        (``np.nonzero(labelled)``, the rows of the equivalent long form), not
        the rows of ``X``: a row labelled for several tasks is one entry per
        task, and each may be a support vector.
    support_vectors_ : ndarray or sparse matrix of shape (n_SV, n_features)
        Support vectors (features only, without the task column); a CSR
        matrix when fitted on sparse ``X``, as in SVC.
    dual_coef_ : ndarray of shape (n_subproblems, n_SV)
        ``y_i * alpha_i`` of each support vector in each binary subproblem,
        with ``y_i = +1`` for the subproblem's positive class.
    intercept_ : ndarray of shape (n_subproblems,) or (n_subproblems, n_tasks)
        Intercepts; one per task with ``bias='per_task'``.
    n_iter_ : ndarray of shape (n_subproblems,)
        Solver steps per binary subproblem (summed over Omega updates); with
        ``n_components``, epochs of coordinate descent.
    components_ : ndarray or sparse matrix of shape (n_components, n_features)
        With ``n_components``: the landmark rows (features only).
    component_indices_ : ndarray of shape (n_components,)
        With ``n_components``: the landmarks' indices in the training data
        (for a wide y, in its labelled entries, as ``support_``): distinct
        rows of positive weight, see ``n_components``.
    normalization_ : ndarray of shape (n_components, n_features_approx)
        With ``n_components``: ``U S^(-1/2)`` of the landmarks' Gram matrix
        ``U S U'`` (eigenvalues below 1e-8 of the largest dropped); a row's
        features are ``k(x, components_) @ normalization_``.
    coef_ : ndarray of shape (n_subproblems, n_tasks, n_features_approx)
        With ``n_components``: each task's weights on those features.
    n_similarity_iter_ : int
        Omega updates made with 'learn' (0 otherwise).
    probA_, probB_ : ndarray of shape (n_subproblems,)
        Platt scaling parameters, with ``probability=True``.
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names.

    Notes
    -----
    Multi-class problems are split one-vs-rest: one binary subproblem per
    class (one in all for two classes, with the larger label positive), all
    sharing one ``Omega``. Tasks may have different label sets; a task is
    never predicted a label it did not have in training, and its
    ``predict_proba`` columns for such labels are zero. ``decision_function``
    returns every class's raw score. Every task needs at least two classes.

    A wide y (one column per task, missing labels allowed) is fitted as its
    labelled entries in long form: the same model as the long-form fit on
    them. ``predict`` then answers every task for every row.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskKernelSVC
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = (X[:, 0] * np.where(tasks == "north", 1, -1) > 0).astype(int)
    >>> clf = MultiTaskKernelSVC(task_similarity=0.0).fit(X, y, tasks=tasks)
    >>> clf.tasks_
    array(['north', 'south'], dtype='<U5')
    >>> float(clf.score(X, y, tasks=tasks)) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **SHARED_PARAMETER_CONSTRAINTS,
        "probability": ["boolean"],
        "class_weight": [StrOptions({"balanced", "balanced_per_task"}), dict, list, None],
        "n_components": [None, Interval(Integral, 1, None, closed="left")],
        # As scikit-learn's n_jobs: None or a non-zero int (0 has no meaning).
        "n_jobs": [
            None,
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        C=1.0,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        task_similarity=0.5,
        bias="shared",
        task_column=None,
        probability=False,
        tol=1e-3,
        class_weight=None,
        max_iter=-1,
        solver="auto",
        n_components=None,
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.task_similarity = task_similarity
        self.bias = bias
        self.task_column = task_column
        self.probability = probability
        self.tol = tol
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.solver = solver
        self.n_components = n_components
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the multi-task SVM.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
            A sparse X (CSR or CSC) is never densified: its kernels are
            computed from sparse dot products.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels. Wide form: one column per task (a DataFrame's
            column names are the task ids), a missing value (NaN, None,
            ``pd.NA``) where a row is not labelled for a task; the fit is
            the long-form fit on the labelled entries. The tasks' labels
            must then be all text or all numbers (one-vs-rest runs over
            their union).
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. Ids may be any
            sortable values (ints, strings). Not with a wide y.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights: row ``i``'s ``C`` becomes ``C * sample_weight[i]``.
            With a wide y, also one weight per label.

        Returns
        -------
        self : MultiTaskKernelSVC
            The fitted estimator.

        Notes
        -----
        A dask array or DataFrame X is read into memory, as a scikit-learn
        estimator reads it (both solvers, and the Nyström route's coordinate
        descent, visit one row at a time); a dask array only after checking
        that it fits (a DataFrame's length is unknown until read). The
        linear models fit dask input a chunk at a time.
        """
        if is_dask(X):
            check_gathered_dask(X, _DASK_ADVICE)
        X, y, codes = self._validate_fit_data(
            X, y, tasks, dtype=np.float64, accept_sparse=self._accept_sparse
        )
        if sp.issparse(X):
            X = X.tocsr()  # rows are what the kernels and the support vectors take
        return self._fit_entries(*self._training_entries(X, y, codes, sample_weight))

    def _fit_entries(self, X, y, codes, sample_weight, row_weight):
        """The long-form fit on validated rows: features, class index into the
        union of labels, task code, sample weight and class weight of each."""
        learn = isinstance(self.task_similarity, str)  # 'learn' is the only string
        if not learn:  # check a given Omega before the expensive part
            omega = similarity_from_param(self.task_similarity, self.tasks_)
        n_classes = len(self._union_classes()[0])

        # Sort rows by task: each task's rows become one contiguous slice.
        order = np.argsort(codes, kind="stable")
        X, y, codes = X[order], y[order], codes[order]
        sample_weight, row_weight = sample_weight[order], row_weight[order]
        starts = np.searchsorted(codes, np.arange(self.n_tasks_ + 1))

        # Every check on the parameters and the data before the Gram matrix.
        n_problems = 1 if n_classes == 2 else n_classes
        splits = self._platt_splits(codes, y, n_classes) if self.probability else None
        self._set_gamma(X)
        upper = self.C * sample_weight * row_weight
        # One-vs-rest: subproblem k separates class k from the rest (one for two classes).
        labels = self._subproblem_labels(y, n_classes)
        similarity = "learn" if learn else omega
        if self.n_components is not None:
            return self._fit_nystroem(X, codes, order, labels, upper, similarity, splits)

        self._check_fit_memory(X.shape[0], n_problems, splits)
        K = self._training_gram(X)
        alphas, intercepts, self.n_iter_ = self._solve_with_similarity(
            K, starts, similarity,
            lambda omega, warm: self._solve(K, starts, omega, labels, upper, warm),
            lambda alphas: (alphas * labels).T,
        )
        omega = self.task_similarity_

        self._forget(_NYSTROEM_ATTRIBUTES)
        self._set_support(X, order, codes, alphas * labels)
        self.intercept_ = intercepts if self.bias == "per_task" else intercepts[:, 0]

        if self.probability:
            def fold_decision(train, test):
                train_starts = np.searchsorted(codes[train], np.arange(self.n_tasks_ + 1))
                alphas, intercepts, _ = self._solve(
                    K[np.ix_(train, train)], train_starts, omega, labels[:, train], upper[train]
                )
                coef = (alphas * labels[:, train]).T
                scores = task_kernel_product(
                    K[np.ix_(test, train)], train_starts, omega, codes[test], coef
                )
                bias = intercepts[:, codes[test]] if self.bias == "per_task" else intercepts[:, :1]
                return scores.T + bias

            self._fit_platt(splits, labels, fold_decision)
        return self

    def _fit_nystroem(self, X, codes, order, labels, upper, similarity, splits):
        """The approximate route: the linear multi-task problem on Nyström features.

        ``X`` and the rest are sorted by task (``order`` maps back to the
        training rows); ``similarity`` is a checked Omega or 'learn'.
        """
        if self.solver == "cvxpy":
            raise ValueError(
                "solver='cvxpy' is the exact dual's reference; with n_components the "
                "approximate route solves its own primal problem: use solver='auto', or "
                "n_components=None for the reference."
            )
        n = X.shape[0]
        # One generator for the landmarks, then the order of coordinate descent.
        rng = check_random_state(self.random_state)
        indices = draw_landmarks(X, upper > 0, self.n_components, rng)
        m = len(indices)
        check_memory(
            4 * n * m + _ROW_VECTORS * 8 * n + 3 * 8 * m * m,
            f"Nyström features of the training rows ({n} x {m} float32) and the solver's vectors",
            "Use a smaller n_components, or fit on a sample of the rows.",
        )
        landmarks = X[indices]
        projection = nystroem_projection(self._kernel(landmarks, landmarks))
        features = nystroem_features(X, landmarks, projection, self._kernel)
        options = dict(
            loss="hinge", bias=self.bias, tol=self.tol,
            # max_iter=-1 (no cap) for SMO; coordinate descent counts epochs.
            max_iter=self.max_iter if self.max_iter > 0 else np.iinfo(np.int32).max,
            similarity_ridge=self.similarity_ridge, similarity_max_iter=self.similarity_max_iter,
            similarity_tol=self.similarity_tol, verbose=self.verbose,
        )
        fit = fit_linear_subproblems(features, labels, codes, upper, self.n_tasks_, similarity,
                              random_state=rng, **options)
        self._forget(_EXACT_ATTRIBUTES)
        self.components_, self.component_indices_ = landmarks, order[indices]
        self.normalization_ = projection
        self.coef_, self.task_similarity_ = fit.coef, fit.omega
        self.intercept_ = fit.intercept if self.bias == "per_task" else fit.intercept[:, 0]
        self.n_iter_, self.n_similarity_iter_ = fit.n_iter, fit.n_similarity_iter

        if self.probability:
            def fold_decision(train, test):
                part = fit_linear_subproblems(features[train], labels[:, train], codes[train],
                                       upper[train], self.n_tasks_, fit.omega,
                                       random_state=rng, **options)
                return linear_decision(features[test], codes[test], part.coef, part.intercept).T

            self._fit_platt(splits, labels, fold_decision)
        return self

    def _n_concurrent(self, n_problems):
        """How many binary subproblems are solved at the same time."""
        if n_problems == 1 or self.n_jobs in (None, 1):
            return 1
        return max(1, min(n_problems, effective_n_jobs(self.n_jobs)))

    def _solve(self, K, starts, omega, labels, upper, alpha0=None):
        """Solve every binary subproblem; return alphas, intercepts and steps."""
        problems = [
            DualProblem(K, starts, omega, y_k, upper, self.bias == "per_task") for y_k in labels
        ]
        solve = solve_cvxpy if self.solver == "cvxpy" else solve_smo
        return self._solve_problems(problems, solve, alpha0)

    def _map_solves(self, solve, problems, warm, options):
        """The binary subproblems on ``n_jobs`` workers."""
        if len(problems) == 1 or self.n_jobs in (None, 1):
            return super()._map_solves(solve, problems, warm, options)
        return Parallel(n_jobs=self.n_jobs)(
            delayed(solve)(p, alpha0=a, **options) for p, a in zip(problems, warm)
        )

    def _platt_splits(self, codes, y, n_classes):
        """The internal cross-validation folds of probability=True, stratified by task and label."""
        strata = codes * n_classes + y
        n_splits = int(np.clip(np.bincount(strata).max(), 2, 5))
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=check_random_state(self.random_state))
        with warnings.catch_warnings():
            # Small (task, label) strata cannot be in every fold; that is fine here.
            warnings.filterwarnings("ignore", message="The least populated class")
            return list(folds.split(np.zeros(len(y)), strata))

    def _fit_platt(self, splits, labels, fold_decision):
        """Platt scaling on out-of-fold decision values, with Omega held fixed.

        ``fold_decision(train, test)`` fits on the rows ``train`` and returns
        the decision values of the rows ``test``, one row per subproblem.
        """
        decision = np.zeros(labels.shape)
        for train, test in splits:
            decision[:, test] = fold_decision(train, test)
        params = [fit_sigmoid(d, l > 0) for d, l in zip(decision, labels)]
        self.probA_, self.probB_ = (np.array(p) for p in zip(*params))

    # ------------------------------------------------------------- predict

    def _decision(self, X, codes):
        """Scores of every binary subproblem, each row seen from its task.

        Shape (n_samples, n_subproblems); with ``codes`` None, every row seen
        from every task: shape (n_tasks, n_samples, n_subproblems). The kernel
        to the support vectors, the costly part, is computed once per row
        however many tasks read it.
        """
        if hasattr(self, "components_"):  # the Nyström route
            features = nystroem_features(X, self.components_, self.normalization_, self._kernel)
            intercept = self.intercept_ if self.bias == "per_task" else self.intercept_[:, None]
            intercept = np.broadcast_to(intercept, self.coef_.shape[:2])
            return linear_decision(features, codes, self.coef_, intercept)
        intercept = self.intercept_ if self.bias == "per_task" else self.intercept_[:, None]
        intercept = np.broadcast_to(intercept, (self.dual_coef_.shape[0], self.n_tasks_))
        return self._support_scores(X, codes, intercept, _PREDICT_CHUNK_ELEMENTS)

    @_needs_probability
    def predict_proba(self, X, tasks=None):
        """Class probabilities from Platt scaling (needs ``probability=True``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set;
            dense or sparse (CSR or CSC), whichever ``X`` was in fit.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None. 'all' (the
            default for a model fitted on a wide y) scores every row for
            every task.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            Columns follow the union of the tasks' labels (``classes_`` for a
            long fit); zero for labels a row's task never had. For every task
            (a wide fit, or ``tasks='all'``): one ``(n_samples, n_classes_t)``
            array per task, columns following that task's labels
            (``task_classes_``).
        """
        check_is_fitted(self)
        if not hasattr(self, "probA_"):
            raise NotFittedError(
                f"This {type(self).__name__} was fitted with probability=False, so it has no "
                "probability calibration; refit with probability=True, or use "
                "decision_function for uncalibrated scores."
            )
        return self._probabilities(
            X, tasks, lambda scores: apply_sigmoid(scores, self.probA_, self.probB_)
        )

    @_needs_probability
    def predict_log_proba(self, X, tasks=None):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set;
            dense or sparse (CSR or CSC), whichever ``X`` was in fit.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' for
            every task.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            As :meth:`predict_proba`, in logs.
        """
        return self._log(self.predict_proba(X, tasks=tasks))

    def _single_task_counterpart(self):
        """The single-task model this one generalises: an SVC with the same settings.

        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled) as the default baselines.
        """
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import SVC

        class_weight = self._single_task_class_weight("SVC(class_weight='balanced')")
        svc = SVC(
            C=self.C,
            kernel=self.kernel,
            degree=self.degree,
            gamma=self.gamma,
            coef0=self.coef0,
            tol=self.tol,
            class_weight=class_weight,
            max_iter=self.max_iter,
        )
        if not self.probability:
            return svc
        # Platt scaling on out-of-fold decisions, as probability=True does here.
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)
