"""MultiTaskKernelSVC on a wide y: the long-form fit on the labelled entries, answered per task."""

import numpy as np
import pandas as pd
import pytest

import skmtl._memory as memory_module
import skmtl.svm._base as svm_base_module  # the input kernel is computed there
from skmtl import MultiTaskKernelSVC
from skmtl._memory import MemoryLimit

N = 36  # rows; each fit below takes milliseconds


def wide_data(seed=0, missing=0.3):
    """Three tasks on the same rows: two binary, one with three classes; ~30% of labels missing."""
    rng = np.random.RandomState(seed)
    X = rng.randn(N, 3)
    Y = np.column_stack([
        X[:, 0] > 0,
        X[:, 0] + 0.5 * X[:, 1] > 0,
        np.digitize(X[:, 2], [-0.4, 0.4]),
    ]).astype(float)
    Y[rng.rand(*Y.shape) < missing] = np.nan
    return X, Y


def long_form(Y):
    """The labelled entries of Y, row-major: (rows, task codes, labels)."""
    rows, codes = np.nonzero(~pd.isna(Y))
    return rows, codes, np.asarray(Y)[rows, codes]


FITTED = ["dual_coef_", "intercept_", "task_similarity_", "support_", "n_iter_", "n_similarity_iter_"]


def assert_same_model(wide, long, probability=False):
    for name in FITTED + (["probA_", "probB_"] if probability else []):
        np.testing.assert_array_equal(getattr(wide, name), getattr(long, name), err_msg=name)


def assert_same_answers(wide, long, X, probability=False):
    """Wide answers (every task) equal the long model's answers one task at a time, exactly."""
    predicted = np.asarray(wide.predict(X))
    decisions = wide.decision_function(X)
    mask = wide._union_classes()[1]
    for t, task in enumerate(wide.tasks_):
        ids = np.full(X.shape[0], task)
        np.testing.assert_array_equal(predicted[:, t], long.predict(X, tasks=ids))
        long_decision = long.decision_function(X, tasks=ids)
        expected = long_decision if long_decision.ndim == 1 else long_decision[:, mask[t]]
        np.testing.assert_array_equal(decisions[t], expected)
        if probability:
            np.testing.assert_array_equal(
                wide.predict_proba(X)[t], long.predict_proba(X, tasks=ids)[:, mask[t]]
            )


@pytest.mark.parametrize(
    "params",
    [
        dict(bias="shared"),
        dict(bias="per_task"),
        dict(task_similarity=0.3, bias="per_task"),
        dict(task_similarity="learn", similarity_max_iter=5),
        dict(probability=True, random_state=0),
    ],
    ids=["shared", "per_task", "rho", "learn", "probability"],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 'learn' stops early
def test_wide_fit_is_the_long_fit_on_the_labelled_entries(params):
    X, Y = wide_data()
    rows, codes, labels = long_form(Y)
    wide = MultiTaskKernelSVC(**params).fit(X, Y)
    long = MultiTaskKernelSVC(**params).fit(X[rows], labels, tasks=codes)
    probability = params.get("probability", False)
    assert_same_model(wide, long, probability)
    assert_same_answers(wide, long, X, probability)
    assert isinstance(wide.classes_, list) and [list(c) for c in wide.classes_] == [[0, 1], [0, 1], [0, 1, 2]]
    assert list(wide.tasks_) == [0, 1, 2]


def test_dataframe_y_with_named_columns_and_text_labels():
    X, Y = wide_data(seed=1)
    names = np.array(["north", "south", "west"])  # sorted, so tasks= names sorts them the same way
    text = np.array(["cat", "dog", "eel"], dtype=object)
    frame = pd.DataFrame(
        {n: [None if np.isnan(v) else text[int(v)] for v in Y[:, t]] for t, n in enumerate(names)}
    )
    rows, codes, labels = long_form(frame.to_numpy(dtype=object))
    wide = MultiTaskKernelSVC(probability=True, random_state=0).fit(X, frame)
    long = MultiTaskKernelSVC(probability=True, random_state=0).fit(X[rows], labels, tasks=names[codes])
    assert_same_model(wide, long, probability=True)
    assert_same_answers(wide, long, X, probability=True)
    predicted = wide.predict(pd.DataFrame(X, index=np.arange(N) + 100))
    assert isinstance(predicted, pd.DataFrame) and list(predicted.columns) == list(names)
    assert list(predicted.index) == list(np.arange(N) + 100)
    assert list(wide.task_classes_["west"]) == ["cat", "dog", "eel"]


def test_unsorted_column_names_keep_their_order_and_match_the_long_fit_in_that_order():
    X, Y = wide_data(seed=2)
    frame = pd.DataFrame(Y, columns=["z", "a", "m"])
    rows, codes, labels = long_form(Y)
    wide = MultiTaskKernelSVC(task_similarity=[[1, 0.2, 0.1], [0.2, 1, 0.3], [0.1, 0.3, 1]]).fit(X, frame)
    long = MultiTaskKernelSVC(task_similarity=wide.task_similarity_).fit(X[rows], labels, tasks=codes)
    assert list(wide.tasks_) == ["z", "a", "m"]
    assert_same_model(wide, long)
    np.testing.assert_array_equal(
        wide.predict(X[:5], tasks=["a", "z", "m", "a", "a"]),
        long.predict(X[:5], tasks=[1, 0, 2, 1, 1]),
    )


def test_long_fitted_model_answers_every_task_and_wide_fitted_answers_task_ids():
    X, Y = wide_data(seed=3)
    rows, codes, labels = long_form(Y)
    wide = MultiTaskKernelSVC(probability=True, random_state=0).fit(X, Y)
    long = MultiTaskKernelSVC(probability=True, random_state=0).fit(X[rows], labels, tasks=codes)
    np.testing.assert_array_equal(long.predict(X, tasks="all"), wide.predict(X))
    for got, expected in zip(long.predict_proba(X, tasks="all"), wide.predict_proba(X)):
        np.testing.assert_array_equal(got, expected)
    for got, expected in zip(long.decision_function(X, tasks="all"), wide.decision_function(X)):
        np.testing.assert_array_equal(got, expected)
    ids = np.arange(N) % 3
    np.testing.assert_array_equal(wide.predict(X, tasks=ids), long.predict(X, tasks=ids))
    np.testing.assert_array_equal(wide.predict_proba(X, tasks=ids), long.predict_proba(X, tasks=ids))
    np.testing.assert_array_equal(wide.decision_function(X, tasks=ids), long.decision_function(X, tasks=ids))
    log = wide.predict_log_proba(X)
    assert isinstance(log, list) and np.array_equal(log[2], np.log(wide.predict_proba(X)[2]))


def test_answer_shapes_follow_each_tasks_labels():
    X, Y = wide_data(seed=4)
    clf = MultiTaskKernelSVC(probability=True, random_state=0).fit(X, Y)
    assert clf.predict(X).shape == (N, 3)
    assert [d.shape for d in clf.decision_function(X)] == [(N, 2), (N, 2), (N, 3)]
    assert [p.shape for p in clf.predict_proba(X)] == [(N, 2), (N, 2), (N, 3)]
    np.testing.assert_allclose([p.sum(axis=1) for p in clf.predict_proba(X)], 1.0)
    binary = MultiTaskKernelSVC().fit(X, Y[:, :2])
    assert [d.shape for d in binary.decision_function(X)] == [(N,), (N,)]


@pytest.mark.parametrize("shape", ["rows", "labels"])
def test_sample_weight_per_row_or_per_label_is_the_long_fits_weight_per_entry(shape):
    X, Y = wide_data(seed=5)
    rows, codes, labels = long_form(Y)
    rng = np.random.RandomState(0)
    weight = rng.uniform(0.2, 3.0, size=N if shape == "rows" else Y.shape)
    per_entry = weight[rows] if shape == "rows" else weight[rows, codes]
    wide = MultiTaskKernelSVC(bias="per_task").fit(X, Y, sample_weight=weight)
    long = MultiTaskKernelSVC(bias="per_task").fit(X[rows], labels, tasks=codes, sample_weight=per_entry)
    assert_same_model(wide, long)


def test_class_weight_per_task_is_a_per_entry_sample_weight():
    X, Y = wide_data(seed=6)
    rows, codes, labels = long_form(Y)
    specs = [{0.0: 3.0, 1.0: 1.0}, None, {0.0: 1.0, 1.0: 2.0, 2.0: 0.5}]
    weight = np.ones(Y.shape)
    for t, spec in enumerate(specs):
        for label, w in (spec or {}).items():
            weight[Y[:, t] == label, t] = w
    by_sample = MultiTaskKernelSVC().fit(X, Y, sample_weight=weight)
    for class_weight in (specs, {0: specs[0], 2: specs[2]}):
        by_class = MultiTaskKernelSVC(class_weight=class_weight).fit(X, Y)
        assert_same_model(by_class, by_sample)


def test_support_indexes_the_labelled_entries():
    X, Y = wide_data(seed=7)
    rows, _, _ = long_form(Y)
    clf = MultiTaskKernelSVC().fit(X, Y)
    np.testing.assert_array_equal(clf.support_vectors_, X[rows[clf.support_]])


def test_score_on_a_wide_y_is_the_mean_of_the_task_accuracies():
    X, Y = wide_data(seed=8)
    clf = MultiTaskKernelSVC().fit(X, Y)
    predicted = clf.predict(X)
    expected = np.mean([
        np.mean(predicted[~np.isnan(Y[:, t]), t] == Y[~np.isnan(Y[:, t]), t]) for t in range(3)
    ])
    assert clf.score(X, Y) == pytest.approx(expected)


def test_wide_predict_computes_the_kernel_once_for_all_tasks(monkeypatch):
    X, Y = wide_data(seed=9)
    clf = MultiTaskKernelSVC().fit(X, Y)
    calls = []
    kernel = svm_base_module.input_kernel
    monkeypatch.setattr(svm_base_module, "input_kernel", lambda *a, **k: calls.append(1) or kernel(*a, **k))
    clf.predict(X)
    assert len(calls) == 1


def test_memory_check_counts_the_labelled_entries(monkeypatch):
    X, Y = wide_data(seed=10, missing=0.0)  # 36 rows x 3 tasks = 108 entries
    monkeypatch.setattr(memory_module, "memory_limits", lambda: [MemoryLimit(50_000, "a test's limit")])
    with pytest.raises(MemoryError, match=r"training Gram matrix \(108 x 108 float64"):
        MultiTaskKernelSVC().fit(X, Y)


@pytest.mark.parametrize(
    "make, kwargs, match",
    [
        (lambda X, Y: (Y, dict(tasks=np.zeros(N))), {}, r"tasks= would name the tasks a second time"),
        (lambda X, Y: (Y, {}), dict(task_column=0), r"task_column=0 would name the tasks a second time"),
        (lambda X, Y: (np.column_stack([Y[:, 0], np.where(np.isnan(Y[:, 1]), np.nan, 1.0)]), {}),
         {}, r"Task 1 \(a column of y\) has a single class"),
        (lambda X, Y: (np.column_stack([Y[:, 0], np.full(N, np.nan)]), {}), {}, r"Task 1 .* has no labels"),
        (lambda X, Y: (pd.DataFrame(Y, columns=["a", "b", "a"]), {}), {}, r"duplicate column names \('a'\)"),
        (lambda X, Y: (pd.DataFrame({"a": Y[:, 0], "b": np.where(Y[:, 1] > 0, "yes", "no")}), {}), {},
         r"mix text and number labels, but MultiTaskKernelSVC's one-vs-rest needs one label set"),
    ],
    ids=["tasks", "task_column", "one_class", "no_labels", "duplicate_names", "mixed_kinds"],
)
def test_bad_wide_inputs_are_clear_errors(make, kwargs, match):
    X, Y = wide_data(seed=11, missing=0.2)
    y, fit_kwargs = make(X, Y)
    Xfit = np.column_stack([np.zeros(N), X]) if "task_column" in kwargs else X
    with pytest.raises(ValueError, match=match):
        MultiTaskKernelSVC(**kwargs).fit(Xfit, y, **fit_kwargs)


def test_per_label_sample_weight_of_the_wrong_shape_is_refused():
    X, Y = wide_data(seed=12)
    with pytest.raises(ValueError, match=r"sample_weight has shape \(36, 2\); with a wide y of shape \(36, 3\)"):
        MultiTaskKernelSVC().fit(X, Y, sample_weight=np.ones((N, 2)))
    with pytest.raises(ValueError, match=r"class_weight gives each task its own class weights.*needs y in wide form"):
        MultiTaskKernelSVC(class_weight=[None, None]).fit(X[:20], (X[:20, 0] > 0).astype(int))


def test_sparse_X_fits_the_same_entries():
    import scipy.sparse as sp

    X, Y = wide_data(seed=13)
    X[np.abs(X) < 0.5] = 0.0
    rows, codes, labels = long_form(Y)
    wide = MultiTaskKernelSVC().fit(sp.csr_matrix(X), Y)
    long = MultiTaskKernelSVC().fit(sp.csr_matrix(X[rows]), labels, tasks=codes)
    assert_same_model(wide, long)
    assert_same_answers(wide, long, sp.csc_matrix(X))


@pytest.mark.parametrize("class_weight", [[None, "balanced", None], {1: "balanced"}])
def test_per_task_class_weight_has_no_single_svc_counterpart(class_weight):
    with pytest.raises(ValueError, match=r"own class weights, .* pass baseline_estimator="):
        MultiTaskKernelSVC(class_weight=class_weight)._single_task_counterpart()
