"""The independent and pooled baselines on a wide y (one column per task, missing labels)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from skmtl.model_selection import IndependentTaskClassifier, PooledTaskClassifier

N = 60


def wide_frame(seed=0, missing=0.3):
    """Three tasks on the same rows, text labels, ~30% missing; one task has three labels."""
    rng = np.random.RandomState(seed)
    X = rng.randn(N, 3)
    frame = pd.DataFrame({
        "north": np.where(X[:, 0] > 0, "yes", "no"),
        "south": np.where(X[:, 1] > 0, "yes", "no"),
        "west": np.array(["low", "mid", "top"])[np.digitize(X[:, 2], [-0.4, 0.4])],
    }).astype(object)
    frame[rng.rand(N, 3) < missing] = None
    return X, frame


def long_form(frame):
    """The labelled entries, row-major: (rows, task codes, task ids, labels)."""
    rows, codes = np.nonzero(frame.notna().to_numpy())
    return rows, codes, frame.columns.to_numpy()[codes], frame.to_numpy()[rows, codes].astype(str)


def test_independent_fits_each_task_on_its_labelled_rows_with_its_own_labels():
    X, frame = wide_frame()
    frame["south"] = np.where(X[:, 1] > 0, 1, 0)  # a task of number labels beside text ones
    clf = IndependentTaskClassifier(LogisticRegression(C=0.5)).fit(X, frame)
    assert list(clf.estimators_) == ["north", "south", "west"]
    for t, task in enumerate(frame.columns):
        labelled = frame[task].notna().to_numpy()
        alone = LogisticRegression(C=0.5).fit(X[labelled], frame[task][labelled].tolist())
        np.testing.assert_array_equal(clf.estimators_[task].coef_, alone.coef_)
        np.testing.assert_array_equal(clf.predict_proba(X)[t], alone.predict_proba(X))
        np.testing.assert_array_equal(clf.decision_function(X)[t], alone.decision_function(X))
        np.testing.assert_array_equal(clf.predict(X)[task].tolist(), alone.predict(X).tolist())
    assert clf.classes_[1].dtype.kind == "i" and list(clf.classes_[2]) == ["low", "mid", "top"]
    assert clf.predict(X, tasks=["south", "west"] * (N // 2)).dtype == object


def test_pooled_fits_one_model_on_every_labelled_entry():
    X, frame = wide_frame(seed=1)
    rows, _, _, labels = long_form(frame)
    clf = PooledTaskClassifier().fit(X, frame)
    alone = LogisticRegression().fit(X[rows], labels)
    np.testing.assert_array_equal(clf.estimator_.coef_, alone.coef_)
    predicted = clf.predict(X)
    assert list(predicted.columns) == ["north", "south", "west"]
    for task in predicted.columns:
        np.testing.assert_array_equal(predicted[task].tolist(), alone.predict(X).tolist())
    # Each task's probabilities: the model's, in the columns of the task's own labels.
    proba, full = clf.predict_proba(X), alone.predict_proba(X)
    assert [p.shape for p in proba] == [(N, 2), (N, 2), (N, 3)]
    np.testing.assert_array_equal(proba[0], full[:, [2, 4]])  # 'no', 'yes' among low, mid, no, top, yes
    np.testing.assert_array_equal(clf.predict_log_proba(X)[2], alone.predict_log_proba(X)[:, [0, 1, 3]])
    np.testing.assert_array_equal(clf.decision_function(X)[1], alone.decision_function(X)[:, [2, 4]])


@pytest.mark.parametrize("Baseline", [IndependentTaskClassifier, PooledTaskClassifier])
def test_wide_and_long_fits_answer_alike_in_both_directions(Baseline):
    X, frame = wide_frame(seed=2)
    rows, _, ids, labels = long_form(frame)
    wide = Baseline().fit(X, frame)
    long = Baseline().fit(X[rows], labels, tasks=ids)
    np.testing.assert_array_equal(long.predict(X, tasks="all"), wide.predict(X).to_numpy(dtype=str))
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        for got, expected in zip(getattr(long, method)(X, tasks="all"), getattr(wide, method)(X)):
            np.testing.assert_allclose(got, expected)
    some = np.array(["west", "north", "south"])[np.arange(N) % 3]
    np.testing.assert_array_equal(wide.predict(X, tasks=some), long.predict(X, tasks=some))
    np.testing.assert_allclose(wide.predict_proba(X, tasks=some), long.predict_proba(X, tasks=some))
    np.testing.assert_allclose(wide.decision_function(X, tasks=some), long.decision_function(X, tasks=some))
    assert wide.score(X, frame) == pytest.approx(long.score(X, frame))


@pytest.mark.parametrize("Baseline", [IndependentTaskClassifier, PooledTaskClassifier])
@pytest.mark.parametrize("shape", ["rows", "labels"])
def test_sample_weight_per_row_or_per_label_is_the_long_fits_weight_per_entry(Baseline, shape):
    X, frame = wide_frame(seed=3)
    rows, codes, ids, labels = long_form(frame)
    weight = np.random.RandomState(0).uniform(0.2, 3.0, size=N if shape == "rows" else frame.shape)
    per_entry = weight[rows] if shape == "rows" else weight[rows, codes]
    wide = Baseline().fit(X, frame, sample_weight=weight)
    long = Baseline().fit(X[rows], labels, tasks=ids, sample_weight=per_entry)
    for got, expected in zip(wide.predict_proba(X), long.predict_proba(X, tasks="all")):
        np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_score_on_a_wide_y_is_the_mean_of_the_task_accuracies():
    X, frame = wide_frame(seed=4)
    clf = IndependentTaskClassifier().fit(X, frame)
    predicted = clf.predict(X)
    expected = np.mean([
        np.mean(predicted[task][frame[task].notna()] == frame[task][frame[task].notna()])
        for task in frame.columns
    ])
    assert clf.score(X, frame) == pytest.approx(expected)


def test_numeric_wide_array_with_nan_gives_an_array_answer():
    X, frame = wide_frame(seed=5)
    Y = (frame == "yes").astype(float).to_numpy()[:, :2]
    Y[frame.to_numpy()[:, :2] == None] = np.nan  # noqa: E711 (elementwise)
    clf = IndependentTaskClassifier().fit(X, Y)
    assert list(clf.tasks_) == [0, 1]
    predicted = clf.predict(X)
    assert isinstance(predicted, np.ndarray) and predicted.shape == (N, 2)
    assert [d.shape for d in clf.decision_function(X)] == [(N,), (N,)]


@pytest.mark.parametrize("Baseline", [IndependentTaskClassifier, PooledTaskClassifier])
@pytest.mark.parametrize(
    "change, kwargs, match",
    [
        (lambda f: (f, dict(tasks=np.zeros(N))), {}, r"tasks= would name the tasks a second time"),
        (lambda f: (f, {}), dict(task_column=0), r"task_column=0 would name the tasks a second time"),
        (lambda f: (f.assign(west=f["west"].where(f["west"].isna(), "low")), {}), {},
         r"Task 'west' \(a column of y\) has a single class"),
        (lambda f: (f.assign(west=None), {}), {}, r"Task 'west' .* has no labels"),
        (lambda f: (f.set_axis(["a", "b", "a"], axis=1), {}), {}, r"duplicate column names \('a'\)"),
    ],
    ids=["tasks", "task_column", "one_class", "no_labels", "duplicate_names"],
)
def test_bad_wide_inputs_are_clear_errors(Baseline, change, kwargs, match):
    X, frame = wide_frame(seed=6)
    y, fit_kwargs = change(frame)
    Xfit = np.column_stack([np.zeros(N), X]) if "task_column" in kwargs else X
    with pytest.raises(ValueError, match=match):
        Baseline(**kwargs).fit(Xfit, y, **fit_kwargs)


def test_pooled_refuses_tasks_that_mix_text_and_number_labels():
    X, frame = wide_frame(seed=7)
    frame["south"] = np.where(X[:, 1] > 0, 1, 0)
    with pytest.raises(ValueError, match=r"mix text and number labels, but PooledTaskClassifier fits one model"):
        PooledTaskClassifier().fit(X, frame)
    IndependentTaskClassifier().fit(X, frame)  # each task has its own model: fine
