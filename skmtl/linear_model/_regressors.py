"""MultiTaskRidge and MultiTaskLinearSVR: linear regressions coupled by a task similarity."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import MultiTaskLinearRegressorMixin
from ._classes import COMMON_CONSTRAINTS, TASK_SIMILARITY_DOC

_REGRESSOR_CONSTRAINTS: dict = {
    name: constraint for name, constraint in COMMON_CONSTRAINTS.items()
    if name not in ("C", "class_weight", "random_state")
}

# Targets of tasks usually differ in level (one school's scores sit above
# another's), which a shared intercept cannot follow and a regularised
# weight should not have to: so one intercept per task by default. With one
# task the two are the same, and the model is scikit-learn's.
_BIAS_DOC = """bias : {'per_task', 'shared'} or None, default='per_task'
        One unregularised intercept per task (so that tasks whose targets
        differ in level need not spend their weights on it), one for all
        tasks, or none (scikit-learn's ``fit_intercept=False``). With one
        task 'per_task' and 'shared' are the same: scikit-learn's
        ``fit_intercept=True``."""

_SHARED_DOC = """task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
    {tol_and_max_iter}
    similarity_ridge : float in [0, 1], default=1e-3
        With 'learn': weight of the identity mixed into each Omega update.
    similarity_max_iter : int, default=100
        With 'learn': cap on Omega updates.
    similarity_tol : float, default=1e-3
        With 'learn': stop when Omega changes by less than this (relative
        Frobenius norm)."""

_ATTRIBUTES_DOC = """coef_ : ndarray of shape (n_tasks, n_features)
        ``coef_[t]``: task ``t``'s weights (``tasks_`` order), as
        scikit-learn's multi-output regressors lay out one row per target.
    intercept_ : ndarray of shape (n_tasks,)
        Each task's intercept (equal across tasks with ``bias='shared'``,
        zero with None).
    tasks_ : ndarray of shape (n_tasks,)
        Task ids seen in fit (``[None]`` for a single-task fit).
    n_tasks_ : int
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        The Omega used, rows and columns ordered like ``tasks_``.
    {n_iter}
    n_similarity_iter_ : int
        Omega updates made with 'learn' (0 otherwise).
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names."""


class MultiTaskRidge(MultiTaskLinearRegressorMixin, BaseEstimator):
    """Ridge regression, one per task, coupled by a task similarity.

    Task ``t`` has its own weights ``w_t`` and intercept ``b_t``; the model
    minimises

        ``sum_i sample_weight_i (y_i - x_i' w_{t_i} - b_{t_i})^2 + alpha tr(W Omega^-1 W')``

    with ``W = [w_1 ... w_T]``: the tasks' weights are tied by the task
    similarity ``Omega`` (the multi-task kernel ``Omega[s, t] x'z``). With
    one task it is :class:`sklearn.linear_model.Ridge`'s objective
    (``||y - Xw - b||^2 + alpha ||w||^2``, the intercept not regularised),
    so ``MultiTaskRidge()`` on one task is ``Ridge()``; with
    ``task_similarity=0`` one Ridge per task, with ``task_similarity=1`` and
    ``bias='shared'`` one Ridge on all rows. Solved in the primal by
    conjugate gradients on the factor ``Omega = L L'``, dense or sparse X or
    dask arrays, never forming the ``n x d T`` features ``x (x) L[t]``.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength, as in Ridge; > 0.
    {similarity}
    {bias}
    {shared}
    verbose : int, default=0
        Print solver and Omega-learning progress.

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MultiTaskLinearSVR : The same model with the epsilon-insensitive losses.
    sklearn.linear_model.Ridge : The single-task model.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskRidge
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 3)
    >>> schools = np.repeat(["hill", "lake", "moor"], 100)
    >>> level = np.select([schools == "hill", schools == "lake"], [50.0, 60.0], 70.0)
    >>> y = level + X @ [2.0, -1.0, 0.5] + 0.1 * rng.randn(300)
    >>> reg = MultiTaskRidge(task_similarity="learn").fit(X, y, tasks=schools)
    >>> reg.coef_.shape, reg.intercept_.round()
    ((3, 3), array([50., 60., 70.]))
    >>> round(float(reg.score(X, y, tasks=schools)), 3)
    0.999
    """

    _parameter_constraints: dict = {
        **_REGRESSOR_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    }
    _loss = "squared_error"

    def __init__(
        self,
        alpha=1.0,
        task_similarity=0.5,
        bias="per_task",
        task_column=None,
        tol=1e-4,
        max_iter=None,
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        verbose=0,
    ):
        self.alpha = alpha
        self.task_similarity = task_similarity
        self.bias = bias
        self.task_column = task_column
        self.tol = tol
        self.max_iter = max_iter
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.verbose = verbose

    def _row_costs(self, sample_weight):
        # The solver minimises 1/2 ||V||^2 + sum_i C_i loss_i: Ridge's
        # objective divided by 2 alpha.
        return sample_weight / (2.0 * self.alpha)


class MultiTaskLinearSVR(MultiTaskLinearRegressorMixin, BaseEstimator):
    """Linear support vector regression, one per task, coupled by a task similarity.

    Task ``t`` has its own weights ``w_t`` and intercept ``b_t``; the model
    minimises

        ``1/2 tr(W Omega^-1 W') + C sum_i sample_weight_i loss(y_i - x_i' w_{t_i} - b_{t_i})``

    with the epsilon-insensitive loss ``max(0, |r| - epsilon)`` or its
    square: :class:`sklearn.svm.LinearSVR`'s objective with one task, except
    that the intercept is not regularised (liblinear regularises it as a
    feature of value ``intercept_scaling``), so the two agree with
    ``bias=None`` and ``fit_intercept=False``. The same solvers as
    :class:`MultiTaskLinearSVC`: dual coordinate descent for
    'epsilon_insensitive', Newton's method for
    'squared_epsilon_insensitive'.

    Parameters
    ----------
    epsilon : float, default=0.0
        Half-width of the tube in which errors cost nothing, in the units of
        y, as in LinearSVR.
    C : float, default=1.0
        Weight of each row's loss against the regulariser.
    loss : {'epsilon_insensitive', 'squared_epsilon_insensitive'}, default='epsilon_insensitive'
        'epsilon_insensitive' (LinearSVR's default) is solved by dual
        coordinate descent; 'squared_epsilon_insensitive' by Newton's method
        with a line search (and with dask input).
    {similarity}
    {bias}
    {shared}
    random_state : int, RandomState instance or None, default=None
        The order of coordinate descent (loss='epsilon_insensitive').
    verbose : int, default=0
        Print solver and Omega-learning progress.

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MultiTaskRidge : The same model with the squared error.
    sklearn.svm.LinearSVR : The single-task model.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskLinearSVR
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 2)
    >>> tasks = np.repeat([0, 1], 100)
    >>> y = X @ [1.0, 2.0] + 3.0 * tasks + 0.1 * rng.randn(200)
    >>> reg = MultiTaskLinearSVR(epsilon=0.1, C=0.1, random_state=0).fit(X, y, tasks=tasks)
    >>> reg.coef_.round(1)
    array([[1., 2.],
           [1., 2.]])
    """

    _parameter_constraints: dict = {
        **_REGRESSOR_CONSTRAINTS,
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions({"epsilon_insensitive", "squared_epsilon_insensitive"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        epsilon=0.0,
        C=1.0,
        loss="epsilon_insensitive",
        task_similarity=0.5,
        bias="per_task",
        task_column=None,
        tol=1e-4,
        max_iter=1000,
        similarity_ridge=1e-3,
        similarity_max_iter=100,
        similarity_tol=1e-3,
        random_state=None,
        verbose=0,
    ):
        self.epsilon = epsilon
        self.C = C
        self.loss = loss
        self.task_similarity = task_similarity
        self.bias = bias
        self.task_column = task_column
        self.tol = tol
        self.max_iter = max_iter
        self.similarity_ridge = similarity_ridge
        self.similarity_max_iter = similarity_max_iter
        self.similarity_tol = similarity_tol
        self.random_state = random_state
        self.verbose = verbose

    @property
    def _loss(self):
        return self.loss

    @property
    def _epsilon(self):
        return float(self.epsilon)

    def _row_costs(self, sample_weight):
        return self.C * sample_weight


_TOL_DOCS = {
    MultiTaskRidge: """tol : float, default=1e-4
        Stop when the gradient, the residual of the normal equations, is at
        most ``tol`` times its norm at zero: the relative residual of Ridge's
        'sparse_cg' solver. Ridge's default solver is exact; ask
        ``tol=1e-10`` for agreement to rounding.
    max_iter : int or None, default=None
        Cap on conjugate-gradient iterations per fit (per Omega update with
        'learn'); None: ten times the number of variables, as SciPy's
        ``cg``.""",
    MultiTaskLinearSVR: """tol : float, default=1e-4
        'squared_epsilon_insensitive': stop when the gradient norm is
        ``tol`` times its value at zero; 'epsilon_insensitive': when the
        largest violation of the dual optimality conditions (and the bias's
        last move) is at most ``tol`` times that of the first epoch, as
        liblinear's relative rule for LinearSVR.
    max_iter : int, default=1000
        Cap on Newton steps or coordinate-descent epochs per fit (per Omega
        update with 'learn').""",
}

_N_ITER_DOCS = {
    MultiTaskRidge: """n_iter_ : int
        Conjugate-gradient iterations (each two passes over X), summed over
        Omega updates.""",
    MultiTaskLinearSVR: """n_iter_ : int
        Newton steps or coordinate-descent epochs, summed over Omega updates.""",
}

for _estimator in (MultiTaskRidge, MultiTaskLinearSVR):
    _estimator.__doc__ = (
        _estimator.__doc__
        .replace("{similarity}", TASK_SIMILARITY_DOC)
        .replace("{bias}", _BIAS_DOC)
        .replace("{shared}", _SHARED_DOC.replace("{tol_and_max_iter}", _TOL_DOCS[_estimator]))
        .replace("{attributes}", _ATTRIBUTES_DOC.replace("{n_iter}", _N_ITER_DOCS[_estimator]))
    )
