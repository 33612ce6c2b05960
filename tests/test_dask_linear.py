"""The linear models on dask arrays and DataFrames against the in-memory fit.

One case runs on a ``distributed.LocalCluster``; the others on dask's threaded
scheduler, where each solver pass costs milliseconds instead of a round trip
to the cluster's scheduler (tens to hundreds of ms on a busy 2-core machine).
"""

import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask input needs dask and distributed: pip install 'skmtl[dask]'"
)

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402

from skmtl import MultiTaskLinearSVC, MultiTaskLogisticRegression  # noqa: E402


@pytest.fixture
def threads():
    import dask

    with dask.config.set(scheduler="threads"):
        yield


@pytest.fixture
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def _problem(n=1500, n_classes=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    tasks = rng.choice(["a", "b", "c"], n)
    score = X[:, 0] + 0.5 * (tasks == "b") * X[:, 1] + 0.5 * rng.randn(n)
    y = np.digitize(score, np.linspace(-0.5, 0.5, n_classes - 1))
    weight = rng.uniform(0.5, 2.0, n)
    return X, y, tasks, weight


# Each solver pass is a round trip to the cluster (tens of ms): 'learn' is
# held to two Omega updates. Both fits take the same steps from the same sums
# in another order, so they agree far below the solver's tol.
LEARN = dict(task_similarity="learn", similarity_max_iter=2)
CASES = [
    (MultiTaskLinearSVC, dict(task_similarity=0.5), 2),
    (MultiTaskLinearSVC, dict(LEARN, bias="per_task", class_weight="balanced"), 3),
    (MultiTaskLogisticRegression, dict(LEARN, class_weight="balanced_per_task"), 2),
    (MultiTaskLogisticRegression, dict(task_similarity=0.3, class_weight={0: 2.0}), 3),
]


@pytest.mark.filterwarnings("ignore:Learning task_similarity did not converge")
@pytest.mark.parametrize("Model, params, n_classes", CASES)
def test_dask_arrays_fit_the_in_memory_model(threads, Model, params, n_classes):
    X, y, tasks, weight = _problem(n_classes=n_classes)
    chunks = 400  # chunks that cut across tasks and classes
    memory = Model(**params).fit(X, y, tasks=tasks, sample_weight=weight)
    lazy = Model(**params).fit(
        da.from_array(X, chunks=(chunks, 2)), da.from_array(y, chunks=chunks),
        tasks=da.from_array(tasks, chunks=chunks), sample_weight=da.from_array(weight, chunks=chunks),
    )
    np.testing.assert_allclose(lazy.coef_, memory.coef_, atol=1e-5)
    np.testing.assert_allclose(lazy.intercept_, memory.intercept_, atol=1e-5)
    np.testing.assert_allclose(lazy.task_similarity_, memory.task_similarity_, atol=1e-5)
    assert list(lazy.tasks_) == ["a", "b", "c"] and list(lazy.classes_) == list(memory.classes_)

    X_lazy, tasks_lazy = da.from_array(X, chunks=chunks), da.from_array(tasks, chunks=chunks)
    predicted = lazy.predict(X_lazy, tasks=tasks_lazy)
    assert isinstance(predicted, da.Array)  # answered block by block
    np.testing.assert_array_equal(predicted.compute(), memory.predict(X, tasks=tasks))
    np.testing.assert_allclose(
        lazy.decision_function(X_lazy, tasks=tasks_lazy).compute(),
        memory.decision_function(X, tasks=tasks), atol=1e-4,
    )
    if Model is MultiTaskLogisticRegression:
        np.testing.assert_allclose(
            lazy.predict_proba(X_lazy, tasks=tasks_lazy).compute(),
            memory.predict_proba(X, tasks=tasks), atol=1e-5,
        )


def test_on_a_local_cluster(client):
    X, y, tasks, weight = _problem(n=1500)
    memory = MultiTaskLinearSVC().fit(X, y, tasks=tasks, sample_weight=weight)
    lazy = MultiTaskLinearSVC().fit(
        da.from_array(X, chunks=500), da.from_array(y, chunks=500),
        tasks=da.from_array(tasks, chunks=500), sample_weight=da.from_array(weight, chunks=500),
    )
    np.testing.assert_allclose(lazy.coef_, memory.coef_, atol=1e-5)
    predicted = lazy.predict(da.from_array(X, chunks=500), tasks=da.from_array(tasks, chunks=500))
    np.testing.assert_array_equal(predicted.compute(), memory.predict(X, tasks=tasks))


def test_a_dask_dataframe_with_a_task_column(threads):
    X, y, tasks, _ = _problem()
    frame = pd.DataFrame(X, columns=["w", "x", "y", "z"]).assign(shop=tasks)
    lazy_frame = dd.from_pandas(frame, npartitions=4)
    lazy_y = dd.from_pandas(pd.Series(y), npartitions=4)
    memory = MultiTaskLogisticRegression(task_column="shop").fit(frame, y)
    lazy = MultiTaskLogisticRegression(task_column="shop").fit(lazy_frame, lazy_y)
    np.testing.assert_allclose(lazy.coef_, memory.coef_, atol=1e-5)
    assert list(lazy.feature_names_in_) == ["w", "x", "y", "z", "shop"]
    predicted = lazy.predict(lazy_frame)
    np.testing.assert_array_equal(predicted.compute(), memory.predict(frame))


def test_what_dask_input_cannot_do_is_refused_in_one_line(threads):
    X, y, tasks, _ = _problem(n=300)
    X_lazy, y_lazy = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    tasks_lazy = da.from_array(tasks, chunks=100)
    with pytest.raises(ValueError, match="loss='hinge' .* use loss='squared_hinge'"):
        MultiTaskLinearSVC(loss="hinge").fit(X_lazy, y_lazy, tasks=tasks_lazy)
    with pytest.raises(ValueError, match="long form only"):
        MultiTaskLinearSVC().fit(X_lazy, da.stack([y_lazy, y_lazy], axis=1))
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        MultiTaskLinearSVC().fit(da.from_array(bad, chunks=100), y_lazy, tasks=tasks_lazy)
    model = MultiTaskLinearSVC().fit(X_lazy, y_lazy, tasks=tasks_lazy)
    with pytest.raises(ValueError, match="tasks='all' is not supported with dask"):
        model.predict(X_lazy, tasks="all")
