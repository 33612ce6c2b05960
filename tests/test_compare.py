"""compare_with_single_task and its result object."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skmtl import MultiTaskKernelSVC
from skmtl.datasets import make_multitask_classification
from skmtl.model_selection import (
    ComparisonResult,
    IndependentTaskClassifier,
    PooledTaskClassifier,
    TaskStratifiedKFold,
    compare_with_single_task,
)


@pytest.fixture(scope="module")
def data():
    X, y, tasks, _ = make_multitask_classification(400, n_tasks=4, n_features=5, random_state=0)
    return X, y, tasks


@pytest.fixture(scope="module")
def learned(data):
    X, y, tasks = data
    model = MultiTaskKernelSVC(kernel="linear", C=0.1, task_similarity="learn")
    return compare_with_single_task(model, X, y, tasks=tasks, cv=3, random_state=0)


def test_every_model_is_scored_per_task_on_the_same_folds(data, learned):
    X, y, tasks = data
    assert learned.models == ("multi-task", "independent", "pooled")
    assert learned.scores.shape == (3, 3, 4) and learned.fit_times.shape == (3, 3)
    assert np.all(learned.fit_times > 0) and not np.isnan(learned.scores).any()
    assert learned.scoring == "roc_auc"  # binary y
    np.testing.assert_array_equal(learned.tasks, [0, 1, 2, 3])
    np.testing.assert_array_equal(learned.task_sizes, np.bincount(tasks))
    # Fold 1 of the same splitter, refitted by hand, gives the same scores.
    train, test = list(TaskStratifiedKFold(3, shuffle=True, random_state=0).split(X, y, groups=tasks))[1]
    models = [
        MultiTaskKernelSVC(kernel="linear", C=0.1, task_similarity="learn"),
        IndependentTaskClassifier(SVC(kernel="linear", C=0.1)),
        PooledTaskClassifier(SVC(kernel="linear", C=0.1)),
    ]
    for m, model in enumerate(models):
        model.fit(X[train], y[train], tasks=tasks[train])
        decision = model.decision_function(X[test], tasks=tasks[test])
        for t in range(4):
            rows = tasks[test] == t
            assert learned.scores[m, 1, t] == pytest.approx(roc_auc_score(y[test][rows], decision[rows]))


def test_summary_averages_tasks_then_folds(learned):
    averages = learned.scores.mean(axis=2)
    summary = learned.summary()
    assert summary["pooled"]["mean"] == pytest.approx(averages[2].mean())
    assert summary["independent"]["std"] == pytest.approx(averages[1].std())
    assert summary["multi-task"]["fit_time_mean"] == pytest.approx(learned.fit_times[0].mean())


def test_learned_similarity_is_kept_and_recovers_the_clusters(learned):
    omega = learned.task_similarity
    assert omega.shape == (4, 4)
    # Tasks 0 and 2 share a cluster, as do 1 and 3.
    assert omega[0, 2] > omega[0, 1] and omega[1, 3] > omega[1, 2]


def test_table_frame_dict_and_plot(learned):
    text = str(learned)
    assert "Per-task roc_auc" in text and "average" in text and "fit time" in text
    assert "best on" in text and text.count("\n") > 10
    assert "multi-task=" in repr(learned)
    frame = learned.to_frame()
    assert list(frame.index) == [0, 1, 2, 3, "average"]
    assert frame.loc["average", "pooled"] == pytest.approx(learned.summary()["pooled"]["mean"])
    assert frame.loc[2, "independent std"] == pytest.approx(learned.scores[1, :, 2].std())
    as_dict = json.loads(json.dumps(learned.to_dict()))
    assert as_dict["models"]["multi-task"]["per_task"]["3"]["folds"] == pytest.approx(list(learned.scores[0, :, 3]))
    assert len(as_dict["task_similarity"]) == 4

    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    assert as_dict["similarity_source"] == "learned" and learned.similarity_source == "learned"
    figure = learned.plot()
    assert len(figure.axes) == 4  # scores, gains, heat map, its colour bar
    heat = figure.axes[2]
    assert sorted(t.get_text() for t in heat.get_xticklabels()) == ["0", "1", "2", "3"]  # clustered order
    assert heat.get_title() == "Learned task similarity (mean over 3 folds)"
    assert len(learned.plot(similarity=False).axes) == 2
    matplotlib.pyplot.close("all")


def test_task_column_in_a_pipeline_with_any_baseline(data):
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer

    X, y, tasks = data
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(5)]).assign(unit=np.array(["u0", "u1", "u2", "u3"])[tasks])
    scale = ColumnTransformer(
        [("scale", StandardScaler(), [f"x{j}" for j in range(5)])], remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = make_pipeline(scale, MultiTaskKernelSVC(task_column="unit", task_similarity=0.5))
    result = compare_with_single_task(
        pipe, frame, y, cv=3, scoring="accuracy", baseline_estimator=LogisticRegression(), random_state=1
    )
    assert list(result.tasks) == ["u0", "u1", "u2", "u3"] and result.scoring == "accuracy"
    assert result.task_similarity is not None  # the fixed Omega, shown as it is
    assert result.similarity_source == "given"
    assert "LogisticRegression() per task" in result.descriptions[1]
    assert result.summary()["multi-task"]["mean"] > result.summary()["pooled"]["mean"]


def test_undefined_scores_are_reported(data):
    X, y, tasks = data
    y = y.copy()
    rare = np.flatnonzero((tasks == 3) & (y == 1))
    y[rare[2:]] = 0  # task 3 keeps 2 positives: some test folds have none
    with pytest.warns(UserWarning, match="fewer rows than the 3 folds"):
        result = compare_with_single_task(
            MultiTaskKernelSVC(task_similarity=0.5), X, y, tasks=tasks, cv=3, random_state=0
        )
    assert np.isnan(result.scores[:, :, 3]).sum() == 3  # one fold, every model
    assert "undefined (one class in the test fold)" in str(result)
    assert result.to_dict()["models"]["pooled"]["per_task"]["3"]["undefined_folds"] == 1


def test_parallel_and_serial_runs_agree(data):
    X, y, tasks = data
    kwargs = dict(tasks=tasks, cv=3, random_state=0, scoring="accuracy")
    serial = compare_with_single_task(MultiTaskKernelSVC(), X, y, **kwargs)
    parallel = compare_with_single_task(MultiTaskKernelSVC(), X, y, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(serial.scores, parallel.scores)


def test_progress_bar_goes_to_stderr(data, capsys):
    X, y, tasks = data
    compare_with_single_task(MultiTaskKernelSVC(), X, y, tasks=tasks, cv=2, verbose=1)
    captured = capsys.readouterr()
    assert "6/6" in captured.err and captured.out == ""


def test_bad_input_is_a_clear_error(data):
    X, y, tasks = data
    with pytest.raises(ValueError, match="needs the task of every row"):
        compare_with_single_task(MultiTaskKernelSVC(), X, y)
    with pytest.raises(ValueError, match="given twice"):
        compare_with_single_task(MultiTaskKernelSVC(task_column=0), X, y, tasks=tasks)
    one_class = np.where(tasks == 2, 1, y)
    with pytest.raises(ValueError, match="Task\\(s\\) 2 have a single class"):
        compare_with_single_task(MultiTaskKernelSVC(), X, one_class, tasks=tasks)
    with pytest.raises(ValueError, match="no known single-task counterpart"):
        compare_with_single_task(IndependentTaskClassifier(), X, y, tasks=tasks)
    blind = [(np.flatnonzero(tasks != 0), np.flatnonzero(tasks == 0))]
    with pytest.raises(ValueError, match="Training fold 0 holds no rows of task\\(s\\) 0"):
        compare_with_single_task(MultiTaskKernelSVC(), X, y, tasks=tasks, cv=blind)
    with pytest.raises(ValueError, match="Unknown scoring"):
        compare_with_single_task(MultiTaskKernelSVC(), X, y, tasks=tasks, scoring="auc")


def test_a_regressor_as_baseline_is_refused_before_any_fit(data):
    from sklearn.linear_model import LinearRegression

    X, y, tasks = data

    class Counted(MultiTaskKernelSVC):
        fits = 0

        def fit(self, *args, **kwargs):
            Counted.fits += 1
            return super().fit(*args, **kwargs)

    with pytest.raises(ValueError, match=r"^baseline_estimator must be a classifier, got LinearRegression\(\)"):
        compare_with_single_task(Counted(), X, y, tasks=tasks, cv=2, baseline_estimator=LinearRegression())
    assert Counted.fits == 0


def test_n_jobs_zero_is_refused_before_any_work(data):
    X, y, tasks = data
    with pytest.raises(ValueError, match=r"^The 'n_jobs' parameter of compare_with_single_task must be None, "
                                         r"an int in the range \(-inf, -1\] or an int in the range \[1, inf\)"):
        compare_with_single_task(MultiTaskKernelSVC(), X, y[:-1], tasks=tasks, cv=2, n_jobs=0)  # y too short too


def test_result_is_a_plain_record():
    result = ComparisonResult(
        scoring="accuracy", models=("a", "b"), descriptions=("A", "B"), tasks=np.array(["t"], dtype=object),
        task_sizes=np.array([10]), scores=np.array([[[0.5], [0.7]], [[0.6], [0.6]]]), fit_times=np.ones((2, 2)),
    )
    assert result.summary()["a"]["mean"] == pytest.approx(0.6)
    text = str(result)  # a tie (0.6 each): both starred, no win
    assert "a is strictly best on 0 of 1 tasks" in text
    assert text.splitlines()[6].count("*") == 2




def test_network_settings_without_a_baseline_counterpart_are_said():
    # class_weight has one (tests/test_class_weighted.py); dropout has none.
    from skmtl.nn import SharedMLPClassifier

    with pytest.warns(UserWarning, match="dropout has no counterpart in scikit-learn's MLP"):
        baseline = SharedMLPClassifier(dropout=0.2)._single_task_counterpart()
    assert type(baseline).__name__ == "MLPClassifier"
