"""MultiTaskLinearSVC and MultiTaskLogisticRegression against their references.

The solver itself is checked against cvxpy in test_primal.py; here the
estimators are checked against scikit-learn's single-task models, against
one model per task and one pooled model, against the kernel estimator with
a linear kernel (the same model, solved in the dual), and across the task
data forms.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skmtl import MultiTaskKernelSVC, MultiTaskLinearSVC, MultiTaskLogisticRegression
from skmtl.model_selection import compare_with_single_task

TIGHT = {
    "squared_hinge": dict(loss="squared_hinge", tol=1e-10),
    "hinge": dict(loss="hinge", tol=1e-9, max_iter=100_000),
}


def _model(loss, **params):
    if loss == "logistic":
        return MultiTaskLogisticRegression(tol=1e-10, max_iter=1000, **params)
    return MultiTaskLinearSVC(**TIGHT[loss], **params)


def _tasks_problem(seed=0, n=300, n_tasks=3, n_classes=2):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    tasks = rng.randint(n_tasks, size=n)
    directions = rng.randn(n_tasks, 4) + [2.0, 0, 0, 0]
    score = np.einsum("ij,ij->i", X, directions[tasks]) + 0.5 * rng.randn(n)
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, y, tasks


def test_one_task_is_logistic_regression():
    X, y, _ = _tasks_problem(n_tasks=1)
    ours = MultiTaskLogisticRegression(C=0.3, tol=1e-10, max_iter=1000).fit(X, y)
    theirs = LogisticRegression(C=0.3, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_[0, 0], theirs.coef_[0], atol=1e-4)
    np.testing.assert_allclose(ours.intercept_[0], theirs.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("loss", ["squared_hinge", "hinge"])
def test_one_task_is_linear_svc_without_intercept(loss):
    # LinearSVC regularises its intercept (an extra constant feature); the
    # objectives are the same without one.
    X, y, _ = _tasks_problem(n_tasks=1)
    ours = _model(loss, C=0.3, bias=None).fit(X, y)
    theirs = LinearSVC(C=0.3, loss=loss, fit_intercept=False, tol=1e-10, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_[0, 0], theirs.coef_[0], atol=1e-4)
    assert np.all(ours.intercept_ == 0)


@pytest.mark.parametrize("loss", ["squared_hinge", "hinge", "logistic"])
def test_rho_zero_per_task_bias_is_one_model_per_task(loss):
    X, y, tasks = _tasks_problem()
    joint = _model(loss, task_similarity=0.0, bias="per_task").fit(X, y, tasks=tasks)
    for t in range(3):
        alone = _model(loss).fit(X[tasks == t], y[tasks == t])
        np.testing.assert_allclose(joint.coef_[0, t], alone.coef_[0, 0], atol=1e-5)
        np.testing.assert_allclose(joint.intercept_[0, t], alone.intercept_[0, 0], atol=1e-5)


@pytest.mark.parametrize("loss", ["squared_hinge", "hinge", "logistic"])
def test_rho_one_shared_bias_is_one_pooled_model(loss):
    X, y, tasks = _tasks_problem()
    joint = _model(loss, task_similarity=1.0).fit(X, y, tasks=tasks)
    pooled = _model(loss).fit(X, y)
    np.testing.assert_allclose(joint.coef_[0], np.repeat(pooled.coef_[0], 3, axis=0), atol=1e-5)
    np.testing.assert_allclose(joint.intercept_[0], pooled.intercept_[0, 0], atol=1e-5)


@pytest.mark.parametrize("bias", ["shared", "per_task"])
@pytest.mark.parametrize("task_similarity", [0.3, "learn"])
def test_hinge_is_the_kernel_svc_with_a_linear_kernel(bias, task_similarity):
    """The same model solved in the primal and in the dual, incl. the learned Omega."""
    X, y, tasks = _tasks_problem(seed=1, n=150)
    # Omega to 1e-4: the per-task bias's proximal loop makes each hinge solve slow.
    params = dict(bias=bias, task_similarity=task_similarity, similarity_tol=1e-4)
    primal = MultiTaskLinearSVC(loss="hinge", tol=1e-6, max_iter=100_000, **params)
    with warnings.catch_warnings():  # the per-task bias's proximal loop nears 1e-6 slowly
        warnings.simplefilter("ignore", ConvergenceWarning)
        primal.fit(X, y, tasks=tasks)
    dual = MultiTaskKernelSVC(kernel="linear", tol=1e-8, **params).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(
        primal.decision_function(X, tasks=tasks), dual.decision_function(X, tasks=tasks), atol=1e-3
    )
    np.testing.assert_allclose(primal.task_similarity_, dual.task_similarity_, atol=1e-3)


@pytest.mark.parametrize("Model", [MultiTaskLinearSVC, MultiTaskLogisticRegression])
def test_sparse_equals_dense_and_multiclass_stays_within_task_labels(Model):
    X, y, tasks = _tasks_problem(n_classes=3)
    y = np.where((tasks == 0) & (y == 2), 1, y)  # task 0 never has class 2
    dense = Model(task_similarity="learn").fit(X, y, tasks=tasks)
    sparse = Model(task_similarity="learn").fit(sp.csr_matrix(X), y, tasks=tasks)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-10)
    assert dense.coef_.shape == (3, 3, 4) and dense.intercept_.shape == (3, 3)
    predicted = dense.predict(X, tasks=tasks)
    assert not np.any(predicted[tasks == 0] == 2)
    assert dense.score(X, y, tasks=tasks) > 0.7
    np.testing.assert_array_equal(sparse.predict(sp.csc_matrix(X), tasks=tasks), predicted)


def test_logistic_probabilities_are_normalised_over_each_tasks_labels():
    X, y, tasks = _tasks_problem(n_classes=3)
    y = np.where((tasks == 0) & (y == 2), 1, y)
    model = MultiTaskLogisticRegression().fit(X, y, tasks=tasks)
    proba = model.predict_proba(X, tasks=tasks)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(proba[tasks == 0, 2] == 0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X, tasks=tasks))
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X, tasks=tasks)), proba)


def test_binary_logistic_probability_is_the_sigmoid_of_the_decision():
    X, y, tasks = _tasks_problem()
    model = MultiTaskLogisticRegression(bias="per_task").fit(X, y, tasks=tasks)
    decision = model.decision_function(X, tasks=tasks)
    np.testing.assert_allclose(model.predict_proba(X, tasks=tasks)[:, 1], 1 / (1 + np.exp(-decision)))


@pytest.mark.parametrize("Model", [MultiTaskLinearSVC, MultiTaskLogisticRegression])
def test_wide_form_is_the_long_fit_on_the_labelled_entries(Model):
    rng = np.random.RandomState(3)
    X = rng.randn(200, 4)
    Y = np.column_stack([X[:, 0] > 0, X[:, 0] + X[:, 1] > 0]).astype(float)
    Y[rng.rand(*Y.shape) < 0.3] = np.nan
    wide = Model(task_similarity=0.5, bias="per_task").fit(X, Y)
    rows, codes = np.nonzero(~np.isnan(Y))
    long = Model(task_similarity=0.5, bias="per_task").fit(X[rows], Y[rows, codes], tasks=codes)
    np.testing.assert_allclose(wide.coef_, long.coef_, atol=1e-12)
    assert wide.predict(X).shape == (200, 2)
    assert wide.score(X, Y) > 0.85


def test_class_weight_balanced_per_task_is_the_matching_sample_weight():
    X, y, tasks = _tasks_problem()
    y = np.where((tasks == 1) & (y == 1) & (X[:, 1] > 0), 0, y)  # task 1 unbalanced
    weighted = MultiTaskLinearSVC(class_weight="balanced_per_task").fit(X, y, tasks=tasks)
    weight = np.empty(len(y))
    for t in range(3):
        mine = tasks == t
        counts = np.bincount(y[mine], minlength=2)
        weight[mine] = mine.sum() / (2 * counts[y[mine]])
    manual = MultiTaskLinearSVC().fit(X, y, tasks=tasks, sample_weight=weight)
    np.testing.assert_allclose(weighted.coef_, manual.coef_, atol=1e-8)


def test_task_column_in_a_dataframe_pickle_and_clone():
    pd = pytest.importorskip("pandas")
    X, y, tasks = _tasks_problem()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(school=np.array(["p", "q", "r"])[tasks])
    model = MultiTaskLogisticRegression(task_column="school", task_similarity="learn").fit(frame, y)
    assert list(model.tasks_) == ["p", "q", "r"]
    assert list(model.feature_names_in_) == ["a", "b", "c", "d", "school"]
    expected = model.predict_proba(frame)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(frame), expected)
    np.testing.assert_array_equal(clone(model).fit(frame, y).predict_proba(frame), expected)


def test_hinge_is_reproducible_with_random_state():
    X, y, tasks = _tasks_problem()
    fits = [MultiTaskLinearSVC(loss="hinge", random_state=7).fit(X, y, tasks=tasks) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)


def test_a_given_similarity_is_used_and_checked():
    X, y, tasks = _tasks_problem()
    omega = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    model = MultiTaskLinearSVC(task_similarity=omega).fit(X, y, tasks=tasks)
    np.testing.assert_array_equal(model.task_similarity_, omega)
    with pytest.raises(ValueError, match="positive semi-definite"):
        MultiTaskLinearSVC(task_similarity=omega * [[1, 1, 1], [1, 1, 1], [1, 1, -1]]).fit(X, y, tasks=tasks)


def test_memory_that_would_not_fit_is_refused_up_front(monkeypatch):
    from skmtl import _memory

    monkeypatch.setattr(_memory, "tightest_memory_limit", lambda: _memory.MemoryLimit(1000, "test"))
    X, y, tasks = _tasks_problem()
    with pytest.raises(MemoryError, match="MultiTaskLinearSVC fit .* sparse X"):
        MultiTaskLinearSVC().fit(X, y, tasks=tasks)


def test_compare_with_single_task_uses_the_model_itself_as_baseline():
    X, y, tasks = _tasks_problem(n=240)
    result = compare_with_single_task(MultiTaskLogisticRegression(task_similarity="learn"), X, y,
                                      tasks=tasks, cv=3, random_state=0)
    summary = result.summary()
    assert len(summary) == 3 and all(0.5 < row["mean"] <= 1.0 for row in summary.values())
