"""The wide form in the neural estimators: one row per sample, one label column per task.

The wide form and the long form are two spellings of the same labelled
entries. With the whole data in one batch (no shuffling), a wide fit and a
long fit minimise the same objective by the same steps, so they must reach
the same weights: that is the check that the trunk-once-per-row batches
(each head gathering its own rows) compute the right gradients, for every
loss weighting and gradient method, on both backends.
"""

import importlib.util
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import SharedMLPClassifier, SharedRNNClassifier
from skmtl.nn._training import TrainingSet, make_batch

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="backend='torch' needs PyTorch (pip install torch)"
)

# Full batches are larger than the data on purpose; few epochs do not converge.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::sklearn.exceptions.ConvergenceWarning")


def wide_problem(n=120, n_tasks=3, missing=0.3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 5)
    Y = np.column_stack([X[:, t] + 0.5 * X[:, (t + 1) % 5] > 0 for t in range(n_tasks)]).astype(float)
    Y[rng.rand(n, n_tasks) < missing] = np.nan
    return X, Y


def as_long(X, Y):
    rows, codes = np.nonzero(~np.isnan(Y))
    return X[rows], Y[rows, codes], codes


def max_difference(a, b):
    return max(float(np.abs(p - q).max()) for p, q in zip(a._params, b._params))


FULL_BATCH = dict(
    hidden_layer_sizes=(8,), solver="sgd", dtype="float64", batch_size=10_000, shuffle=False,
    max_iter=4, learning_rate_init=0.1, random_state=0,
)


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"gradient_method": "pcgrad"},
        {"gradient_method": "mgda"},
        {"loss_weighting": "uncertainty"},
        {"loss_weighting": "dwa"},
        {"loss_weighting": "gradnorm"},
        {"task_weights": {0: 2.0, 1: 0.5, 2: 1.0}},
        {"task_hidden_layer_sizes": (4,)},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain",
)
def test_a_wide_fit_takes_the_steps_of_the_same_entries_in_long_form(backend, options):
    X, Y = wide_problem()
    wide = SharedMLPClassifier(backend=backend, **FULL_BATCH, **options).fit(X, Y)
    X_long, y_long, tasks = as_long(X, Y)
    long = SharedMLPClassifier(backend=backend, **FULL_BATCH, **options).fit(X_long, y_long, tasks=tasks)
    assert max_difference(wide, long) < 1e-12
    np.testing.assert_allclose(wide.loss_curve_, long.loss_curve_, rtol=1e-12)
    for t in range(3):
        np.testing.assert_allclose(wide.task_loss_curves_[t], long.task_loss_curves_[t], rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
def test_the_recurrent_trunk_takes_a_wide_y_with_3d_and_ragged_inputs(backend):
    rng = np.random.RandomState(0)
    X = rng.randn(50, 6, 3)
    Y = np.column_stack([X[:, :, 0].sum(1) > 0, X[:, -1, 1] > 0]).astype(float)
    Y[rng.rand(50, 2) < 0.3] = np.nan
    settings = dict(hidden_size=4, solver="sgd", dtype="float64", batch_size=500, shuffle=False,
                    max_iter=3, random_state=0, backend=backend)
    wide = SharedRNNClassifier(**settings).fit(X, Y)
    X_long, y_long, tasks = as_long(X, Y)
    long = SharedRNNClassifier(**settings).fit(X_long, y_long, tasks=tasks)
    assert max_difference(wide, long) < 1e-12
    assert wide.predict(X).shape == (50, 2)

    ragged = [x[: rng.randint(2, 7)] for x in X]
    model = SharedRNNClassifier(hidden_size=4, max_iter=2, random_state=0, backend=backend).fit(ragged, Y)
    both = model.predict(ragged)
    assert both.shape == (50, 2)
    np.testing.assert_array_equal(model.predict(ragged, tasks=np.ones(50, int)), both[:, 1])


def test_minibatches_run_the_trunk_once_per_row():
    X, Y = wide_problem(n=40)
    rows, codes = np.nonzero(~np.isnan(Y))
    data = TrainingSet(X, codes, np.zeros(len(codes), np.intp), np.ones(len(codes)), np.ones(len(codes)),
                       rows=rows)
    picked = np.array([7, 3, 12, 0])
    batch = make_batch(data, picked, 3)
    np.testing.assert_array_equal(batch.rows, picked)  # each row once, in the batch's order
    # every entry of those rows, grouped by task, each pointing at its row of the trunk's output
    assert sorted(batch.entries.tolist()) == np.flatnonzero(np.isin(rows, picked)).tolist()
    np.testing.assert_array_equal(picked[batch.positions], rows[batch.entries])
    assert np.all(np.diff(codes[batch.entries]) >= 0)


def test_predictions_of_a_wide_fit_have_one_column_per_task_with_its_own_labels():
    X, Y = wide_problem()
    frame = pd.DataFrame(Y, columns=["digit", "parity", "size"])
    frame["parity"] = frame["parity"].map({0.0: "odd", 1.0: "even"})
    frame["size"] = frame["size"].astype("Int64")  # nullable integers with pd.NA
    model = SharedMLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.03, max_iter=60, random_state=0)
    model.fit(X, frame)
    assert list(model.tasks_) == ["digit", "parity", "size"]  # y's column order
    assert [c.tolist() for c in model.classes_] == [[0.0, 1.0], ["even", "odd"], [0, 1]]
    predicted = model.predict(pd.DataFrame(X, index=np.arange(120) + 1000))
    assert isinstance(predicted, pd.DataFrame)
    assert list(predicted.columns) == ["digit", "parity", "size"]
    assert predicted.index[0] == 1000
    assert set(predicted["parity"]) <= {"odd", "even"}
    proba = model.predict_proba(X)
    assert [p.shape for p in proba] == [(120, 2)] * 3
    for t, column in enumerate(predicted.columns):
        chosen = model.classes_[t][np.argmax(proba[t], axis=1)]
        np.testing.assert_array_equal(chosen, predicted[column].to_numpy())
    log = model.predict_log_proba(X)
    np.testing.assert_allclose(np.exp(log[1]), proba[1])
    # one task per row, on request, with the task ids of the columns
    one = model.predict(X[:4], tasks=["parity", "parity", "digit", "size"])
    assert one.dtype == object and one[0] in ("odd", "even")
    # the score reads the labelled entries only
    accuracy = [np.mean(predicted[c].to_numpy()[frame[c].notna()] == frame[c].dropna().to_numpy())
                for c in frame.columns]
    assert 0.8 < model.score(X, frame) == pytest.approx(np.mean(accuracy))


def test_long_and_wide_answers_agree_both_ways():
    X, Y = wide_problem()
    X_long, y_long, tasks = as_long(X, Y)
    long = SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X_long, y_long, tasks=tasks)
    every = long.predict(X, tasks="all")
    assert every.shape == (120, 3)
    for t in range(3):
        np.testing.assert_array_equal(every[:, t], long.predict(X, tasks=np.full(120, t)))
        np.testing.assert_allclose(long.predict_proba(X, tasks="all")[t], long.predict_proba(X, tasks=np.full(120, t)))
    wide = SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, Y)
    answer = wide.predict(X)
    np.testing.assert_array_equal(wide.predict(X_long, tasks=tasks), answer[np.nonzero(~np.isnan(Y))])
    np.testing.assert_allclose(
        wide.predict_proba(X, tasks=np.full(120, 2)), wide.predict_proba(X)[2]
    )


def test_a_task_column_model_answers_every_task_on_request():
    X, Y = wide_problem()
    X_long, y_long, tasks = as_long(X, Y)
    table = np.column_stack([X_long, tasks])
    model = SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0, task_column=-1)
    model.fit(table, y_long)
    every = model.predict(np.column_stack([X, np.zeros(120)]), tasks="all")  # the column's values are not read
    np.testing.assert_array_equal(every[:, 1], model.predict(np.column_stack([X, np.ones(120)])))


def test_per_label_sample_weight_equals_the_long_fit_with_those_weights():
    X, Y = wide_problem()
    weight = np.random.RandomState(1).uniform(0.2, 3.0, Y.shape)
    wide = SharedMLPClassifier(**FULL_BATCH).fit(X, Y, sample_weight=weight)
    rows, codes = np.nonzero(~np.isnan(Y))
    X_long, y_long, tasks = as_long(X, Y)
    long = SharedMLPClassifier(**FULL_BATCH).fit(X_long, y_long, tasks=tasks, sample_weight=weight[rows, codes])
    assert max_difference(wide, long) < 1e-12
    per_row = SharedMLPClassifier(**FULL_BATCH).fit(X, Y, sample_weight=weight[:, 0])
    long_rows = SharedMLPClassifier(**FULL_BATCH).fit(X_long, y_long, tasks=tasks, sample_weight=weight[rows, 0])
    assert max_difference(per_row, long_rows) < 1e-12


def test_class_weight_per_task():
    X, Y = wide_problem()
    rows, codes = np.nonzero(~np.isnan(Y))
    X_long, y_long, tasks = as_long(X, Y)
    per_task = [{0.0: 1.0, 1.0: 3.0}, "balanced", None]
    wide = SharedMLPClassifier(**FULL_BATCH, class_weight=per_task).fit(X, Y)
    by_id = SharedMLPClassifier(**FULL_BATCH, class_weight={0: per_task[0], 1: "balanced"}).fit(X, Y)
    assert max_difference(wide, by_id) == 0
    # each entry's class weight: task 0 by its dict, task 1 balanced within the task, task 2 none
    expected = np.ones(len(codes))
    expected[(codes == 0) & (y_long == 1)] = 3.0
    mine = codes == 1
    counts = np.bincount(y_long[mine].astype(int))
    expected[mine] = mine.sum() / (2 * counts[y_long[mine].astype(int)])
    np.testing.assert_allclose(wide._class_weights(codes, y_long.astype(np.intp)), expected)
    unweighted = SharedMLPClassifier(**FULL_BATCH).fit(X, Y)
    assert max_difference(wide, unweighted) > 1e-3
    with pytest.raises(ValueError, match="list of 2 entries; with 3 tasks"):
        SharedMLPClassifier(class_weight=[None, None], max_iter=1).fit(X, Y)
    with pytest.raises(ValueError, match="unknown task"):
        SharedMLPClassifier(class_weight={7: "balanced"}, max_iter=1).fit(X, Y)
    for per_task in ([None], {0: "balanced"}):
        with pytest.raises(ValueError, match="needs y in wide form"):
            SharedMLPClassifier(class_weight=per_task, max_iter=1).fit(X_long, y_long, tasks=tasks)


def test_early_stopping_and_partial_fit_in_the_wide_form():
    X, Y = wide_problem(n=200)
    model = SharedMLPClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=30, random_state=0)
    model.fit(X, Y)
    assert len(model.validation_scores_) == model.n_iter_
    online = SharedMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    online.partial_fit(X[:100], Y[:100], classes=[[0.0, 1.0]] * 3)
    online.partial_fit(X[100:], Y[100:])
    assert online.predict(X).shape == (200, 3)
    X_long, y_long, tasks = as_long(X, Y)
    with pytest.raises(ValueError, match="fitted on a wide y and is given a long one"):
        online.partial_fit(X_long, y_long, tasks=tasks)
    with pytest.raises(ValueError, match="list of 3 arrays"):
        SharedMLPClassifier().partial_fit(X, Y, classes=[0.0, 1.0])


@pytest.mark.parametrize(
    "make_input, match",
    [
        (lambda X, Y: (X, Y, {"tasks": np.zeros(len(X))}), "would name the tasks a second time"),
        (lambda X, Y: (X, np.column_stack([Y[:, 0], np.zeros(len(X))]), {}), "single class"),
        (lambda X, Y: (X, np.column_stack([Y[:, 0], np.full(len(X), np.nan)]), {}), "has no labels"),
        (lambda X, Y: (X, pd.DataFrame(Y, columns=["a", "a", "b"]), {}), "duplicate column names"),
        (lambda X, Y: (X, Y[:-1], {}), "y has 119 rows but X has 120"),
        (lambda X, Y: (X, Y, {"sample_weight": np.ones((120, 2))}), r"or one per label \(120, 3\)"),
    ],
    ids=["tasks", "one-class", "no-labels", "duplicates", "rows", "weights"],
)
def test_bad_wide_inputs_are_named(make_input, match):
    X, Y = wide_problem()
    X, y, extra = make_input(X, Y)
    with pytest.raises(ValueError, match=match):
        SharedMLPClassifier(max_iter=1).fit(X, y, **extra)


def test_a_wide_y_with_a_task_column_is_refused():
    X, Y = wide_problem()
    with pytest.raises(ValueError, match="task_column=0 would name the tasks a second time"):
        SharedMLPClassifier(task_column=0, max_iter=1).fit(X, Y)


def test_a_wide_model_in_a_pipeline_searches_and_pickles():
    X, Y = wide_problem()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)),
        {"sharedmlpclassifier__alpha": [1e-4, 1e-2]},
        cv=KFold(3),  # an int cv would read y with type_of_target, which refuses NaN
    ).fit(X, Y)
    assert 0 <= search.best_score_ <= 1
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))


@needs_torch
@pytest.mark.parametrize("batch_size", [1, 4])
def test_the_backends_read_each_entrys_label_in_every_batch(batch_size):
    # Row 0 carries two labels, so from row 1 on entry and row indices differ, even in
    # batches with one entry per row.
    X = np.random.RandomState(0).randn(8, 3)
    Y = np.array([[0, 1], [1, np.nan], [0, np.nan], [1, np.nan], [np.nan, 0], [np.nan, 1], [np.nan, 0], [1, 1]])
    settings = dict(hidden_layer_sizes=(4,), batch_size=batch_size, shuffle=False, max_iter=2, solver="sgd",
                    random_state=0, dtype="float64", learning_rate_init=0.1)
    numpy = SharedMLPClassifier(**settings).fit(X, Y)
    torch = SharedMLPClassifier(**settings, backend="torch", device="cpu").fit(X, Y)
    assert max_difference(numpy, torch) < 1e-12


def test_answers_of_a_frame_fit_for_a_list_of_rows():
    X, Y = wide_problem()
    model = SharedMLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    model.fit(X, pd.DataFrame(Y, columns=["a", "b", "c"]))
    answer = model.predict(X[:3].tolist())
    assert list(answer.columns) == ["a", "b", "c"] and list(answer.index) == [0, 1, 2]


def test_the_score_matches_a_frames_columns_to_the_tasks_by_name():
    X, Y = wide_problem()
    frame = pd.DataFrame(Y, columns=["z", "a", "m"])
    model = SharedMLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.03, max_iter=40, random_state=0)
    model.fit(X, frame)
    assert model.score(X, frame[["a", "m", "z"]]) == model.score(X, frame)
    with pytest.raises(ValueError, match="the model's tasks are"):
        model.score(X, frame.rename(columns={"z": "q"}))
    # a task without labels in these rows is left out, as the task scorers do
    sparse = frame.copy()
    sparse.loc[60:, "m"] = np.nan
    part = model.score(X[60:], sparse.iloc[60:])
    assert part == pytest.approx(np.mean([
        np.mean(model.predict(X[60:])[c].to_numpy()[sparse[c].iloc[60:].notna()] == sparse[c].iloc[60:].dropna())
        for c in ("z", "a")
    ]))


@pytest.mark.parametrize("estimator", [
    SharedMLPClassifier(max_iter=1),
    SharedRNNClassifier(max_iter=1),
])
def test_a_y_of_three_dimensions_names_both_forms(estimator):
    X = np.random.RandomState(0).randn(20, 4)
    X = X.reshape(20, 2, 2) if isinstance(estimator, SharedRNNClassifier) else X
    with pytest.raises(ValueError, match=r"y has shape \(20, 2, 2\); it must be 1-D .* or 2-D"):
        estimator.fit(X, np.zeros((20, 2, 2)))


def test_an_unnamed_column_of_y_is_refused():
    X, Y = wide_problem()
    with pytest.raises(ValueError, match="y's column 1 has no name"):
        SharedMLPClassifier(max_iter=1).fit(X, pd.DataFrame(Y, columns=["a", None, "c"]))
