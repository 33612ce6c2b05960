"""``skmtl compare``: user errors found before the run, Ctrl-C, separators, task ids,
the models and their options, a fit too large for the memory.

These call ``main`` in the test process on tiny CSVs (fast); ``test_cli.py``
runs the command in a subprocess as a user does.
"""

import json
import os
import re
import signal
import sys

import numpy as np
import pytest

import skmtl._memory
import skmtl.model_selection
from skmtl._cli import _parser, main, read_csv
from skmtl._memory import MemoryLimit

FAST = ["--cv", "2", "--quiet", "--kernel", "linear", "--task-similarity", "0.5"]


def _write(tmp_path, tasks=("a", "b"), per_task=12, labels=(0, 1), sep=",", header=None, name="data.csv"):
    """A CSV: task, label and two features, the first one informative."""
    rng = np.random.RandomState(0)
    lines = [header or sep.join(["site", "label", "f0", "f1"])]
    for task in tasks:
        for i in range(per_task):
            k = i % len(labels)
            lines.append(sep.join([str(task), str(labels[k]), f"{k + 0.5 * rng.randn():.3f}", f"{rng.randn():.3f}"]))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys, path, *options):
    status = main(["compare", str(path), "--task-column", "site", "--target", "label", *map(str, options)])
    out, err = capsys.readouterr()
    return status, out, err


def _error(status, err):
    """The one stderr line of a failed command."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert status != 0 and len(lines) == 1 and lines[0].startswith("skmtl compare: error: "), err
    return lines[0]


@pytest.fixture
def runs(monkeypatch):
    """Stands in for the cross-validation: records its arguments, runs nothing."""
    calls = []

    def record(estimator, X, y, **kwargs):
        calls.append({"estimator": estimator, **kwargs})
        raise RuntimeError("the cross-validation started")

    monkeypatch.setattr(skmtl.model_selection, "compare_with_single_task", record)
    return calls


# 1. task ids are the texts of the file ---------------------------------------


def test_task_ids_written_differently_stay_distinct_tasks(tmp_path, capsys):
    path = _write(tmp_path, tasks=("1", "1.0", "01"))
    tasks = read_csv(path, "site", "label")[2]
    assert sorted(set(tasks)) == ["01", "1", "1.0"]
    status, out, err = _run(capsys, path, *FAST, "--json", tmp_path / "out.json")
    assert status == 0, err
    assert "3 tasks" in out
    assert json.loads((tmp_path / "out.json").read_text())["tasks"] == ["01", "1", "1.0"]


def test_plain_int_task_ids_are_ints(tmp_path):
    tasks = read_csv(_write(tmp_path, tasks=(1, 2, -3)), "site", "label")[2]
    assert tasks.dtype.kind == "i" and sorted(set(tasks.tolist())) == [-3, 1, 2]


def test_a_class_written_two_ways_is_refused(tmp_path, capsys, runs):
    path = _write(tmp_path, labels=(0, 1, "1.0"))
    line = _error(*_run(capsys, path, *FAST)[::2])
    assert "writes one class in several ways ('1', '1.0')" in line and not runs


def test_whole_number_labels_written_as_floats_are_ints(tmp_path):
    y = read_csv(_write(tmp_path, labels=("0.0", "1.0")), "site", "label")[1]
    assert y.dtype.kind == "i" and set(y.tolist()) == {0, 1}


# 2. duplicate column names ----------------------------------------------------


def test_duplicate_column_names_are_refused(tmp_path, capsys, runs):
    path = _write(tmp_path, header="site,label,f0,f0,f0,f1", per_task=0)
    path.write_text(path.read_text() + "a,0,1,2,3,4\na,1,5,6,7,8\n")
    line = _error(*_run(capsys, path, *FAST)[::2])
    assert "duplicate column names: 'f0'" in line and not runs


# 3. Ctrl-C ------------------------------------------------------------------


def _interrupt_once(monkeypatch, owner, name):
    """Make ``owner.name`` send SIGINT to this process the first time it is called."""
    original = getattr(owner, name)
    sent = []

    def interrupting(*args, **kwargs):
        if not sent:
            sent.append(True)
            signal.raise_signal(signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, interrupting)
    return sent


@pytest.mark.parametrize("loop", ["SharedMLPClassifier", "MLPClassifier"])
def test_ctrl_c_stops_the_command_with_status_130(tmp_path, capsys, monkeypatch, loop):
    # Both training loops catch KeyboardInterrupt to stop training and keep
    # the model; the command must stop instead, and report nothing.
    if loop == "SharedMLPClassifier":
        import skmtl.nn._training as owner

        sent = _interrupt_once(monkeypatch, owner, "make_batch")
    else:
        from sklearn.neural_network import MLPClassifier as owner

        sent = _interrupt_once(monkeypatch, owner, "_backprop")
    before = signal.getsignal(signal.SIGINT)
    path = _write(tmp_path)
    status, out, err = _run(capsys, path, "--model", "mlp", "--hidden-layer-sizes", "4", "--cv", "2", "--quiet",
                            "--json", tmp_path / "out.json")
    assert sent
    assert status == 130
    assert [line for line in err.splitlines() if line.strip()] == ["skmtl compare: interrupted"]
    assert "Per-task" not in out and "fit time" not in out  # no table
    assert not (tmp_path / "out.json").exists()
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


# 4. roc_auc with several classes ------------------------------------------------


def test_roc_auc_with_three_classes_is_refused_before_the_run(tmp_path, capsys, runs):
    path = _write(tmp_path, labels=("low", "mid", "high"))
    line = _error(*_run(capsys, path, *FAST, "--scoring", "roc_auc")[::2])
    assert "--scoring roc_auc needs two classes, but the target 'label' has 3 (high, low, mid)" in line
    assert "use accuracy, average_precision, balanced_accuracy, f1_macro" in line
    assert not runs


def test_f1_macro_runs_with_three_classes(tmp_path, capsys):
    status, out, err = _run(capsys, _write(tmp_path, labels=("low", "mid", "high")), *FAST, "--scoring", "f1_macro")
    assert status == 0, err
    assert "Per-task f1_macro" in out


# 5. f1 and --pos-label -----------------------------------------------------------


def test_f1_with_text_labels_asks_for_pos_label(tmp_path, capsys, runs):
    path = _write(tmp_path, labels=("no", "yes"))
    line = _error(*_run(capsys, path, *FAST, "--scoring", "f1")[::2])
    assert "labels: no, yes" in line and "add --pos-label LABEL" in line and not runs


def test_pos_label_not_among_the_labels_is_refused(tmp_path, capsys, runs):
    path = _write(tmp_path, labels=("no", "yes"))
    line = _error(*_run(capsys, path, *FAST, "--scoring", "f1", "--pos-label", "maybe")[::2])
    assert "--pos-label 'maybe' is not a label of the target 'label'; its labels are: no, yes" in line and not runs


def test_pos_label_without_f1_is_refused(tmp_path, capsys, runs):
    line = _error(*_run(capsys, _write(tmp_path), *FAST, "--pos-label", "1")[::2])
    assert "--pos-label applies to --scoring f1 only" in line and not runs


@pytest.mark.parametrize("labels, given, expected", [(("no", "yes"), "no", "no"), ((1, 2), "2", 2)])
def test_pos_label_reaches_the_scorer(tmp_path, capsys, runs, labels, given, expected):
    _run(capsys, _write(tmp_path, labels=labels), *FAST, "--scoring", "f1", "--pos-label", given)
    (call,) = runs
    scorer = call["scoring"]
    assert scorer.name == "f1" and scorer.kwargs == {"pos_label": expected}
    assert type(scorer.kwargs["pos_label"]) is type(expected)


def test_f1_with_pos_label_runs(tmp_path, capsys):
    status, out, err = _run(capsys, _write(tmp_path, labels=("no", "yes")), *FAST, "--scoring", "f1",
                            "--pos-label", "yes")
    assert status == 0, err
    assert "Per-task f1" in out


# 6. neg_log_loss and --probability -------------------------------------------------


def test_neg_log_loss_with_svc_asks_for_probability(tmp_path, capsys, runs):
    line = _error(*_run(capsys, _write(tmp_path), *FAST, "--scoring", "neg_log_loss")[::2])
    assert "--scoring neg_log_loss needs class probabilities" in line and "add --probability" in line
    assert not runs


def test_probability_gives_neg_log_loss(tmp_path, capsys):
    # 20 rows a task, 10 of each class: 5 of each in a training fold of --cv 2,
    # enough for the baselines' 5-fold calibration
    path = _write(tmp_path, per_task=20)
    status, out, err = _run(capsys, path, *FAST, "--scoring", "neg_log_loss", "--probability")
    assert status == 0, err
    assert "Per-task neg_log_loss" in out and "probability=True" in out


def test_probability_on_tasks_too_small_to_calibrate_is_refused(tmp_path, capsys, runs):
    line = _error(*_run(capsys, _write(tmp_path, per_task=12), *FAST, "--probability")[::2])
    assert "task 'a' has 6 rows of class 0, 3 in a training fold of --cv 2" in line and not runs


def test_probability_with_the_mlp_is_refused(tmp_path, capsys, runs):
    line = _error(*_run(capsys, _write(tmp_path), "--model", "mlp", "--probability")[::2])
    assert "--probability applies to --model svc" in line and not runs


# 7. a regression target ---------------------------------------------------------


def test_a_continuous_target_is_compared_by_regressors_and_a_classifier_is_refused(tmp_path, capsys, runs):
    # (Before regression came, a continuous target was refused: "needs class labels".)
    path = _write(tmp_path, labels=(0.25, 1.5, 2.75, 3.125))
    line = _error(*_run(capsys, path, *FAST, "--model", "svc")[::2])
    assert line == (
        "skmtl compare: error: --model svc is a classifier, but the target is continuous: choose a regressor "
        "(--model ridge, svr, kernel-ridge, linear-svr or mlp), or pass --kind classification to treat the "
        "target as class labels"
    ) and not runs
    status, out, err = _run(capsys, path, "--cv", "2", "--quiet")
    assert out.splitlines()[0] == (
        "the target 'label' is continuous (4 distinct numbers: 0.25, 1.5, 2.75, ...): comparing regressors; "
        "pass --kind classification to treat it as class labels."
    )
    assert type(runs[0]["estimator"].regressor[-1]).__name__ == "MultiTaskRidge" and runs[0]["scoring"] == "r2"


# 8. separators ---------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_the_separator_is_detected(tmp_path, sep):
    X, y, tasks, features = read_csv(_write(tmp_path, sep=sep), "site", "label")
    assert features == ["f0", "f1"] and X.shape == (24, 2) and set(tasks) == {"a", "b"}


def test_a_semicolon_file_runs(tmp_path, capsys):
    status, out, err = _run(capsys, _write(tmp_path, sep=";"), *FAST)
    assert status == 0, err
    assert "24 rows, 2 tasks, 2 features" in out


@pytest.mark.parametrize("given, sep", [(";", ";"), ("tab", "\t"), ("\\t", "\t"), ("|", "|")])
def test_sep_names_the_separator(tmp_path, given, sep):
    args = _parser().parse_args(["compare", "--sep", given])
    assert args.sep == sep
    assert read_csv(_write(tmp_path, sep=sep), "site", "label", sep=args.sep)[3] == ["f0", "f1"]


def test_sep_overrides_detection(tmp_path, capsys, runs):
    line = _error(*_run(capsys, _write(tmp_path, sep=";"), "--sep", ",")[::2])
    assert "is a single column ('site;label;f0;f1')" in line and "--sep ','" in line and not runs


def test_a_header_of_one_column_names_the_cause(tmp_path, capsys, runs):
    line = _error(*_run(capsys, _write(tmp_path, sep=" "))[::2])
    assert "is a single column ('site label f0 f1')" in line and "--sep CHAR" in line and not runs


# 9. output files, checked before the run ---------------------------------------------


@pytest.mark.parametrize(
    "option, where, message",
    [
        ("--json", "missing/out.json", "the directory {tmp}/missing does not exist"),
        ("--json", ".", "--json {tmp} is a directory"),
        ("--plot", "missing/out.png", "the directory {tmp}/missing does not exist"),
        ("--plot", ".", "--plot {tmp} is a directory"),
        ("--plot", "out.txt", "matplotlib cannot write .txt files"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_run(tmp_path, capsys, runs, option, where, message):
    target = os.path.normpath(tmp_path / where)
    line = _error(*_run(capsys, _write(tmp_path), *FAST, option, target)[::2])
    assert message.format(tmp=tmp_path) in line and not runs


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_an_output_in_a_read_only_directory_is_refused(tmp_path, capsys, runs):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = _error(*_run(capsys, _write(tmp_path), *FAST, "--json", folder / "out.json")[::2])
    finally:
        folder.chmod(0o700)
    assert "cannot be written" in line and not runs


def test_plot_without_matplotlib_is_refused_before_the_run(tmp_path, capsys, runs, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    line = _error(*_run(capsys, _write(tmp_path), *FAST, "--plot", tmp_path / "out.png")[::2])
    assert "--plot needs matplotlib: pip install matplotlib" in line and not runs


# 10. --n-jobs 0 --------------------------------------------------------------------


def test_n_jobs_zero_is_refused_when_parsing(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--n-jobs", "0"])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert stop.value.code == 2
    assert len(lines) == 1 and "argument --n-jobs: must be a non-zero integer (-1 = all CPUs), got '0'" in lines[0]
    assert _parser().parse_args(["compare", "--n-jobs", "-1"]).n_jobs == -1


# SKMTL_DEBUG=1 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels, options",
    [
        (("a", "b", "c"), ["--scoring", "roc_auc"]),
        (("no", "yes"), ["--scoring", "f1"]),
        ((0.25, 1.5, 2.75), ["--model", "svc"]),  # a classifier for a continuous target
        ((0, 1), ["--json", "missing/out.json"]),
        ((0, 1), ["--scoring", "neg_log_loss"]),
    ],
)
def test_skmtl_debug_shows_the_traceback(tmp_path, capsys, runs, monkeypatch, labels, options):
    monkeypatch.setenv("SKMTL_DEBUG", "1")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        _run(capsys, _write(tmp_path, labels=labels), *FAST, *options)
    assert not runs


# 11. --model linear and --model logistic ---------------------------------------------------

LINEAR_MODELS = [("linear", "MultiTaskLinearSVC"), ("logistic", "MultiTaskLogisticRegression")]


@pytest.mark.parametrize("model, name", LINEAR_MODELS)
def test_the_linear_models_take_the_options_of_the_svc(tmp_path, capsys, runs, model, name):
    _run(capsys, _write(tmp_path), "--model", model, "-C", "0.5", "--task-similarity", "0.3",
         "--class-weight", "balanced_per_task")
    _run(capsys, _write(tmp_path), "--model", model)
    given, default = (call["estimator"].steps[-1][1] for call in runs)
    assert type(given).__name__ == type(default).__name__ == name
    assert given.get_params() == {**default.get_params(), "C": 0.5, "task_similarity": 0.3,
                                  "class_weight": "balanced_per_task"}
    assert default.task_similarity == "learn" and default.C == 1.0 and default.class_weight is None


@pytest.mark.parametrize("model, name, words", [
    ("linear", "MultiTaskLinearSVC", "linear SVM"), ("logistic", "MultiTaskLogisticRegression", "logistic regression"),
])
def test_a_linear_model_runs_beside_baselines_named_plainly(tmp_path, capsys, model, name, words):
    status, out, err = _run(capsys, _write(tmp_path), "--model", model, "--cv", "2", "--quiet",
                            "--json", tmp_path / "out.json")
    assert status == 0, err
    described = {
        "multi-task": f"StandardScaler() -> {name}(task_similarity='learn')",
        # The single-task counterpart is the model with task_similarity=0.0, which does
        # nothing on one task; shown, it would read as if the pooled model kept the tasks apart.
        "independent": f"StandardScaler() -> {name}() per task, fitted as a single task",
        "pooled": f"StandardScaler() -> {name}() on all tasks, fitted as a single task",
    }
    for model_name, description in described.items():  # in plain words, then as scikit-learn spells it
        assert f"  {model_name}: one {words}" in out and f"\n      {description}\n" in out
    assert "task_similarity=0.0" not in out
    report = json.loads((tmp_path / "out.json").read_text())
    assert {model_name: report["models"][model_name]["description"] for model_name in described} == described


def test_logistic_gives_neg_log_loss(tmp_path, capsys):
    status, out, err = _run(capsys, _write(tmp_path), "--model", "logistic", "--scoring", "neg_log_loss",
                            "--cv", "2", "--quiet")
    assert status == 0, err
    assert "Per-task neg_log_loss" in out


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc_ovr"])
def test_probabilities_from_the_linear_svc_are_refused_naming_logistic(tmp_path, capsys, runs, scoring):
    line = _error(*_run(capsys, _write(tmp_path), "--model", "linear", "--scoring", scoring)[::2])
    assert f"--scoring {scoring} needs class probabilities, which --model linear (MultiTaskLinearSVC) " \
           "does not give: use --model logistic" in line and not runs


@pytest.mark.parametrize("model, message", [
    ("linear", "--model linear (MultiTaskLinearSVC) gives no probabilities: use --model logistic"),
    ("logistic", "--probability applies to --model svc (--model logistic gives probabilities anyway)"),
])
def test_probability_with_a_linear_model_is_refused(tmp_path, capsys, runs, model, message):
    line = _error(*_run(capsys, _write(tmp_path), "--model", model, "--probability")[::2])
    assert message in line and not runs


def test_three_classes_with_the_linear_svc_point_to_logistic_for_probabilities(tmp_path, capsys, runs):
    path = _write(tmp_path, labels=("low", "mid", "high"))
    line = _error(*_run(capsys, path, "--model", "linear", "--scoring", "roc_auc")[::2])
    assert "neg_log_loss (with --model logistic), roc_auc_ovr (with --model logistic)" in line and not runs


# 12. options of one model only -----------------------------------------------------------


@pytest.mark.parametrize(
    "model, option, message",
    [
        ("linear", ["--kernel", "rbf"], "--kernel applies to --model svc, not to --model linear"),
        ("logistic", ["--kernel", "linear"], "--kernel applies to --model svc, not to --model logistic"),
        ("linear", ["--n-components", "10"], "--n-components applies to --model svc, not to --model linear"),
        ("logistic", ["--n-components", "10"], "--n-components applies to --model svc, not to --model logistic"),
        ("mlp", ["--n-components", "10"], "--n-components applies to --model svc, not to --model mlp"),
        ("linear", ["--hidden-layer-sizes", "8"], "--hidden-layer-sizes applies to --model mlp, not to --model linear"),
        ("logistic", ["--backend", "numpy"], "--backend applies to --model mlp, not to --model logistic"),
        ("svc", ["--hidden-layer-sizes", "8"], "--hidden-layer-sizes applies to --model mlp, not to --model svc"),
        ("mlp", ["--kernel", "linear"], "--kernel applies to --model svc, not to --model mlp"),
        ("mlp", ["-C", "2"], "-C applies to --model svc, linear and logistic, not to --model mlp"),
        ("mlp", ["--task-similarity", "0.5"],
         "--task-similarity applies to --model svc, linear and logistic, not to --model mlp"),
    ],
)
def test_an_option_the_model_does_not_use_is_refused(tmp_path, capsys, runs, model, option, message):
    line = _error(*_run(capsys, _write(tmp_path), "--model", model, *option)[::2])
    assert line == f"skmtl compare: error: {message}" and not runs


#: Every option that some models only take, with a value, the parameter it sets and the value set.
MODEL_OPTIONS = {
    "--kernel": (["poly"], "kernel", "poly"),
    "--n-components": (["7"], "n_components", 7),
    "-C": (["3"], "C", 3.0),
    "--alpha": (["0.3"], "alpha", 0.3),
    "--epsilon": (["0.2"], "epsilon", 0.2),
    "--task-similarity": (["0.25"], "task_similarity", 0.25),
    "--hidden-layer-sizes": (["5"], "hidden_layer_sizes", (5,)),
    "--backend": (["torch"], "backend", "torch"),
    "--class-weight": (["balanced"], "class_weight", "balanced"),
    "--probability": ([], "probability", True),
}

#: Which of them each model takes, written out here, apart from the command's own table.
TAKES = {
    ("classification", "svc"): "--kernel --n-components -C --task-similarity --class-weight --probability",
    ("classification", "linear"): "-C --task-similarity --class-weight",
    ("classification", "logistic"): "-C --task-similarity --class-weight",
    ("classification", "mlp"): "--hidden-layer-sizes --backend --class-weight",
    ("regression", "ridge"): "--alpha --task-similarity",
    ("regression", "svr"): "--kernel -C --epsilon --task-similarity",
    ("regression", "kernel-ridge"): "--kernel --n-components --alpha --task-similarity",
    ("regression", "linear-svr"): "-C --epsilon --task-similarity",
    ("regression", "mlp"): "--hidden-layer-sizes --backend",
}


@pytest.fixture(scope="module")
def two_csvs(tmp_path_factory):
    """{kind: a CSV of that kind's target}: class labels, and continuous numbers (--kind auto: a regression)."""
    folder = tmp_path_factory.mktemp("matrix")
    rng = np.random.RandomState(0)
    rows = [(task, i % 2, rng.randn()) for task in "ab" for i in range(24)]  # 24 rows a task: --probability fits
    paths = {kind: folder / f"{kind}.csv" for kind in ("classification", "regression")}
    for kind, row in (("classification", "{t},{c},{f0:.3f},{x:.3f}\n"), ("regression", "{t},{f0:.3f},{c},{x:.3f}\n")):
        paths[kind].write_text("site,label,f0,f1\n" + "".join(row.format(t=t, c=c, f0=c + x, x=x) for t, c, x in rows))
    return paths


@pytest.mark.parametrize("option", MODEL_OPTIONS)
@pytest.mark.parametrize("kind, model", TAKES)
def test_every_option_reaches_the_models_that_take_it_and_is_refused_by_the_others(
    skmtl_command, runs, two_csvs, kind, model, option
):
    values, param, expected = MODEL_OPTIONS[option]
    done = skmtl_command("compare", two_csvs[kind], "--task-column", "site", "--target", "label", "--cv", "2",
                         "--model", model, option, *values)
    lines = done.stderr.splitlines()
    if option in TAKES[kind, model].split():
        assert len(runs) == 1, done.stderr  # the run started with it
        estimator = runs[0]["estimator"]
        final = getattr(estimator, "regressor", estimator)[-1]  # a regression's targets are standardised too
        assert final.get_params()[param] == expected
        return
    # Refused before the run, in one line naming the option and the models of the kind that take it.
    assert done.returncode == 2 and not runs and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"skmtl compare: error: {option} applies to ")
    takers = [m for (k, m), taken in TAKES.items() if k == kind and option in taken.split()]
    named = lines[0].split(" applies to ")[1].split(" not to ")[0]
    assert all(re.search(rf"\b{m}\b(?!-)", named) for m in takers), lines[0]


# 13. --n-components: the Nyström route of the kernel SVC ---------------------------------


def test_n_components_reaches_the_kernel_svc(tmp_path, capsys, runs):
    _run(capsys, _write(tmp_path), "--n-components", "10", "--random-state", "3")
    _run(capsys, _write(tmp_path))
    nystroem, exact = (call["estimator"].steps[-1][1] for call in runs)
    assert nystroem.n_components == 10 and nystroem.random_state == 3  # the landmarks are seeded
    assert exact.n_components is None and exact.kernel == "rbf" and exact.task_similarity == "learn"


def test_n_components_runs(tmp_path, capsys):
    status, out, err = _run(capsys, _write(tmp_path), *FAST, "--n-components", "8")
    assert status == 0, err
    assert (
        "  multi-task: one kernel SVM (its kernel approximated by 8 Nyström landmarks) on all tasks together, "
        "with the task similarity fixed at 0.5 (0: independent tasks, 1: pooled)\n"
        "      StandardScaler() -> MultiTaskKernelSVC(kernel='linear', n_components=8, random_state=0)\n"
    ) in out


@pytest.mark.parametrize("given", ["0", "-3", "2.5", "x"])
def test_n_components_below_one_is_refused_when_parsing(capsys, given):
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--n-components", given])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert stop.value.code == 2
    assert len(lines) == 1 and f"argument --n-components: must be an integer of at least 1, got '{given}'" in lines[0]


def test_help_names_the_models_and_n_components(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    assert stop.value.code == 0
    assert "{kernel-ridge,linear,linear-svr,logistic,mlp,ridge,svc,svr}" in text
    assert "'linear' = MultiTaskLinearSVC" in text and "'svr' = MultiTaskKernelSVR" in text
    assert "'logistic' = MultiTaskLogisticRegression" in text
    assert "--n-components M --model svc, kernel-ridge: approximate the kernel with M Nyström landmarks" in text
    assert "--model linear" in text and "--n-components 500" in text  # the examples


# 14. a fit too large for the memory ------------------------------------------------------


@pytest.fixture
def little_memory(monkeypatch):
    """Pretend that 1,000 bytes are available: the 12 x 12 Gram matrix of a training fold
    (1,152 bytes) does not fit, nor does a linear model's fit; no real limit is set."""
    monkeypatch.setattr(skmtl._memory, "tightest_memory_limit", lambda: MemoryLimit(1000, "a test's limit"))


REFUSED_GRAM = (  # check_memory's words for a training fold of 12 rows (2 tasks of 12, --cv 2)
    "skmtl compare: error: The training Gram matrix (12 x 12 float64 = 1.1 KiB) would need 1.1 KiB, but only "
    "1000 bytes of memory is available (a test's limit). "
)


def test_a_gram_matrix_too_large_is_refused_in_the_commands_words(tmp_path, capsys, little_memory):
    status, out, err = _run(capsys, _write(tmp_path), "--cv", "2", "--quiet")
    line = _error(status, err)
    assert line == REFUSED_GRAM + (
        "Pass --n-components 500 (the kernel approximated with 500 landmarks, in memory linear in the rows) "
        "or --model linear, or use fewer rows."
    )
    assert "Per-task" not in out  # no table


@pytest.mark.parametrize(
    "scoring, advice",
    [
        ("roc_auc", "Drop --probability (its calibration folds copy the Gram matrix), pass --n-components 500 "
                    "(the kernel approximated with 500 landmarks, in memory linear in the rows) or --model linear, "
                    "or use fewer rows."),
        # The scoring needs probabilities: --probability stays, and logistic gives them.
        ("neg_log_loss", "Pass --n-components 500 (the kernel approximated with 500 landmarks, in memory linear "
                         "in the rows) or --model logistic, or use fewer rows."),
    ],
    ids=["roc_auc", "neg_log_loss"],
)
def test_the_memory_advice_with_probability(tmp_path, capsys, little_memory, scoring, advice):
    # 20 rows a task: enough for the baselines' calibration (see test_probability_gives_neg_log_loss)
    path = _write(tmp_path, per_task=20)
    line = _error(*_run(capsys, path, "--cv", "2", "--quiet", "--probability", "--scoring", scoring)[::2])
    assert line.startswith("skmtl compare: error: The training Gram matrix (20 x 20 float64 = 3.1 KiB) and the "
                           "probability calibration's per-fold Gram copies")
    assert line.endswith(f"memory is available (a test's limit). {advice}")


@pytest.mark.parametrize(
    "options, refused, advice",
    [
        (["--n-components", "10"], "The Nyström features of the training rows (12 x 10 float32)",
         "Pass a smaller --n-components or --model linear, or use fewer rows."),
        (["--model", "linear"], "The MultiTaskLinearSVC fit", "Use fewer rows (a sample of each task's)."),
    ],
    ids=["n_components", "linear"],
)
def test_the_memory_advice_follows_the_model(tmp_path, capsys, little_memory, options, refused, advice):
    line = _error(*_run(capsys, _write(tmp_path), "--cv", "2", "--quiet", *options)[::2])
    assert line.startswith(f"skmtl compare: error: {refused}") and line.endswith(f"(a test's limit). {advice}")


def test_another_memory_error_is_kept_whole_with_the_advice(tmp_path, capsys, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 3.00 GiB for an array with shape (20000, 20000) and data type float64")

    monkeypatch.setattr(skmtl.model_selection, "compare_with_single_task", out_of_memory)
    line = _error(*_run(capsys, _write(tmp_path), "--quiet")[::2])
    assert line == (
        "skmtl compare: error: Unable to allocate 3.00 GiB for an array with shape (20000, 20000) and data type "
        "float64. Pass --n-components 500 (the kernel approximated with 500 landmarks, in memory linear in the "
        "rows) or --model linear, or use fewer rows."
    )


def test_skmtl_debug_shows_the_memory_error(tmp_path, capsys, little_memory, monkeypatch):
    monkeypatch.setenv("SKMTL_DEBUG", "1")
    with pytest.raises(MemoryError, match="Pass --n-components 500") as raised:
        _run(capsys, _write(tmp_path), "--cv", "2", "--quiet")
    assert "Pass n_components=500" in str(raised.value.__cause__)  # the estimator's, chained
