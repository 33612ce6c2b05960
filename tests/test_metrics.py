"""Task-aware scoring: per task by hand, averaging, undefined tasks, routing."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from skmtl import MultiTaskKernelSVC
from skmtl.metrics import get_task_scorer, make_task_scorer
from skmtl.model_selection import IndependentTaskClassifier, TaskStratifiedKFold


@pytest.fixture
def three_tasks():
    rng = np.random.RandomState(3)
    X = rng.randn(300, 3)
    tasks = np.repeat(["a", "b", "c"], [150, 100, 50])
    rule = {"a": X[:, 0], "b": -X[:, 0], "c": X[:, 1]}
    margin = np.select([tasks == t for t in rule], list(rule.values()))
    y = (margin + 0.7 * rng.randn(300) > 0).astype(int)
    model = IndependentTaskClassifier().fit(X[::2], y[::2], tasks=tasks[::2])
    return model, X[1::2], y[1::2], tasks[1::2]


def _by_hand(metric, y, response, tasks):
    return {t: metric(y[tasks == t], response[tasks == t]) for t in np.unique(tasks)}


def test_scores_match_a_loop_over_tasks_written_out(three_tasks):
    model, X, y, tasks = three_tasks
    decision = model.decision_function(X, tasks=tasks)
    expected = _by_hand(roc_auc_score, y, decision, tasks)
    auc = get_task_scorer("roc_auc")
    assert auc.per_task(model, X, y, tasks=tasks) == pytest.approx(expected)
    assert auc(model, X, y, tasks=tasks) == pytest.approx(np.mean(list(expected.values())))

    sizes = np.array([np.sum(tasks == t) for t in expected])
    weighted = get_task_scorer("roc_auc", average="weighted")
    assert weighted(model, X, y, tasks=tasks) == pytest.approx(np.average(list(expected.values()), weights=sizes))

    accuracy = make_task_scorer(accuracy_score)
    by_hand = _by_hand(accuracy_score, y, model.predict(X, tasks=tasks), tasks)
    assert accuracy.per_task(model, X, y, tasks=tasks) == pytest.approx(by_hand)


def test_a_loss_is_negated_and_gets_the_labels(three_tasks):
    model, X, y, tasks = three_tasks
    proba = model.predict_proba(X, tasks=tasks)
    scorer = get_task_scorer("neg_log_loss")
    expected = np.mean([log_loss(y[tasks == t], proba[tasks == t]) for t in "abc"])
    assert scorer(model, X, y, tasks=tasks) == pytest.approx(-expected)
    only_zeros = y == 0  # every task has one class: log loss still defined
    assert np.isfinite(scorer(model, X[only_zeros], y[only_zeros], tasks=tasks[only_zeros]))


def test_undefined_tasks_are_reported_and_left_out(three_tasks):
    model, X, y, tasks = three_tasks
    keep = (tasks != "c") | (y == 1)  # task c keeps one class
    auc = get_task_scorer("roc_auc")
    scores = auc.per_task(model, X[keep], y[keep], tasks=tasks[keep])
    assert np.isnan(scores["c"]) and np.isfinite(scores["a"])
    with pytest.warns(UndefinedMetricWarning, match=r"undefined for task\(s\) 'c'"):
        value = auc(model, X[keep], y[keep], tasks=tasks[keep])
    assert value == pytest.approx(np.mean([scores["a"], scores["b"]]))
    positives = y == 1
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(auc(model, X[positives], y[positives], tasks=tasks[positives]))


def test_task_ids_from_the_estimator_column_or_the_scorer():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(120, 2), columns=["u", "v"])
    frame["team"] = np.repeat(["p", "q"], 60)
    y = ((frame["u"] > 0) ^ (frame["team"] == "q")).astype(int).to_numpy()
    model = IndependentTaskClassifier(task_column="team").fit(frame, y)
    by_estimator = make_task_scorer(accuracy_score).per_task(model, frame, y)
    by_scorer = make_task_scorer(accuracy_score, task_column="team").per_task(model, frame, y)
    assert by_estimator == by_scorer and sorted(by_estimator) == ["p", "q"]

    numeric = IndependentTaskClassifier(task_column=2).fit(frame.to_numpy(dtype=object), y)
    assert make_task_scorer(accuracy_score).per_task(numeric, frame.to_numpy(dtype=object), y).keys() == {"p", "q"}


def test_single_task_scorer_is_the_plain_metric():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 2)
    y = (X[:, 0] > 0).astype(int)
    model = MultiTaskKernelSVC().fit(X, y)
    auc = get_task_scorer("roc_auc")
    assert auc(model, X, y) == pytest.approx(roc_auc_score(y, model.decision_function(X)))


def test_grid_search_and_cross_validate_with_a_task_scorer():
    pd = pytest.importorskip("pandas")
    from sklearn.model_selection import GridSearchCV, cross_validate

    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(180, 2), columns=["u", "v"])
    frame["team"] = np.repeat(["p", "q", "r"], 60)
    y = ((frame["u"] > 0) ^ (frame["team"] == "q")).astype(int).to_numpy()
    cv = TaskStratifiedKFold(3, task_column="team")
    auc = get_task_scorer("roc_auc")
    search = GridSearchCV(MultiTaskKernelSVC(task_column="team"), {"task_similarity": [0.0, 1.0]}, scoring=auc, cv=cv)
    search.fit(frame, y)
    assert search.best_params_ == {"task_similarity": 0.0} and search.best_score_ > 0.9
    assert auc(search, frame, y) > 0.9  # the scorer looks through the fitted search
    scores = cross_validate(MultiTaskKernelSVC(task_column="team"), frame, y, scoring={"auc": auc}, cv=cv)
    assert scores["test_auc"].min() > 0.85


def test_tasks_reach_the_scorer_by_metadata_routing(two_tasks):
    from sklearn.model_selection import GridSearchCV

    X, y, tasks = two_tasks
    with sklearn.config_context(enable_metadata_routing=True):
        model = MultiTaskKernelSVC().set_fit_request(tasks=True)
        search = GridSearchCV(model, {"task_similarity": [0.0, 1.0]}, scoring=get_task_scorer("accuracy"), cv=TaskStratifiedKFold(4))
        with warnings.catch_warnings():
            warnings.simplefilter("error", UndefinedMetricWarning)
            search.fit(X, y, tasks=tasks, groups=tasks)
    assert search.best_params_ == {"task_similarity": 0.0} and search.best_score_ > 0.9


def test_scorer_errors_are_clear(three_tasks):
    model, X, y, tasks = three_tasks
    with pytest.raises(ValueError, match="Unknown scoring 'auc'.*roc_auc"):
        get_task_scorer("auc")
    with pytest.raises(TypeError, match="get_task_scorer"):
        make_task_scorer("roc_auc")
    with pytest.raises(ValueError, match="response_method"):
        make_task_scorer(roc_auc_score, response_method="proba")
    with pytest.raises(ValueError, match="average"):
        make_task_scorer(roc_auc_score, average="micro")
    with pytest.raises(AttributeError, match="probability=True"):
        get_task_scorer("neg_log_loss")(MultiTaskKernelSVC().fit(X, y, tasks=tasks), X, y, tasks=tasks)


def test_f1_macro_scorer_averages_classes_within_each_task():
    """The metric's own average= (f1_macro's) is not the scorer's average over tasks."""
    from sklearn.metrics import f1_score

    X, y, tasks = np.zeros((9, 1)), np.array([0, 1, 2] * 3), np.repeat(["a", "b", "c"], 3)

    class Fixed:
        classes_ = np.array([0, 1, 2])

        def predict(self, X, tasks=None):
            return np.array([0, 1, 1, 0, 1, 2, 2, 1, 0])

    scorer = get_task_scorer("f1_macro")
    predicted = Fixed().predict(X)
    expected = np.mean([f1_score(y[k:k + 3], predicted[k:k + 3], average="macro") for k in (0, 3, 6)])
    assert scorer(Fixed(), X, y, tasks=tasks) == pytest.approx(expected)
