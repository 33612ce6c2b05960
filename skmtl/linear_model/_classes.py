"""MultiTaskLinearSVC and MultiTaskLogisticRegression: linear models coupled by a task similarity."""

from __future__ import annotations

from numbers import Integral, Real

from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from .._dask import is_dask, predict_blocks
from .._similarity import LEARN_SIMILARITY_DOC, TASK_SIMILARITY_CONSTRAINTS
from ._base import MultiTaskLinearClassifierMixin

COMMON_CONSTRAINTS: dict = {
    "C": [Interval(Real, 0, None, closed="neither")],
    **TASK_SIMILARITY_CONSTRAINTS,
    "bias": [StrOptions({"shared", "per_task"}), None],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "class_weight": [StrOptions({"balanced", "balanced_per_task"}), dict, list, None],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}

# The parameter sections the linear models' docstrings share.
TASK_SIMILARITY_DOC = """task_similarity : float in [0, 1], array-like, dict or 'learn', default=0.5
        The task similarity matrix ``Omega``.

        - ``rho`` in [0, 1]: ``Omega = (1 - rho) I + rho 11'``. ``rho = 0`` fits
          independent per-task models, ``rho = 1`` one pooled model.
        - a ``(n_tasks, n_tasks)`` symmetric positive semi-definite array whose
          rows and columns follow ``tasks_``, or a DataFrame / dict of dicts
          keyed by task ids.
        """ + LEARN_SIMILARITY_DOC
_SIMILARITY_DOC = TASK_SIMILARITY_DOC + """
    bias : {'shared', 'per_task'} or None, default='shared'
        One unregularised intercept for all tasks, one per task, or none
        (scikit-learn's ``fit_intercept=False``)."""


class MultiTaskLinearSVC(MultiTaskLinearClassifierMixin, BaseEstimator):
    """Linear support vector classifier, one per task, coupled by a task similarity.

    Task ``t`` has its own weights ``w_t``; the tasks are tied by the
    regulariser ``1/2 tr(W Omega^-1 W')``, i.e. the linear kernel
    ``Omega[s, t] x'z`` of :class:`~skmtl.MultiTaskKernelSVC` with
    ``kernel='linear'``, but solved in the primal: the cost grows with the
    number of rows times features, not with the number of rows squared, and
    a sparse X is never densified. With one task it is
    :class:`sklearn.svm.LinearSVC`'s objective, with the intercept not
    regularised.

    Parameters
    ----------
    C : float, default=1.0
        Weight of the loss of each row against the regulariser.
    loss : {'squared_hinge', 'hinge'}, default='squared_hinge'
        'squared_hinge' (LinearSVC's default) is solved by Newton's method
        with a line search; 'hinge' by dual coordinate descent.
    {similarity}
    task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
    tol : float, default=1e-4
        'squared_hinge': stop when the gradient norm is ``tol`` times its
        value at zero; 'hinge': the largest violation of the dual optimality
        conditions.
    class_weight : dict, list, 'balanced', 'balanced_per_task' or None, default=None
        Multiply ``C`` of the rows of class ``c`` by ``class_weight[c]``, as
        in :class:`~skmtl.MultiTaskKernelSVC` ('balanced_per_task' balances
        within each task; a wide y may give one specification per task).
    max_iter : int, default=1000
        Cap on Newton steps ('squared_hinge') or coordinate-descent epochs
        ('hinge') per binary subproblem and fit.
    similarity_ridge : float in [0, 1], default=1e-3
        With 'learn': weight of the identity mixed into each Omega update.
    similarity_max_iter : int, default=100
        With 'learn': cap on Omega updates.
    similarity_tol : float, default=1e-3
        With 'learn': stop when Omega changes by less than this (relative
        Frobenius norm).
    random_state : int, RandomState instance or None, default=None
        The order of coordinate descent (loss='hinge').
    verbose : int, default=0
        Print solver and Omega-learning progress.

    Attributes
    ----------
    coef_ : ndarray of shape (n_subproblems, n_tasks, n_features)
        ``coef_[k, t]``: task ``t``'s weights in binary subproblem ``k`` (one
        subproblem for two classes, the larger label positive; one per class,
        one-vs-rest, for more).
    intercept_ : ndarray of shape (n_subproblems, n_tasks)
        Each task's intercept (equal across tasks with ``bias='shared'``).
    classes_ : ndarray of shape (n_classes,) or list of n_tasks such arrays
        Sorted union of the tasks' labels; for a wide y, each task's labels.
    task_classes_ : dict
        Task id -> the labels that task has in the training data.
    tasks_ : ndarray of shape (n_tasks,)
        Task ids seen in fit (``[None]`` for a single-task fit).
    n_tasks_ : int
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        The Omega used, rows and columns ordered like ``tasks_``.
    n_iter_ : ndarray of shape (n_subproblems,)
        Solver iterations per binary subproblem (summed over Omega updates).
    n_similarity_iter_ : int
        Omega updates made with 'learn' (0 otherwise).
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names.

    See Also
    --------
    MultiTaskLogisticRegression : The same model with the logistic loss.
    skmtl.MultiTaskKernelSVC : The kernel version, exact or (``n_components``) approximate.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskLinearSVC
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 3)
    >>> tasks = np.repeat(["north", "south", "east"], 100)
    >>> y = (X[:, 0] + 0.3 * X[:, 1] * (tasks == "east") > 0).astype(int)
    >>> clf = MultiTaskLinearSVC(task_similarity=0.5).fit(X, y, tasks=tasks)
    >>> clf.coef_.shape
    (1, 3, 3)
    >>> float(clf.score(X, y, tasks=tasks)) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **COMMON_CONSTRAINTS,
        "loss": [StrOptions({"squared_hinge", "hinge"})],
    }

    def __init__(
        self,
        C=1.0,
        loss="squared_hinge",
        task_similarity=0.5,
        bias="shared",
        task_column=None,
        tol=1e-4,
        class_weight=None,
        max_iter=1000,
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.loss = loss
        self.task_similarity = task_similarity
        self.bias = bias
        self.task_column = task_column
        self.tol = tol
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.random_state = random_state
        self.verbose = verbose

    @property
    def _loss(self):
        return self.loss


class MultiTaskLogisticRegression(MultiTaskLinearClassifierMixin, BaseEstimator):
    """Logistic regression, one per task, coupled by a task similarity.

    The counterpart of :class:`MultiTaskLinearSVC` with the logistic loss:
    task ``t`` has its own weights ``w_t``, tied to the others' by the
    regulariser ``1/2 tr(W Omega^-1 W')``; solved by Newton's method with a
    line search in the primal, dense or sparse X. With one task and two classes
    it is :class:`sklearn.linear_model.LogisticRegression`'s objective
    (L2 penalty, unregularised intercept). More classes are fitted
    one-vs-rest (LogisticRegression fits them jointly, multinomial).

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the regularisation strength, as in LogisticRegression.
    {similarity}
    task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
    tol : float, default=1e-4
        Stop when the gradient norm is ``tol`` times its value at zero.
    class_weight : dict, list, 'balanced', 'balanced_per_task' or None, default=None
        Multiply ``C`` of the rows of class ``c`` by ``class_weight[c]``, as
        in :class:`~skmtl.MultiTaskKernelSVC`.
    max_iter : int, default=100
        Cap on Newton steps per binary subproblem and fit.
    similarity_ridge : float in [0, 1], default=1e-3
        With 'learn': weight of the identity mixed into each Omega update.
    similarity_max_iter : int, default=100
        With 'learn': cap on Omega updates.
    similarity_tol : float, default=1e-3
        With 'learn': stop when Omega changes by less than this.
    random_state : int, RandomState instance or None, default=None
        Unused by the Newton solver; kept for the API (as LogisticRegression's
        'lbfgs' solver ignores it).
    verbose : int, default=0
        Print solver and Omega-learning progress.

    Attributes
    ----------
    coef_ : ndarray of shape (n_subproblems, n_tasks, n_features)
        ``coef_[k, t]``: task ``t``'s weights in binary subproblem ``k``.
    intercept_ : ndarray of shape (n_subproblems, n_tasks)
        Each task's intercept (equal across tasks with ``bias='shared'``).
    classes_ : ndarray of shape (n_classes,) or list of n_tasks such arrays
        Sorted union of the tasks' labels; for a wide y, each task's labels.
    task_classes_ : dict
        Task id -> the labels that task has in the training data.
    tasks_ : ndarray of shape (n_tasks,)
        Task ids seen in fit (``[None]`` for a single-task fit).
    n_tasks_ : int
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        The Omega used.
    n_iter_ : ndarray of shape (n_subproblems,)
        Newton steps per binary subproblem (summed over Omega updates).
    n_similarity_iter_ : int
        Omega updates made with 'learn' (0 otherwise).
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskLogisticRegression
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat([0, 1], 100)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = MultiTaskLogisticRegression(task_similarity="learn").fit(X, y, tasks=tasks)
    >>> clf.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = dict(COMMON_CONSTRAINTS)
    _loss = "logistic"

    def __init__(
        self,
        C=1.0,
        task_similarity=0.5,
        bias="shared",
        task_column=None,
        tol=1e-4,
        class_weight=None,
        max_iter=100,
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.task_similarity = task_similarity
        self.bias = bias
        self.task_column = task_column
        self.tol = tol
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.random_state = random_state
        self.verbose = verbose

    def predict_proba(self, X, tasks=None):
        """Class probabilities: each subproblem's logistic probability.

        With two classes in all, ``[1 - p, p]`` with ``p`` the probability of
        the larger label. With more, the one-vs-rest probabilities normalised
        over the labels of each row's task (zero for labels it never had).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a model fitted on a wide y) for every task.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            Columns follow ``classes_``; for every task, one
            ``(n_samples, n_classes_t)`` array per task.
        """
        if is_dask(X):
            return predict_blocks(self, "predict_proba", X, tasks)
        return self._probabilities(X, tasks, expit)

    def predict_log_proba(self, X, tasks=None):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' for
            every task.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            As :meth:`predict_proba`, in logs.
        """
        return self._log(self.predict_proba(X, tasks=tasks))


for _estimator in (MultiTaskLinearSVC, MultiTaskLogisticRegression):
    _estimator.__doc__ = _estimator.__doc__.replace("{similarity}", _SIMILARITY_DOC)
