"""TaskStratifiedKFold on continuous targets: every task in every fold, in proportion, and each
task's low, middle and high targets spread over the folds; long and wide forms."""

import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_validate

from skmtl.model_selection import IndependentTaskRegressor, TaskStratifiedKFold
from skmtl.model_selection._split import quantile_bins


def _uneven_tasks(seed=0):
    """A big task, a small one and a tiny one, on different scales; rows in random order."""
    rng = np.random.RandomState(seed)
    tasks = np.repeat(["big", "small", "tiny"], [400, 43, 12])
    y = rng.standard_exponential(len(tasks)) * np.select([tasks == "big", tasks == "small"], [1.0, 10.0], 100.0)
    order = rng.permutation(len(y))
    return rng.randn(len(y), 2), y[order], tasks[order]


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_task_and_every_quantile_bin_of_it_is_in_every_fold(shuffle):
    X, y, tasks = _uneven_tasks()
    cv = TaskStratifiedKFold(5, shuffle=shuffle, random_state=0 if shuffle else None)
    folds = list(cv.split(X, y, groups=tasks))
    np.testing.assert_array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(len(y)))
    for task in ("big", "small", "tiny"):
        mine = np.flatnonzero(tasks == task)
        bins = quantile_bins(y[mine], 5)
        assert bins.max() + 1 == len(mine) // 5  # 80, 8 and 2 bins of 5 rows or more
        for _, test in folds:
            in_test = np.isin(mine, test)
            assert abs(in_test.sum() - len(mine) / 5) <= 1  # the task, in proportion
            for b in range(bins.max() + 1):  # each bin of it, in proportion
                assert abs(np.sum(in_test & (bins == b)) - np.sum(bins == b) / 5) <= 1


def test_the_folds_targets_are_closer_to_the_tasks_than_plain_k_folds():
    X, y, tasks = _uneven_tasks(seed=1)

    def spread(folds):
        """Mean over folds and tasks of |test fold's mean - task's mean| / task's std (tasks a fold holds)."""
        return np.mean([
            abs(y[test][tasks[test] == t].mean() - y[tasks == t].mean()) / y[tasks == t].std()
            for _, test in folds for t in ("big", "small", "tiny") if np.any(tasks[test] == t)
        ])

    ours = spread(TaskStratifiedKFold(4, shuffle=True, random_state=0).split(X, y, groups=tasks))
    plain = np.mean([spread(KFold(4, shuffle=True, random_state=s).split(X)) for s in range(5)])
    assert ours < plain / 3  # measured: 0.065 against 0.28 (and plain folds may lose the tiny task)


def test_quantile_bins_hold_n_splits_rows_each_and_ties_follow_row_order():
    values = np.array([3.0, 1.0, 1.0, 1.0, 2.0, 5.0, 4.0])
    np.testing.assert_array_equal(quantile_bins(values, 3), [1, 0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(quantile_bins(values, 2), [1, 0, 0, 0, 1, 2, 2])
    assert quantile_bins(values[:4], 5).tolist() == [0, 0, 0, 0]  # fewer rows than folds: one bin
    assert np.bincount(quantile_bins(np.arange(103.0), 5)).min() >= 5


def test_a_task_with_fewer_rows_than_folds_is_a_one_line_error():
    X, y, tasks = _uneven_tasks()
    with pytest.raises(ValueError, match=r"^Task\(s\) 'tiny' have fewer rows \(12\) than the 13 folds, so some "
                                         r"test folds would not hold them; use fewer folds") as error:
        next(TaskStratifiedKFold(13).split(X, y, groups=tasks))
    assert "\n" not in str(error.value)


def test_target_type_says_how_to_read_y():
    X, y, tasks = _uneven_tasks()
    scores = np.round(y).astype(int)  # whole-number targets: classes for 'auto'
    with pytest.raises(ValueError, match=r"has a single row of class \d+.*pass target_type='continuous'"):
        next(TaskStratifiedKFold(5).split(X, scores, groups=tasks))
    as_numbers = list(TaskStratifiedKFold(5, target_type="continuous").split(X, scores, groups=tasks))
    assert all(set(tasks[test]) == {"big", "small", "tiny"} for _, test in as_numbers)
    # 'auto' on continuous y is 'continuous'.
    for (_, a), (_, b) in zip(TaskStratifiedKFold(5).split(X, y, groups=tasks),
                              TaskStratifiedKFold(5, target_type="continuous").split(X, y, groups=tasks)):
        np.testing.assert_array_equal(a, b)
    labels = (y > np.median(y)).astype(int)  # 'classes' as before
    for (_, a), (_, b) in zip(TaskStratifiedKFold(5).split(X, labels, groups=tasks),
                              TaskStratifiedKFold(5, target_type="classes").split(X, labels, groups=tasks)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="target_type must be one of 'auto', 'classes', 'continuous', got 'numbers'"):
        next(TaskStratifiedKFold(5, target_type="numbers").split(X, y, groups=tasks))
    with pytest.raises(ValueError, match="y contains 1 infinite or missing target"):
        next(TaskStratifiedKFold(5).split(X, np.r_[np.nan, y[1:]], groups=tasks))
    with pytest.raises(ValueError, match="not numbers"):
        next(TaskStratifiedKFold(5, target_type="continuous").split(X, tasks, groups=tasks))


def test_shuffling_is_seeded_and_without_shuffling_the_folds_are_fixed():
    X, y, tasks = _uneven_tasks()

    def tests(**kwargs):
        return [test for _, test in TaskStratifiedKFold(5, **kwargs).split(X, y, groups=tasks)]

    first, again, other = (tests(shuffle=True, random_state=seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    assert all(np.array_equal(a, b) for a, b in zip(tests(), tests()))


def _wide(seed=0, n=150, missing=0.35):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    Y = np.c_[X[:, 0], 10 * X[:, 1], 100 * rng.standard_exponential(n)] + rng.randn(n, 3)
    Y[rng.rand(n, 3) < missing] = np.nan
    return X, Y


def test_wide_continuous_targets_every_task_labelled_in_every_fold_in_proportion():
    pd = pytest.importorskip("pandas")
    X, Y = _wide()
    labelled = ~np.isnan(Y)
    folds = list(TaskStratifiedKFold(5, shuffle=True, random_state=0).split(X, Y))
    np.testing.assert_array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(len(Y)))
    for _, test in folds:
        # measured: at most 1.8 labelled rows of a task away from its fifth
        assert np.all(np.abs(labelled[test].sum(axis=0) - labelled.sum(axis=0) / 5) <= 3)
        for t in range(3):  # each task's targets above its median: about half of its test rows
            median = np.nanmedian(Y[:, t])
            mine = Y[test, t][labelled[test, t]]
            assert abs(np.mean(mine > median) - 0.5) < 0.2
    frame = pd.DataFrame(Y, columns=["u", "v", "w"])  # a frame splits as its array
    for (_, a), (_, b) in zip(folds, TaskStratifiedKFold(5, shuffle=True, random_state=0).split(X, frame)):
        np.testing.assert_array_equal(a, b)


def test_wide_continuous_task_too_sparse_for_the_folds_is_refused():
    X, Y = _wide()
    Y[4:, 1] = np.nan  # task 1 keeps 4 labelled rows or fewer
    with pytest.raises(ValueError, match=r"Task\(s\) 1 have fewer labelled rows \(\d\) than the 5 folds"):
        next(TaskStratifiedKFold(5).split(X, Y))


def test_wide_mix_of_a_continuous_task_and_a_class_task():
    X, Y = _wide()
    Y[:, 2] = np.where(np.isnan(Y[:, 2]), np.nan, (Y[:, 2] > 50).astype(float))  # task 2: classes
    for _, test in TaskStratifiedKFold(4).split(X, Y):
        assert (~np.isnan(Y[test])).any(axis=0).all()
        assert set(Y[test, 2][~np.isnan(Y[test, 2])]) == {0.0, 1.0}


def test_cross_validate_a_regressor_with_the_task_ids_as_groups():
    X, _, tasks = _uneven_tasks()
    y = 3 * X[:, 0] * np.where(tasks == "small", -1, 1) + 0.3 * np.random.RandomState(0).randn(len(X))
    scores = cross_validate(
        IndependentTaskRegressor(task_column=0), np.c_[tasks, X].astype(object), y,
        cv=TaskStratifiedKFold(4), groups=tasks,
    )
    assert scores["test_score"].min() > 0.8  # each task's R², averaged (measured: 0.85 to 0.99)
