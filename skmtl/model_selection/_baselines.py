"""The two classic baselines of multi-task learning, as estimators.

:class:`IndependentTaskClassifier` and :class:`IndependentTaskRegressor` fit
one model per task (no sharing); :class:`PooledTaskClassifier` and
:class:`PooledTaskRegressor` fit one model on all rows with the task id
removed (full sharing). They take any scikit-learn classifier, or regressor,
and follow the task data model of every skmtl estimator, so a multi-task
model and its baselines take the same inputs and raise the same errors.

One implementation serves both kinds: :class:`_Baseline` holds the
parameters and checks, :class:`_Independent` and :class:`_Pooled` the
fitting and predicting, and :class:`_ClassifierBaseline` /
:class:`_RegressorBaseline` what differs between labels and numbers (the
targets, the default model, how per-task answers are gathered).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import has_fit_parameter

from .._labels import ClassifierLabelsMixin
from .._regression import RegressorTargetsMixin
from .._tasks import TaskDataMixin, WideTargets, entry_weights


def _inner_has(method):
    """available_if test: the wrapped (or, once fitted, each fitted) model has ``method``."""

    def check(self):
        fitted = getattr(self, "estimators_", None) or (
            {None: self.estimator_} if hasattr(self, "estimator_") else None
        )
        models = fitted.values() if fitted else [self._base_estimator()]
        return all(hasattr(model, method) for model in models)

    return check


# As scikit-learn's n_jobs (and MultiTaskKernelSVC's): None or a non-zero int, 0 has no meaning.
N_JOBS = [None, Interval(Integral, None, -1, closed="right"), Interval(Integral, 1, None, closed="left")]

#: kind -> (test, an example to name in the error).
_KINDS = {"classifier": (is_classifier, "LogisticRegression()"), "regressor": (is_regressor, "Ridge()")}


def check_estimator_kind(estimator, where, kind="classifier"):
    """Refuse a model of the other kind: a regressor's outputs would become labels, a classifier's targets."""
    test, example = _KINDS[kind]
    if not test(estimator):
        raise ValueError(
            f"{where} must be a {kind}, got {' '.join(repr(estimator).split())}; pass a "
            f"scikit-learn {kind} (e.g. {example}) or a Pipeline ending in one."
        )


#: Docstring sections of every baseline, written once (see :func:`_fill_doc`).
_DOC_SECTIONS = {
    "task_column": """\
    task_column : int, str or None, default=None
        Column of ``X`` holding the task id of each row (an index, or a name
        when ``X`` is a DataFrame); it is removed from the features. With
        None, pass task ids with ``tasks=``, or none for a single task.
""",
    "n_jobs": """\
    n_jobs : int, default=None
        Parallel jobs over the tasks in ``fit`` (joblib semantics; 0 is refused).
""",
    "fit_x_y": """\
        X : array-like of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels (the classifier baselines) or numeric targets (the
            regressor baselines). Wide form: one column per task (a
            DataFrame's column names are the task ids), a missing value
            (NaN, None, ``pd.NA``; NaN among numbers) where a row is not
            labelled for a task.
""",
    "fit_tasks": """\
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None; not with a wide y.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None""",
    "predict": """\
        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict (with the task column when ``task_column`` is set).
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None. 'all' (the
            default for a model fitted on a wide y) predicts every row for
            every task.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            Predicted labels (classifier baselines) or values (regressor
            baselines). For every task (a wide fit, or ``tasks='all'``): one""",
    "task_attributes": """\
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in fit (``[None]`` for a single-task fit); for a
        wide y, its column names (else 0..n_tasks-1) in column order.
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of columns of ``X`` in fit, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in fit, when it had string column names.
""",
}


def _fill_doc(documented):
    """Put the shared sections into a baseline's (or its method's) docstring, at its ``%(name)s`` markers."""
    if documented.__doc__:  # None under python -OO
        documented.__doc__ = documented.__doc__ % _DOC_SECTIONS
    return documented


class _Baseline:
    """What every baseline shares: parameters, input checks, tags.

    Mixed in after the kind's mixin (:class:`_ClassifierBaseline` or
    :class:`_RegressorBaseline`) and before
    :class:`~skmtl._tasks.TaskDataMixin`, whose validation it completes with
    what the wrapped model accepts.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "task_column": [None, Integral, str],
    }

    def _base_estimator(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def _check_params(self) -> dict:
        # Let through what the wrapped model accepts (sparse input, NaN).
        inner = get_tags(self._base_estimator()).input_tags
        return {
            "accept_sparse": ["csr", "csc"] if inner.sparse else False,
            "ensure_all_finite": not inner.allow_nan,
        }

    def _fit_data(self, X, y, tasks, sample_weight):
        """Validated X and training entries: (X, targets, rows, codes, weight).

        The entries are the rows of a long y, or the labelled entries of a
        wide one: each entry's row of X, task code and weight (None:
        unweighted). ``targets`` are what the kind's
        :meth:`_encode_fit_targets` makes of y (and sets: ``classes_``, say).
        """
        check_estimator_kind(self._base_estimator(), f"The estimator of {type(self).__name__}", self._kind)
        X, y, codes = self._validate_fit_data(X, y, tasks, **self._check_params())
        wide = y if isinstance(y, WideTargets) else None
        rows, codes = wide.entries() if wide is not None else (np.arange(X.shape[0]), codes)
        if sample_weight is not None:
            if not has_fit_parameter(self._base_estimator(), "sample_weight"):
                raise TypeError(
                    f"{type(self._base_estimator()).__name__}.fit takes no sample_weight, "
                    "so this baseline cannot use sample weights."
                )
            # Refused as the multi-task estimators refuse them (sklearn's message).
            sample_weight = entry_weights(sample_weight, X.shape[0], wide, rows, codes)
        return X, self._encode_fit_targets(y, wide, codes, sample_weight), rows, codes, sample_weight

    def _validate_predict_data(self, X, tasks, **check_params):
        """The task contract's check, letting through what the wrapped model accepts."""
        return super()._validate_predict_data(X, tasks, **(check_params or self._check_params()))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse and self.task_column is None
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        if tags.classifier_tags is not None and inner.classifier_tags is not None:
            tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        if tags.regressor_tags is not None and inner.regressor_tags is not None:
            tags.regressor_tags.poor_score = inner.regressor_tags.poor_score
        return tags


def _fit_one(estimator, X, y, sample_weight):
    if sample_weight is None:
        return estimator.fit(X, y)
    return estimator.fit(X, y, sample_weight=sample_weight)


class _ClassifierBaseline(ClassifierLabelsMixin, _Baseline):
    """The label side of the classifier baselines."""

    _kind = "classifier"

    def _default_estimator(self):
        return LogisticRegression()

    def _encode_fit_targets(self, y, wide, codes, sample_weight):
        """Set ``classes_`` and ``task_classes_`` (checking every task's labels); y stays as given."""
        if wide is None:
            self._encode_labels(y, codes, sample_weight)
        else:
            self._encode_wide_labels(wide, codes, sample_weight)
        return y

    def _task_targets(self, y, codes):
        """Each task's training labels, in entry order, in the task's own label type."""
        if isinstance(y, WideTargets):
            return y.labels
        return [y[codes == t] for t in range(self.n_tasks_)]

    def _pooled_targets(self, y, codes):
        """Every entry's label, for one model of all tasks (which needs one label type)."""
        if not isinstance(y, WideTargets):
            return y
        try:
            self._union_classes()
        except ValueError:  # the tasks mix text and number labels
            raise ValueError(
                "The tasks (columns of y) mix text and number labels, but "
                f"{type(self).__name__} fits one model on all of them, which needs one label "
                "set; give every task's labels the same type (e.g. all text, y.astype(str))."
            ) from None
        return y.entry_labels(codes)

    def _gather(self, n_rows, requests, answers):
        return self._gather_labels(n_rows, requests, answers)


class _RegressorBaseline(RegressorTargetsMixin, _Baseline):
    """The target side of the regressor baselines: float64 targets, one per entry."""

    _kind = "regressor"

    def _default_estimator(self):
        return Ridge()

    def _encode_fit_targets(self, y, wide, codes, sample_weight):
        if wide is None:
            return self._encode_targets(y, codes, sample_weight)
        return self._encode_wide_targets(wide, codes, sample_weight)

    def _task_targets(self, targets, codes):
        # A task's entries are in row order, as a wide task's labels.
        return [targets[codes == t] for t in range(self.n_tasks_)]

    def _pooled_targets(self, targets, codes):
        return targets

    def _gather(self, n_rows, requests, answers):
        return self._gather_values(n_rows, requests, answers)


class _Independent(_Baseline):
    """One clone of the wrapped model per task: fitting, and predicting with each row's task model."""

    _parameter_constraints: dict = {**_Baseline._parameter_constraints, "n_jobs": N_JOBS}

    def __init__(self, estimator=None, *, task_column=None, n_jobs=None):
        self.estimator = estimator
        self.task_column = task_column
        self.n_jobs = n_jobs

    @_fill_doc
    @_fit_context(prefer_skip_nested_validation=False)  # the inner model validates its own
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit one clone of ``estimator`` to the rows of each task.

        Parameters
        ----------
%(fit_x_y)s%(fit_tasks)s
            Passed to each task's model for its rows (with a wide y, also
            one weight per label); must be non-negative.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, targets, rows, codes, sample_weight = self._fit_data(X, y, tasks, sample_weight)
        entries = [codes == t for t in range(self.n_tasks_)]
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(
                clone(self._base_estimator()),
                X[rows[mine]],
                task_targets,
                None if sample_weight is None else sample_weight[mine],
            )
            for mine, task_targets in zip(entries, self._task_targets(targets, codes))
        )
        self.estimators_ = dict(zip(self.tasks_.tolist(), fitted))
        return self

    def _task_rows(self, codes):
        """(task code, fitted model, row indices) for each task among ``codes``."""
        models = list(self.estimators_.values())
        return [(t, models[t], np.flatnonzero(codes == t)) for t in np.unique(codes)]

    @_fill_doc
    def predict(self, X, tasks=None):
        """Predict each row with the model of its task.

%(predict)s
            column per task, in ``tasks_`` order (a DataFrame with
            the task ids as columns when fitted on one).
        """
        raw = X
        X, codes = self._validate_predict_data(X, tasks)
        if codes is None:
            return self._wide_answer([model.predict(X) for model in self.estimators_.values()], raw)
        groups = self._task_rows(codes)
        requests = [(t, rows) for t, _, rows in groups]
        answers = [model.predict(X[rows]) for _, model, rows in groups]
        return self._gather(X.shape[0], requests, answers)


class _Pooled(_Baseline):
    """One clone of the wrapped model for all entries, blind to their tasks."""

    def __init__(self, estimator=None, *, task_column=None):
        self.estimator = estimator
        self.task_column = task_column

    @_fill_doc
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit one clone of ``estimator`` on all rows, task ids removed.

        Parameters
        ----------
%(fit_x_y)s            One model learns every task's labels: a wide y's classes
            must be all text or all numbers.
%(fit_tasks)s
            Passed to the model (with a wide y, also one weight per label);
            must be non-negative.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, targets, rows, codes, sample_weight = self._fit_data(X, y, tasks, sample_weight)
        # Each labelled entry of a wide y is a row of its own (a row once per task that labels it).
        X = X[rows] if self._fitted_wide else X
        targets = self._pooled_targets(targets, codes)
        self.estimator_ = _fit_one(clone(self._base_estimator()), X, targets, sample_weight)
        return self

    def _answer(self, X, tasks, method):
        """The model's ``method`` on the rows, or, for every task, a list of
        each task's view of it (the same answers; the columns of its labels)."""
        X, codes = self._validate_predict_data(X, tasks)
        answer = getattr(self.estimator_, method)(X)
        if codes is not None:
            return answer
        if answer.ndim == 1:  # labels or values, or one score for two labels that every task has
            return [answer] * self.n_tasks_
        # Columns follow the model's labels (the union): keep each task's.
        return [answer[:, np.searchsorted(self.estimator_.classes_, labels)] for labels in self._task_labels]

    @_fill_doc
    def predict(self, X, tasks=None):
        """Predict with the pooled model.

%(predict)s
            column per task, in ``tasks_`` order, all the same (a DataFrame with
            the task ids as columns when fitted on one).
        """
        answers = self._answer(X, tasks, "predict")
        return self._wide_answer(answers, X) if isinstance(answers, list) else answers


@_fill_doc
class IndependentTaskClassifier(
    _ClassifierBaseline, _Independent, TaskDataMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """One clone of a classifier per task: the single-task baseline.

    Parameters
    ----------
    estimator : classifier, default=None
        The model fitted to each task's rows (cloned once per task);
        :class:`~sklearn.linear_model.LogisticRegression` when None.
%(task_column)s%(n_jobs)s
    Attributes
    ----------
    estimators_ : dict
        Task id -> the fitted clone for that task.
    classes_ : ndarray of shape (n_classes,) or list of n_tasks such arrays
        Sorted union of the labels of all tasks; for a wide y, each task's
        sorted labels (one array per column, as ``MultiOutputClassifier``).
    task_classes_ : dict
        Task id -> the labels that task has in the training data.
%(task_attributes)s
    Notes
    -----
    ``predict_proba`` columns follow ``classes_``, zero for labels a task
    did not have. With more than two classes in all, ``decision_function``
    has one column per class of ``classes_``: ``-inf`` for labels a task did
    not have, and ``(-d, d)`` for a task with two labels whose model returns
    one score ``d``.

    With a wide y (one column per task, missing labels allowed), each task's
    model is fitted on the rows labelled for it, with the task's own labels
    (tasks may have labels of different types). Predictions then answer
    every task for every row, each task's model as it is.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import IndependentTaskClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = (X[:, 0] * np.where(tasks == "north", 1, -1) > 0).astype(int)
    >>> clf = IndependentTaskClassifier().fit(X, y, tasks=tasks)
    >>> sorted(clf.estimators_)
    ['north', 'south']
    >>> float(clf.score(X, y, tasks=tasks)) > 0.9
    True
    """

    def _columns(self, model, classes):
        return np.searchsorted(classes, model.classes_)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X, tasks=None):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a wide fit) for every task.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            Probabilities over the union of the tasks' labels; zero for labels
            a task did not have. For every task (a wide fit, or
            ``tasks='all'``): each task's model's ``predict_proba``, columns
            following that task's labels (``task_classes_``).
        """
        X, codes = self._validate_predict_data(X, tasks)
        if codes is None:
            return [model.predict_proba(X) for model in self.estimators_.values()]
        classes = self._union_classes()[0]
        out = np.zeros((X.shape[0], len(classes)))
        for _, model, rows in self._task_rows(codes):
            out[np.ix_(rows, self._columns(model, classes))] = model.predict_proba(X[rows])
        return out

    @available_if(_inner_has("predict_proba"))
    def predict_log_proba(self, X, tasks=None):
        """Log of :meth:`predict_proba` (``-inf`` for labels a task did not have).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a wide fit) for every task.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            As :meth:`predict_proba`, in logs.
        """
        proba = self.predict_proba(X, tasks=tasks)
        with np.errstate(divide="ignore"):
            return [np.log(p) for p in proba] if isinstance(proba, list) else np.log(proba)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X, tasks=None):
        """Decision values of each row's task model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a wide fit) for every task.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes), or list of n_tasks arrays
            One score (for the larger label) with two labels in all; else one
            column per label of the union of the tasks' labels (see Notes).
            For every task (a wide fit, or ``tasks='all'``): each task's
            model's ``decision_function``.
        """
        X, codes = self._validate_predict_data(X, tasks)
        if codes is None:
            return [model.decision_function(X) for model in self.estimators_.values()]
        classes = self._union_classes()[0]
        binary = len(classes) == 2
        out = np.zeros(X.shape[0]) if binary else np.full((X.shape[0], len(classes)), -np.inf)
        for _, model, rows in self._task_rows(codes):
            scores = model.decision_function(X[rows])
            if binary:  # every task has both classes
                out[rows] = scores
            elif scores.ndim == 1:
                out[np.ix_(rows, self._columns(model, classes))] = np.c_[-scores, scores]
            else:
                out[np.ix_(rows, self._columns(model, classes))] = scores
        return out


@_fill_doc
class PooledTaskClassifier(
    _ClassifierBaseline, _Pooled, TaskDataMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """One classifier for all tasks, blind to the task id: the pooled baseline.

    The task ids are read and checked as by every skmtl estimator (so the
    pooled model takes the same inputs as a multi-task one), then dropped:
    the wrapped model sees the features only.

    Parameters
    ----------
    estimator : classifier, default=None
        The model fitted to all rows;
        :class:`~sklearn.linear_model.LogisticRegression` when None.
%(task_column)s
    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : ndarray of shape (n_classes,) or list of n_tasks such arrays
        Sorted union of the labels of all tasks; for a wide y, each task's
        sorted labels (one array per column, as ``MultiOutputClassifier``).
    task_classes_ : dict
        Task id -> the labels that task has in the training data.
%(task_attributes)s
    Notes
    -----
    Like the multi-task estimators, a pooled model fitted on several tasks
    wants the task of every row at predict time and refuses unseen tasks,
    though it does not use them: comparisons stay like for like. Unlike
    them, it may predict for a task a label that only other tasks had.

    With a wide y (one column per task, missing labels allowed), the model
    is fitted on every labelled entry, a row once per task that labels it,
    so the tasks' labels must be all text or all numbers. Predictions then
    answer every task for every row: the same labels for every task, and
    each task's ``predict_proba`` (``decision_function`` with more than two
    labels in all) holds the columns of that task's labels, as the model
    gives them; they sum to less than one where the model puts probability
    on labels only other tasks had.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import PooledTaskClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = (X[:, 0] * np.where(tasks == "north", 1, -1) > 0).astype(int)
    >>> clf = PooledTaskClassifier().fit(X, y, tasks=tasks)
    >>> float(clf.score(X, y, tasks=tasks)) < 0.6  # the tasks disagree
    True
    """

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X, tasks=None):
        """Class probabilities of the pooled model, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a wide fit) for every task.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            For every task (a wide fit, or ``tasks='all'``): one
            ``(n_samples, n_classes_t)`` array per task, the columns of that
            task's labels (``task_classes_``; see Notes).
        """
        return self._answer(X, tasks, "predict_proba")

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X, tasks=None):
        """Log class probabilities of the pooled model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a wide fit) for every task.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
            As :meth:`predict_proba`, in logs.
        """
        return self._answer(X, tasks, "predict_log_proba")

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X, tasks=None):
        """Decision values of the pooled model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a wide fit) for every task.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes), or list of n_tasks arrays
            For every task (a wide fit, or ``tasks='all'``): one array per
            task, with more than two labels in all the columns of that
            task's labels (see Notes).
        """
        return self._answer(X, tasks, "decision_function")


@_fill_doc
class IndependentTaskRegressor(
    _RegressorBaseline, _Independent, TaskDataMixin, RegressorMixin, MetaEstimatorMixin, BaseEstimator
):
    """One clone of a regressor per task: the single-task baseline.

    Parameters
    ----------
    estimator : regressor, default=None
        The model fitted to each task's rows (cloned once per task);
        :class:`~sklearn.linear_model.Ridge` when None.
%(task_column)s%(n_jobs)s
    Attributes
    ----------
    estimators_ : dict
        Task id -> the fitted clone for that task.
%(task_attributes)s
    See Also
    --------
    PooledTaskRegressor : one regressor for all tasks.
    IndependentTaskClassifier : the same baseline for class labels.

    Notes
    -----
    With a wide y (one column per task, NaN where a row has no target for a
    task), each task's model is fitted on the rows labelled for it, and
    predictions answer every task for every row, one column per task.

    :meth:`score` is the mean over tasks of each task's R² on its rows (a
    task with fewer than two rows there is left out), so a large task does
    not hide a poorly fitted small one; with one task it is ``r2_score``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import IndependentTaskRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = X[:, 0] * np.where(tasks == "north", 1.0, -1.0) + 0.1 * rng.randn(200)
    >>> reg = IndependentTaskRegressor().fit(X, y, tasks=tasks)
    >>> sorted(reg.estimators_)
    ['north', 'south']
    >>> float(reg.score(X, y, tasks=tasks)) > 0.95
    True
    """


@_fill_doc
class PooledTaskRegressor(
    _RegressorBaseline, _Pooled, TaskDataMixin, RegressorMixin, MetaEstimatorMixin, BaseEstimator
):
    """One regressor for all tasks, blind to the task id: the pooled baseline.

    The task ids are read and checked as by every skmtl estimator (so the
    pooled model takes the same inputs as a multi-task one), then dropped:
    the wrapped model sees the features only. It is task-blind by design:
    it answers what sharing everything gives, the other end of the scale
    from :class:`IndependentTaskRegressor`.

    Parameters
    ----------
    estimator : regressor, default=None
        The model fitted to all rows; :class:`~sklearn.linear_model.Ridge`
        when None.
%(task_column)s
    Attributes
    ----------
    estimator_ : regressor
        The fitted clone.
%(task_attributes)s
    See Also
    --------
    IndependentTaskRegressor : one regressor per task.
    PooledTaskClassifier : the same baseline for class labels.

    Notes
    -----
    Like the multi-task estimators, a pooled model fitted on several tasks
    wants the task of every row at predict time and refuses unseen tasks,
    though it does not use them: comparisons stay like for like.

    With a wide y (one column per task, NaN where a row has no target for a
    task), the model is fitted on every target, a row once per task that
    has one; predictions answer every task for every row, the same values
    in every column.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import PooledTaskRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> tasks = np.repeat(["north", "south"], 100)
    >>> y = X[:, 0] * np.where(tasks == "north", 1.0, -1.0) + 0.1 * rng.randn(200)
    >>> reg = PooledTaskRegressor().fit(X, y, tasks=tasks)
    >>> float(reg.score(X, y, tasks=tasks)) < 0.1  # the tasks disagree
    True
    """
