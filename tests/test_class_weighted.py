"""Class weights for the MLP baselines: ClassWeightedClassifier and SharedMLPClassifier's counterpart."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.utils.class_weight import compute_sample_weight

from skmtl.model_selection import IndependentTaskClassifier, PooledTaskClassifier, compare_with_single_task
from skmtl.model_selection._class_weighted import ClassWeightedClassifier
from skmtl.nn import SharedMLPClassifier

#: A small network whose single-task fit is MLPClassifier's, weight for weight (sgd, float64).
NETWORK = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=20, random_state=0, dtype="float64")


class Recorder(DummyClassifier):
    """Remembers the sample weights it was fitted with."""

    def fit(self, X, y, sample_weight=None):
        self.sample_weight_ = sample_weight
        return super().fit(X, y, sample_weight=sample_weight)


def _imbalanced(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    return X, (X[:, 0] + 0.8 > 0).astype(int)  # about four rows of 1 for one of 0


def test_one_task_baseline_trains_to_the_network_weights():
    # One full batch, 'balanced' weights summing to the rows: the same steps (see _single_task_counterpart).
    X, y = _imbalanced()
    network = SharedMLPClassifier(class_weight="balanced", **NETWORK)
    baseline = network._single_task_counterpart()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.fit(X, y)
        baseline.fit(X, y)
        unweighted = MLPClassifier(**{k: v for k, v in NETWORK.items() if k != "dtype"}).fit(X, y)
    for mine, theirs in zip(network.coefs_, baseline.estimator_.coefs_):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(network.predict_proba(X), baseline.predict_proba(X), rtol=0, atol=1e-12)
    assert np.abs(unweighted.coefs_[0] - network.coefs_[0]).max() > 1e-3  # the class weights did something


def test_the_network_counterpart_carries_the_class_weight():
    assert type(SharedMLPClassifier()._single_task_counterpart()) is MLPClassifier
    baseline = SharedMLPClassifier(class_weight="balanced_per_task")._single_task_counterpart()
    assert isinstance(baseline.estimator, MLPClassifier) and baseline.class_weight == "balanced"
    assert SharedMLPClassifier(class_weight={0: 1, 1: 3})._single_task_counterpart().class_weight == {0: 1, 1: 3}
    with pytest.raises(ValueError, match=r"own class weights.*baseline_estimator=, e\.g\. MLPClassifier\(\)"):
        SharedMLPClassifier(class_weight=[{0: 1}, {0: 2}])._single_task_counterpart()


def test_independent_baselines_balance_each_task_and_pooled_all_rows():
    X, y = _imbalanced(80)
    tasks = np.repeat(["a", "b"], 40)
    y[:30] = 0  # task a is far more imbalanced than task b
    model = ClassWeightedClassifier(Recorder(), class_weight="balanced")
    independent = IndependentTaskClassifier(model).fit(X, y, tasks=tasks)
    for task, fitted in independent.estimators_.items():
        expected = compute_sample_weight("balanced", y[tasks == task])
        np.testing.assert_allclose(fitted.estimator_.sample_weight_, expected)
    pooled = PooledTaskClassifier(model).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(pooled.estimator_.estimator_.sample_weight_, compute_sample_weight("balanced", y))


def test_compare_names_the_class_weighted_baselines():
    X, y = _imbalanced(60)
    tasks = np.repeat(["a", "b"], 30)
    network = SharedMLPClassifier(hidden_layer_sizes=(3,), max_iter=3, class_weight="balanced_per_task",
                                  random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = compare_with_single_task(network, X, y, tasks=tasks, cv=2, random_state=0)
    for description, where in zip(result.descriptions[1:], ("per task", "on all tasks")):
        assert description.startswith("ClassWeightedClassifier(class_weight='balanced', estimator=MLPClassifier(")
        assert description.endswith(where)


def test_sample_weight_is_multiplied_by_the_class_weight():
    X, y = _imbalanced(20)
    sample_weight = np.linspace(0.5, 2, len(y))
    fitted = ClassWeightedClassifier(Recorder(), class_weight={1: 3.0}).fit(X, y, sample_weight=sample_weight)
    np.testing.assert_allclose(fitted.estimator_.sample_weight_, sample_weight * np.where(y == 1, 3.0, 1.0))
    unweighted = ClassWeightedClassifier(Recorder()).fit(X, y)
    np.testing.assert_array_equal(unweighted.estimator_.sample_weight_, np.ones(len(y)))
    with pytest.raises(ValueError, match="(?i)negative"):
        ClassWeightedClassifier(Recorder()).fit(X, y, sample_weight=-sample_weight)


def test_methods_follow_the_wrapped_model_and_survive_clone_and_pickle():
    X, y = _imbalanced(40)
    assert not hasattr(ClassWeightedClassifier(MLPClassifier()), "decision_function")
    model = ClassWeightedClassifier(LogisticRegression(C=0.5), class_weight="balanced")
    copy = clone(model)
    assert copy.get_params()["estimator__C"] == 0.5 and copy.class_weight == "balanced"
    fitted = model.fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.decision_function(X), fitted.decision_function(X))
    np.testing.assert_array_equal(restored.classes_, [0, 1])
    assert restored.n_features_in_ == 4
