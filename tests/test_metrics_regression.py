"""Per-task regression scorers: each name against a loop over tasks written out, the nMSE's
definition, tasks too small for a metric, the wide form, sample weights, and GridSearchCV."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import (
    explained_variance_score,
    get_scorer,
    mean_absolute_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.model_selection import GridSearchCV

from skmtl.metrics import (
    REGRESSION_SCORER_NAMES,
    get_task_scorer,
    make_task_scorer,
    normalized_mean_squared_error,
)
from skmtl.model_selection import IndependentTaskRegressor, TaskStratifiedKFold


def _nmse_by_hand(y, predicted, sample_weight=None):
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    mean = np.sum(w * y) / np.sum(w)
    return np.sum(w * (y - predicted) ** 2) / np.sum(w * (y - mean) ** 2)


#: name -> (the metric written out, sign of the scorer)
BY_HAND = {
    "r2": (r2_score, 1),
    "neg_root_mean_squared_error": (root_mean_squared_error, -1),
    "neg_mean_absolute_error": (mean_absolute_error, -1),
    "explained_variance": (explained_variance_score, 1),
    "neg_normalized_mean_squared_error": (_nmse_by_hand, -1),
}


def _three_tasks(seed=0, n=300):
    """Three tasks on scales 1, 10 and 100 (so macro and weighted averages differ), sizes 150/100/50."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    tasks = np.repeat(["a", "b", "c"], [n // 2, n // 3, n - n // 2 - n // 3])
    scale = {"a": 1.0, "b": 10.0, "c": 100.0}
    slope = {"a": X[:, 0], "b": -X[:, 0] + X[:, 1], "c": X[:, 2]}
    y = np.select([tasks == t for t in scale], [scale[t] * (slope[t] + 0.5 * rng.randn(n)) for t in scale])
    return X, y, tasks


@pytest.fixture(scope="module")
def fitted():
    X, y, tasks = _three_tasks()
    model = IndependentTaskRegressor(Ridge(alpha=1.0)).fit(X[::2], y[::2], tasks=tasks[::2])
    return model, X[1::2], y[1::2], tasks[1::2]


def test_the_scorer_names_are_those_of_scikit_learn_and_the_nmse():
    assert set(REGRESSION_SCORER_NAMES) == set(BY_HAND)
    for name in REGRESSION_SCORER_NAMES:
        if name != "neg_normalized_mean_squared_error":
            get_scorer(name)  # scikit-learn has a scorer of that name


@pytest.mark.parametrize("name", sorted(BY_HAND))
def test_each_scorer_is_the_metric_within_each_task_macro_and_weighted(fitted, name):
    model, X, y, tasks = fitted
    metric, sign = BY_HAND[name]
    predicted = model.predict(X, tasks=tasks)
    expected = {t: sign * metric(y[tasks == t], predicted[tasks == t]) for t in "abc"}
    scorer = get_task_scorer(name)
    assert scorer.per_task(model, X, y, tasks=tasks) == pytest.approx(expected, rel=1e-12)
    assert scorer(model, X, y, tasks=tasks) == pytest.approx(np.mean(list(expected.values())), rel=1e-12)
    sizes = [np.sum(tasks == t) for t in "abc"]
    weighted = get_task_scorer(name, average="weighted")
    assert weighted(model, X, y, tasks=tasks) == pytest.approx(np.average(list(expected.values()), weights=sizes))


def test_one_task_is_scikit_learns_scorer(fitted):
    rng = np.random.RandomState(1)
    X = rng.randn(40, 2)
    y = X @ [2.0, -1.0] + rng.randn(40)
    model = Ridge().fit(X, y)
    for name in ("r2", "neg_root_mean_squared_error", "neg_mean_absolute_error", "explained_variance"):
        assert get_task_scorer(name)(model, X, y) == pytest.approx(get_scorer(name)(model, X, y), rel=1e-12)


def test_nmse_is_the_error_over_the_variance_of_the_truth_and_one_minus_r2():
    rng = np.random.RandomState(2)
    y, predicted, weight = rng.randn(30), rng.randn(30), rng.uniform(0.1, 3, 30)
    assert normalized_mean_squared_error(y, predicted) == pytest.approx(np.mean((y - predicted) ** 2) / np.var(y))
    assert normalized_mean_squared_error(y, predicted) == pytest.approx(1 - r2_score(y, predicted))
    assert normalized_mean_squared_error(y, predicted, sample_weight=weight) == pytest.approx(
        1 - r2_score(y, predicted, sample_weight=weight)
    )
    assert normalized_mean_squared_error(y, np.full(30, np.mean(y))) == pytest.approx(1.0)  # the mean: 1
    # No variance, no ratio: NaN where r2_score answers a conventional 0 or 1.
    assert np.isnan(normalized_mean_squared_error([3.0, 3.0], [3.0, 2.0]))
    assert np.isnan(normalized_mean_squared_error([3.0], [3.0]))


@pytest.mark.parametrize("name", ["r2", "explained_variance"])
def test_a_task_with_one_row_has_no_r2_and_is_left_out(fitted, name):
    model, X, y, tasks = fitted
    keep = (tasks != "c") | (np.arange(len(y)) == np.flatnonzero(tasks == "c")[0])  # one row of task c
    scorer = get_task_scorer(name)
    scores = scorer.per_task(model, X[keep], y[keep], tasks=tasks[keep])
    assert np.isnan(scores["c"]) and np.isfinite(scores["a"]) and np.isfinite(scores["b"])
    with pytest.warns(UndefinedMetricWarning, match=r"undefined for task\(s\) 'c'"):
        assert scorer(model, X[keep], y[keep], tasks=tasks[keep]) == pytest.approx((scores["a"] + scores["b"]) / 2)
    # One row of positive weight is one row too.
    weight = np.where(tasks == "c", 0.0, 1.0)
    weight[np.flatnonzero(tasks == "c")[0]] = 1.0
    assert np.isnan(scorer.per_task(model, X, y, tasks=tasks, sample_weight=weight)["c"])
    # The errors have a value on one row.
    mae = get_task_scorer("neg_mean_absolute_error")
    assert np.isfinite(mae.per_task(model, X[keep], y[keep], tasks=tasks[keep])["c"])


def test_sample_weight_reaches_the_metric_of_each_task(fitted):
    model, X, y, tasks = fitted
    weight = np.random.RandomState(3).uniform(0.2, 2.0, len(y))
    predicted = model.predict(X, tasks=tasks)
    for name, (metric, sign) in BY_HAND.items():
        expected = [
            sign * metric(y[tasks == t], predicted[tasks == t], sample_weight=weight[tasks == t]) for t in "abc"
        ]
        got = get_task_scorer(name)(model, X, y, tasks=tasks, sample_weight=weight)
        assert got == pytest.approx(np.mean(expected), rel=1e-12), name


def test_wide_form_scores_each_task_on_its_labelled_entries_as_the_long_form(fitted):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(4)
    X = rng.randn(90, 3)
    Y = np.c_[X[:, 0], 10 * X[:, 1], X[:, 0] - X[:, 2]] + 0.3 * rng.randn(90, 3)
    Y[rng.rand(90, 3) < 0.3] = np.nan  # missing targets
    frame = pd.DataFrame(Y, columns=["p", "q", "r"])
    model = IndependentTaskRegressor().fit(X, frame)
    rows, codes = np.nonzero(~np.isnan(Y))
    ids = np.array(["p", "q", "r"])[codes]
    for name in REGRESSION_SCORER_NAMES:
        scorer = get_task_scorer(name)
        wide = scorer.per_task(model, X, frame)
        long = scorer.per_task(model, X[rows], Y[rows, codes], tasks=ids)
        assert list(wide) == ["p", "q", "r"] and wide == pytest.approx(long, rel=1e-12), name
        assert scorer(model, X, Y) == pytest.approx(scorer(model, X[rows], Y[rows, codes], tasks=ids))
    # Per-label weights of the wide form are the long form's per-entry weights.
    weight = rng.uniform(0.5, 2.0, Y.shape)
    r2 = get_task_scorer("r2")
    assert r2(model, X, Y, sample_weight=weight) == pytest.approx(
        r2(model, X[rows], Y[rows, codes], tasks=ids, sample_weight=weight[rows, codes])
    )
    # The estimator's own score is the mean per-task R², as the scorer's.
    assert model.score(X, frame) == pytest.approx(r2(model, X, frame))


def test_grid_search_picks_by_the_per_task_rmse():
    X, y, tasks = _three_tasks(seed=5, n=240)
    cv = list(TaskStratifiedKFold(3).split(X, y, groups=tasks))
    rmse = get_task_scorer("neg_root_mean_squared_error")
    with warnings.catch_warnings(), sklearn.config_context(enable_metadata_routing=True):
        warnings.simplefilter("error", UndefinedMetricWarning)  # every task in every fold
        model = IndependentTaskRegressor(Ridge()).set_fit_request(tasks=True)
        search = GridSearchCV(model, {"estimator__alpha": [1e-3, 1e4]}, scoring=rmse, cv=cv).fit(X, y, tasks=tasks)
    assert search.best_params_ == {"estimator__alpha": 1e-3}  # 1e4 shrinks every slope to nothing
    # The fold scores are the scorer's on each test fold, refitted by hand.
    train, test = cv[0]
    model = IndependentTaskRegressor(Ridge(alpha=1e-3)).fit(X[train], y[train], tasks=tasks[train])
    assert search.cv_results_["split0_test_score"][0] == pytest.approx(rmse(model, X[test], y[test], tasks=tasks[test]))


def test_a_regression_metric_needs_no_classes_and_a_custom_one_works(fitted):
    model, X, y, tasks = fitted
    assert not hasattr(model, "classes_")
    max_error = make_task_scorer(lambda y, p, sample_weight=None: np.max(np.abs(y - p)), greater_is_better=False)
    predicted = model.predict(X, tasks=tasks)
    assert max_error.per_task(model, X, y, tasks=tasks)["b"] == pytest.approx(
        -np.max(np.abs(y[tasks == "b"] - predicted[tasks == "b"]))
    )
