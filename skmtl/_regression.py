"""Numeric targets of the regressors, kept beside the task contract (:mod:`skmtl._tasks`).

The task contract (ids, the task column, the wide form, unknown tasks) holds
for every estimator; what is here holds for regressors only, as
:mod:`skmtl._labels` does for classifiers: targets checked before NumPy
converts them, the targets as float64, per-task target scaling, and the
mean over tasks of the per-task R² as the score.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score

from ._tasks import _as_object_array, _kind, _scan, is_wide, show_ids


def check_values(y, name: str = "y") -> None:
    """Refuse targets that are missing or are not numbers, naming the first such row.

    A regressor learns numbers; text or booleans are class labels (use a
    classifier), and a missing target in the long form has no place in the
    loss (the wide form marks missing labels with NaN instead).

    Examples
    --------
    >>> check_values(np.array([1.5, np.nan]))
    Traceback (most recent call last):
    ...
    ValueError: y contains 1 missing target(s) (NaN), first at row 1; drop those rows or fill in their targets.
    """
    array, raw = _as_object_array(y)
    if raw is not None:
        missing, kinds = _scan(raw)
        if missing.any():
            raise ValueError(
                f"{name} contains {int(missing.sum())} missing target(s) (None, NaN or NA), first "
                f"at row {int(np.flatnonzero(missing)[0])}; drop those rows or fill in their targets."
            )
        if kinds - {"number"}:
            others = [v for v in raw if _kind(v) not in (None, "number")]
            raise ValueError(
                f"{name} holds text or other non-numbers ({show_ids(others[:3])}); a regressor "
                "needs numeric targets. For class labels use a classifier."
            )
        return
    if array is None:
        return
    if array.dtype.kind in "OUSb":
        raise ValueError(
            f"{name} holds {'booleans' if array.dtype.kind == 'b' else 'text'}; a regressor needs "
            "numeric targets. For class labels use a classifier."
        )
    if array.dtype.kind in "fc":
        # Any NaN in a row (a 2-D y: any of its columns); also right for no rows, which reshape is not.
        missing = np.isnan(array).any(axis=tuple(range(1, array.ndim)))
        if missing.any():
            raise ValueError(
                f"{name} contains {int(missing.sum())} missing target(s) (NaN), first at row "
                f"{int(np.flatnonzero(missing)[0])}; drop those rows or fill in their targets."
            )


def as_targets(values, name: str = "y", rows=None) -> np.ndarray:
    """Targets as a 1-D float64 array, refusing infinity (a loss of it is infinite).

    ``rows``: the row of X of each value (a wide column's labelled rows), for the message.
    """
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} holds values that are not numbers; a regressor needs numeric targets.") from None
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        where = f"entry {first}" if rows is None else f"row {int(rows[first])}"
        raise ValueError(
            f"{name} contains {int(bad.sum())} infinite or missing target(s), first at {where}; "
            "every target must be a finite number."
        )
    return values


def task_target_scaling(y, codes, n_tasks: int, sample_weight=None) -> tuple[np.ndarray, np.ndarray]:
    """Each task's (weighted) target mean and standard deviation: two ``(n_tasks,)`` arrays.

    A task whose targets are all equal (or that has a single row) gets a
    scale of 1, so that dividing by it leaves the targets unchanged.

    Examples
    --------
    >>> task_target_scaling(np.array([1.0, 3.0, 10.0, 10.0]), np.array([0, 0, 1, 1]), 2)
    (array([ 2., 10.]), array([1., 1.]))
    """
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = np.bincount(codes, weights=weight, minlength=n_tasks)
    safe = np.where(total > 0, total, 1.0)
    mean = np.bincount(codes, weights=weight * y, minlength=n_tasks) / safe
    variance = np.bincount(codes, weights=weight * (y - mean[codes]) ** 2, minlength=n_tasks) / safe
    scale = np.sqrt(variance)
    # Below this a task is constant up to rounding: scaling would blow its noise up.
    scale[~(scale > 1e-12 * np.maximum(1.0, np.abs(mean)))] = 1.0
    return mean, scale


def mean_task_r2(y_true, y_pred, codes, n_tasks: int, sample_weight=None) -> float:
    """The mean over tasks of each task's R² on its rows.

    Tasks with fewer than two rows of positive weight here have no R² (a test
    fold may hold one row of a task) and are left out of the mean; NaN where
    no task has one.
    """
    weight = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    scores = []
    for t in range(n_tasks):
        mine = (codes == t) & (weight > 0)
        if mine.sum() >= 2:
            scores.append(r2_score(y_true[mine], y_pred[mine], sample_weight=weight[mine]))
    return float(np.mean(scores)) if scores else float("nan")


class RegressorTargetsMixin:
    """Target handling for skmtl regressors; goes before :class:`~skmtl._tasks.TaskDataMixin`.

    Its :meth:`_check_targets` is the task contract's hook for the raw
    targets; :meth:`_encode_targets` and :meth:`_encode_wide_targets` give
    the float64 targets the solvers read, one per row or per labelled entry.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # a wide y: one column per task
        return tags

    def _check_targets(self, y):
        check_values(y)

    def _check_wide_column(self, labels, name):
        check_values(labels, name)

    def _encode_targets(self, y, codes=None, sample_weight=None):
        """The long form's targets as float64, one per row."""
        return as_targets(y)

    def _encode_wide_targets(self, wide, codes, weight=None):
        """The targets of a wide y's labelled entries (codes from ``wide.entries()``), float64."""
        out = np.empty(len(codes))
        for t, labels in enumerate(wide.labels):
            name = f"y's column {show_ids(wide.tasks[t:t + 1])}"
            check_values(labels, name)
            out[codes == t] = as_targets(labels, name, rows=np.flatnonzero(wide.labelled[:, t]))
        return out

    def _entry_targets(self, n_samples, y, codes, sample_weight):
        """Row, task code, float64 target and weight of each training entry.

        ``rows`` is None in the long form (one entry per row); a wide y gives
        its labelled entries in ``y.entries()`` order (see
        :meth:`~skmtl._tasks.TaskDataMixin._labelled_entries`). Returns
        ``(rows, codes, targets, weight)``.
        """
        rows, codes, weight = self._labelled_entries(n_samples, y, codes, sample_weight)
        if rows is None:
            return None, codes, self._encode_targets(y, codes, weight), weight
        return rows, codes, self._encode_wide_targets(y, codes), weight

    def _training_entries(self, X, y, codes, sample_weight):
        """Features, float64 target, task code and weight of each training entry, in long form.

        The regressors' twin of the classifiers'
        :meth:`~skmtl._one_vs_rest.OneVsRestMixin._training_entries`: a wide y
        gives its labelled entries in ``y.entries()`` order (so that a
        ``support_`` indexes them).
        """
        rows, codes, targets, weight = self._entry_targets(X.shape[0], y, codes, sample_weight)
        return (X if rows is None else X[rows]), targets, codes, weight

    def _gather_values(self, n_rows, requests, values):
        """One prediction per row from each task's predictions for its rows (``requests``: (task, rows))."""
        out = np.empty(n_rows)
        for (_, rows), predicted in zip(requests, values):
            out[rows] = predicted
        return out

    def _score_task_codes(self, X, tasks):
        """Each row's task code for :meth:`score` (estimators that read X in other forms override it).

        ``predict`` has already checked the features by the estimator's own
        rules, so any matrix is let through here: only the task ids are read.
        """
        return self._validate_predict_data(X, tasks, accept_sparse=True, dtype=None, ensure_all_finite=False)[1]

    def _wide_score(self, X, y, sample_weight):
        """Mean over tasks of the R² on each task's labelled entries (a DataFrame y matched by column name)."""
        wide, rows, codes, weight, predicted = self._wide_score_inputs(X, y, sample_weight, dtype=float)
        truth = self._encode_wide_targets(wide, codes)
        return mean_task_r2(truth, predicted[rows, codes], codes, wide.n_tasks, weight)

    def score(self, X, y, tasks=None, sample_weight=None):
        """The mean over tasks of the coefficient of determination R² of each task's rows.

        With a single task this is scikit-learn's ``r2_score`` of
        ``self.predict(X)``, as for every scikit-learn regressor. With several,
        each task gets its own R² (against its own mean) and the tasks count
        equally, so a large task does not hide a poorly fitted small one; a
        task with fewer than two rows here is left out of the mean. With a
        wide ``y`` (one column per task, NaN where missing), each task's R² is
        taken on its labelled entries.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples (with the task column when ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets; a wide y holds one column per task of the fit.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Sample weights (per target with a wide y).

        Returns
        -------
        score : float
            Mean per-task R² of ``self.predict(X, tasks=tasks)``.
        """
        if is_wide(y):
            if tasks is not None:
                raise ValueError("A wide y names its tasks by its columns; score it without tasks=.")
            return self._wide_score(X, y, sample_weight)
        predicted = self.predict(X, tasks=tasks)
        if self.n_tasks_ == 1:
            return r2_score(y, predicted, sample_weight=sample_weight)
        codes = self._score_task_codes(X, tasks)
        truth = as_targets(np.ravel(y))
        return mean_task_r2(truth, np.asarray(predicted, dtype=float), codes, self.n_tasks_, sample_weight)
