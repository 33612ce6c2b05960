"""``skmtl compare``: user errors found before the run, Ctrl-C, separators, task ids.

These call ``main`` in the test process on tiny CSVs (fast); ``test_cli.py``
runs the command in a subprocess as a user does.
"""

import json
import os
import signal
import sys

import numpy as np
import pytest

import skmtl.model_selection
from skmtl._cli import _parser, main, read_csv

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
        calls.append(kwargs)
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
    assert "multi-task" not in out and "average" not in out  # no table
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


def test_a_continuous_target_is_refused(tmp_path, capsys, runs):
    path = _write(tmp_path, labels=(0.25, 1.5, 2.75, 3.125))
    line = _error(*_run(capsys, path, *FAST)[::2])
    assert "the target 'label' looks like a regression target (4 distinct numbers" in line
    assert "needs class labels" in line and not runs


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
        ((0.25, 1.5, 2.75), []),
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
