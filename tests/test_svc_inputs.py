"""MultiTaskKernelSVC on sparse input: the same model as on the dense array."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_sparse_data

from skmtl import MultiTaskKernelSVC
from skmtl.svm._kernels import input_kernel

KERNELS = ["linear", "rbf", "poly", "sigmoid"]
# A tight tol: dense and sparse dot products round differently (~1e-16, and
# differently again under each BLAS kernel), and at the default tol=1e-3 that
# can send the solver down another path to a model 1e-3 away. Solved to 1e-10,
# both reach the same optimum whatever the path.
PARAMS = dict(task_similarity=0.4, coef0=0.5, degree=2, tol=1e-10)
SAME_MODEL = dict(rtol=1e-6, atol=1e-8)


def sparse_tasks(seed=0):
    """80 rows, 100 features, 20% non-zero: four tasks, two opposite rules.

    More features than rows keeps the linear Gram matrix full rank, so that
    dense and sparse dot products (which round differently, ~1e-16) lead the
    solver along the same path.
    """
    rng = np.random.RandomState(seed)
    tasks = np.repeat(np.arange(4), 20)
    X = sp.random(80, 100, density=0.2, format="csr", random_state=rng)
    w = rng.randn(100)
    y = ((X @ w) * np.where(tasks < 2, 1, -1) > 0).astype(int)
    return X, y, tasks


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_fit_gives_the_dense_model(kernel, fmt):
    X, y, tasks = sparse_tasks()
    dense = MultiTaskKernelSVC(kernel=kernel, **PARAMS).fit(X.toarray(), y, tasks=tasks)
    sparse = MultiTaskKernelSVC(kernel=kernel, **PARAMS).fit(X.asformat(fmt), y, tasks=tasks)
    expected = dense.decision_function(X.toarray(), tasks=tasks)
    np.testing.assert_allclose(sparse.decision_function(X.asformat(fmt), tasks=tasks), expected, **SAME_MODEL)
    assert sp.issparse(sparse.support_vectors_)  # as SVC fitted on sparse X
    np.testing.assert_array_equal(sparse.support_vectors_.toarray(), X.toarray()[sparse.support_])
    # Either model predicts either kind of input, to the rounding of the products.
    np.testing.assert_allclose(dense.decision_function(X, tasks=tasks), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        sparse.decision_function(X.toarray(), tasks=tasks),
        sparse.decision_function(X, tasks=tasks), rtol=1e-10, atol=1e-12,
    )
    np.testing.assert_array_equal(sparse.predict(X.toarray(), tasks=tasks), dense.predict(X, tasks=tasks))


def test_sparse_gamma_scale_is_svcs():
    X, y, _ = sparse_tasks()
    ours = MultiTaskKernelSVC().fit(X, y)
    theirs = SVC().fit(X, y)
    assert ours._gamma == theirs._gamma  # E[X**2] - E[X]**2 on sparse X, as SVC
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-3)


@pytest.mark.parametrize("kernel", KERNELS)
def test_input_kernel_on_any_mix_of_sparse_and_dense(kernel):
    X, _, _ = sparse_tasks()
    A, B = X[:30], X[30:]
    kw = dict(kernel=kernel, gamma=0.05, degree=2, coef0=0.5)
    expected = input_kernel(A.toarray(), B.toarray(), **kw)
    for left, right in [(A, B), (A, B.toarray()), (A.toarray(), B), (A.tocsc(), B.tocsc())]:
        np.testing.assert_allclose(input_kernel(left, right, **kw), expected, rtol=1e-12, atol=1e-15)


def test_sparse_fit_never_densifies_x(monkeypatch):
    X, y, tasks = sparse_tasks()
    X_dense = X.toarray()
    densified = []
    original = type(X).toarray

    def spy(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        if out.shape[1] == X.shape[1] and out.shape[0] > 1:
            densified.append(out.shape)
        return out

    monkeypatch.setattr(type(X), "toarray", spy)
    clf = MultiTaskKernelSVC(kernel="rbf", probability=True, random_state=0, tol=1e-10).fit(X, y, tasks=tasks)
    clf.predict_proba(X, tasks=tasks)
    assert densified == []
    monkeypatch.undo()
    np.testing.assert_allclose(
        clf.decision_function(X, tasks=tasks),
        MultiTaskKernelSVC(kernel="rbf", probability=True, random_state=0, tol=1e-10)
        .fit(X_dense, y, tasks=tasks).decision_function(X_dense, tasks=tasks),
        **SAME_MODEL,
    )


def test_sparse_input_tag_is_set():
    assert MultiTaskKernelSVC().__sklearn_tags__().input_tags.sparse


def test_sample_weight_equivalence_on_sparse_data_with_tight_tol():
    """As the dense check in test_svc.py: sklearn's check passes with a tight tol."""
    check_sample_weight_equivalence_on_sparse_data(
        "MultiTaskKernelSVC", MultiTaskKernelSVC(tol=1e-10, gamma=1.0)
    )


def test_tiny_sparse_features_are_refused_with_the_cause():
    X, y, _ = sparse_tasks()
    with pytest.raises(ValueError, match=r"X\.var\(\) underflows to 0.*scale the features"):
        MultiTaskKernelSVC().fit(X * 1e-308, y)


def test_sparse_x_with_a_task_column():
    X, y, tasks = sparse_tasks()
    with_column = sp.hstack([sp.csr_matrix(tasks[:, None].astype(float)), X], format="csr")
    by_column = MultiTaskKernelSVC(task_column=0).fit(with_column, y)
    by_ids = MultiTaskKernelSVC().fit(X, y, tasks=tasks)
    np.testing.assert_allclose(
        by_column.decision_function(with_column), by_ids.decision_function(X, tasks=tasks), rtol=1e-10
    )
