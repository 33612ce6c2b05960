"""Class labels of the classifiers, kept beside the task contract (:mod:`skmtl._tasks`).

The task contract (ids, the task column, unknown tasks) holds for every
estimator; what is here holds for classifiers only: labels checked before
NumPy converts them, ``classes_`` and ``task_classes_``, the rows of each
(task, class) cell, class weights, and accuracy as the score. A regressor
takes the first without the second.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets

from ._tasks import _as_object_array, _scan, plain_id, show_ids


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
        bad = {k: v for k, v in class_weight.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            raise ValueError(
                f"class_weight gives class(es) {show_ids(list(bad))} the weight(s) "
                f"{show_ids(list(bad.values()))}; class weights must be finite and >= 0."
            )
    from sklearn.utils.class_weight import compute_class_weight

    return compute_class_weight(class_weight, classes=classes, y=classes[y_encoded])[y_encoded]


class ClassifierLabelsMixin:
    """Label handling for skmtl classifiers; goes before :class:`~skmtl._tasks.TaskDataMixin`.

    Its :meth:`_check_targets` is the task contract's hook for the raw
    targets; :meth:`_encode_labels` sets ``classes_`` and ``task_classes_``
    once the task codes are known.
    """

    def _check_targets(self, y):
        check_labels(y)

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
        self.task_classes_ = {
            plain_id(task): self.classes_[present[t]] for t, task in enumerate(self.tasks_)
        }
        return y_encoded.astype(np.intp)

    def score(self, X, y, tasks=None, sample_weight=None):
        """Mean accuracy on the given rows, each predicted with its own task.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples (with the task column when ``task_column`` is set).
        y : array-like of shape (n_samples,)
            True labels.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X, tasks=tasks)`` against ``y``.
        """
        return accuracy_score(y, self.predict(X, tasks=tasks), sample_weight=sample_weight)
