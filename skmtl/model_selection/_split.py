"""Cross-validation folds stratified on task x label, or on task x quantile of a continuous target."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _num_samples, column_or_1d

from .._labels import task_class_counts
from .._regression import as_targets
from .._tasks import WideTargets, is_wide, read_wide_targets, refuse_ids_beside_wide, resolve_task_ids, show_ids

#: What ``target_type`` may be.
TARGET_TYPES = ("auto", "classes", "continuous")

#: The most quantile bins of a task of a wide y. Each row's stratum is the tuple of
#: its tasks' bins (and missing marks), whose number grows as the product of
#: theirs, and rare tuples are regrouped. Measured on 3 to 10 tasks with 30-50%
#: missing targets, 5 folds: two bins (below and above the median) balanced the
#: folds' per-task target means best or close to it (mean deviation 0.08 task
#: standard deviations, against 0.16 without bins and 0.18 for shuffled KFold
#: with 3 tasks), while more bins scattered the tuples and unbalanced the
#: tasks' numbers of rows per fold.
WIDE_MAX_BINS = 2


class TaskStratifiedKFold(BaseCrossValidator):
    """K-fold cross-validation stratified on task x label, or on task x quantile of a continuous target.

    Every (task, class) cell is spread evenly over the folds, so every fold
    holds every task in proportion and with its classes. Plain
    :class:`~sklearn.model_selection.StratifiedKFold` stratifies on the label
    alone, which lets a small task vanish from a fold: its model then meets
    an unseen task at predict time, or a test fold scores it on one class.

    A continuous target (a regression) is split the same way, with each
    task's rows binned by the quantiles of their targets in place of the
    classes: every task is in every fold, in proportion, and each fold gets
    its share of the task's low, middle and high targets (see Notes). One
    splitter for both kinds of target rather than a sibling class: a search
    or a comparison takes its folds from one ``cv`` whatever the model, the
    task is the stratum either way, and ``target_type`` says how to read
    ``y`` where the data cannot (whole-number scores).

    It takes both forms of the task data: a 1-D ``y`` with the task ids in
    ``X`` (``task_column``) or in ``groups``, and a wide ``y`` of shape
    ``(n_samples, n_tasks)``, one column per task, where missing labels
    (NaN, None, ``pd.NA``) mean "not labelled for this task" (see Notes).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    task_column : int, str or None, default=None
        Column of ``X`` holding the task ids (an index, or a DataFrame column
        name), as the estimators' parameter of that name. With None, pass the
        ids to :meth:`split` as ``groups``. Not used with a wide ``y``.
    shuffle : bool, default=False
        Shuffle each cell's rows before splitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffling (only with ``shuffle=True``).
    target_type : {'auto', 'classes', 'continuous'}, default='auto'
        How to read ``y``. 'classes': class labels, stratified on task x
        label. 'continuous': numbers, stratified on task x quantile bin of
        the target. 'auto': 'continuous' where scikit-learn's
        :func:`~sklearn.utils.multiclass.type_of_target` says so (floats
        that are not all whole numbers), else 'classes'; pass 'continuous'
        for a numeric target of whole numbers (exam scores, counts), which
        'auto' would read as classes. With a wide ``y`` each task (column)
        is read on its own.

    Notes
    -----
    A task with fewer rows than ``n_splits`` would be absent from some test
    folds, and a (task, class) cell with a single row absent from a training
    fold: both are errors. A cell with fewer rows than ``n_splits`` (but at
    least 2) only warns: some test folds then lack that class of that task,
    where a metric such as ROC AUC is undefined.

    **Wide y.** Every row belongs to every task, so a row cannot be put in a
    cell of its own; it is stratified on its *label pattern*, the tuple of
    its labels over the tasks, where a missing label is a value of its own
    (rows labelled for task 0 only are apart from rows labelled for both
    tasks, and rows labelled and unlabelled for a task are each spread over
    the folds). A pattern shared by fewer than ``n_splits`` rows cannot be
    spread over the folds, so those rows are regrouped, deterministically:

    1. tasks are ranked from the fewest labelled rows to the most (ties in
       column order): a sparse task is the one a fold can lose, so its
       labels are kept longest;
    2. the rows of a rare pattern are regrouped, among themselves, by their
       labels for the first ``T - 1`` ranked tasks and whether the last one
       is labelled, then by the labels of the first ``T - 1`` alone, then of
       the first ``T - 2`` and whether the next is labelled, and so on, each
       step taking only the rows whose group is still rare;
    3. rows left over form one "rest" stratum.

    Missing labels are never a class: the checks above count labelled rows
    only, so each task needs at least ``n_splits`` labelled rows and each of
    its classes two labelled rows (a thin class warns). The folds must then
    keep both promises of the long form: every test fold holds labelled
    rows of every task, and every training fold holds every class of every
    task (a task's only rows of a class all in one test fold would leave its
    training fold with a task of one class, which no estimator fits). The
    pattern strata do not ensure either: a rare class's few rows, of rare
    patterns, may be regrouped into one small stratum. Where the pattern
    split breaks a promise, the rows are split again, stratified this time
    on their *rarest cell*: the (task, class) pair, among the row's labelled
    ones, with the fewest labelled rows (ties to the task with fewer labelled
    rows, then to the first column; rows without any label form one stratum
    of their own), as in iterative stratification, so that the rows of each
    rare class are spread over the folds. Where that split breaks a promise
    too, a ValueError names the fold, the task and the class (use fewer
    folds, or label more rows of that task or class). Both splits are
    deterministic (given ``random_state`` when shuffling).

    **Continuous targets.** Within each task the rows are ranked by their
    targets and cut into ``n_t // n_splits`` bins of consecutive ranks
    (quantile bins, each of at least ``n_splits`` rows; one bin when the
    task has fewer than ``2 * n_splits`` rows), and the (task, bin) cells
    are spread as the (task, class) cells are: each task's rows are spread
    evenly over the folds, and each bin's too. Ties in the target are
    broken by row order. A task with fewer rows than ``n_splits`` is an
    error, as for labels; no bin can be too small. In the wide form each
    task's labelled targets are binned the same way into at most two bins
    (below and above its median), and the rows are stratified on the tuple
    of their bins as on label patterns (above); only the promise that every
    test fold holds labelled rows of every task is checked, since a
    training fold without a task's high targets is still one a regressor
    can fit.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import TaskStratifiedKFold
    >>> tasks = np.repeat(["a", "b"], [12, 6])
    >>> y = np.tile([0, 1], 9)
    >>> cv = TaskStratifiedKFold(n_splits=3)
    >>> [np.unique(tasks[test]).tolist() for _, test in cv.split(np.zeros((18, 1)), y, groups=tasks)]
    [['a', 'b'], ['a', 'b'], ['a', 'b']]

    A wide ``y``: two tasks, the second labelled on half the rows; every test
    fold holds labels of both.

    >>> Y = np.c_[np.tile([0, 1], 9), np.r_[np.tile([0, 1], 4), np.full(10, np.nan)]]
    >>> [(~np.isnan(Y[test])).sum(axis=0).tolist() for _, test in cv.split(np.zeros((18, 1)), Y)]
    [[6, 3], [6, 3], [6, 2]]

    A continuous target: each fold gets a third of each task's rows, one of
    each run of three of its sorted targets.

    >>> y = np.r_[np.arange(12.0) ** 1.5, 100 + np.arange(6.0) ** 1.5]
    >>> [sorted(y[test].round(1).tolist()) for _, test in cv.split(np.zeros((18, 1)), y, groups=tasks)][0]
    [0.0, 5.2, 14.7, 27.0, 100.0, 105.2]
    """

    # With metadata routing on, ``groups`` (the task ids) reach split by default,
    # as for GroupKFold.
    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, task_column=None, shuffle=False, random_state=None, target_type="auto"):
        self.n_splits = n_splits
        self.task_column = task_column
        self.shuffle = shuffle
        self.random_state = random_state
        self.target_type = target_type

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds: ``n_splits``."""
        return self.n_splits

    def split(self, X, y, groups=None):
        """Generate (train, test) row indices.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data (read for the task column when ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Labels: one per row, or one column per task (the wide form,
            missing labels allowed; see the class Notes).
        groups : array-like of shape (n_samples,), default=None
            The task id of each row, when ``task_column`` is None. (Named
            ``groups`` so that ``GridSearchCV(...).fit(X, y, groups=tasks)``
            and ``cross_validate(..., groups=tasks)`` pass it here; unlike
            :class:`~sklearn.model_selection.GroupKFold`, every task appears
            on both sides of every split.) Not used with a wide ``y``.

        Yields
        ------
        train, test : ndarray
            Indices of the training and test rows of one fold.
        """
        if not isinstance(self.n_splits, Integral) or self.n_splits < 2:
            raise ValueError(f"n_splits must be an integer of at least 2, got {self.n_splits!r}.")
        if self.target_type not in TARGET_TYPES:
            raise ValueError(
                f"target_type must be one of {', '.join(map(repr, TARGET_TYPES))}, got {self.target_type!r}."
            )
        if is_wide(y):
            yield from self._wide_splits(self._wide_targets(X, y, groups))
            return
        y = column_or_1d(y, warn=True)
        ids = self._task_ids(X, groups, len(y))
        if self._is_continuous(y, "y"):
            strata = task_quantile_strata(as_targets(y), ids, self.n_splits)
        else:
            strata = task_label_cells(y, ids, self.n_splits)
        yield from self._stratified_splits(strata)

    def _is_continuous(self, y, name) -> bool:
        """Whether ``y`` (one task's labels, or the long form's) is split as numbers."""
        if self.target_type != "auto":
            if self.target_type == "continuous":
                as_targets(y, name)  # numbers, all finite
            return self.target_type == "continuous"
        if np.asarray(y).dtype.kind != "f":
            return False
        as_targets(y, name)  # type_of_target's own refusal of NaN is several lines long
        return type_of_target(y) == "continuous"

    def _stratified_splits(self, strata) -> list:
        folds = StratifiedKFold(self.n_splits, shuffle=self.shuffle, random_state=self.random_state)
        with warnings.catch_warnings():
            # The cell checks have already warned about small cells, by name.
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            return list(folds.split(np.zeros((len(strata), 1)), strata))

    def _wide_splits(self, wide: WideTargets) -> list:
        """Split on the label patterns, else on the rarest cells; refuse folds that lose a task or a class.

        A continuous task's labels are its quantile bins here, and only its
        presence in every test fold is checked.
        """
        continuous = np.array([
            self._is_continuous(labels, f"y's column {show_ids(wide.tasks[t:t + 1])}")
            for t, labels in enumerate(wide.labels)
        ])
        if continuous.any():
            wide = WideTargets(wide.tasks, wide.labelled, [
                quantile_bins(as_targets(labels), self.n_splits, WIDE_MAX_BINS) if numbers else labels
                for labels, numbers in zip(wide.labels, continuous)
            ], wide.frame)
        splits = self._stratified_splits(label_pattern_strata(wide, self.n_splits))
        problem = wide_fold_problem(wide, splits, ~continuous)
        if problem is None:
            return splits
        strata = rarest_cell_strata(wide)
        # StratifiedKFold needs one stratum with a row per fold (else the pattern split's problem stands).
        if np.bincount(strata).max() >= self.n_splits:
            splits = self._stratified_splits(strata)
            problem = wide_fold_problem(wide, splits, ~continuous)
            if problem is None:
                return splits
        raise ValueError(problem)

    def _task_ids(self, X, groups, n_samples):
        ids = resolve_task_ids(X, self.task_column, groups, n_samples, "groups")
        # Without task ids: one task, so plain stratified k-fold.
        return np.zeros(n_samples, dtype=int) if ids is None else ids

    def _wide_targets(self, X, y, groups) -> WideTargets:
        refuse_ids_beside_wide(
            y,
            f"task_column={self.task_column!r}" if self.task_column is not None
            else "groups=" if groups is not None else None,
        )
        return read_wide_targets(y, _num_samples(X))


def quantile_bins(values, n_splits, max_bins=None) -> np.ndarray:
    """The quantile bin of each value: ``n // n_splits`` bins (at most ``max_bins``) of consecutive ranks.

    Every bin holds at least ``n_splits`` values (so that it reaches every
    fold), and one more than another at most; ties are broken by position.

    Examples
    --------
    >>> quantile_bins(np.array([5.0, 1.0, 4.0, 2.0, 3.0, 0.0]), n_splits=3)
    array([1, 0, 1, 0, 1, 0])
    """
    n = len(values)
    n_bins = max(1, n // n_splits)
    if max_bins is not None:
        n_bins = min(n_bins, max_bins)
    ranks = np.empty(n, dtype=np.intp)
    ranks[np.argsort(values, kind="stable")] = np.arange(n)
    return ranks * n_bins // max(n, 1)


def task_quantile_strata(y, task_ids, n_splits) -> np.ndarray:
    """Code each row by its (task, quantile bin of y within the task) cell; refuse tasks too small.

    A task's cells have consecutive codes, so that
    :class:`~sklearn.model_selection.StratifiedKFold`, which deals the rows
    of consecutive strata round-robin, spreads the task evenly over the
    folds as well as each of its bins.
    """
    tasks, task_codes = np.unique(task_ids, return_inverse=True)
    check_task_sizes(tasks, np.bincount(task_codes, minlength=len(tasks)), n_splits, "rows")
    strata = np.empty(len(y), dtype=np.intp)
    offset = 0
    for t in range(len(tasks)):
        mine = np.flatnonzero(task_codes == t)
        bins = quantile_bins(y[mine], n_splits)
        strata[mine] = offset + bins
        offset += bins.max() + 1
    return strata


def task_label_cells(y, task_ids, n_splits) -> np.ndarray:
    """Code each row by its (task, label) cell; refuse tasks too small for the folds."""
    tasks, task_codes = np.unique(task_ids, return_inverse=True)
    labels, y_codes = np.unique(y, return_inverse=True)
    counts = task_class_counts(task_codes, y_codes)
    check_cells(tasks, [labels] * len(tasks), counts, n_splits, "rows")
    return task_codes * len(labels) + y_codes


def label_pattern_strata(wide: WideTargets, n_splits) -> np.ndarray:
    """The stratum of each row of a wide y: its label pattern, coarsened where rare.

    See the Notes of :class:`TaskStratifiedKFold`. Refuses tasks too small
    for the folds, as :func:`task_label_cells`.
    """
    pattern, labels, counts = wide_cells(wide)
    check_cells(wide.tasks, labels, counts, n_splits, "labelled rows")
    # The sparsest tasks first: the coarser strata keep their labels longest.
    pattern = pattern[:, np.argsort(wide.labelled.sum(axis=0), kind="stable")]
    strata = _unique_rows(pattern)
    for k in range(wide.n_tasks - 1, -1, -1):
        for keep_labelled in (True, False):
            rare = np.bincount(strata)[strata] < n_splits
            if not rare.any():
                return strata
            # Rare rows, regrouped among themselves (codes apart from the other
            # strata) by the labels of the first k tasks, and whether the next
            # one is labelled, then without it (k = 0: one rest stratum).
            key = pattern[rare, :k]
            if keep_labelled:
                key = np.c_[key, pattern[rare, k] >= 0]
            strata[rare] = strata.max() + 1 + _unique_rows(key)
    return strata


def rarest_cell_strata(wide: WideTargets) -> np.ndarray:
    """The stratum of each row of a wide y: its rarest (task, class) cell (the fallback of the Notes).

    Ties go to the task with the fewest labelled rows, then to the first
    column; rows without any label share one stratum. Checks nothing: call
    it on targets :func:`label_pattern_strata` has accepted.
    """
    codes, labels, counts = wide_cells(wide)
    n_classes = counts.shape[1]
    cell = np.arange(wide.n_tasks) * n_classes + codes  # the (task, class) cell of each entry
    rank = np.argsort(np.argsort(wide.labelled.sum(axis=0), kind="stable"), kind="stable")
    # Order the entries of a row by the size of their cell, then the task's rank; missing ones last.
    size = np.where(codes >= 0, counts.reshape(-1)[np.where(codes >= 0, cell, 0)], len(codes) + 1)
    rarest = np.argmin(size * wide.n_tasks + rank, axis=1)
    strata = cell[np.arange(len(codes)), rarest] + 1
    strata[~wide.labelled.any(axis=1)] = 0
    return np.unique(strata, return_inverse=True)[1].reshape(-1)


def wide_cells(wide: WideTargets) -> tuple[np.ndarray, list, np.ndarray]:
    """The class code of each entry of a wide y (-1 where missing), each task's classes, and the cell sizes.

    ``counts[t, c]`` is the number of rows of task ``t`` labelled ``labels[t][c]``.
    """
    codes = np.full(wide.labelled.shape, -1, dtype=np.intp)
    labels = []
    for t, task_labels in enumerate(wide.labels):
        classes, codes[wide.labelled[:, t], t] = np.unique(task_labels, return_inverse=True)
        labels.append(classes)
    counts = np.zeros((wide.n_tasks, max(map(len, labels))), dtype=np.intp)
    for t, column in enumerate(codes.T):
        counts[t, :len(labels[t])] = np.bincount(column[column >= 0], minlength=len(labels[t]))
    return codes, labels, counts


def _unique_rows(array: np.ndarray) -> np.ndarray:
    """The code of each row of a 2-D array, equal rows sharing a code."""
    return np.unique(array, axis=0, return_inverse=True)[1].reshape(-1)


def check_cells(tasks, labels, counts, n_splits, rows: str) -> None:
    """Refuse tasks with fewer ``rows`` than folds and (task, class) cells of one row; warn for thin cells.

    ``counts[t, c]`` is the number of rows of task ``t`` with the label
    ``labels[t][c]`` (zero for a label the task does not have).
    """
    check_task_sizes(tasks, counts.sum(axis=1), n_splits, rows)
    single = np.argwhere(counts == 1)
    if len(single):
        task, label = single[0]
        many_numbers = np.asarray(labels[task]).dtype.kind in "iuf" and len(labels[task]) > 2
        raise ValueError(
            f"Task {show_ids(tasks[task:task + 1])} has a single {rows[:-1]} of class "
            f"{show_ids(labels[task][label:label + 1])}, so one training fold would lack "
            f"that class for that task; each (task, class) pair needs at least 2 {rows}"
            + (" (a quantity rather than class labels? pass target_type='continuous')." if many_numbers else ".")
        )
    thin = np.argwhere((counts > 0) & (counts < n_splits))
    if len(thin):
        names = [f"{show_ids(tasks[t:t + 1])}/{show_ids(labels[t][c:c + 1])}" for t, c in thin[:5]]
        warnings.warn(
            f"{len(thin)} (task, class) pair(s) have fewer {rows} than the {n_splits} folds "
            f"({', '.join(names)}{' ...' if len(thin) > 5 else ''}): some test folds lack "
            "that class of that task, where per-task metrics such as ROC AUC are undefined.",
            UserWarning,
        )


def check_task_sizes(tasks, sizes, n_splits, rows: str) -> None:
    """Refuse tasks with fewer ``rows`` than folds: some test folds would not hold them."""
    small = np.flatnonzero(sizes < n_splits)
    if len(small):
        raise ValueError(
            f"Task(s) {show_ids(tasks[small[:10]])} have fewer {rows} ({', '.join(map(str, sizes[small[:10]]))}) "
            f"than the {n_splits} folds, so some test folds would not hold them; use fewer "
            "folds, or merge or drop those tasks."
        )


def wide_fold_problem(wide: WideTargets, splits, classes=None) -> str | None:
    """Why the folds fail a wide y, or None: a test fold without labelled rows of a task
    (its score there would be undefined), or a training fold without a class of a task
    (a task of one class cannot be fitted).

    ``classes`` marks the tasks whose labels are classes (default: all);
    the others (binned continuous targets) are checked for the first promise only.
    """
    codes, labels, counts = wide_cells(wide)
    classes = np.ones(wide.n_tasks, bool) if classes is None else classes
    for k, (train, test) in enumerate(splits):
        absent = np.flatnonzero(~wide.labelled[test].any(axis=0))
        if len(absent):
            return (
                f"Test fold {k} holds no labelled row of task(s) {show_ids(wide.tasks[absent[:10]])}: "
                "their labelled rows are too few, or their label patterns too scattered, to "
                f"reach all {len(splits)} folds; use fewer folds, or label more rows of those tasks."
            )
        for t in np.flatnonzero(classes):
            column = codes[train, t]
            lacking = np.flatnonzero(np.bincount(column[column >= 0], minlength=len(labels[t])) == 0)
            if len(lacking):
                c = lacking[0]
                return (
                    f"Training fold {k} lacks class {show_ids(labels[t][c:c + 1])} of task "
                    f"{show_ids(wide.tasks[t:t + 1])}: its {counts[t, c]} labelled rows all fall in test "
                    f"fold {k}, too few, or sharing rows with too many other rare classes, to spread "
                    f"over the {len(splits)} folds; use fewer folds, or label more rows of that class."
                )
    return None
