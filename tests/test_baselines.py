"""The independent and pooled baselines: sklearn citizenship and the task data model."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl.model_selection import IndependentTaskClassifier, PooledTaskClassifier


@parametrize_with_checks(
    [
        IndependentTaskClassifier(LogisticRegression()),
        PooledTaskClassifier(LogisticRegression()),
        IndependentTaskClassifier(),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_independent_is_one_model_per_task(two_tasks):
    X, y, tasks = two_tasks
    clf = IndependentTaskClassifier(LogisticRegression(C=0.5)).fit(X, y, tasks=tasks)
    assert list(clf.estimators_) == ["north", "south"]
    for task in ("north", "south"):
        rows = tasks == task
        alone = LogisticRegression(C=0.5).fit(X[rows], y[rows])
        np.testing.assert_allclose(clf.estimators_[task].coef_, alone.coef_)
        np.testing.assert_allclose(
            clf.predict_proba(X[rows], tasks=tasks[rows]), alone.predict_proba(X[rows])
        )
        np.testing.assert_allclose(
            clf.decision_function(X[rows], tasks=tasks[rows]), alone.decision_function(X[rows])
        )
    assert clf.score(X, y, tasks=tasks) > 0.9


def test_pooled_is_one_task_blind_model(two_tasks):
    X, y, tasks = two_tasks
    clf = PooledTaskClassifier(LogisticRegression()).fit(X, y, tasks=tasks)
    alone = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(clf.estimator_.coef_, alone.coef_)
    np.testing.assert_array_equal(clf.predict(X, tasks=tasks), alone.predict(X))
    assert clf.score(X, y, tasks=tasks) < 0.7  # the two tasks have opposite rules


@pytest.mark.parametrize("Baseline", [IndependentTaskClassifier, PooledTaskClassifier])
def test_task_data_model_errors(Baseline, two_tasks):
    X, y, tasks = two_tasks
    clf = Baseline().fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="needs the task of every row"):
        clf.predict(X)
    with pytest.raises(ValueError, match="Unknown task id.*'east'"):
        clf.predict(X[:2], tasks=["east", "north"])
    with pytest.raises(ValueError, match="given twice"):
        Baseline(task_column=0).fit(X, y, tasks=tasks)
    one_class = y.copy()
    one_class[tasks == "south"] = "yes"
    with pytest.raises(ValueError, match="'south' have a single class"):
        Baseline().fit(X, one_class, tasks=tasks)


def test_different_label_sets_map_onto_the_union_of_classes():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 2)
    tasks = np.repeat(["a", "b"], 60)
    y = np.where(tasks == "a", np.where(X[:, 0] > 0, "cat", "dog"), np.where(X[:, 1] > 0, "dog", "eel"))
    clf = IndependentTaskClassifier().fit(X, y, tasks=tasks)
    assert list(clf.classes_) == ["cat", "dog", "eel"]
    proba = clf.predict_proba(X, tasks=tasks)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert np.all(proba[tasks == "a", 2] == 0) and np.all(proba[tasks == "b", 0] == 0)
    decision = clf.decision_function(X, tasks=tasks)
    assert np.all(decision[tasks == "a", 2] == -np.inf)
    np.testing.assert_allclose(decision[tasks == "b", 1], -decision[tasks == "b", 2])
    np.testing.assert_array_equal(clf.classes_[decision.argmax(axis=1)], clf.predict(X, tasks=tasks))
    assert set(clf.predict(X[tasks == "a"], tasks=tasks[tasks == "a"])) <= {"cat", "dog"}


def test_task_column_by_name_in_a_pipeline_and_grid_search():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmtl.model_selection import TaskStratifiedKFold

    rng = np.random.RandomState(1)
    frame = pd.DataFrame(rng.randn(200, 2) * [1, 50], columns=["u", "v"])
    frame["site"] = np.repeat(["x", "y"], 100)
    y = np.where((frame["u"] > 0) ^ (frame["site"] == "y"), 1, 0)
    scale = ColumnTransformer(
        [("scale", StandardScaler(), ["u", "v"])], remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    for baseline, expected in ((IndependentTaskClassifier, 0.9), (PooledTaskClassifier, 0.0)):
        pipe = make_pipeline(scale, baseline(LogisticRegression(), task_column="site"))
        search = GridSearchCV(
            pipe, {f"{pipe.steps[-1][0]}__estimator__C": [0.1, 1.0]},
            cv=TaskStratifiedKFold(3, task_column="site"),
        ).fit(frame, y)
        assert search.best_score_ > expected
        assert search.predict(frame).shape == (200,)


def test_sample_weight_reaches_each_task_model(two_tasks):
    X, y, tasks = two_tasks
    weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    clf = IndependentTaskClassifier().fit(X, y, tasks=tasks, sample_weight=weight)
    rows = tasks == "south"
    alone = LogisticRegression().fit(X[rows], y[rows], sample_weight=weight[rows])
    np.testing.assert_allclose(clf.estimators_["south"].coef_, alone.coef_)

    class NoWeights(LogisticRegression):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.raises(TypeError, match="takes no sample_weight"):
        IndependentTaskClassifier(NoWeights()).fit(X, y, tasks=tasks, sample_weight=weight)


def test_parallel_fit_clone_and_pickle_give_the_same_model(two_tasks):
    X, y, tasks = two_tasks
    serial = IndependentTaskClassifier().fit(X, y, tasks=tasks)
    parallel = IndependentTaskClassifier(n_jobs=2).fit(X, y, tasks=tasks)
    np.testing.assert_array_equal(serial.predict_proba(X, tasks=tasks), parallel.predict_proba(X, tasks=tasks))
    again = clone(serial).fit(X, y, tasks=tasks)
    loaded = pickle.loads(pickle.dumps(serial))
    for other in (again, loaded):
        np.testing.assert_array_equal(serial.predict_proba(X, tasks=tasks), other.predict_proba(X, tasks=tasks))


def test_methods_follow_the_wrapped_model():
    assert not hasattr(IndependentTaskClassifier(LinearSVC()), "predict_proba")
    assert hasattr(IndependentTaskClassifier(LinearSVC()), "decision_function")
    assert not hasattr(PooledTaskClassifier(LinearSVC()), "predict_proba")
