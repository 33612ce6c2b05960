"""Every rule of the shared task data model (DESIGN.md), on MultiTaskKernelSVC."""

import numpy as np
import pandas as pd
import pytest

from skmtl import MultiTaskKernelSVC
from skmtl._tasks import entry_weights, is_wide, read_wide_targets


def _frame(X, tasks):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(1, "school", tasks)
    return df


def test_task_column_by_name_in_dataframe(two_tasks):
    X, y, tasks = two_tasks
    df = _frame(X, tasks)
    clf = MultiTaskKernelSVC(task_column="school", task_similarity=0.0).fit(df, y)
    assert list(clf.tasks_) == ["north", "south"]
    assert clf.n_tasks_ == 2
    assert clf.n_features_in_ == 4
    assert list(clf.feature_names_in_) == ["a", "school", "b", "c"]
    assert clf.support_vectors_.shape[1] == 3
    assert clf.score(df, y) > 0.9
    blind = MultiTaskKernelSVC().fit(X, y)
    assert blind.score(X, y) < 0.75  # the task matters on this data


def test_task_column_by_index_matches_tasks_keyword(two_tasks):
    X, y, tasks = two_tasks
    codes = (tasks == "south").astype(float)
    with_column = np.column_stack([X[:, :1], codes, X[:, 1:]])
    by_index = MultiTaskKernelSVC(task_column=1).fit(with_column, y)
    by_keyword = MultiTaskKernelSVC().fit(X, y, tasks=codes)
    np.testing.assert_allclose(
        by_index.decision_function(with_column), by_keyword.decision_function(X, tasks=codes)
    )
    assert by_index.tasks_.tolist() == [0.0, 1.0]
    # A negative index counts from the end, as in Python.
    last = np.column_stack([X, codes])
    assert MultiTaskKernelSVC(task_column=-1).fit(last, y).n_tasks_ == 2


def test_task_column_by_index_in_dataframe(two_tasks):
    X, y, tasks = two_tasks
    df = _frame(X, tasks)
    by_name = MultiTaskKernelSVC(task_column="school").fit(df, y)
    by_index = MultiTaskKernelSVC(task_column=1).fit(df, y)
    np.testing.assert_allclose(by_name.decision_function(df), by_index.decision_function(df))


@pytest.mark.parametrize("method", ["predict", "decision_function", "predict_proba", "score"])
def test_tasks_keyword_on_every_method(two_tasks, method):
    X, y, tasks = two_tasks
    clf = MultiTaskKernelSVC(probability=True, random_state=0).fit(X, y, tasks=tasks)
    args = (X, y) if method == "score" else (X,)
    out = getattr(clf, method)(*args, tasks=tasks)
    assert np.shape(out)[:1] in [(len(X),), ()]
    with pytest.raises(ValueError, match="needs the task of every row: pass tasks="):
        getattr(clf, method)(*args)


def test_neither_given_is_a_single_task(two_tasks):
    X, y, _ = two_tasks
    clf = MultiTaskKernelSVC().fit(X, y)
    assert clf.n_tasks_ == 1 and clf.tasks_[0] is None
    clf.predict(X)
    with pytest.raises(ValueError, match="fitted without task ids"):
        clf.predict(X, tasks=np.zeros(len(X)))


def test_both_given_is_an_error(two_tasks):
    X, y, tasks = two_tasks
    df = _frame(X, tasks)
    with pytest.raises(ValueError, match="given twice"):
        MultiTaskKernelSVC(task_column="school").fit(df, y, tasks=tasks)
    clf = MultiTaskKernelSVC(task_column="school").fit(df, y)
    with pytest.raises(ValueError, match="given twice"):
        clf.predict(df, tasks=tasks)


def test_unknown_task_ids_are_named(two_tasks):
    X, y, tasks = two_tasks
    clf = MultiTaskKernelSVC().fit(X, y, tasks=tasks)
    new = tasks.copy()
    new[:3] = "east"
    with pytest.raises(ValueError, match=r"Unknown task id\(s\) 'east'"):
        clf.predict(X, tasks=new)
    with pytest.raises(ValueError, match="Unknown task id"):
        clf.predict(X, tasks=np.arange(len(X)))  # ints against string ids


def test_integer_and_string_ids_give_the_same_model(two_tasks):
    X, y, tasks = two_tasks
    as_int = np.where(tasks == "north", 7, 3)
    # The two orders of the tasks differ, so compare solutions at a tight tol.
    a = MultiTaskKernelSVC(task_similarity=0.3, tol=1e-9).fit(X, y, tasks=tasks)
    b = MultiTaskKernelSVC(task_similarity=0.3, tol=1e-9).fit(X, y, tasks=as_int)
    assert b.tasks_.tolist() == [3, 7]
    np.testing.assert_allclose(
        a.decision_function(X, tasks=tasks), b.decision_function(X, tasks=as_int), atol=1e-6
    )


def test_tasks_with_different_label_sets():
    rng = np.random.RandomState(1)
    X = rng.randn(240, 2)
    tasks = np.repeat(["p", "q"], 120)
    y = np.where(X[:, 0] > 0, "cat", "dog").astype(object)
    y[120:] = np.where(X[120:, 1] > 0, "dog", "emu")  # task q: dog/emu, no cat
    clf = MultiTaskKernelSVC(probability=True, random_state=0).fit(X, y, tasks=tasks)
    assert clf.classes_.tolist() == ["cat", "dog", "emu"]
    assert clf.task_classes_["p"].tolist() == ["cat", "dog"]
    assert clf.task_classes_["q"].tolist() == ["dog", "emu"]
    pred = clf.predict(X, tasks=tasks)
    assert set(pred[:120]) <= {"cat", "dog"} and set(pred[120:]) <= {"dog", "emu"}
    proba = clf.predict_proba(X, tasks=tasks)
    assert np.all(proba[:120, 2] == 0) and np.all(proba[120:, 0] == 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y, tasks=tasks) > 0.9


def test_a_task_with_one_class_is_an_error(two_tasks):
    X, y, tasks = two_tasks
    y = y.copy()
    y[tasks == "south"] = "yes"
    with pytest.raises(ValueError, match=r"Task\(s\) 'south' have a single class"):
        MultiTaskKernelSVC().fit(X, y, tasks=tasks)
    # ... also when zero weights leave it one class.
    weight = np.where((tasks == "north") & (y == "no"), 0.0, 1.0)
    with pytest.raises(ValueError, match="'north'"):
        MultiTaskKernelSVC().fit(X, y, tasks=tasks, sample_weight=weight)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros(10), "has 10 task ids but X has 160 rows"),
        (np.zeros((160, 2)), "one-dimensional"),
        (np.r_[np.zeros(159), np.nan], "missing task id"),
        (np.array([None] + ["a"] * 159, dtype=object), "missing task id"),
    ],
)
def test_malformed_task_ids(two_tasks, bad, match):
    X, y, _ = two_tasks
    with pytest.raises(ValueError, match=match):
        MultiTaskKernelSVC().fit(X, y, tasks=bad)


def test_mixed_type_ids_are_a_clear_error(two_tasks):
    X, y, _ = two_tasks
    mixed = np.array([1, "a"] * 80, dtype=object)
    with pytest.raises(ValueError, match="mixes task ids of different types"):
        MultiTaskKernelSVC().fit(X, y, tasks=mixed)


@pytest.mark.parametrize("container", [list, lambda v: np.array(v, dtype=object), pd.Series])
def test_ids_that_numpy_would_merge_are_refused(two_tasks, container):
    """[1, '1'] would become ['1', '1']: one task where the user gave two."""
    X, y, _ = two_tasks
    ids = container([1, "1"] * 80)
    with pytest.raises(ValueError, match="mixes task ids.*merged into one task"):
        MultiTaskKernelSVC().fit(X, y, tasks=ids)


def test_pandas_na_among_task_ids_is_a_missing_id(two_tasks):
    X, y, tasks = two_tasks
    ids = pd.array(list(tasks[:-1]) + [pd.NA], dtype="string")
    with pytest.raises(ValueError, match="1 missing task id.*first at row 159"):
        MultiTaskKernelSVC().fit(X, y, tasks=ids)
    with pytest.raises(ValueError, match="1 missing task id"):
        MultiTaskKernelSVC().fit(X, y, tasks=pd.Series(list(tasks[:-1]) + [pd.NA], dtype=object))


def test_transformed_task_ids_are_refused_with_the_cause(two_tasks):
    X, y, tasks = two_tasks
    codes = (tasks == "south").astype(float)
    scaled = codes * 0.5 - 0.25  # what a scaler makes of codes 0 and 1, up to its scale
    with pytest.raises(ValueError, match="non-integer task ids such as -0.25.*transformed column.*FeatureTransformer"):
        MultiTaskKernelSVC().fit(X, y, tasks=scaled)
    assert MultiTaskKernelSVC().fit(X, y, tasks=codes).tasks_.tolist() == [0.0, 1.0]  # whole floats are ids


@pytest.mark.parametrize("y_bad, message", [
    (lambda y: np.where(np.arange(len(y)) == 3, None, y.astype(object)), "1 missing label.*first at row 3"),
    (lambda y: [1 if v == "yes" else "1" for v in y], "mixes labels of different types"),
    (lambda y: pd.Series(np.where(y == 1, "yes", "no")).where(np.arange(len(y)) != 5, pd.NA), "missing label"),
])
def test_missing_and_mixed_labels_are_named(two_tasks, y_bad, message):
    X, y, tasks = two_tasks
    with pytest.raises(ValueError, match=message):
        MultiTaskKernelSVC().fit(X, y_bad(y), tasks=tasks)


def test_integer_column_names_mean_names(two_tasks):
    """task_column=0 on columns [1, 0, 2, 3] is the column named 0, as df[0]."""
    X, y, tasks = two_tasks
    codes = (tasks == "south").astype(int)
    df = pd.DataFrame(np.column_stack([X[:, 0], codes, X[:, 1:]]), columns=[1, 0, 2, 3])
    clf = MultiTaskKernelSVC(task_column=0).fit(df, y)
    assert clf.tasks_.tolist() == [0, 1]
    assert clf.support_vectors_.shape[1] == 3
    with pytest.raises(ValueError, match="column names are integers.*ambiguous"):
        MultiTaskKernelSVC(task_column=7).fit(df, y)


def test_sparse_x_with_a_task_column(two_tasks):
    import scipy.sparse as sp

    X, y, tasks = two_tasks
    codes = (tasks == "south").astype(float)
    with_column = np.column_stack([X, codes])
    by_column = MultiTaskKernelSVC(task_column=-1).fit(sp.csr_matrix(with_column), y)
    by_keyword = MultiTaskKernelSVC().fit(sp.csr_matrix(X), y, tasks=codes)  # the same sparse products
    np.testing.assert_allclose(
        by_column.decision_function(sp.csc_matrix(with_column)), by_keyword.decision_function(X, tasks=codes),
        rtol=1e-12, atol=1e-14,
    )


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_task_column_errors(two_tasks):
    X, y, tasks = two_tasks
    with pytest.raises(ValueError, match="needs X as a pandas DataFrame"):
        MultiTaskKernelSVC(task_column="school").fit(X, y)
    with pytest.raises(ValueError, match="not a column of X"):
        MultiTaskKernelSVC(task_column="district").fit(_frame(X, tasks), y)
    with pytest.raises(ValueError, match="out of range"):
        MultiTaskKernelSVC(task_column=5).fit(X, y)
    fitted = MultiTaskKernelSVC(task_column="school").fit(_frame(X, tasks), y)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X)  # the task column is missing


def test_nan_in_features_is_rejected_with_task_column(two_tasks):
    X, y, tasks = two_tasks
    df = _frame(X, tasks)
    df.loc[3, "b"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MultiTaskKernelSVC(task_column="school").fit(df, y)


def test_a_dataframe_made_from_an_array_takes_positions(two_tasks):
    """pd.DataFrame(array) names its columns 0..n-1: -1 is the last one, not an ambiguity."""
    X, y, tasks = two_tasks
    frame = pd.DataFrame(np.column_stack([X, (tasks == "south").astype(int)]))
    assert MultiTaskKernelSVC(task_column=-1).fit(frame, y).tasks_.tolist() == [0, 1]


@pytest.mark.parametrize("ids, message", [
    ([b"1", "1"] * 80, "mixes task ids of different types \\(bytes and text\\)"),
    (pd.Series([0.5, 1.5] * 80, dtype=object), "non-integer task ids such as 0.5"),
])
def test_more_ids_that_would_be_merged_or_look_transformed(two_tasks, ids, message):
    X, y, _ = two_tasks
    with pytest.raises(ValueError, match=message):
        MultiTaskKernelSVC().fit(X, y, tasks=ids)


def test_input_errors_name_the_column_and_the_fix(two_tasks):
    X, y, tasks = two_tasks
    frame = pd.DataFrame({"site": tasks, "x": X[:, 0], "city": np.where(X[:, 1] > 0, "paris", "oslo")})
    for column in (0, "site"):  # the task column is skipped, by position or by name
        with pytest.raises(ValueError, match=r"text \('(paris|oslo)'\) in column 'city'.*OneHotEncoder\(\), \['city'\]"):
            MultiTaskKernelSVC(task_column=column).fit(frame, y)
    with_nan = np.column_stack([X, (tasks == "south").astype(float)])
    with_nan[3, 0] = np.nan
    for kwargs, data in (({"task_column": -1}, (with_nan, y)), ({}, (with_nan[:, :-1], y))):
        fit_kwargs = {} if kwargs else {"tasks": tasks}
        with pytest.raises(ValueError, match=r"Input X contains NaN\. MultiTaskKernelSVC does not accept .*SimpleImputer"):
            MultiTaskKernelSVC(**kwargs).fit(*data, **fit_kwargs)


# ------------------------------------------------------------ the wide form

def test_is_wide_means_two_columns_or_more():
    assert is_wide(np.zeros((3, 2))) and is_wide([[0, 1], [1, 0]])
    assert not is_wide(np.zeros(3)) and not is_wide(np.zeros((3, 1))) and not is_wide(None)
    assert not is_wide([[0, 1], [1]])  # ragged: the 1-D checks speak


def test_wide_targets_read_missing_labels_per_column_with_their_own_types():
    y = pd.DataFrame({
        "score": [1.0, np.nan, 0.0, 1.0],
        "word": ["x", None, "y", pd.NA],
        "count": pd.array([1, pd.NA, 0, 2], dtype="Int64"),
    })
    wide = read_wide_targets(y, 4)
    assert wide.tasks.tolist() == ["score", "word", "count"] and wide.frame
    np.testing.assert_array_equal(wide.labelled, [[1, 1, 1], [0, 0, 0], [1, 1, 1], [1, 0, 1]])
    assert [labels.tolist() for labels in wide.labels] == [[1.0, 0.0, 1.0], ["x", "y"], [1, 0, 2]]
    assert wide.labels[2].dtype.kind == "i"  # nullable integers stay integers
    rows, codes = wide.entries()
    np.testing.assert_array_equal(rows, [0, 0, 0, 2, 2, 2, 3, 3])
    assert wide.entry_labels(codes).tolist() == [1.0, "x", 1, 0.0, "y", 0, 1.0, 2]


@pytest.mark.parametrize(
    "y, match",
    [
        ([[1, 0], [0, 1], [1, 0]], "y has 3 rows but X has 2"),
        (np.array([[1, np.nan], [0, np.nan]]), "Task 1 .a column of y. has no labels"),
        (np.array([[1, "a"], ["1", "b"]], dtype=object), "column 0 mixes labels of different types"),
    ],
)
def test_bad_wide_targets(y, match):
    with pytest.raises(ValueError, match=match):
        read_wide_targets(y, 2)


def test_entry_weights_per_row_or_per_label():
    wide = read_wide_targets(np.array([[1.0, np.nan], [0.0, 1.0]]), 2)
    rows, codes = wide.entries()
    np.testing.assert_array_equal(entry_weights(None, 2, wide, rows, codes), [1, 1, 1])
    np.testing.assert_array_equal(entry_weights([2.0, 3.0], 2, wide, rows, codes), [2, 3, 3])
    np.testing.assert_array_equal(entry_weights([[2.0, 9.0], [3.0, 4.0]], 2, wide, rows, codes), [2, 3, 4])
    # One number weighs every entry, as scikit-learn's _check_sample_weight reads it.
    np.testing.assert_array_equal(entry_weights(2.0, 2, wide, rows, codes), [2, 2, 2])
    np.testing.assert_array_equal(entry_weights(np.float32(2), 2, None, None, np.zeros(2, int)), [2, 2])
    with pytest.raises(ValueError, match="Negative values"):
        entry_weights(-1, 2, None, None, np.zeros(2, int))
    with pytest.raises(ValueError, match="one weight per label needs y in wide form"):
        entry_weights(np.ones((2, 2)), 2, None, None, np.zeros(2, int))
    with pytest.raises(ValueError, match="Negative values"):
        entry_weights([[1.0, 1.0], [-1.0, 1.0]], 2, wide, rows, codes)
