"""``skmtl compare`` on a numeric target: --kind auto finds a continuous target and says so first,
--kind regression takes whole numbers, --model chooses among the regressors; options of the other
kind are refused in one line. Runs are small; the checks stub the cross-validation out."""

import json

import numpy as np
import pytest

import skmtl
import skmtl.model_selection
from skmtl._cli import main, read_csv


def _write(tmp_path, per_task=15, target=None, name="exams.csv"):
    """A CSV: school, two features, and a score that rises with hours at two schools and falls at the third."""
    rng = np.random.RandomState(0)
    lines = ["school,hours,attendance,score"]
    for s, school in enumerate(("Hillside", "Lakeview", "Moorland")):
        for _ in range(per_task):
            hours, attendance = rng.rand() * 10, 60 + rng.rand() * 40
            score = 20 + 3 * hours * (-1 if school == "Moorland" else 1) + 0.2 * attendance + rng.randn()
            lines.append(f"{school},{hours:.1f},{attendance:.1f},{target(score) if target else f'{score:.1f}'}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys, path, *options):
    status = main(["compare", str(path), "--task-column", "school", "--target", "score", *map(str, options)])
    out, err = capsys.readouterr()
    return status, out, err


def _error(status, err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert status != 0 and len(lines) == 1 and lines[0].startswith("skmtl compare: error: "), err
    return lines[0][len("skmtl compare: error: "):]


@pytest.fixture
def runs(monkeypatch):
    """Stands in for the cross-validation: records its arguments, runs nothing."""
    calls = []

    def record(estimator, X, y, **kwargs):
        calls.append({"estimator": estimator, "y": y, **kwargs})
        raise RuntimeError("the cross-validation started")

    monkeypatch.setattr(skmtl.model_selection, "compare_with_single_task", record)
    return calls


def test_a_continuous_target_is_compared_by_regressors_and_the_first_line_says_so(tmp_path, skmtl_command):
    _regressor("MultiTaskRidge")  # the default regressor
    done = skmtl_command(
        "compare", _write(tmp_path), "--task-column", "school", "--target", "score", "--cv", "3",
        "--json", tmp_path / "out.json", "--plot", tmp_path / "out.png",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "the target 'score' is continuous (43 distinct numbers: 55.2, 52.1, 52.2, ...): comparing regressors; "
        "pass --kind classification to treat it as class labels."
    )
    assert lines[1] == (
        "Score: R² within each task, on held-out folds, averaged over tasks (higher is better; 1 is perfect, "
        "0 is no better than predicting the mean)."
    )
    assert lines[2].endswith("exams.csv: 45 rows, 3 tasks, 2 features")
    assert lines[3] == "Per-task r2, mean ± std over 3 folds (* best of the row, ties all starred)"
    # Targets standardised for every regressor (kernel ridge has no intercept, SVR's epsilon is in their units).
    targets = ", targets by StandardScaler()"
    assert lines[4:10] == [
        "  multi-task: one ridge regression on all tasks together, with a task similarity learned from the data",
        f"      StandardScaler() -> MultiTaskRidge(task_similarity='learn'){targets}",
        "  independent: one ridge regression per task",
        f"      StandardScaler() -> MultiTaskRidge(){targets} per task, fitted as a single task",
        "  pooled: one ridge regression for all tasks, blind to which task a row is from",
        f"      StandardScaler() -> MultiTaskRidge(){targets} on all tasks, fitted as a single task",
    ]
    # --plot and --json given: the next step is another model.
    assert lines[-1] == (
        "Next, another multi-task model on these data: the same command with --model mlp (one network for all "
        "tasks: shared hidden layers, then an output per task); skmtl compare --help lists the models."
    )
    assert "9/9" in done.stderr and "Traceback" not in done.stderr  # the progress bar, as for labels
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["kind"] == "regression" and report["scoring"] == "r2"
    assert report["tasks"] == ["Hillside", "Lakeview", "Moorland"]
    # Moorland's slope is the others' reversed: one model per school beats one for all there.
    per_task = {model: report["models"][model]["per_task"]["Moorland"]["mean"] for model in report["models"]}
    assert per_task["independent"] > 0.8 > per_task["pooled"]
    assert (tmp_path / "out.png").read_bytes()[:4] == b"\x89PNG"


def test_kind_regression_reads_whole_numbers_as_numbers(tmp_path, capsys, runs):
    path = _write(tmp_path, target=lambda score: str(int(round(score))))
    _run(capsys, path, "--kind", "regression", "--model", "mlp")
    (call,) = runs
    assert call["y"].dtype == np.float64 and call["scoring"] == "r2"
    model = call["estimator"].regressor[-1]
    assert type(model).__name__ == "SharedMLPRegressor" and model.normalize_targets
    # Without --kind, whole numbers are class labels, as before regression came; these, one row
    # of a class here and there, are refused with the hint.
    assert _error(*_run(capsys, path, "--model", "mlp")[::2]).endswith("pass --kind regression") and len(runs) == 1


def test_a_regressor_named_reads_whole_numbers_as_numbers(tmp_path, capsys, runs):
    path = _write(tmp_path, target=lambda score: str(int(round(score))))
    out = _run(capsys, path, "--model", "ridge")[1]
    assert out.splitlines()[0] == "--model ridge is a regressor: the target is read as numbers (a regression)."
    (call,) = runs
    assert call["y"].dtype == np.float64 and type(call["estimator"].regressor[-1]).__name__ == "MultiTaskRidge"


def _regressor(name):
    """The class of a --model."""
    return getattr(skmtl, name)


@pytest.mark.parametrize(
    "options, name, params",
    [
        ([], "MultiTaskRidge", {"alpha": 1.0, "task_similarity": "learn"}),
        (["--model", "svr", "-C", "3", "--epsilon", "0.5", "--kernel", "poly", "--task-similarity", "0.2"],
         "MultiTaskKernelSVR", {"kernel": "poly", "C": 3.0, "epsilon": 0.5, "task_similarity": 0.2}),
        (["--model", "kernel-ridge", "--alpha", "0.1", "--n-components", "10"], "MultiTaskKernelRidge",
         {"kernel": "rbf", "alpha": 0.1, "n_components": 10, "random_state": 0, "task_similarity": "learn"}),
        (["--model", "ridge", "--alpha", "2"], "MultiTaskRidge", {"alpha": 2.0, "task_similarity": "learn"}),
        (["--model", "linear-svr", "-C", "0.5"], "MultiTaskLinearSVR", {"C": 0.5, "task_similarity": "learn"}),
    ],
    ids=["default", "svr", "kernel-ridge", "ridge", "linear-svr"],
)
def test_model_chooses_among_the_regressors_with_their_options(tmp_path, capsys, runs, options, name, params):
    Model = _regressor(name)
    _run(capsys, _write(tmp_path), *options)
    model = runs[0]["estimator"].regressor[-1]
    assert type(model) is Model
    assert {key: model.get_params()[key] for key in params} == params


@pytest.mark.parametrize(
    "options, message",
    [
        (["--model", "svc"], "--model svc is a classifier, but the target is continuous: choose a regressor (--model "
                             "ridge, svr, kernel-ridge, linear-svr or mlp), or pass --kind classification to treat "
                             "the target as class labels"),
        (["--scoring", "roc_auc"], "--scoring roc_auc scores classification, but the target is continuous: use one of "
                                   "explained_variance, neg_mean_absolute_error, neg_normalized_mean_squared_error, "
                                   "neg_root_mean_squared_error, r2, or pass --kind classification to treat the "
                                   "target as class labels"),
        (["--class-weight", "balanced"], "--class-weight applies to classification (--model svc, linear, "
                                         "logistic and mlp), but the target is continuous: drop it, or pass --kind "
                                         "classification to treat the target as class labels"),
        (["--kind", "regression", "--probability"], "--probability applies to classification (--model svc), but "
                                                    "--kind regression is given: drop it"),
        (["--model", "svr", "--alpha", "1"], "--alpha applies to --model ridge and kernel-ridge, not to --model svr"),
        (["--kernel", "rbf"], "--kernel applies to --model svr and kernel-ridge, not to --model ridge, the default "
                              "regressor, chosen as the target 'score' is continuous (43 distinct numbers: 55.2, "
                              "52.1, 52.2, ...); pass --kind classification to read the target as class labels"),
        (["--model", "ridge", "--kernel", "rbf"], "--kernel applies to --model svr and kernel-ridge, not to --model "
                                                  "ridge"),
        (["--model", "kernel-ridge", "-C", "1"],
         "-C applies to --model svr and linear-svr, not to --model kernel-ridge"),
        (["--model", "ridge", "--epsilon", "1"], "--epsilon applies to --model svr and linear-svr, not to --model ridge"),
        (["--model", "svr", "--n-components", "5"], "--n-components applies to --model kernel-ridge, not to --model svr"),
        (["--model", "mlp", "--kernel", "rbf"], "--kernel applies to --model svr and kernel-ridge, not to --model mlp"),
        (["--model", "svc", "--alpha", "1"], "--alpha applies to --model ridge and kernel-ridge (regressors), not to "
                                             "--model svc"),
    ],
)
def test_what_does_not_apply_to_a_regression_is_refused_in_one_line(tmp_path, capsys, runs, options, message):
    assert _error(*_run(capsys, _write(tmp_path), *options)[::2]) == message and not runs


def test_a_regressor_on_class_labels_is_refused_and_kind_classification_reads_numbers_as_labels(tmp_path, capsys, runs):
    labels = _write(tmp_path, target=lambda score: "pass" if score > 40 else "fail", name="labels.csv")
    assert _error(*_run(capsys, labels, "--model", "svr")[::2]) == (
        "--model svr is a regressor, but the target holds class labels: choose a classifier (--model svc, linear, "
        "logistic or mlp), or pass --kind regression if the target is a quantity"
    )
    assert _error(*_run(capsys, labels, "--scoring", "r2")[::2]).startswith(
        "--scoring r2 scores regression, but the target holds class labels: use one of accuracy, average_precision"
    )
    assert _error(*_run(capsys, labels, "--kind", "regression")[::2]) == (  # text: not numbers
        "the target 'score' has the value 'pass' on line 2; a regression target must be finite numbers (or pass "
        "--kind classification for class labels)"
    )
    # --kind classification: the continuous numbers are class labels, and the folds refuse their single rows.
    line = _error(*_run(capsys, _write(tmp_path), "--kind", "classification")[::2])
    assert line == (
        "Task 'Hillside' has a single row of class 38.3, so one training fold would lack that class for that task; "
        "each (task, class) pair needs at least 2 rows (the target 'score' has 43 distinct numbers); if it is a "
        "quantity, not class labels, pass --kind regression"
    ) and not runs
    whole = _write(tmp_path, target=lambda score: str(int(round(score))), name="whole.csv")
    assert _error(*_run(capsys, whole)[::2]).endswith("pass --kind regression") and not runs  # auto: labels


@pytest.mark.parametrize("option, value, message", [
    ("--alpha", "0", "must be a positive number, got '0'"),
    ("--epsilon", "-1", "must be a number of at least 0, got '-1'"),
    ("--kind", "numbers", "invalid choice: 'numbers'"),
])
def test_bad_regression_options_are_one_line(capsys, option, value, message):
    with pytest.raises(SystemExit) as stop:
        main(["compare", option, value])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert stop.value.code == 2 and len(lines) == 1 and message in lines[0]


def test_the_target_of_a_regression_must_be_finite_varying_numbers(tmp_path, capsys, runs):
    for target, message in [
        (lambda score: "nan" if score > 60 else f"{score:.1f}", "has the value 'nan' on line"),
        (lambda score: "high" if score > 60 else f"{score:.1f}", "has the value 'high' on line"),
        (lambda score: "7", "has a single value (7); a regression needs it to vary"),
    ]:
        line = _error(*_run(capsys, _write(tmp_path, target=target), "--kind", "regression")[::2])
        assert line.startswith("the target 'score' ") and message in line
    assert not runs
    # --kind auto: a stray 'nan' among continuous numbers is a regression target's error.
    line = _error(*_run(capsys, _write(tmp_path, target=lambda score: "nan" if score > 60 else f"{score:.1f}"))[::2])
    assert line.startswith("the target 'score' has the value 'nan' on line") and "regression target" in line
    line = _error(*main_error(capsys, ["compare", "--kind", "regression"]))
    assert line.startswith("--kind regression needs a CSV with a numeric target")


def main_error(capsys, argv):
    status = main(argv)
    return status, capsys.readouterr().err


def _write_wide(tmp_path, edit=None):
    """Two features and two numeric targets with empty cells (and a third, of labels)."""
    rng = np.random.RandomState(1)
    lines = ["f0,f1,motor,total,smokes"]
    for i in range(40):
        f0, f1 = rng.randn(2)
        motor = "" if i % 5 == 0 else f"{10 + 4 * f0 + rng.randn() * 0.5:.2f}"
        total = "" if i % 7 == 0 else f"{30 + 6 * f0 - 2 * f1 + rng.randn():.2f}"
        lines.append(f"{f0:.3f},{f1:.3f},{motor},{total},{int(f1 > 0)}")
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_several_numeric_targets_are_the_wide_form_of_a_regression(tmp_path, capsys, runs):
    pd = pytest.importorskip("pandas")
    path = _write_wide(tmp_path)
    status, out, err = _run_wide(capsys, path, "--target", "motor", "--target", "total")
    assert out.splitlines()[0] == (
        "the targets 'motor', 'total' are continuous: comparing regressors; pass --kind classification to treat "
        "them as class labels."
    )
    y = runs[0]["y"]
    assert isinstance(y, pd.DataFrame) and list(y.columns) == ["motor", "total"] and y.dtypes.eq(float).all()
    assert y.isna().sum().tolist() == [8, 6]  # the empty cells: missing targets
    X, Y, tasks, _ = read_csv(path, None, ["motor", "total"])
    assert tasks is None and Y.dtype == np.float64 and np.isnan(Y).sum() == 14
    three = ["--target", "motor", "--target", "total", "--target", "smokes"]
    line = _error(*_run_wide(capsys, path, *three)[::2])
    assert line.startswith("the target 'motor' looks like a regression target (32 distinct numbers: ")
    assert line.endswith("but 'smokes' holds class labels; one comparison takes one kind: pass --kind regression "
                         "(all numbers) or --kind classification (all labels), or compare them apart")
    _run_wide(capsys, path, *three, "--kind", "regression")
    assert runs[1]["y"].dtypes.eq(float).all()  # 0 and 1 as numbers


def _run_wide(capsys, path, *options):
    status = main(["compare", str(path), *options])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_wide_regression_runs(tmp_path, capsys):
    status, out, err = _run_wide(
        capsys, _write_wide(tmp_path), "--target", "motor", "--target", "total", "--model", "kernel-ridge",
        "--kernel", "poly", "--cv", "3", "--quiet", "--scoring", "neg_normalized_mean_squared_error",
    )
    assert status == 0, err
    assert "Per-task neg_normalized_mean_squared_error, mean ± std over 3 folds" in out
    assert "KernelRidge(alpha=1.0, kernel='poly') per task" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("motor", "total"))]
    assert [row[:2] for row in rows] == [["motor", "32"], ["total", "34"]]
