"""Class labels of the classifiers, kept beside the task contract (:mod:`skmtl._tasks`).

The task contract (ids, the task column, unknown tasks) holds for every
estimator; what is here holds for classifiers only: labels checked before
NumPy converts them, ``classes_`` and ``task_classes_``, the rows of each
(task, class) cell, class weights, and accuracy as the score. A regressor
takes the first without the second.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets

from ._tasks import (
    _as_object_array,
    _scan,
    is_wide,
    plain_id,
    show_ids,
)


def check_labels(y, name: str = "y") -> None:
    """Refuse class labels that are missing, or that mix numbers and text.

    NumPy would turn ``[1, 'a']`` into text, merging the labels 1 and '1', and
    ``None`` among text labels stops sorting with an obscure TypeError.
    """
    if isinstance(y, np.ndarray) and y.dtype.kind == "f":
        missing = np.isnan(y).ravel()
        if missing.any():
            raise ValueError(
                f"{name} contains {int(missing.sum())} missing label(s) (NaN), first at row "
                f"{int(np.flatnonzero(missing)[0])}; drop those rows or fill in their labels."
            )
    raw = _as_object_array(y)[1]
    if raw is None:
        return
    missing, kinds = _scan(raw)
    if missing.any():
        raise ValueError(
            f"{name} contains {int(missing.sum())} missing label(s) (None, NaN or NA), first at "
            f"row {int(np.flatnonzero(missing)[0])}; drop those rows or fill in their labels."
        )
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes labels of different types ({' and '.join(sorted(kinds))}), e.g. 1 and "
            "'1', which would be merged into one class; give every label the same type."
        )


def task_class_counts(codes, y_codes, n_tasks=None, n_classes=None) -> np.ndarray:
    """Rows in each (task, class) cell: an (n_tasks, n_classes) array of counts.

    Examples
    --------
    >>> task_class_counts(np.array([0, 0, 1]), np.array([0, 1, 1]))
    array([[1, 1],
           [0, 1]])
    """
    n_tasks = codes.max() + 1 if n_tasks is None else n_tasks
    n_classes = y_codes.max() + 1 if n_classes is None else n_classes
    cells = codes * n_classes + y_codes
    return np.bincount(cells, minlength=n_tasks * n_classes).reshape(n_tasks, n_classes)


def check_two_classes_per_task(tasks, counts, among: str = "") -> None:
    """Refuse tasks with fewer than two classes (``counts`` from :func:`task_class_counts`)."""
    lonely = np.flatnonzero((counts > 0).sum(axis=1) < 2)
    if len(lonely):
        raise ValueError(
            f"Task(s) {show_ids(tasks[lonely[:10]])} have a single class{among}; each "
            "task needs at least two classes. Drop those rows, or merge the task into "
            "a related one."
        )


def task_balanced_weights(codes: np.ndarray, y_encoded: np.ndarray) -> np.ndarray:
    """Row weights that balance the classes within each task.

    Row ``i`` of task ``t`` and class ``c`` weighs
    ``n_t / (n_classes_t * n_tc)``: inside a task every class carries the same
    total weight, and each task keeps its total weight ``n_t`` (the
    multi-task counterpart of ``class_weight='balanced'``, which balances the
    classes over all rows, so that a task's rare class is not drowned by
    another task's abundance).

    Examples
    --------
    >>> task_balanced_weights(np.array([0, 0, 0, 0, 1, 1]), np.array([0, 0, 0, 1, 0, 1])).round(2)
    array([0.67, 0.67, 0.67, 2.  , 1.  , 1.  ])
    """
    counts = task_class_counts(codes, y_encoded)
    task_size = counts.sum(axis=1)
    classes_in_task = (counts > 0).sum(axis=1)
    return task_size[codes] / (classes_in_task[codes] * counts[codes, y_encoded])


def class_weight_per_row(class_weight, classes, codes, y_encoded) -> np.ndarray:
    """Each row's class weight: ``class_weight`` as in scikit-learn (None, a dict,
    'balanced'), or 'balanced_per_task' (:func:`task_balanced_weights`)."""
    if isinstance(class_weight, str) and class_weight == "balanced_per_task":
        return task_balanced_weights(codes, y_encoded)
    if isinstance(class_weight, dict):
        bad = {
            k: v for k, v in class_weight.items()
            if not (isinstance(v, (numbers.Real, np.number)) and np.isfinite(v) and v >= 0)
        }
        if bad:
            raise ValueError(
                f"class_weight gives class(es) {show_ids(list(bad))} the weight(s) "
                f"{show_ids(list(bad.values()))}; class weights must be finite and >= 0."
            )
    from sklearn.utils.class_weight import compute_class_weight

    return compute_class_weight(class_weight, classes=classes, y=classes[y_encoded])[y_encoded]


def per_task_class_weights(class_weight, tasks) -> list:
    """``class_weight`` of a wide fit as one specification per task (None, a string or a dict).

    A list gives one per task, in y's column order (scikit-learn's multi-output
    convention); a dict whose values are all numbers is one {label: weight} for
    every task; any other dict maps task ids to their own specification.
    """
    n_tasks = len(tasks)
    if isinstance(class_weight, (list, tuple)):
        if len(class_weight) != n_tasks:
            raise ValueError(
                f"class_weight is a list of {len(class_weight)} entries; with {n_tasks} tasks it "
                "needs one per task (a dict, 'balanced' or None each), in y's column order."
            )
        return list(class_weight)
    if not isinstance(class_weight, dict) or all(
        isinstance(v, (numbers.Real, np.number)) and not isinstance(v, (bool, np.bool_))
        for v in class_weight.values()
    ):
        return [class_weight] * n_tasks
    known = {plain_id(task): t for t, task in enumerate(tasks)}
    unknown = [key for key in class_weight if key not in known]
    if unknown:
        raise ValueError(
            f"class_weight names unknown task(s) {show_ids(unknown[:10])}; the tasks are "
            f"{show_ids(tasks[:10])} (a dict of class weights per task is keyed by task id)."
        )
    specs = [None] * n_tasks
    for key, spec in class_weight.items():
        specs[known[key]] = spec
    return specs


def class_weights(class_weight, tasks, task_labels, codes, local, union=None) -> np.ndarray:
    """Each entry's class weight, from ``class_weight`` as the classifiers take it.

    ``local`` is each entry's class index within its task (``task_labels[t]``).
    In the long form, ``union`` is (``classes_``, the task x class mask), and
    'balanced' and a {label: weight} dict mean what they mean in
    scikit-learn, over all rows. In the wide form (``union`` None) each task
    is weighted on its own (:func:`per_task_class_weights`), so 'balanced'
    balances within each task. 'balanced_per_task' balances within each
    task in both forms (:func:`task_balanced_weights`).
    """
    if class_weight is None:
        return np.ones(len(codes))
    if isinstance(class_weight, str) and class_weight == "balanced_per_task":
        return task_balanced_weights(codes, local)
    if union is not None:
        per_task = isinstance(class_weight, (list, tuple)) or (
            isinstance(class_weight, dict) and any(isinstance(v, (dict, str)) for v in class_weight.values())
        )
        if per_task:
            raise ValueError(
                "class_weight gives each task its own class weights (a list, or a dict of task ids), "
                "which needs y in wide form (one column per task); with a 1-D y give a dict "
                "{label: weight}, 'balanced' or 'balanced_per_task'."
            )
        classes, mask = union
        union_y = np.empty(len(codes), dtype=np.intp)
        for t, columns in enumerate(mask):
            mine = codes == t
            union_y[mine] = np.flatnonzero(columns)[local[mine]]
        return class_weight_per_row(class_weight, classes, codes, union_y)
    weights = np.ones(len(codes))
    for t, spec in enumerate(per_task_class_weights(class_weight, tasks)):
        mine = codes == t
        if spec is not None:
            weights[mine] = class_weight_per_row(spec, task_labels[t], codes[mine], local[mine])
    return weights


class ClassifierLabelsMixin:
    """Label handling for skmtl classifiers; goes before :class:`~skmtl._tasks.TaskDataMixin`.

    Its :meth:`_check_targets` is the task contract's hook for the raw
    targets; :meth:`_encode_labels` sets ``classes_`` and ``task_classes_``
    once the task codes are known.
    """

    def _check_targets(self, y):
        check_labels(y)

    def _single_task_class_weight(self, example: str):
        """``class_weight`` for the default single-task baselines, where it has a meaning there.

        'balanced_per_task' is 'balanced' within one task; per-task weights
        (a list, or a dict keyed by task) are refused, naming ``example``.
        """
        per_task = isinstance(self.class_weight, (list, tuple)) or (
            isinstance(self.class_weight, dict)
            and not all(isinstance(v, numbers.Real) for v in self.class_weight.values())
        )
        if per_task:  # the baseline would refuse it with a message about a model the user never made
            raise ValueError(
                "class_weight gives the tasks their own class weights, which the default "
                "baselines (one model, cloned for every task) cannot take; pass "
                f"baseline_estimator=, e.g. {example}."
            )
        return "balanced" if self.class_weight == "balanced_per_task" else self.class_weight

    def _encode_labels(self, y, codes, sample_weight=None):
        """Set ``classes_`` and ``task_classes_``; return y as class indices.

        ``classes_`` is the sorted union of the labels; ``task_classes_`` maps
        each task id to the labels that task has. Every task needs two classes
        among its rows of positive weight: a task with one class has no
        decision boundary to learn.
        """
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        weighed = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
        present = task_class_counts(codes[weighed], y_encoded[weighed], self.n_tasks_, n_classes) > 0
        if self.n_tasks_ == 1 and present.sum() < 2:
            raise ValueError(
                "The target has only one class among the samples of positive weight; "
                "a classifier needs at least two classes."
            )
        check_two_classes_per_task(self.tasks_, present, " among their samples of positive weight")
        self._task_class_mask = present
        self._task_labels = [self.classes_[p] for p in present]
        self.task_classes_ = {
            plain_id(task): self.classes_[present[t]] for t, task in enumerate(self.tasks_)
        }
        return y_encoded.astype(np.intp)

    def _encode_wide_labels(self, wide, codes, weight=None):
        """Set ``classes_`` (a list: each task's sorted labels, as ``MultiOutputClassifier``)
        and ``task_classes_`` from :class:`~skmtl._tasks.WideTargets`; return
        each entry's class index within its task.

        ``codes`` and ``weight`` are the entries' (row-major, from
        ``wide.entries()``). Tasks keep their own label types; each needs two
        classes among its entries of positive weight.
        """
        local = np.empty(len(codes), dtype=np.intp)
        self.classes_ = []
        for t, labels in enumerate(wide.labels):
            mine = codes == t
            check_classification_targets(labels)
            classes, local[mine] = np.unique(labels, return_inverse=True)
            kept = classes[local[mine] if weight is None else local[mine][weight[mine] > 0]]
            if len(np.unique(kept)) < 2:
                raise ValueError(
                    f"Task {show_ids(wide.tasks[t:t + 1])} (a column of y) has a single class "
                    f"({show_ids(np.unique(kept))}) among its labelled rows of positive weight; "
                    "each task needs at least two classes. Drop the column, or label more of its rows."
                )
            self.classes_.append(classes)
        self.task_classes_ = {plain_id(task): c for task, c in zip(self.tasks_, self.classes_)}
        self._task_labels = list(self.classes_)
        return local

    def _union_classes(self):
        """(labels, task x label mask) of answers with one row per task row.

        ``classes_`` and its mask in the long form; for a model fitted on a
        wide y, the sorted union of the tasks' labels, which needs them to be
        of one type.
        """
        if not self._fitted_wide:
            return self.classes_, self._task_class_mask
        if len({c.dtype.kind in "OUS" for c in self.classes_}) > 1:
            raise ValueError(
                "The tasks of this model have labels of different types (text and numbers), so "
                "answers one task per row have no common columns; use tasks='all' (one answer "
                "per task)."
            )
        union = np.unique(np.concatenate(self.classes_))
        return union, np.array([np.isin(union, c) for c in self.classes_])

    def _gather_labels(self, n_rows, requests, labels):
        """One label per row from each task's predictions for its rows (``requests``: (task, rows))."""
        arrays = [np.asarray(c) for c in self._task_labels]
        kinds = {c.dtype.kind in "OUS" for c in arrays}
        dtype = np.result_type(*arrays) if len(kinds) == 1 else object
        out = np.empty(n_rows, dtype=dtype)
        for (_, rows), predicted in zip(requests, labels):
            out[rows] = predicted
        return out

    def _class_weights(self, codes, local):
        """Each entry's class weight (``class_weight``), from its task and class within the task."""
        union = None if self._fitted_wide else (self.classes_, self._task_class_mask)
        return class_weights(self.class_weight, self.tasks_, self._task_labels, codes, local, union)

    def _wide_score(self, X, y, sample_weight):
        """Mean over tasks of the accuracy on each task's labelled entries.

        A DataFrame y is matched to the tasks by column name; a task without a
        labelled entry of positive weight here is left out of the mean.
        """
        wide, rows, codes, weight, predicted = self._wide_score_inputs(X, y, sample_weight, dtype=object)
        scores = []
        for t, labels in enumerate(wide.labels):
            mine = codes == t
            if not weight[mine].sum() > 0:
                continue  # no labelled entry of this task here (a test fold may hold none)
            answer = np.asarray(predicted[rows[mine], t].tolist())  # the task's own label type
            scores.append(accuracy_score(labels, answer, sample_weight=weight[mine]))
        return float(np.mean(scores)) if scores else float("nan")

    def score(self, X, y, tasks=None, sample_weight=None):
        """Mean accuracy on the given rows, each predicted with its own task.

        With a wide ``y`` (one column per task, missing labels allowed), the
        mean over tasks of each task's accuracy on its labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples (with the task column when ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels; a wide y holds one column per task of the fit.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Sample weights (per label with a wide y).

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X, tasks=tasks)`` against ``y``.
        """
        if is_wide(y):
            if tasks is not None:
                raise ValueError("A wide y names its tasks by its columns; score it without tasks=.")
            return self._wide_score(X, y, sample_weight)
        return accuracy_score(y, self.predict(X, tasks=tasks), sample_weight=sample_weight)
