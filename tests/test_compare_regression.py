"""compare_with_single_task for regressors: the regressor baselines, R² per task by default, folds
stratified on each task's quantiles; the table, JSON and plot; errors of the wrong kind."""

import json

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score, root_mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import MultiTaskKernelRidge, MultiTaskKernelSVR, MultiTaskRidge
from skmtl.model_selection import (
    IndependentTaskRegressor,
    PooledTaskRegressor,
    TaskStratifiedKFold,
    compare_with_single_task,
)


@pytest.fixture(scope="module")
def data():
    """Four tasks, two slopes (tasks 0 and 2 share one, 1 and 3 the other), offsets 0 to 30."""
    rng = np.random.RandomState(0)
    X = rng.randn(160, 3)
    tasks = np.repeat(np.arange(4), 40)
    slope = np.where(tasks % 2 == 0, 1.0, -1.0)
    y = 3 * slope * X[:, 0] + X[:, 1] + 10 * tasks + 0.5 * rng.randn(160)
    return X, y, tasks


@pytest.fixture(scope="module")
def result(data):
    """The independent baseline as the 'multi-task' model: it must score as the independent line."""
    X, y, tasks = data
    return compare_with_single_task(
        IndependentTaskRegressor(Ridge(alpha=0.1)), X, y, tasks=tasks, cv=3, random_state=0,
        baseline_estimator=Ridge(alpha=0.1),
    )


def test_regressors_get_regressor_baselines_r2_and_quantile_folds(data, result):
    X, y, tasks = data
    assert result.kind == "regression" and result.scoring == "r2"
    assert result.scores.shape == (3, 3, 4) and not np.isnan(result.scores).any()
    np.testing.assert_array_equal(result.scores[0], result.scores[1])  # the same model, the same folds
    assert result.descriptions[1:] == ("Ridge(alpha=0.1) per task", "Ridge(alpha=0.1) on all tasks")
    # Fold 2 of the splitter the comparison uses, refitted by hand, gives the same scores.
    cv = TaskStratifiedKFold(3, shuffle=True, random_state=0, target_type="continuous")
    train, test = list(cv.split(X, y, groups=tasks))[2]
    for m, model in enumerate([IndependentTaskRegressor(Ridge(alpha=0.1)), PooledTaskRegressor(Ridge(alpha=0.1))], 1):
        predicted = model.fit(X[train], y[train], tasks=tasks[train]).predict(X[test], tasks=tasks[test])
        for t in range(4):
            rows = tasks[test] == t
            assert result.scores[m, 2, t] == pytest.approx(r2_score(y[test][rows], predicted[rows]), rel=1e-12)
    # Sharing nothing wins here: the pooled model cannot tell the offsets apart.
    summary = result.summary()
    assert summary["independent"]["mean"] > 0.9 > 0 > summary["pooled"]["mean"]


def test_whole_number_targets_are_numbers_to_a_regressor(data):
    X, y, tasks = data
    scores = np.round(y).astype(int)  # exam scores: 'auto' folds would read them as classes
    result = compare_with_single_task(
        IndependentTaskRegressor(), X, scores, tasks=tasks, cv=3, baseline_estimator=Ridge(),
        scoring="neg_root_mean_squared_error",
    )
    assert result.scoring == "neg_root_mean_squared_error" and (result.scores < 0).all()


def test_a_pipeline_of_a_regressor_and_the_wide_form(data):
    pd = pytest.importorskip("pandas")
    X, y, tasks = data
    rng = np.random.RandomState(1)
    Y = pd.DataFrame(np.c_[X[:, 0], -X[:, 0], X[:, 1] * 10] + 0.3 * rng.randn(160, 3), columns=["p", "q", "r"])
    Y[rng.rand(160, 3) < 0.3] = np.nan
    pipe = make_pipeline(StandardScaler(), IndependentTaskRegressor())
    result = compare_with_single_task(pipe, X, Y, cv=3, baseline_estimator=Ridge(), random_state=0)
    assert list(result.tasks) == ["p", "q", "r"] and result.kind == "regression"
    np.testing.assert_array_equal(result.task_sizes, Y.notna().sum().to_numpy())
    assert "StandardScaler() -> Ridge() on all tasks" == result.descriptions[2]
    summary = result.summary()
    assert summary["independent"]["mean"] > 0.9 and summary["pooled"]["mean"] < 0.5  # p and q disagree
    # Each fold's score of a task is its R² on the labelled test rows, as the scorer gives it.
    from skmtl.metrics import get_task_scorer

    train, test = list(TaskStratifiedKFold(3, shuffle=True, random_state=0, target_type="continuous").split(X, Y))[0]
    fitted = make_pipeline(StandardScaler(), PooledTaskRegressor()).fit(X[train], Y.iloc[train])
    expected = get_task_scorer("r2").per_task(fitted, X[test], Y.iloc[test])
    assert result.scores[2, 0] == pytest.approx(list(expected.values()), rel=1e-12)


@pytest.mark.parametrize("nesting", ["pipeline(ttr)", "ttr(pipeline)", "pipeline(ttr(pipeline))"])
def test_target_transforms_and_pipelines_in_any_nesting_reach_the_model_and_the_baselines_keep_them(data, nesting):
    X, y, tasks = data

    def nest(model):
        """The nesting around ``model``, and the prefix of its fit parameters."""
        step = type(model).__name__.lower()
        return {
            "pipeline(ttr)": (make_pipeline(StandardScaler(), TransformedTargetRegressor(model)),
                              "transformedtargetregressor__"),
            "ttr(pipeline)": (TransformedTargetRegressor(make_pipeline(StandardScaler(), model)), f"{step}__"),
            "pipeline(ttr(pipeline))": (
                make_pipeline(StandardScaler(), TransformedTargetRegressor(make_pipeline(StandardScaler(), model))),
                f"transformedtargetregressor__{step}__"),
        }[nesting]

    result = compare_with_single_task(nest(MultiTaskRidge(task_similarity="learn"))[0], X, y, tasks=tasks, cv=3,
                                      baseline_estimator=Ridge(), random_state=0)
    assert result.similarity_source == "learned" and result.task_similarity.shape == (4, 4)
    # The baselines keep the nesting: the scaling of X and the transform of the targets.
    for text, end in zip(result.descriptions, ["", " per task", " on all tasks"]):
        assert text.startswith("StandardScaler() -> ") and text.endswith(f", targets by None{end}")
    # The pooled baseline is the same nesting around a pooled Ridge: the same scores, refitted by hand.
    train, test = list(TaskStratifiedKFold(3, shuffle=True, random_state=0, target_type="continuous")
                       .split(X, y, groups=tasks))[0]
    pooled, prefix = nest(PooledTaskRegressor(Ridge()))
    predicted = pooled.fit(X[train], y[train], **{f"{prefix}tasks": tasks[train]}).predict(X[test], tasks=tasks[test])
    rows = tasks[test] == 1
    assert result.scores[2, 0, 1] == pytest.approx(r2_score(y[test][rows], predicted[rows]), rel=1e-12)


def test_table_dict_and_plot_name_the_metric(result):
    text = str(result)
    assert text.startswith("Per-task r2, mean ± std over 3 folds") and "average" in text
    as_dict = json.loads(json.dumps(result.to_dict()))
    assert as_dict["kind"] == "regression" and as_dict["scoring"] == "r2"
    assert as_dict["models"]["pooled"]["per_task"]["2"]["folds"] == pytest.approx(list(result.scores[2, :, 2]))
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    figure = result.plot()
    assert figure.axes[0].get_ylabel() == "r2 (mean over 3 folds)"
    # The reference line of R² is 0, what predicting each task's mean scores.
    (zero,) = [line for line in figure.axes[0].lines if not line.get_label().startswith("_")]
    assert zero.get_label() == "0: each task's mean" and list(zero.get_ydata()) == [0, 0]
    rmse = type(result)(**{**result.__dict__, "scoring": "neg_root_mean_squared_error"})
    assert rmse.plot().axes[0].get_ylabel() == (
        "neg_root_mean_squared_error (mean over 3 folds, negated: higher is better)"
    )
    matplotlib.pyplot.close("all")


def test_undefined_r2_is_reported_in_regression_words(data):
    X, y, tasks = data
    keep = (tasks != 3) | (np.arange(160) < 124)  # task 3 keeps 4 rows: one test row in some folds of 3
    result = compare_with_single_task(
        IndependentTaskRegressor(), X[keep], y[keep], tasks=tasks[keep], cv=3, baseline_estimator=Ridge()
    )
    assert np.isnan(result.scores[:, :, 3]).any()
    assert "r2 undefined (fewer than two rows of the task, or constant targets, in the test fold)" in str(result)


def test_errors_of_the_wrong_kind_are_clear_and_come_before_any_fit(data):
    from skmtl import MultiTaskKernelSVC

    X, y, tasks = data
    with pytest.raises(ValueError, match=r"^y is continuous \(160 distinct numbers\), but MultiTaskKernelSVC is a "
                                         r"classifier, which needs class labels; compare a regressor"):
        compare_with_single_task(MultiTaskKernelSVC(), X, y, tasks=tasks)
    with pytest.raises(ValueError, match=r"scoring='roc_auc' scores classifiers, but IndependentTaskRegressor is a "
                                         r"regressor; use one of explained_variance, neg_mean_absolute_error"):
        compare_with_single_task(IndependentTaskRegressor(), X, y, tasks=tasks, scoring="roc_auc")
    labels = (y - 10 * tasks > 0).astype(int)
    with pytest.raises(ValueError, match=r"scoring='r2' scores regressors, but MultiTaskKernelSVC is a classifier"):
        compare_with_single_task(MultiTaskKernelSVC(), X, labels, tasks=tasks, scoring="r2")
    with pytest.raises(ValueError, match=r"^baseline_estimator must be a regressor, got LogisticRegression\(\)"):
        compare_with_single_task(IndependentTaskRegressor(), X, y, tasks=tasks, baseline_estimator=LogisticRegression())
    with pytest.raises(ValueError, match=r"no known single-task counterpart; pass baseline_estimator=<a scikit-learn "
                                         r"regressor>"):
        compare_with_single_task(IndependentTaskRegressor(), X, y, tasks=tasks)
    with pytest.raises(ValueError, match="y holds text or other non-numbers"):
        compare_with_single_task(IndependentTaskRegressor(), X, np.where(y > 0, "a", "b").astype(object),
                                 tasks=tasks, baseline_estimator=Ridge())
    with pytest.raises(ValueError, match=r"Task\(s\) 0, 1, 2, 3 have fewer rows \(40, 40, 40, 40\) than the 50 folds"):
        compare_with_single_task(IndependentTaskRegressor(), X, y, tasks=tasks, cv=50, baseline_estimator=Ridge())


@pytest.mark.parametrize("Model, params, counterpart", [
    (MultiTaskKernelRidge, {"kernel": "linear"}, "KernelRidge("),
    (MultiTaskKernelSVR, {"kernel": "linear"}, "SVR("),
    (MultiTaskRidge, {}, "MultiTaskRidge("),
])
def test_the_multitask_regressors_against_their_single_task_baselines(data, Model, params, counterpart):
    X, y, tasks = data
    y = y - 10 * tasks  # centred tasks: kernel ridge has no intercept
    model = Model(task_similarity="learn", **params)
    result = compare_with_single_task(model, X, y, tasks=tasks, cv=3, random_state=0)
    assert result.kind == "regression" and result.scoring == "r2"
    assert result.descriptions[1].startswith(counterpart) and result.descriptions[1].endswith("per task")
    omega = result.task_similarity  # tasks 0 and 2 share a slope, as do 1 and 3
    assert omega.shape == (4, 4) and omega[0, 2] > abs(omega[0, 1]) and omega[1, 3] > abs(omega[1, 2])
    summary = result.summary()
    assert summary["multi-task"]["mean"] > summary["pooled"]["mean"]
    assert summary["multi-task"]["mean"] > 0.8
    rmse = compare_with_single_task(model, X, y, tasks=tasks, cv=3, random_state=0,
                                    scoring="neg_root_mean_squared_error")
    assert -rmse.summary()["multi-task"]["mean"] < root_mean_squared_error(y, np.zeros_like(y))
