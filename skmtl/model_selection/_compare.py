"""Cross-validate a multi-task model against its independent and pooled baselines."""

from __future__ import annotations

import time
from numbers import Integral

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import type_of_target
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _num_samples, check_consistent_length, column_or_1d

from .._progress import ProgressBar
from .._labels import check_two_classes_per_task, task_class_counts
from .._regression import as_targets, check_values
from .._tasks import is_wide, plain_id, read_wide_targets, refuse_ids_beside_wide, resolve_task_ids, show_ids
from ..metrics import REGRESSION_SCORER_NAMES, TASK_SCORER_NAMES, get_task_scorer
from ._baselines import (
    N_JOBS,
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
    check_estimator_kind,
)
from ._result import ComparisonResult
from ._split import TaskStratifiedKFold

MODELS = ("multi-task", "independent", "pooled")

#: kind -> (the independent and pooled baselines, the folds' ``target_type``).
_KINDS = {
    "classification": (IndependentTaskClassifier, PooledTaskClassifier, "classes"),
    "regression": (IndependentTaskRegressor, PooledTaskRegressor, "continuous"),
}


def compare_with_single_task(
    estimator,
    X,
    y,
    *,
    tasks=None,
    cv=5,
    scoring=None,
    baseline_estimator=None,
    n_jobs=None,
    random_state=None,
    verbose=0,
) -> ComparisonResult:
    """Cross-validate a multi-task model, one model per task, and one for all.

    The three models see the same folds; each is scored within each task of
    each test fold (the standard multi-task protocol), so the result answers
    "does sharing across my tasks beat one model per task, or one model for
    all?" task by task.

    A classifier is compared with :class:`IndependentTaskClassifier` and
    :class:`PooledTaskClassifier`, a regressor (as scikit-learn's
    :func:`~sklearn.base.is_regressor` tells, a pipeline by its last step)
    with :class:`IndependentTaskRegressor` and :class:`PooledTaskRegressor`;
    for a regressor the folds are stratified on each task's quantiles of
    ``y`` (:class:`TaskStratifiedKFold` with ``target_type='continuous'``,
    so whole-number targets are numbers too) and the default score is each
    task's R².

    Both forms of the task data are taken: a 1-D ``y`` with task ids
    (``tasks=`` or the estimator's ``task_column``), and a wide ``y`` of
    shape ``(n_samples, n_tasks)``, one column per task, where a missing
    label (NaN, None, ``pd.NA``) means "not labelled for this task". With a
    wide ``y`` every model is fitted on it (the independent baseline fits
    one model per task on the task's labelled rows), the folds are
    :class:`TaskStratifiedKFold`'s on the wide ``y`` (stratified on the
    rows' label patterns), and each task is scored on its labelled rows of
    each test fold.

    Parameters
    ----------
    estimator : classifier or regressor
        The multi-task model: a skmtl estimator, or a
        :class:`~sklearn.pipeline.Pipeline` ending in one. Its
        ``task_column`` (if set) tells where the task ids are in ``X``.
    X : array-like or DataFrame of shape (n_samples, n_features)
        The data: in long format (one row per sample and task) with a 1-D
        ``y``, one row per sample with a wide ``y``.
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Labels, or numeric targets for a regressor: one per row, or one
        column per task (the wide form, missing labels allowed, NaN for a
        regressor's; a DataFrame's column names are the task ids).
    tasks : array-like of shape (n_samples,), default=None
        Task id of each row, when the estimator has no ``task_column``. Not
        with a wide ``y``.
    cv : int, cross-validation splitter or iterable, default=5
        An int gives :class:`TaskStratifiedKFold` with that many folds,
        shuffled with ``random_state`` (on task x label for a classifier,
        on task x quantile of ``y`` for a regressor). A splitter gets the task ids as
        ``groups`` (nothing with a wide ``y``). Every training fold must
        hold every task (labelled rows of every task, with a wide ``y``).
    scoring : str or TaskScorer, default=None
        A name known to :func:`skmtl.metrics.get_task_scorer` or a scorer
        from :func:`skmtl.metrics.make_task_scorer`, computed per task. None:
        for a classifier, 'roc_auc' when ``y`` is binary (every task has two
        classes, with a wide ``y``), else 'accuracy'; for a regressor, 'r2'
        (each task's R², against its own mean, so tasks on different scales
        count alike). A name must suit the estimator: a regression metric
        for a regressor, a classification one for a classifier.
    baseline_estimator : classifier or regressor, default=None
        The single-task model of both baselines, of the estimator's kind:
        cloned once per task (independent) and once for all rows (pooled).
        None: the estimator's single-task counterpart
        (:class:`~sklearn.svm.SVC` with the same kernel and ``C`` for
        :class:`~skmtl.MultiTaskKernelSVC`). In a pipeline it replaces the
        last step, so the baselines get the same preprocessing.
    n_jobs : int, default=None
        Parallel jobs over the (model, fold) fits (joblib semantics; 0 is
        refused).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the folds when ``cv`` is an int.
    verbose : int, default=0
        Above 0, draw a progress bar of the fits on stderr.

    Returns
    -------
    result : ComparisonResult
        Per-task and task-averaged scores (mean and standard deviation over
        the folds), fit times, the model's task similarity when it has one
        (``similarity_source`` says whether it was learned or given);
        printable, with ``to_frame()``, ``to_dict()`` and ``plot()``.
        Its tasks are sorted, or in the wide ``y``'s column order.

    Examples
    --------
    >>> from skmtl import MultiTaskKernelSVC
    >>> from skmtl.datasets import make_multitask_classification
    >>> from skmtl.model_selection import compare_with_single_task
    >>> X, y, tasks, _ = make_multitask_classification(300, n_tasks=3, random_state=0)
    >>> result = compare_with_single_task(
    ...     MultiTaskKernelSVC(kernel="linear", task_similarity="learn"), X, y,
    ...     tasks=tasks, cv=3, random_state=0)
    >>> result.models
    ('multi-task', 'independent', 'pooled')
    >>> result.scores.shape  # (models, folds, tasks)
    (3, 3, 3)

    A regressor (here linear, with the task similarity learned) is compared
    with its single-task fits, by each task's R²:

    >>> import numpy as np
    >>> from skmtl.linear_model import MultiTaskRidge
    >>> rng = np.random.RandomState(0)
    >>> X, tasks = rng.randn(150, 3), np.repeat(["a", "b", "c"], 50)
    >>> y = X[:, 0] * np.where(tasks == "c", -2.0, 2.0) + 0.3 * rng.randn(150)
    >>> result = compare_with_single_task(MultiTaskRidge(task_similarity="learn"), X, y, tasks=tasks, cv=3)
    >>> result.kind, result.scoring
    ('regression', 'r2')
    >>> bool(result.summary()["multi-task"]["mean"] > result.summary()["pooled"]["mean"])
    True
    """
    validate_parameter_constraints({"n_jobs": N_JOBS}, {"n_jobs": n_jobs}, "compare_with_single_task")
    step, final = _final_step(estimator)
    column = getattr(final, "task_column", None)
    kind = "regression" if is_regressor(estimator) else "classification"
    Independent, Pooled, target_type = _KINDS[kind]
    # entries: (row, task code) of every labelled entry, the rows of the
    # long form, the labelled cells of a wide y.
    if is_wide(y):
        ids = None  # every row belongs to every task
        wide = _wide_targets(X, y, tasks, column, kind)
        task_list, entries = wide.tasks, wide.entries()
        binary = all(len(np.unique(labels)) == 2 for labels in wide.labels)
    else:
        y = _long_targets(y, kind, final)
        check_consistent_length(X, y)
        ids = resolve_task_ids(X, column, tasks, len(y))
        if ids is None:
            raise ValueError(
                "compare_with_single_task needs the task of every row: pass tasks=<one id "
                "per row>, or set task_column on the estimator."
            )
        task_list, codes = np.unique(ids, return_inverse=True)
        if kind == "classification":
            check_two_classes_per_task(task_list, task_class_counts(codes, np.unique(y, return_inverse=True)[1]))
        entries = np.arange(len(y)), codes
        binary = type_of_target(y) == "binary"
    if scoring is None:
        scoring = "r2" if kind == "regression" else "roc_auc" if binary else "accuracy"
    _check_scoring_kind(scoring, kind, final)
    scorer = get_task_scorer(scoring)

    estimator_kind = "regressor" if kind == "regression" else "classifier"
    if baseline_estimator is None:
        if not hasattr(final, "_single_task_counterpart"):
            raise ValueError(
                f"{type(final).__name__} has no known single-task counterpart; pass "
                f"baseline_estimator=<a scikit-learn {estimator_kind}> for the baselines."
            )
        baseline_estimator = final._single_task_counterpart()
    check_estimator_kind(baseline_estimator, "baseline_estimator", estimator_kind)  # before any fit
    models = [
        estimator,
        _replace_final(estimator, Independent(baseline_estimator, task_column=column)),
        _replace_final(estimator, Pooled(baseline_estimator, task_column=column)),
    ]
    folds = _folds(cv, X, y, ids, random_state, task_list, entries, target_type)
    # The name of the step that takes the ids as tasks= (None: the bare
    # estimator), or False where they travel in X, or in y's columns.
    keyword_step = step if ids is not None and column is None else False

    jobs = [(m, f) for f in range(len(folds)) for m in range(len(models))]
    scores = np.full((len(models), len(folds), len(task_list)), np.nan)
    fit_times = np.zeros((len(models), len(folds)))
    similarities = []
    outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(
            clone(models[m]), X, y, ids, folds[f], scorer, keyword_step, task_list
        )
        for m, f in jobs
    )
    with ProgressBar(len(jobs), "cross-validating", enabled=verbose > 0) as bar:
        for (m, f), (task_scores, fit_time, similarity) in zip(jobs, outcomes):
            scores[m, f], fit_times[m, f] = task_scores, fit_time
            if m == 0 and similarity is not None:
                similarities.append(similarity)
            bar.advance()
    return ComparisonResult(
        scoring=scorer.name,
        kind=kind,
        models=MODELS,
        descriptions=(
            _describe(estimator),
            _describe(estimator, baseline_estimator, "per task"),
            _describe(estimator, baseline_estimator, "on all tasks"),
        ),
        tasks=np.array([plain_id(t) for t in task_list], dtype=object),
        task_sizes=np.bincount(entries[1], minlength=len(task_list)),
        scores=scores,
        fit_times=fit_times,
        # The folds' learned matrices, averaged: all folds hold all tasks, in order.
        task_similarity=np.mean(similarities, axis=0) if similarities else None,
        similarity_source=_similarity_source(final) if similarities else None,
    )


def _similarity_source(final):
    """'learned' when the model learns its task similarity ('learn' is the only string), else 'given'."""
    return "learned" if isinstance(getattr(final, "task_similarity", None), str) else "given"


def _unwrap(estimator):
    """(parameter names from ``estimator`` down to its final model, which of them are Pipeline steps, that model).

    The final model is found through any nesting of Pipelines (their last
    step) and TransformedTargetRegressors (the fitted ``regressor_`` once
    fitted, else ``regressor``).
    """
    names, steps = [], []
    while True:
        if isinstance(estimator, TransformedTargetRegressor):
            names.append("regressor")
            steps.append(False)
            estimator = getattr(estimator, "regressor_", estimator.regressor)
        elif hasattr(estimator, "steps"):
            names.append(estimator.steps[-1][0])
            steps.append(True)
            estimator = estimator.steps[-1][1]
        else:
            return names, steps, estimator


def final_estimator(estimator):
    """The model at the end of any nesting of Pipelines and TransformedTargetRegressors, else ``estimator``.

    It is the model that gets the tasks, and holds what the multi-task model
    learned (``task_similarity_``, ``loss_curve_``, ...).

    Examples
    --------
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmtl.linear_model import MultiTaskRidge
    >>> final_estimator(make_pipeline(StandardScaler(), TransformedTargetRegressor(MultiTaskRidge())))
    MultiTaskRidge()
    """
    return _unwrap(estimator)[2]


def _final_step(estimator):
    """(how ``fit`` reaches the final model, the final model).

    The first is the ``step__`` prefix of its fit parameters (``'a__b'`` for
    step ``b`` of a Pipeline that is step ``a``), or None when it takes
    ``tasks=`` itself: a TransformedTargetRegressor passes its fit
    parameters on unchanged, so it adds nothing to the prefix.
    """
    names, steps, final = _unwrap(estimator)
    return "__".join(name for name, step in zip(names, steps) if step) or None, final


def _describe(estimator, final=None, suffix=""):
    """One line: 'StandardScaler() -> SVC() per task', the final model replaced by ``final`` when given."""
    return f"{_chain(estimator, final)} {suffix}".rstrip()


def _chain(estimator, final):
    """The steps down to the final model, joined by ' -> ', each target transform said after them."""
    if isinstance(estimator, TransformedTargetRegressor):
        return f"{_chain(estimator.regressor, final)}, targets by {_one_line(estimator.transformer)}"
    if hasattr(estimator, "steps"):
        return " -> ".join([_one_line(model) for _, model in estimator.steps[:-1]]
                           + [_chain(estimator.steps[-1][1], final)])
    return _one_line(estimator if final is None else final)


def _one_line(model):
    return " ".join(repr(model).split())


def _replace_final(estimator, model):
    """``estimator`` with ``model`` in place of its final model (see :func:`final_estimator`)."""
    names = _unwrap(estimator)[0]
    return clone(estimator).set_params(**{"__".join(names): model}) if names else model


def _wide_targets(X, y, tasks, column, kind):
    """The :class:`~skmtl._tasks.WideTargets` of a wide y, refusing before any fit what
    the long form refuses: task ids given a second time, a task with a single class,
    a regression target that is not a number."""
    refuse_ids_beside_wide(
        y,
        "tasks=" if tasks is not None
        else f"the estimator's task_column={column!r}" if column is not None else None,
    )
    wide = read_wide_targets(y, _num_samples(X))
    if kind == "regression":
        for t, labels in enumerate(wide.labels):
            name = f"y's column {show_ids(wide.tasks[t:t + 1])}"
            check_values(labels, name)
            as_targets(labels, name)
        return wide
    n_classes = np.array([len(np.unique(labels)) for labels in wide.labels])
    check_two_classes_per_task(wide.tasks, np.arange(n_classes.max()) < n_classes[:, None])
    return wide


def _long_targets(y, kind, final):
    """The long form's y as a 1-D array: float64 numbers for a regressor, labels for a classifier.

    A continuous y is refused for a classifier in words that say so, before
    the folds fail on a (task, class) cell of one row.
    """
    if kind == "regression":
        check_values(y)  # before NumPy converts them: text, missing targets
        return as_targets(column_or_1d(y, warn=True))
    y = column_or_1d(y, warn=True)
    if y.dtype.kind == "f" and np.isfinite(y).all() and type_of_target(y) == "continuous":
        raise ValueError(
            f"y is continuous ({len(np.unique(y))} distinct numbers), but {type(final).__name__} is a "
            "classifier, which needs class labels; compare a regressor (e.g. MultiTaskRidge), "
            "or bin y into classes."
        )
    return y


def _check_scoring_kind(scoring, kind, final):
    """Refuse a scoring name of the other kind (R² of a classifier, ROC AUC of a regressor)."""
    if not isinstance(scoring, str) or scoring not in TASK_SCORER_NAMES:
        return  # a TaskScorer, or a name get_task_scorer refuses in its own words
    if (scoring in REGRESSION_SCORER_NAMES) != (kind == "regression"):
        names = [n for n in TASK_SCORER_NAMES if (n in REGRESSION_SCORER_NAMES) == (kind == "regression")]
        raise ValueError(
            f"scoring={scoring!r} scores {'regressors' if kind == 'classification' else 'classifiers'}, "
            f"but {type(final).__name__} is a {'classifier' if kind == 'classification' else 'regressor'}; "
            f"use one of {', '.join(names)}."
        )


def _folds(cv, X, y, ids, random_state, task_list, entries, target_type):
    """The (train, test) pairs of ``cv``; every training fold must hold entries of every task."""
    if isinstance(cv, Integral):
        cv = TaskStratifiedKFold(cv, shuffle=True, random_state=random_state, target_type=target_type)
    splits = list(cv.split(X, y, groups=ids) if hasattr(cv, "split") else cv)
    rows, codes = entries
    for k, (train, _) in enumerate(splits):
        held = np.bincount(codes[np.isin(rows, train)], minlength=len(task_list))
        missing = task_list[held == 0]
        if len(missing):
            raise ValueError(
                f"Training fold {k} holds no rows of task(s) {show_ids(missing[:10])}, so "
                "no model could predict them; use cv=<int> (folds stratified on task "
                "and label, or target) or TaskStratifiedKFold."
            )
    return splits


def _fit_and_score(model, X, y, ids, fold, scorer, step, task_list):
    """Fit one model on one fold; return (per-task scores, fit time, similarity).

    ``ids`` is None for a wide y. ``step`` is False when the task ids do
    not go to ``fit`` as ``tasks=`` (they travel in X, or y is wide), else
    the name of the pipeline step that takes them (None for a bare
    estimator).
    """
    train, test = fold
    params = {} if step is False else {"tasks" if step is None else f"{step}__tasks": ids[train]}
    start = time.perf_counter()
    model.fit(_safe_indexing(X, train), _safe_indexing(y, train), **params)
    fit_time = time.perf_counter() - start
    X_test = _safe_indexing(X, test)
    if ids is None:  # each task on its labelled test rows, its answer read from the wide one
        by_task = scorer.per_task(model, X_test, _safe_indexing(y, test))
    else:
        response = scorer.response(model, X_test, None if step is False else ids[test])
        by_task = scorer.score_by_task(y[test], response, ids[test], getattr(model, "classes_", None))
    scores = np.array([by_task.get(plain_id(t), np.nan) for t in task_list])
    similarity = getattr(final_estimator(model), "task_similarity_", None)
    return scores, fit_time, similarity
