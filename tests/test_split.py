"""Folds stratified on task x label: every task in every fold, in proportion."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_validate

from skmtl import MultiTaskKernelSVC
from skmtl.model_selection import TaskStratifiedKFold


def _uneven_tasks(seed=0):
    """A big task with balanced labels and small ones with rare positives."""
    rng = np.random.RandomState(seed)
    tasks = np.repeat(["big", "small", "tiny"], [400, 40, 20])
    y = np.r_[rng.rand(400) < 0.5, np.arange(40) < 10, np.arange(20) < 5].astype(int)
    order = rng.permutation(len(y))
    return rng.randn(len(y), 2), y[order], tasks[order]


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_task_and_class_is_in_every_fold_in_proportion(shuffle):
    X, y, tasks = _uneven_tasks()
    cv = TaskStratifiedKFold(5, shuffle=shuffle, random_state=0 if shuffle else None)
    folds = list(cv.split(X, y, groups=tasks))
    assert len(folds) == cv.get_n_splits() == 5
    np.testing.assert_array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(len(y)))
    for train, test in folds:
        assert not np.intersect1d(train, test).size
        for task in ("big", "small", "tiny"):
            for label in (0, 1):
                cell = np.sum((tasks == task) & (y == label))
                in_test = np.sum((tasks[test] == task) & (y[test] == label))
                assert abs(in_test - cell / 5) <= 1  # every cell split evenly


def test_plain_stratified_k_fold_can_lose_a_task_where_this_does_not():
    rng = np.random.RandomState(0)
    tasks = np.r_[np.repeat("big", 200), np.repeat("small", 10)]
    y = np.r_[rng.rand(200) < 0.5, np.ones(5), np.zeros(5)].astype(int)
    X = rng.randn(len(y), 2)
    plain = [np.unique(tasks[test]) for _, test in StratifiedKFold(5).split(X, y)]
    assert any("small" not in seen for seen in plain)
    ours = [np.unique(tasks[test]) for _, test in TaskStratifiedKFold(5).split(X, y, groups=tasks)]
    assert all("small" in seen for seen in ours)


def test_task_column_by_name_or_index():
    pd = pytest.importorskip("pandas")
    X, y, tasks = _uneven_tasks()
    frame = pd.DataFrame(X, columns=["u", "v"]).assign(task=tasks)
    by_groups = [test for _, test in TaskStratifiedKFold(4).split(X, y, groups=tasks)]
    by_name = [test for _, test in TaskStratifiedKFold(4, task_column="task").split(frame, y)]
    by_index = [test for _, test in TaskStratifiedKFold(4, task_column=2).split(frame.to_numpy(), y)]
    for a, b, c in zip(by_groups, by_name, by_index):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    with pytest.raises(ValueError, match="given twice"):
        next(TaskStratifiedKFold(4, task_column="task").split(frame, y, groups=tasks))


def test_without_tasks_it_is_stratified_k_fold():
    X, y, _ = _uneven_tasks()
    ours = [test for _, test in TaskStratifiedKFold(5).split(X, y)]
    plain = [test for _, test in StratifiedKFold(5).split(X, y)]
    for a, b in zip(ours, plain):
        np.testing.assert_array_equal(a, b)


def test_shuffling_is_seeded():
    X, y, tasks = _uneven_tasks()
    runs = [[test for _, test in TaskStratifiedKFold(5, shuffle=True, random_state=s).split(X, y, groups=tasks)] for s in (1, 1, 2)]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))


def test_tasks_too_small_for_the_folds_are_errors_and_thin_cells_warn():
    X, y, tasks = _uneven_tasks()
    with pytest.raises(ValueError, match=r"'tiny' have fewer rows \(20\) than the 25 folds"):
        next(TaskStratifiedKFold(25).split(X, y, groups=tasks))
    lonely = y.copy()
    lonely[np.flatnonzero((tasks == "tiny") & (y == 1))[1:]] = 0  # one positive left in 'tiny'
    with pytest.raises(ValueError, match="'tiny' has a single row of class 1"):
        next(TaskStratifiedKFold(5).split(X, lonely, groups=tasks))
    with pytest.warns(UserWarning, match=r"'tiny'/1"):
        next(TaskStratifiedKFold(10).split(X, y, groups=tasks))
    with pytest.raises(ValueError, match="at least 2"):
        next(TaskStratifiedKFold(1).split(X, y, groups=tasks))


def test_cross_validate_passes_the_task_ids_as_groups(two_tasks):
    X, y, tasks = two_tasks
    scores = cross_validate(
        MultiTaskKernelSVC(task_column=0, task_similarity=0.0),
        np.c_[tasks, X].astype(object),
        y,
        cv=TaskStratifiedKFold(4),
        groups=tasks,
    )
    assert scores["test_score"].min() > 0.85
