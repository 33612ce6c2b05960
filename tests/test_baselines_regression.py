"""The regressor baselines: one Ridge per task and one for all, as scikit-learn's own; the task
data model in both forms, sample weights, parallel fits, pipelines and searches."""

import pickle

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl.model_selection import IndependentTaskRegressor, PooledTaskRegressor

BASELINES = [IndependentTaskRegressor, PooledTaskRegressor]


@parametrize_with_checks([IndependentTaskRegressor(), PooledTaskRegressor(Ridge(alpha=0.5))])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture
def two_tasks():
    """Two tasks with opposite slopes on different scales: a task-blind model fits neither."""
    rng = np.random.RandomState(0)
    X = rng.randn(160, 3)
    tasks = np.repeat(np.array(["north", "south"]), 80)
    y = np.where(tasks == "north", 2.0 * X[:, 0], -20.0 * X[:, 0] + 50) + 0.1 * rng.randn(160)
    return X, y, tasks


def test_independent_is_one_ridge_per_task(two_tasks):
    X, y, tasks = two_tasks
    reg = IndependentTaskRegressor(Ridge(alpha=0.5)).fit(X, y, tasks=tasks)
    assert list(reg.estimators_) == ["north", "south"]
    for task in ("north", "south"):
        rows = tasks == task
        alone = Ridge(alpha=0.5).fit(X[rows], y[rows])
        np.testing.assert_array_equal(reg.estimators_[task].coef_, alone.coef_)
        np.testing.assert_array_equal(reg.predict(X[rows], tasks=tasks[rows]), alone.predict(X[rows]))
    predicted = reg.predict(X, tasks=tasks)
    assert predicted.dtype == np.float64 and predicted.shape == (160,)
    expected = np.mean([r2_score(y[tasks == t], predicted[tasks == t]) for t in ("north", "south")])
    assert reg.score(X, y, tasks=tasks) == pytest.approx(expected) and expected > 0.99


def test_pooled_is_one_task_blind_ridge(two_tasks):
    X, y, tasks = two_tasks
    reg = PooledTaskRegressor().fit(X, y, tasks=tasks)
    alone = Ridge().fit(X, y)
    np.testing.assert_array_equal(reg.estimator_.coef_, alone.coef_)
    np.testing.assert_array_equal(reg.predict(X, tasks=tasks), alone.predict(X))
    assert reg.score(X, y, tasks=tasks) < 0  # each task's R² against its own mean: worse than the mean


@pytest.mark.parametrize("Baseline", BASELINES)
def test_task_data_model_and_target_errors(Baseline, two_tasks):
    X, y, tasks = two_tasks
    reg = Baseline().fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="needs the task of every row"):
        reg.predict(X)
    with pytest.raises(ValueError, match=r"Unknown task id.*'east'"):
        reg.predict(X[:2], tasks=["east", "north"])
    with pytest.raises(ValueError, match="given twice"):
        Baseline(task_column=0).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match=r"y holds text or other non-numbers .*use a classifier"):
        Baseline().fit(X, np.where(y > 0, "high", "low").astype(object), tasks=tasks)
    with pytest.raises(ValueError, match=r"y contains 1 missing target\(s\) \(NaN\), first at row 3"):
        Baseline().fit(X, np.r_[y[:3], np.nan, y[4:]], tasks=tasks)
    with pytest.raises(ValueError, match=r"^The estimator of \w+ must be a regressor, got LogisticRegression\(\); "
                                         r"pass a scikit-learn regressor \(e.g. Ridge\(\)\)"):
        Baseline(LogisticRegression()).fit(X, (y > 0).astype(int), tasks=tasks)


def _wide(seed=0, n=60):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    frame = pd.DataFrame({"north": X[:, 0], "south": -10 * X[:, 1] + 3, "west": X[:, 2] ** 2}) + 0.1 * rng.randn(n, 3)
    frame[rng.rand(n, 3) < 0.3] = np.nan
    rows, codes = np.nonzero(frame.notna().to_numpy())
    return X, frame, rows, frame.columns.to_numpy()[codes], frame.to_numpy()[rows, codes]


def test_independent_on_a_wide_y_fits_each_task_on_its_labelled_rows():
    X, frame, *_ = _wide()
    reg = IndependentTaskRegressor().fit(X, frame)
    predicted = reg.predict(X)
    assert list(predicted.columns) == ["north", "south", "west"] and predicted.shape == (60, 3)
    for task in frame.columns:
        labelled = frame[task].notna().to_numpy()
        alone = Ridge().fit(X[labelled], frame[task][labelled])
        np.testing.assert_array_equal(reg.estimators_[task].coef_, alone.coef_)
        np.testing.assert_array_equal(predicted[task], alone.predict(X))
    assert isinstance(IndependentTaskRegressor().fit(X, frame.to_numpy()).predict(X), np.ndarray)


def test_pooled_on_a_wide_y_fits_one_model_on_every_target():
    X, frame, rows, _, values = _wide(seed=1)
    reg = PooledTaskRegressor().fit(X, frame)
    alone = Ridge().fit(X[rows], values)
    np.testing.assert_array_equal(reg.estimator_.coef_, alone.coef_)
    for task in frame.columns:
        np.testing.assert_array_equal(reg.predict(X)[task], alone.predict(X))


@pytest.mark.parametrize("Baseline", BASELINES)
@pytest.mark.parametrize("shape", ["rows", "targets"])
def test_wide_is_long_on_the_labelled_entries_with_weights_per_row_or_target(Baseline, shape):
    X, frame, rows, ids, values = _wide(seed=2)
    codes = np.searchsorted(frame.columns.to_numpy(), ids)
    weight = np.random.RandomState(0).uniform(0.2, 3.0, size=60 if shape == "rows" else frame.shape)
    per_entry = weight[rows] if shape == "rows" else weight[rows, codes]
    wide = Baseline().fit(X, frame, sample_weight=weight)
    long = Baseline().fit(X[rows], values, tasks=ids, sample_weight=per_entry)
    np.testing.assert_allclose(wide.predict(X).to_numpy(), long.predict(X, tasks="all"), rtol=1e-12)
    some = np.array(["west", "north", "south"])[np.arange(60) % 3]
    np.testing.assert_allclose(wide.predict(X, tasks=some), long.predict(X, tasks=some), rtol=1e-12)
    assert wide.score(X, frame) == pytest.approx(long.score(X, frame))


def test_sample_weight_reaches_each_task_model(two_tasks):
    X, y, tasks = two_tasks
    weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    reg = IndependentTaskRegressor().fit(X, y, tasks=tasks, sample_weight=weight)
    rows = tasks == "south"
    alone = Ridge().fit(X[rows], y[rows], sample_weight=weight[rows])
    np.testing.assert_allclose(reg.estimators_["south"].coef_, alone.coef_)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        PooledTaskRegressor().fit(X, y, tasks=tasks, sample_weight=-weight)


def test_parallel_fit_clone_and_pickle_give_the_same_model(two_tasks):
    X, y, tasks = two_tasks
    serial = IndependentTaskRegressor().fit(X, y, tasks=tasks)
    with parallel_config(backend="threading"):  # the fits in parallel, without starting processes (seconds)
        parallel = IndependentTaskRegressor(n_jobs=2).fit(X, y, tasks=tasks)
    for other in (parallel, clone(serial).fit(X, y, tasks=tasks), pickle.loads(pickle.dumps(serial))):
        np.testing.assert_array_equal(serial.predict(X, tasks=tasks), other.predict(X, tasks=tasks))
    with pytest.raises(ValueError, match=r"The 'n_jobs' parameter of IndependentTaskRegressor must be"):
        IndependentTaskRegressor(n_jobs=0).fit(X, y, tasks=tasks)


def test_task_column_by_name_in_a_pipeline_and_grid_search():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmtl.model_selection import TaskStratifiedKFold

    rng = np.random.RandomState(1)
    frame = pd.DataFrame(rng.randn(150, 2) * [1, 50], columns=["u", "v"])
    frame["site"] = np.repeat(["x", "y", "z"], 50)
    y = frame["u"].to_numpy() * np.where(frame["site"] == "y", -3.0, 3.0) + 0.2 * rng.randn(150)
    scale = ColumnTransformer(
        [("scale", StandardScaler(), ["u", "v"])], remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    folds = list(TaskStratifiedKFold(3, task_column="site").split(frame, y))
    search = GridSearchCV(
        make_pipeline(scale, IndependentTaskRegressor(Ridge(), task_column="site")),
        {"independenttaskregressor__estimator__alpha": [1e-2, 1e4]}, cv=folds,
    ).fit(frame, y)
    assert search.best_params_ == {"independenttaskregressor__estimator__alpha": 1e-2}
    assert search.best_score_ > 0.95 and search.cv_results_["mean_test_score"][1] < 0.2
    pooled = make_pipeline(scale, PooledTaskRegressor(task_column="site")).fit(frame, y)
    assert pooled.score(frame, y) < 0.5  # site y's slope is the others' reversed
