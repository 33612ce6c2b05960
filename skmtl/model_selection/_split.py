"""Cross-validation folds stratified on task x label."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold
from sklearn.utils.validation import column_or_1d

from .._labels import task_class_counts
from .._tasks import resolve_task_ids, show_ids


class TaskStratifiedKFold(BaseCrossValidator):
    """K-fold cross-validation stratified on task x label.

    Every (task, class) cell is spread evenly over the folds, so every fold
    holds every task in proportion and with its classes. Plain
    :class:`~sklearn.model_selection.StratifiedKFold` stratifies on the label
    alone, which lets a small task vanish from a fold: its model then meets
    an unseen task at predict time, or a test fold scores it on one class.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    task_column : int, str or None, default=None
        Column of ``X`` holding the task ids (an index, or a DataFrame column
        name), as the estimators' parameter of that name. With None, pass the
        ids to :meth:`split` as ``groups``.
    shuffle : bool, default=False
        Shuffle each cell's rows before splitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffling (only with ``shuffle=True``).

    Notes
    -----
    A task with fewer rows than ``n_splits`` would be absent from some test
    folds, and a (task, class) cell with a single row absent from a training
    fold: both are errors. A cell with fewer rows than ``n_splits`` (but at
    least 2) only warns: some test folds then lack that class of that task,
    where a metric such as ROC AUC is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import TaskStratifiedKFold
    >>> tasks = np.repeat(["a", "b"], [12, 6])
    >>> y = np.tile([0, 1], 9)
    >>> cv = TaskStratifiedKFold(n_splits=3)
    >>> [np.unique(tasks[test]).tolist() for _, test in cv.split(np.zeros((18, 1)), y, groups=tasks)]
    [['a', 'b'], ['a', 'b'], ['a', 'b']]
    """

    # With metadata routing on, ``groups`` (the task ids) reach split by default,
    # as for GroupKFold.
    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, task_column=None, shuffle=False, random_state=None):
        self.n_splits = n_splits
        self.task_column = task_column
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds: ``n_splits``."""
        return self.n_splits

    def split(self, X, y, groups=None):
        """Generate (train, test) row indices.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data (read for the task column when ``task_column`` is set).
        y : array-like of shape (n_samples,)
            Labels.
        groups : array-like of shape (n_samples,), default=None
            The task id of each row, when ``task_column`` is None. (Named
            ``groups`` so that ``GridSearchCV(...).fit(X, y, groups=tasks)``
            and ``cross_validate(..., groups=tasks)`` pass it here; unlike
            :class:`~sklearn.model_selection.GroupKFold`, every task appears
            on both sides of every split.)

        Yields
        ------
        train, test : ndarray
            Indices of the training and test rows of one fold.
        """
        if not isinstance(self.n_splits, Integral) or self.n_splits < 2:
            raise ValueError(f"n_splits must be an integer of at least 2, got {self.n_splits!r}.")
        y = column_or_1d(y, warn=True)
        cells = task_label_cells(y, self._task_ids(X, groups, len(y)), self.n_splits)
        folds = StratifiedKFold(self.n_splits, shuffle=self.shuffle, random_state=self.random_state)
        with warnings.catch_warnings():
            # task_label_cells has already warned about small cells, by name.
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            yield from folds.split(np.zeros((len(y), 1)), cells)

    def _task_ids(self, X, groups, n_samples):
        ids = resolve_task_ids(X, self.task_column, groups, n_samples, "groups")
        # Without task ids: one task, so plain stratified k-fold.
        return np.zeros(n_samples, dtype=int) if ids is None else ids


def task_label_cells(y, task_ids, n_splits) -> np.ndarray:
    """Code each row by its (task, label) cell; refuse tasks too small for the folds."""
    tasks, task_codes = np.unique(task_ids, return_inverse=True)
    labels, y_codes = np.unique(y, return_inverse=True)
    counts = task_class_counts(task_codes, y_codes)
    sizes = counts.sum(axis=1)
    small = np.flatnonzero(sizes < n_splits)
    if len(small):
        raise ValueError(
            f"Task(s) {show_ids(tasks[small[:10]])} have fewer rows ({', '.join(map(str, sizes[small[:10]]))}) "
            f"than the {n_splits} folds, so some test folds would not hold them; use fewer "
            "folds, or merge or drop those tasks."
        )
    single = np.argwhere(counts == 1)
    if len(single):
        task, label = single[0]
        raise ValueError(
            f"Task {show_ids(tasks[task:task + 1])} has a single row of class "
            f"{show_ids(labels[label:label + 1])}, so one training fold would lack "
            "that class for that task; each (task, class) pair needs at least 2 rows."
        )
    thin = np.argwhere((counts > 0) & (counts < n_splits))
    if len(thin):
        names = [f"{show_ids(tasks[t:t + 1])}/{show_ids(labels[c:c + 1])}" for t, c in thin[:5]]
        warnings.warn(
            f"{len(thin)} (task, class) pair(s) have fewer rows than the {n_splits} folds "
            f"({', '.join(names)}{' ...' if len(thin) > 5 else ''}): some test folds lack "
            "that class of that task, where per-task metrics such as ROC AUC are undefined.",
            UserWarning,
        )
    return task_codes * len(labels) + y_codes
