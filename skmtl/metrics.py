"""Task-aware scoring: a metric computed within each task, then averaged.

The standard multi-task protocol scores each task on its own rows and
averages over tasks (mean per-task ROC AUC, say), so that a large task does
not hide a small one. :func:`make_task_scorer` builds such a scorer for
``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV` or
:func:`~sklearn.model_selection.cross_validate`; :func:`get_task_scorer`
does it for the usual metric names.

Both forms of the task data are scored: a 1-D ``y`` with task ids, and a
wide ``y`` of shape ``(n_samples, n_tasks)`` (one column per task, missing
labels allowed, NaN for a regressor's missing targets), where each task is
scored on the labelled entries of its column.

Classifiers and regressors are scored alike: the regression names ('r2',
'neg_root_mean_squared_error', 'neg_mean_absolute_error',
'explained_variance', 'neg_normalized_mean_squared_error') read
``predict`` as scikit-learn's scorers of those names do, within each task.
"""

from __future__ import annotations

import inspect
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    explained_variance_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.validation import _num_samples

from ._tasks import (
    WideTargets,
    align_wide_columns,
    entry_weights,
    is_wide,
    plain_id,
    read_wide_targets,
    refuse_ids_beside_wide,
    resolve_task_ids,
    show_ids,
)

__all__ = ["TaskScorer", "get_task_scorer", "make_task_scorer", "normalized_mean_squared_error"]

_RESPONSE_METHODS = ("predict", "predict_proba", "decision_function")


def normalized_mean_squared_error(y_true, y_pred, *, sample_weight=None) -> float:
    """Mean squared error divided by the variance of the true targets (nMSE).

    ``nMSE = sum_i w_i (y_i - f_i)^2 / sum_i w_i (y_i - mean_w(y))^2``: the
    error of the model relative to that of predicting the targets' own mean,
    so 0 is perfect, 1 is no better than the mean, and tasks on different
    scales become comparable. It is the normalised MSE of the multi-task
    regression literature, reported for the School data, for instance, by
    Chen, Zhou & Ye (KDD 2011) and Zhou, Chen & Ye (NIPS 2011) with the
    MALSAR package, and, as the "standardised MSE", by Bonilla, Chai &
    Williams (NIPS 2008) for multi-task Gaussian processes. Some of those
    papers divide by the variance of all tasks' targets pooled; a task scorer
    (``'neg_normalized_mean_squared_error'``) divides within each task and
    then averages over tasks, as for every other metric.

    Within one set of rows it equals ``1 - r2_score`` (the variance being the
    population one); unlike ``r2_score`` it has no value (NaN) where the
    targets do not vary (a single row, or all equal), instead of a
    conventional 0 or 1.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True targets.
    y_pred : array-like of shape (n_samples,)
        Predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows in both sums.

    Returns
    -------
    nmse : float
        Non-negative; NaN where the weighted variance of ``y_true`` is 0.

    Examples
    --------
    >>> from skmtl.metrics import normalized_mean_squared_error
    >>> normalized_mean_squared_error([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    1.0
    >>> normalized_mean_squared_error([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    """
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred have different lengths ({len(y_true)} and {len(y_pred)}).")
    weight = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = weight.sum()
    if not total > 0:
        return float("nan")
    mean = np.dot(weight, y_true) / total
    spread = np.dot(weight, (y_true - mean) ** 2)
    # Below this the targets are constant up to rounding: the ratio would be noise.
    if not spread > 1e-12 * total * max(1.0, mean * mean):
        return float("nan")
    return float(np.dot(weight, (y_true - y_pred) ** 2) / spread)


# name -> (metric, response_method, greater_is_better, metric kwargs), as the
# scorers of the same name in scikit-learn.
_NAMED_SCORERS = {
    "accuracy": (accuracy_score, "predict", True, {}),
    "balanced_accuracy": (balanced_accuracy_score, "predict", True, {}),
    "f1": (f1_score, "predict", True, {}),
    "f1_macro": (f1_score, "predict", True, {"average": "macro"}),
    "roc_auc": (roc_auc_score, ("decision_function", "predict_proba"), True, {}),
    "roc_auc_ovr": (roc_auc_score, "predict_proba", True, {"multi_class": "ovr"}),
    "average_precision": (
        average_precision_score,
        ("decision_function", "predict_proba"),
        True,
        {},
    ),
    "neg_log_loss": (log_loss, "predict_proba", False, {}),
}

# The regression scorers, as scikit-learn's of the same names (plus the nMSE).
_REGRESSION_SCORERS = {
    "r2": (r2_score, "predict", True, {}),
    "neg_root_mean_squared_error": (root_mean_squared_error, "predict", False, {}),
    "neg_mean_absolute_error": (mean_absolute_error, "predict", False, {}),
    "explained_variance": (explained_variance_score, "predict", True, {}),
    "neg_normalized_mean_squared_error": (normalized_mean_squared_error, "predict", False, {}),
}
_NAMED_SCORERS.update(_REGRESSION_SCORERS)

# Metrics that need this many rows (of positive weight) in a task to mean anything:
# R² and explained variance compare the errors with the targets' spread, which
# one row does not have (scikit-learn answers 1.0 or 0.0, or NaN with a warning).
_MIN_ROWS = {r2_score: 2, explained_variance_score: 2}


class TaskScorer:
    """A metric computed within each task and averaged over the tasks.

    Build one with :func:`make_task_scorer` or :func:`get_task_scorer`. Call
    it as any scikit-learn scorer, ``scorer(estimator, X, y)``; it returns the
    average of the per-task scores (negated when lower is better, as
    ``'neg_log_loss'``). :meth:`per_task` returns the scores of the tasks.

    Where the task ids come from, first match wins:

    1. ``tasks=`` given to the call (by metadata routing, or by hand): they
       group the rows and are passed on to the estimator's prediction method;
    2. the scorer's own ``task_column`` (a column of ``X``);
    3. the ``task_column`` of the estimator (or of the last step of a
       pipeline, or of a search's best estimator), when ``X`` holds it: a
       column name of a DataFrame, or an index when no pipeline step could
       have moved the column.

    Without any, all rows form one task and the scorer is the plain metric.

    A wide ``y_true`` (one column per task, a missing label meaning "not
    labelled for this task") names the tasks by its columns: column names
    of a DataFrame, else 0..n_tasks-1, in column order. The estimator must
    answer every task for every row, as a model fitted on a wide ``y``
    does: ``predict(X)`` of shape (n_samples, n_tasks), ``predict_proba(X)``
    and ``decision_function(X)`` as lists of one array per task (the
    positive-class column of each probability array when binary). Each
    task is scored on the labelled entries of its column; ``'weighted'``
    weighs the tasks by their numbers of labelled entries; ``sample_weight``
    may then be given per row (n_samples,) or per label (n_samples, n_tasks).

    A task whose score is undefined on the rows given (ROC AUC of a task with
    one class in the test fold, R² or explained variance of a task with fewer
    than two rows, the normalised MSE of a task whose targets do not vary,
    for example) is left out of the average with an
    :class:`~sklearn.exceptions.UndefinedMetricWarning` naming it; if no
    task has a score, the result is NaN. So is a task with no labelled entry
    among the rows of a wide ``y_true``.

    Regressors have no ``classes_``; their scorers read ``predict``: one
    number per row, or, for a model fitted on a wide ``y``, an
    ``(n_samples, n_tasks)`` array (or DataFrame) whose column ``t`` is
    scored on the labelled (non-NaN) entries of ``y_true``'s column ``t``.
    """

    def __init__(self, metric, response_method, average, greater_is_better, task_column, kwargs, name=None):
        self.metric = metric
        self.response_method = response_method
        self.average = average
        self.greater_is_better = greater_is_better
        self.task_column = task_column
        self.kwargs = kwargs
        self.name = name or getattr(metric, "__name__", repr(metric))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return (
            f"make_task_scorer({self.name}, response_method={self.response_method!r}, "
            f"average={self.average!r}, greater_is_better={self.greater_is_better}{extra})"
        )

    # scikit-learn asks scorers which metadata they consume: ``tasks`` (and
    # ``sample_weight``) reach ``__call__`` when routing is enabled.
    def get_metadata_routing(self):
        """Request ``tasks`` and ``sample_weight`` for scoring (metadata routing)."""
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="tasks", alias=True)
        request.score.add_request(param="sample_weight", alias=True)
        return request

    def __call__(self, estimator, X, y_true, sample_weight=None, tasks=None):
        """Average of the per-task scores of ``estimator`` on ``X``."""
        scores, sizes = self._scores_and_sizes(estimator, X, y_true, tasks, sample_weight)
        values = np.array(list(scores.values()), dtype=float)
        defined = ~np.isnan(values)
        if not defined.all():
            undefined = [task for task, ok in zip(scores, defined) if not ok]
            warnings.warn(
                f"{self.name} is undefined for task(s) {show_ids(undefined[:10])}"
                f"{' ...' if len(undefined) > 10 else ''} on these rows (one class, too few "
                "rows or targets that do not vary, or no labelled entry, say); they are left out "
                "of the average.",
                UndefinedMetricWarning,
            )
        if not defined.any():
            return float("nan")
        if self.average == "weighted":
            return float(np.average(values[defined], weights=sizes[defined]))
        return float(values[defined].mean())

    def per_task(self, estimator, X, y_true, *, tasks=None, sample_weight=None) -> dict:
        """Score of each task: task id -> signed score (NaN where undefined).

        Parameters
        ----------
        estimator : fitted classifier or regressor
            The model to score.
        X : array-like of shape (n_samples, n_features)
            Rows to score (with the task column when the estimator uses one).
        y_true : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels or targets: one per row, or one column per task (the
            wide form, missing labels allowed; see the class docstring).
        tasks : array-like of shape (n_samples,), default=None
            Task ids of the rows, passed to the estimator as ``tasks=``
            (not with a wide ``y_true``).
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Weights passed to the metric (per label with a wide ``y_true``).

        Returns
        -------
        scores : dict
            Sorted task ids -> score; ``None`` -> score when there are no
            tasks. With a wide ``y_true``: its column names (or positions)
            -> score, in column order.
        """
        return self._scores_and_sizes(estimator, X, y_true, tasks, sample_weight)[0]

    def _scores_and_sizes(self, estimator, X, y_true, tasks, sample_weight):
        """(task id -> score, entries of each task): what averaging needs."""
        if is_wide(y_true):
            final = _final_model(estimator)[0]
            if hasattr(final, "tasks_"):  # a DataFrame's columns are matched to the tasks by name
                y_true = align_wide_columns(y_true, final.tasks_, "y_true")
            wide = self._wide_truth(X, y_true, tasks)
            responses = self.wide_response(estimator, X, wide.n_tasks)
            scores = self.score_wide(wide, responses, _classes(estimator), sample_weight)
            return scores, wide.labelled.sum(axis=0)
        ids = self._task_ids(estimator, X, tasks, len(y_true))
        response = self.response(estimator, X, tasks)
        scores = self.score_by_task(y_true, response, ids, _classes(estimator), sample_weight)
        sizes = np.array([np.sum(ids == task) if task is not None else len(ids) for task in scores])
        return scores, sizes

    def _wide_truth(self, X, y_true, tasks) -> WideTargets:
        refuse_ids_beside_wide(
            y_true,
            "tasks=" if tasks is not None
            else f"task_column={self.task_column!r}" if self.task_column is not None else None,
            "y_true",
        )
        return read_wide_targets(y_true, _num_samples(X), allow_empty=True)

    def response(self, estimator, X, tasks=None):
        """The estimator's output this metric reads (positive-class column when binary)."""
        method = self._method(estimator)
        params = {} if tasks is None else {"tasks": tasks}
        if params and hasattr(estimator, "steps"):
            # A pipeline forwards tasks= to its last step's predict but not to
            # its decision_function (without metadata routing): do it by hand.
            X, estimator = estimator[:-1].transform(X), estimator[-1]
        return _positive_column(method, getattr(estimator, method)(X, **params))

    def wide_response(self, estimator, X, n_tasks) -> list:
        """The output this metric reads for each of ``n_tasks`` tasks, every row (the wide form).

        ``predict(X)`` of shape (n_samples, n_tasks) gives its columns;
        ``predict_proba(X)`` and ``decision_function(X)``, lists of one
        array per task, their elements (the positive-class column of a
        binary task's probabilities, or of its decision values when they
        have a column per class).
        """
        method = self._method(estimator)
        final = _final_model(estimator)[0]
        if hasattr(final, "_wide_form") and final._wide_form is None:  # a skmtl model fitted on a 1-D y
            raise ValueError(
                f"y_true is in the wide form (one column per task), but this {type(final).__name__} "
                "was fitted on a 1-D y; fit it on the wide y, or score it on a 1-D y_true with its "
                "task ids (tasks=)."
            )
        output = getattr(estimator, method)(X)
        if method == "predict":
            if np.ndim(output) != 2:
                raise ValueError(
                    f"y_true has {n_tasks} columns, one per task, but {type(estimator).__name__}.predict "
                    f"answers one label per row (shape {np.shape(output)}); score it on a 1-D y_true."
                )
            output = [_native(output.iloc[:, t] if hasattr(output, "iloc") else output[:, t])
                      for t in range(np.shape(output)[1])]
        elif not isinstance(output, list):
            raise ValueError(
                f"y_true has {n_tasks} columns, one per task, but {type(estimator).__name__}.{method} "
                "answers one array for all tasks, not a list of one per task; score it on a 1-D y_true."
            )
        if len(output) != n_tasks:
            raise ValueError(
                f"y_true has {n_tasks} columns but {type(estimator).__name__} answers {len(output)} "
                "tasks; give one column per task of the fit, in its order."
            )
        return [_positive_column(method, np.asarray(answer), wide=True) for answer in output]

    def _method(self, estimator) -> str:
        """The first of ``response_method`` the estimator has."""
        methods = (self.response_method,) if isinstance(self.response_method, str) else self.response_method
        method = next((m for m in methods if hasattr(estimator, m)), None)
        if method is None:
            raise AttributeError(
                f"{type(estimator).__name__} has none of {', '.join(methods)}, which the "
                f"{self.name} scorer needs (probability=True, for an SVC?)."
            )
        return method

    def score_by_task(self, y_true, response, ids, classes, sample_weight=None) -> dict:
        """Apply the metric within each task; NaN for a task where it is undefined."""
        y_true = np.asarray(y_true)
        scores = {}
        for task in _unique(ids):
            rows = slice(None) if task is None else np.flatnonzero(ids == task)
            weight = None if sample_weight is None else np.asarray(sample_weight)[rows]
            scores[plain_id(task)] = self._score_task(y_true[rows], response[rows], classes, weight)
        return scores

    def score_wide(self, wide, responses, classes, sample_weight=None) -> dict:
        """Apply the metric to each task's labelled entries of a wide y; NaN where undefined.

        ``wide`` is the :class:`~skmtl._tasks.WideTargets` of ``y_true``,
        ``responses`` one output per task for every row
        (:meth:`wide_response`), ``classes`` the labels of each task (a
        wide-fitted model's ``classes_``; None for a regressor),
        ``sample_weight`` None, (n_samples,) or (n_samples, n_tasks).
        """
        rows, codes = wide.entries()
        weight = None
        if sample_weight is not None:
            weight = entry_weights(sample_weight, wide.labelled.shape[0], wide, rows, codes)
        scores = {}
        for t, task in enumerate(wide.tasks):
            mine = codes == t  # the task's entries, in row order as its labels
            scores[plain_id(task)] = self._score_task(
                wide.labels[t], responses[t][rows[mine]], None if classes is None else np.asarray(classes[t]),
                None if weight is None else weight[mine],
            )
        return scores

    def _score_task(self, y_true, response, classes, sample_weight):
        """The signed metric on one task's entries; NaN where undefined (too few rows, or one class).

        ``classes`` are the task's labels (None for a regressor).
        """
        weighed = len(y_true) if sample_weight is None else int(np.count_nonzero(np.asarray(sample_weight) > 0))
        if weighed < _MIN_ROWS.get(self.metric, 1) or len(y_true) == 0:
            return np.nan
        kwargs = dict(self.kwargs)
        parameters = inspect.signature(self.metric).parameters
        if classes is not None and response.ndim == 1 and response.dtype.kind == "f" and "pos_label" in parameters:
            kwargs.setdefault("pos_label", classes[-1])
        if self.metric is log_loss and classes is not None:
            kwargs.setdefault("labels", classes)  # a fold may lack a class of a task
        with warnings.catch_warnings():
            # Undefined scores are reported once, by task, by the caller.
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            try:
                value = self.metric(y_true, response, sample_weight=sample_weight, **kwargs)
            except ValueError:
                if len(np.unique(y_true)) > 1:
                    raise
                value = np.nan  # one class: e.g. ROC AUC has no meaning
        return (1.0 if self.greater_is_better else -1.0) * float(value)

    def _task_ids(self, estimator, X, tasks, n_samples):
        column = None
        if tasks is None:  # routed ids win over any column
            column = self.task_column
            if column is None:
                column = _estimator_task_column(estimator, X)
        ids = resolve_task_ids(X, column, tasks, n_samples)
        return np.full(n_samples, None, dtype=object) if ids is None else ids


def _positive_column(method, output, wide=False):
    """A binary problem's probabilities as the probability of the positive class, as scikit-learn's scorers.

    In the wide form, each answer is one task's, its columns that task's
    classes: a decision function with a column per class of a binary task
    is read the same way (its second column scores the positive class).
    """
    per_class = method == "predict_proba" or (wide and method == "decision_function")
    if per_class and output.ndim == 2 and output.shape[1] == 2:
        return output[:, 1]
    return output


def _classes(estimator):
    """The estimator's ``classes_``, or None for a regressor (which has none)."""
    return getattr(estimator, "classes_", None)


def _native(column) -> np.ndarray:
    """One task's predicted labels in their own type (an object column of mixed tasks is not)."""
    column = column.to_numpy() if hasattr(column, "to_numpy") else np.asarray(column)
    return np.asarray(column.tolist()) if column.dtype == object else column


def _unique(ids):
    if ids.dtype == object and len(ids) and ids[0] is None:
        return [None]
    return np.unique(ids)


def _final_model(estimator):
    """(the model behind a search's best estimator or a pipeline's last step,
    whether a pipeline step before it may have moved or renamed columns)."""
    moved = False
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            moved = moved or len(estimator.steps) > 1
            estimator = estimator.steps[-1][1]
        else:
            return estimator, moved


def _estimator_task_column(estimator, X):
    """The task column of the model behind ``estimator``, if ``X`` holds it."""
    estimator, moved = _final_model(estimator)
    column = getattr(estimator, "task_column", None)
    if column is None:
        return None
    if isinstance(column, str) and hasattr(X, "columns") and column in X.columns:
        return column
    if not isinstance(column, str) and not moved:
        return column
    raise ValueError(
        f"The scorer cannot find the task column {column!r} of {type(estimator).__name__} "
        "in the X it is given (a pipeline step may have moved it); pass "
        "task_column=<column of the raw X> to make_task_scorer."
    )


def make_task_scorer(
    metric,
    *,
    response_method="predict",
    average="macro",
    greater_is_better=True,
    task_column=None,
    **kwargs,
) -> TaskScorer:
    """Make a scorer that computes ``metric`` within each task and averages.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_response, sample_weight=None, **kwargs)``, e.g.
        :func:`sklearn.metrics.roc_auc_score`.
    response_method : str or tuple of str, default='predict'
        The estimator method whose output the metric reads: 'predict',
        'predict_proba' or 'decision_function', or a tuple of them (the
        first the estimator has is used). For a binary problem,
        'predict_proba' gives the probability of ``classes_[1]``.
    average : {'macro', 'weighted'}, default='macro'
        'macro': the plain mean over tasks (every task counts the same, the
        usual multi-task protocol); 'weighted': weighted by each task's
        number of rows.
    greater_is_better : bool, default=True
        False for losses: the scorer then returns the negated average.
    task_column : int, str or None, default=None
        Column of the ``X`` given to the scorer that holds the task ids.
        None: take ``tasks=`` from the call, else the estimator's own
        ``task_column`` (see :class:`TaskScorer`).
    **kwargs
        Passed to ``metric``.

    Returns
    -------
    scorer : TaskScorer
        Callable as ``scorer(estimator, X, y)``; ``scorer.per_task(...)``
        gives the scores of the tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import roc_auc_score
    >>> from skmtl import MultiTaskKernelSVC
    >>> from skmtl.metrics import make_task_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = (X[:, 0] * np.where(tasks == "north", 1, -1) > 0).astype(int)
    >>> clf = MultiTaskKernelSVC().fit(X, y, tasks=tasks)
    >>> auc = make_task_scorer(roc_auc_score, response_method="decision_function")
    >>> {task: round(score, 3) for task, score in auc.per_task(clf, X, y, tasks=tasks).items()}
    {'north': 0.998, 'south': 0.999}
    >>> round(auc(clf, X, y, tasks=tasks), 3)
    0.998
    """
    if not callable(metric):
        raise TypeError(
            f"metric must be a callable metric(y_true, y_response), got {metric!r}; "
            "for a name such as 'roc_auc' use get_task_scorer."
        )
    methods = (response_method,) if isinstance(response_method, str) else tuple(response_method)
    if not methods or any(m not in _RESPONSE_METHODS for m in methods):
        raise ValueError(
            f"response_method must be one of {_RESPONSE_METHODS} or a tuple of them, "
            f"got {response_method!r}."
        )
    if average not in ("macro", "weighted"):
        raise ValueError(f"average must be 'macro' or 'weighted', got {average!r}.")
    return TaskScorer(metric, response_method, average, greater_is_better, task_column, kwargs)


def get_task_scorer(scoring, *, average="macro", task_column=None) -> TaskScorer:
    """The per-task version of a scikit-learn scorer name.

    Parameters
    ----------
    scoring : str or TaskScorer
        For classifiers, one of 'accuracy', 'balanced_accuracy', 'f1',
        'f1_macro', 'roc_auc', 'roc_auc_ovr', 'average_precision',
        'neg_log_loss'; for regressors, one of 'r2',
        'neg_root_mean_squared_error', 'neg_mean_absolute_error',
        'explained_variance' (each reads the same response as the
        scikit-learn scorer of that name, within each task) and
        'neg_normalized_mean_squared_error' (the task's MSE divided by the
        variance of its true targets, negated; see
        :func:`normalized_mean_squared_error`). A TaskScorer is returned as
        it is.
    average : {'macro', 'weighted'}, default='macro'
        How to average over tasks (see :func:`make_task_scorer`).
    task_column : int, str or None, default=None
        Where the scorer finds task ids (see :func:`make_task_scorer`).

    Returns
    -------
    scorer : TaskScorer

    Examples
    --------
    >>> from skmtl.metrics import get_task_scorer
    >>> get_task_scorer("roc_auc")
    make_task_scorer(roc_auc, response_method=('decision_function', 'predict_proba'), average='macro', greater_is_better=True)
    >>> get_task_scorer("neg_root_mean_squared_error", average="weighted")
    make_task_scorer(neg_root_mean_squared_error, response_method='predict', average='weighted', greater_is_better=False)
    """
    if isinstance(scoring, TaskScorer):
        return scoring
    if scoring not in _NAMED_SCORERS:
        raise ValueError(
            f"Unknown scoring {scoring!r}; choose one of {', '.join(sorted(_NAMED_SCORERS))}, "
            "or build a scorer with make_task_scorer."
        )
    metric, response_method, greater_is_better, kwargs = _NAMED_SCORERS[scoring]
    scorer = make_task_scorer(
        metric,
        response_method=response_method,
        average=average,
        greater_is_better=greater_is_better,
        task_column=task_column,
    )
    # Set apart: the metric's own ``average`` (f1_macro's) is not the
    # scorer's average over tasks.
    scorer.kwargs = dict(kwargs)
    scorer.name = scoring
    return scorer


#: The names :func:`get_task_scorer` knows.
TASK_SCORER_NAMES = tuple(sorted(_NAMED_SCORERS))

#: Those of them that score regressors (the others score classifiers).
REGRESSION_SCORER_NAMES = tuple(sorted(_REGRESSION_SCORERS))


class ScoreScale(NamedTuple):
    """How to read a named per-task score (signed so that higher is better).

    The command's first line and the comparison figure's reference line
    both read it, so each scorer's levels are written once.
    """

    best: float  # a perfect model's score
    floor: str | None = None  # in words, what a model that learned nothing scores ("0.5 is chance")
    floor_value: float | None = None  # the same as a number, where the data do not change it
    floor_label: str | None = None  # its name on a figure's reference line


_MEAN = "no better than predicting the mean"

#: The :class:`ScoreScale` of each name of :data:`TASK_SCORER_NAMES`.
SCORE_SCALES = {
    "roc_auc": ScoreScale(1.0, "0.5 is chance", 0.5, "chance (0.5)"),
    "roc_auc_ovr": ScoreScale(1.0, "0.5 is chance", 0.5, "chance (0.5)"),
    "accuracy": ScoreScale(1.0),  # chance depends on the classes' shares
    "balanced_accuracy": ScoreScale(1.0, "1 / (number of classes) is chance"),
    "average_precision": ScoreScale(1.0, "the share of positive rows is chance"),
    "f1": ScoreScale(1.0),
    "f1_macro": ScoreScale(1.0),
    "neg_log_loss": ScoreScale(0.0),
    "r2": ScoreScale(1.0, f"0 is {_MEAN}", 0.0, "0: each task's mean"),
    "explained_variance": ScoreScale(1.0, f"0 is {_MEAN}", 0.0, "0: each task's mean"),
    "neg_root_mean_squared_error": ScoreScale(0.0),
    "neg_mean_absolute_error": ScoreScale(0.0),
    "neg_normalized_mean_squared_error": ScoreScale(0.0, f"-1 is {_MEAN}", -1.0, "-1: each task's mean"),
}
