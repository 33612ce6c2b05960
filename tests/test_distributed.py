"""Fits on a dask cluster (joblib's dask backend) equal the sequential fits.

One ``distributed.LocalCluster`` serves the module: two single-threaded
workers in this process (``processes=False`` starts in half a second where
worker processes take several), reached over TCP as a remote cluster is.
"""

import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed", reason="the dask backend needs dask and distributed: pip install 'skmtl[dask]'"
)

import joblib  # noqa: E402
import sklearn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skmtl import MultiTaskKernelSVC  # noqa: E402
from skmtl._cli import main  # noqa: E402
from skmtl.datasets import make_multitask_classification  # noqa: E402
from skmtl.metrics import get_task_scorer  # noqa: E402
from skmtl.model_selection import TaskStratifiedKFold, compare_with_single_task  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def data():
    X, y, tasks, _ = make_multitask_classification(240, n_tasks=3, n_features=4, random_state=0)
    return X, y, tasks


def test_compare_on_the_cluster_equals_the_sequential_run(data, cluster):
    X, y, tasks = data
    model = MultiTaskKernelSVC(kernel="linear", task_similarity="learn")
    kwargs = dict(tasks=tasks, cv=3, random_state=0, scoring="roc_auc")
    sequential = compare_with_single_task(model, X, y, **kwargs)
    with distributed.Client(cluster) as client, joblib.parallel_backend("dask"):
        before = _tasks_run(client)
        on_cluster = compare_with_single_task(model, X, y, n_jobs=-1, **kwargs)
        assert _tasks_run(client) > before  # the fits ran on the workers
    np.testing.assert_array_equal(on_cluster.scores, sequential.scores)
    np.testing.assert_array_equal(on_cluster.task_similarity, sequential.task_similarity)


def _tasks_run(client):
    return sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())


def test_grid_search_with_routed_tasks_on_the_cluster_equals_the_sequential_one(data, cluster):
    X, y, tasks = data
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            MultiTaskKernelSVC(kernel="linear").set_fit_request(tasks=True),
            {"task_similarity": [0.0, 0.5, 1.0], "C": [0.1, 1.0]},
            scoring=get_task_scorer("roc_auc"),
            cv=TaskStratifiedKFold(3, shuffle=True, random_state=0),
        )
        sequential = clone(search).fit(X, y, tasks=tasks, groups=tasks)
        with distributed.Client(cluster), joblib.parallel_backend("dask"):
            on_cluster = search.set_params(n_jobs=-1).fit(X, y, tasks=tasks, groups=tasks)
    assert on_cluster.best_params_ == sequential.best_params_
    for key in ("mean_test_score", "std_test_score", *(f"split{k}_test_score" for k in range(3))):
        np.testing.assert_array_equal(on_cluster.cv_results_[key], sequential.cv_results_[key])


def _csv(tmp_path):
    X, y, tasks = make_multitask_classification(120, n_tasks=2, n_features=3, random_state=1)[:3]
    lines = ["site,label,f0,f1,f2"] + [
        f"s{task},{label}," + ",".join(f"{v:.4f}" for v in row) for row, label, task in zip(X, y, tasks)
    ]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_command_on_the_cluster_prints_the_sequential_table(tmp_path, capsys, cluster):
    options = ["--task-column", "site", "--target", "label", "--cv", "2", "--kernel", "linear", "--quiet"]
    path = _csv(tmp_path)
    assert main(["compare", str(path), *options]) == 0
    sequential = capsys.readouterr().out
    assert main(["compare", str(path), *options, "--scheduler", cluster.scheduler_address]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert _table(captured.out) == _table(sequential)


def _table(text):
    """The printed table, cell by cell, but for the fit times (and the rules, as wide as they)."""
    return [line.split() for line in text.splitlines() if line.strip("-") and not line.startswith("fit time")]


def test_an_unreachable_scheduler_is_one_line_naming_the_address(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("skmtl._cli.SCHEDULER_TIMEOUT", 0.5)
    for address in ("tcp://127.0.0.1:9", "not-an-address"):
        status = main(["compare", str(_csv(tmp_path)), "--task-column", "site", "--target", "label",
                       "--scheduler", address])
        lines = capsys.readouterr().err.splitlines()
        assert status == 1 and len(lines) == 1, lines
        assert lines[0].startswith(f"skmtl compare: error: --scheduler {address}: cannot connect to a dask scheduler")
