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
    folds = list(TaskStratifiedKFold(3, task_column="site").split(frame, y))
    C = [1e-4, 1.0]  # 1e-4 shrinks the weights to nothing: the intercept alone, chance level

    def search(*steps, param):
        return GridSearchCV(make_pipeline(scale, *steps), {param: C}, cv=folds).fit(frame, y)

    # Within each site the label is the sign of u: the search must find it, with C=1.
    independent = search(
        IndependentTaskClassifier(LogisticRegression(), task_column="site"),
        param="independenttaskclassifier__estimator__C",
    )
    bad, good = independent.cv_results_["mean_test_score"]
    assert bad < 0.65 and good > 0.9
    assert independent.best_params_["independenttaskclassifier__estimator__C"] == 1.0
    assert independent.best_score_ == good
    assert independent.score(frame, y) > 0.95  # refitted on all rows with C=1
    # The pooled model reads the site column by name and drops it: fold by fold it
    # scores as a LogisticRegression on the scaled u and v alone, blind to the site.
    pooled = search(PooledTaskClassifier(LogisticRegression(), task_column="site"),
                    param="pooledtaskclassifier__estimator__C")
    alone = search(ColumnTransformer([("site", "drop", ["site"])], remainder="passthrough"),
                   LogisticRegression(), param="logisticregression__C")
    np.testing.assert_allclose(pooled.cv_results_["mean_test_score"], alone.cv_results_["mean_test_score"])
    assert pooled.best_score_ < 0.65  # the sites' rules are opposite
    assert pooled.predict(frame).shape == (200,)


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


@pytest.mark.parametrize("Baseline", [IndependentTaskClassifier, PooledTaskClassifier])
def test_negative_sample_weights_are_refused_as_by_the_multitask_models(Baseline, two_tasks):
    from skmtl import MultiTaskKernelSVC

    X, y, tasks = two_tasks
    weight = np.ones(len(y))
    weight[3] = -0.5  # one negative weight: the wrapped LogisticRegression would take it
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        Baseline().fit(X, y, tasks=tasks, sample_weight=weight)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        MultiTaskKernelSVC().fit(X, y, tasks=tasks, sample_weight=weight)


@pytest.mark.parametrize("Baseline", [IndependentTaskClassifier, PooledTaskClassifier])
def test_a_wrapped_regressor_is_refused(Baseline, two_tasks):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, tasks = two_tasks
    y = (y == "yes").astype(int)  # labels a regressor would happily fit
    with pytest.raises(ValueError, match=r"^The estimator of \w+ must be a classifier, got LinearRegression\(\); "
                                         r"pass a scikit-learn classifier") as error:
        Baseline(LinearRegression()).fit(X, y, tasks=tasks)
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="must be a classifier"):
        Baseline(make_pipeline(StandardScaler(), LinearRegression())).fit(X, y, tasks=tasks)
    # A pipeline ending in a classifier is a classifier.
    assert Baseline(make_pipeline(StandardScaler(), LogisticRegression())).fit(X, y, tasks=tasks).score(
        X, y, tasks=tasks
    ) > (0.9 if Baseline is IndependentTaskClassifier else 0.0)


def test_n_jobs_zero_is_refused_as_by_multitask_kernel_svc(two_tasks):
    # 0 has no meaning to joblib: refused as a bad parameter, naming it, before any fit.
    from skmtl import MultiTaskKernelSVC

    X, y, tasks = two_tasks
    for model in (IndependentTaskClassifier(n_jobs=0), MultiTaskKernelSVC(n_jobs=0)):
        with pytest.raises(ValueError, match=r"The 'n_jobs' parameter of \w+ must be None, an int in the range "
                                             r"\(-inf, -1\] or an int in the range \[1, inf\)\. Got 0 instead\."):
            model.fit(X, y, tasks=tasks)
    assert IndependentTaskClassifier(n_jobs=-1).fit(X, y, tasks=tasks).score(X, y, tasks=tasks) > 0.9
