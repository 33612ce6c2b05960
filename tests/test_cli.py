"""The ``skmtl`` command: run as ``python -m skmtl`` runs it, in this process
(the ``skmtl_command`` fixture of conftest.py), once as the installed console
script in a subprocess, and through ``main`` where a test changes a setting
(the progress rate, the file size from which reading is reported, the reader)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import skmtl._cli as cli  # the module: `skmtl` below is the command
import skmtl.model_selection as model_selection
from skmtl._cli import main, read_csv
from skmtl._progress import format_seconds

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "schools.csv"


@pytest.fixture
def skmtl(skmtl_command):
    return skmtl_command


@pytest.mark.slow
def test_default_run_prints_the_per_task_table(skmtl):
    done = skmtl("compare")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # What a newcomer sees first: what the score is and which way is better.
    assert lines[0] == (
        "Score: ROC AUC within each task, on held-out folds, averaged over tasks (higher is better; 1 is perfect, "
        "0.5 is chance)."
    )
    assert lines[1].startswith("generated data: 20 tasks")
    # Each model in plain words, then as scikit-learn spells it.
    assert lines[3:9] == [
        "  multi-task: one kernel SVM on all tasks together, with a task similarity learned from the data",
        "      StandardScaler() -> MultiTaskKernelSVC(task_similarity='learn')",
        "  independent: one kernel SVM per task",
        "      StandardScaler() -> SVC() per task",
        "  pooled: one kernel SVM for all tasks, blind to which task a row is from",
        "      StandardScaler() -> SVC() on all tasks",
    ]
    assert "average" in done.stdout and "Per-task roc_auc" in done.stdout
    # Last, the command to run on one's own data.
    assert lines[-1] == "  skmtl compare your.csv --task-column <column> --target <column>"
    assert lines[-2].startswith("Next, your own data: a CSV with a header row")
    assert "15/15" in done.stderr  # the progress bar
    assert "Traceback" not in done.stderr


def test_csv_run_with_json_and_plot(tmp_path, skmtl):
    done = skmtl(
        "compare", EXAMPLE, "--task-column", "school", "--target", "passed", "--cv", "3",
        "--scoring", "accuracy", "--kernel", "linear", "--task-similarity", "0.5",
        "--json", tmp_path / "out.json", "--plot", tmp_path / "out.png", "--quiet",
    )
    assert done.returncode == 0, done.stderr
    for school in ("Hillside", "Lakeview", "Moorland", "Riverside"):
        assert school in done.stdout
    assert "Per-task accuracy, mean ± std over 3 folds" in done.stdout
    assert "[" not in done.stderr  # --quiet: no progress bar
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["tasks"] == ["Hillside", "Lakeview", "Moorland", "Riverside"]
    assert set(report["models"]) == {"multi-task", "independent", "pooled"}
    assert (tmp_path / "out.png").read_bytes()[:4] == b"\x89PNG"
    # Fit times in the one format of every duration the command prints (the bar's, the reading line's).
    (fit_times,) = [line for line in done.stdout.splitlines() if line.startswith("fit time")]
    times = [report["models"][m] for m in ("multi-task", "independent", "pooled")]
    expected = [f"{format_seconds(t['fit_time_mean'])} ± {format_seconds(t['fit_time_std'])}" for t in times]
    assert re.split(r"\s{2,}", fit_times.strip()) == ["fit time", *expected]
    # --plot and --json given: what is left to try is another model, without the options it does not take.
    assert done.stdout.splitlines()[-1].startswith(
        "Next, another multi-task model on these data: the same command with --model mlp, without --kernel and "
        "--task-similarity (one network"
    )


def test_shared_mlp_model_on_a_csv(skmtl):
    done = skmtl(
        "compare", EXAMPLE, "--task-column", "school", "--target", "passed", "--cv", "3",
        "--model", "mlp", "--hidden-layer-sizes", "8,4", "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert "  multi-task: one network for all tasks: shared hidden layers, then an output per task\n" in done.stdout
    assert "SharedMLPClassifier" in done.stdout and "MLPClassifier" in done.stdout
    assert "Traceback" not in done.stderr
    # Next: the picture and the JSON (no similarity to draw: the network has none).
    assert done.stdout.splitlines()[-1] == (
        "Next, each task's scores as a picture, and every score and fit time as JSON: the same command with "
        "--plot scores.png --json scores.json."
    )


@pytest.mark.parametrize("scoring", cli.TASK_SCORER_NAMES)
def test_the_first_line_says_what_each_score_is_and_which_way_is_better(scoring):
    line = cli._score_line(scoring)
    assert line.startswith("Score: ") and "(higher is better; " in line
    if scoring.startswith("neg_"):  # a loss, negated
        assert "negated" in line and "0 is perfect" in line
    else:
        assert "1 is perfect" in line
    assert cli._score_line("f1", pos_label="yes").startswith("Score: F1 of the class 'yes' within each task")


def test_console_script_and_help():
    """The one run in a subprocess: the console script pip installs, as a user starts it."""
    beside_python = Path(sys.executable).parent / "skmtl"  # where pip puts it in this environment
    script = str(beside_python) if beside_python.exists() else shutil.which("skmtl")
    if script is None:
        pytest.skip(reason="the skmtl console script is not installed (pip install -e . puts it beside python)")
    done = subprocess.run([script, "compare", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for option in ("--task-column", "--target", "--model", "--cv", "--scoring", "--plot", "--json",
                   "--sep", "--pos-label", "--probability", "--n-components"):
        assert option in done.stdout
    assert "skmtl compare examples/schools.csv --task-column school --target passed" in done.stdout
    assert "{kernel-ridge,linear,linear-svr,logistic,mlp,ridge,svc,svr}" in done.stdout


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD_HEADER = "site,a,b,label\n"


def _rows(n_sites=2, per_site=10, label=lambda i: i % 2, feature="1.5"):
    return "".join(f"s{s},{i},{feature},{label(i)}\n" for s in range(n_sites) for i in range(per_site))


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_file", "no such file"),
        ("empty", "is empty"),
        ("header_only", "has a header but no data rows"),
        ("missing_column", "--target 'outcome' is not a column"),
        ("non_numeric", "feature column 'b' has the non-numeric value 'high' on line 2"),
        ("missing_value", "feature column 'b' has an empty value on line 2"),
        ("one_class", "the target 'label' has a single class"),
        ("small_task", "have fewer rows (3) than the 5 folds"),
        ("single_class_task", "'s1' have a single class"),
        ("ragged", "line 3 has 3 fields, but the header has 4"),
        ("no_target", "a CSV needs --task-column COL and --target COL"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, skmtl, case, message):
    target = "label"
    if case == "missing_file":
        path = tmp_path / "absent.csv"
    elif case == "empty":
        path = _write(tmp_path, "")
    elif case == "header_only":
        path = _write(tmp_path, GOOD_HEADER)
    elif case == "missing_column":
        path, target = _write(tmp_path, GOOD_HEADER + _rows()), "outcome"
    elif case == "non_numeric":
        path = _write(tmp_path, GOOD_HEADER + _rows(feature="high"))
    elif case == "missing_value":
        path = _write(tmp_path, GOOD_HEADER + _rows(feature=""))
    elif case == "one_class":
        path = _write(tmp_path, GOOD_HEADER + _rows(label=lambda i: 1))
    elif case == "small_task":
        path = _write(tmp_path, GOOD_HEADER + _rows() + "s9,1,2,0\ns9,2,2,1\ns9,3,2,0\n")
    elif case == "single_class_task":
        path = _write(tmp_path, GOOD_HEADER + _rows(n_sites=1) + "".join(f"s1,{i},2,0\n" for i in range(10)))
    elif case == "ragged":
        path = _write(tmp_path, GOOD_HEADER + "s0,1,2,0\ns0,1,2\n")
    else:  # no_target: a good file, an option missing
        path = _write(tmp_path, GOOD_HEADER + _rows())
    args = ["compare", path, "--task-column", "site"]
    if case != "no_target":
        args += ["--target", target]
    done = skmtl(*args)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("skmtl compare: error:"), done.stderr
    assert message in lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "--cv", "1"], "--cv: must be an integer of at least 2"),
        (["compare", "--task-similarity", "2"], "must be 'learn' or a number in [0, 1]"),
        (["compare", "--scoring", "auc"], "invalid choice: 'auc'"),
        (["compare", "--target", "y"], "--task-column and --target need a CSV file"),
        (["compare", "--model", "mlp", "--hidden-layer-sizes", "64,x"], "expected positive integers"),
    ],
)
def test_bad_options_are_one_line_too(skmtl, args, message):
    done = skmtl(*args)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr


# Progress ------------------------------------------------------------------


def test_the_bar_in_a_log_is_a_line_per_tenth_that_moves_within_each_fit(capsys):
    status = main(["compare", str(EXAMPLE), "--task-column", "school", "--target", "passed", "--cv", "2",
                   "--model", "mlp", "--hidden-layer-sizes", "4"])
    lines = capsys.readouterr().err.splitlines()  # not a terminal: plain lines
    assert status == 0 and "\r" not in "".join(lines)
    bars = [line for line in lines if line.startswith("cross-validating [")]
    # A line at the start, then one each time another tenth of the 6 fits is done, whatever the
    # 1,200 epochs (scikit-learn's MLPClassifier, the baselines, moves the bar a whole fit at once).
    done = [float(re.search(r"\] ([\d.]+)/6 ", line)[1]) for line in bars]
    tenths = [int(10 * d / 6 + 1e-9) for d in done]
    assert tenths[0] == 0 and tenths[-1] == 10 and all(a < b for a, b in zip(tenths, tenths[1:]))
    # 0.6 of 6 fits: the first tenth is reached within a fit, from the network's epochs.
    assert done[1] == pytest.approx(0.6, abs=0.011)
    assert all(re.search(r"\d s, about \d+ s left$", line) for line in bars[1:-1])
    assert re.fullmatch(r"cross-validating \[#{30}\] 6/6  \d+(\.\d)? s", bars[-1])


def _reading_lines(err):
    return [line for line in err.splitlines() if line.startswith(("reading ", "read "))]


def test_a_big_file_is_reported_as_it_is_read(capsys, monkeypatch):
    monkeypatch.setattr(cli, "READ_REPORT_BYTES", 0)  # every file is big
    options = ["--task-column", "school", "--target", "passed", "--cv", "2", "--kernel", "linear",
               "--task-similarity", "0.5"]
    assert main(["compare", str(EXAMPLE), *options]) == 0
    reading, read = _reading_lines(capsys.readouterr().err)
    assert re.fullmatch(rf"reading {re.escape(str(EXAMPLE))} \(\d\.\d KiB\) \.\.\.", reading)
    assert re.fullmatch(r"read 144 rows x 3 features, 4 tasks in \d+(\.\d)? s", read)  # as every duration
    assert main(["compare", str(EXAMPLE), *options, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "rows, error, words",
    [
        (_rows(label=lambda i: 1), "the target 'label' has a single class", ["reading"]),  # while reading
        (_rows() + "s9,1,2,0\ns9,2,2,1\ns9,3,2,0\n", "have fewer rows (3) than the 5 folds", ["reading", "read"]),
    ],
)
def test_an_error_is_the_last_line_after_the_reading_lines(tmp_path, capsys, monkeypatch, rows, error, words):
    monkeypatch.setattr(cli, "READ_REPORT_BYTES", 0)
    path = _write(tmp_path, GOOD_HEADER + rows)
    assert main(["compare", str(path), "--task-column", "site", "--target", "label"]) == 1
    *reading, last = capsys.readouterr().err.splitlines()
    assert [line.split()[0] for line in reading] == words
    assert last.startswith("skmtl compare: error: ") and error in last


def test_a_small_file_is_read_without_a_word(capsys, monkeypatch):
    def stop(*args, **kwargs):
        raise RuntimeError("the cross-validation started")

    monkeypatch.setattr(model_selection, "compare_with_single_task", stop)
    main(["compare", str(EXAMPLE), "--task-column", "school", "--target", "passed"])
    assert _reading_lines(capsys.readouterr().err) == []  # 4 KiB, far below READ_REPORT_BYTES


# Reading with pandas -------------------------------------------------------


CSV_CASES = {
    "plain": "site,label,f0,f1\na,0,1.5,2\nb,1,-3e2,4\na,1,.5,5\nb,0,7,8\n",
    "padded cells and quoted numbers": "site,label,f0,f1\n a ,0, 1.5 ,\"2\"\nb, 1 ,3,4\na,1,5,6\nb,0,7,8\n",
    "blank lines and a row of empty cells": "\n\nsite,label,f0,f1\na,0,1,2\n\n,,,\nb,1,3,4\na,1,5,6\nb,0,7,8\n",
    "a short row": "site,f0,f1,label\na,1,2,0\nb,3,4\n",
    "a short row in the wide form": "f0,f1,t1,t2\n1,2,0,1\n3,4,1\n5,6,,0\n7,8,1,0\n",
    "missing labels in the wide form": "t1,t2,f0,f1\n0,1,1,2\n1,,3,4\n,0,5,6\n1,0,7,8\n",
    "missing labels in the last column": "f0,t1,f1,t2\n1,0,2,1\n3,1,4,\n5,,6,0\n7,1,8,0\n",
    "a long first row": "site,label,f0,f1\na,0,1,2,9\nb,1,3,4\n",
    "a long later row": "site,label,f0,f1\na,0,1,2\nb,1,3,4,9\n",
    "True as a feature": "site,label,f0,f1\na,0,True,2\nb,1,False,4\na,1,True,5\nb,0,True,8\n",
    "NA as a feature": "site,label,f0,f1\na,0,NA,2\nb,1,3,4\n",
    "NA as a label and a task": "site,label,f0,f1\nNA,NA,1,2\nb,1,3,4\nNA,1,5,6\nb,NA,7,8\n",
    "a non-finite feature": "site,label,f0,f1\na,0,1,2\nb,1,1e400,4\n",
    "an empty task": "site,label,f0,f1\na,0,1,2\n,1,3,4\n",
    "numbers Python reads and pandas does not": "site,label,f0,f1\na,0,1_000,2\nb,1,3,4\na,1,5,6\nb,0,7,8\n",
    "integer-looking labels and ids": "site,label,f0,f1\n01,1.0,1,2\n1,0.0,3,4\n01,0.0,5,6\n1,1.0,7,8\n",
    "a regression target": "site,label,f0,f1\na,0.5,1,2\nb,1.25,3,4\n",
}


def _read_both_ways(path, task_column, target, monkeypatch):
    """read_csv's answer (or error) with pandas, and with the csv module alone."""
    answers = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(cli, "_read_rows_fast", lambda *args: None)
        try:
            answers.append(read_csv(path, task_column, target))
        except ValueError as error:
            answers.append(str(error))
    return answers


@pytest.mark.parametrize("case", CSV_CASES)
def test_pandas_reads_every_file_as_the_csv_module_does(tmp_path, monkeypatch, case):
    pytest.importorskip("pandas")
    text = CSV_CASES[case]
    wide = "t1" in text
    path = _write(tmp_path, text)
    fast, exact = _read_both_ways(path, None if wide else "site", ["t1", "t2"] if wide else "label", monkeypatch)
    if isinstance(exact, str):
        assert fast == exact
        return
    for got, expected in zip(fast, exact):
        if isinstance(expected, np.ndarray):
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)
            assert [type(v) for v in got.ravel()] == [type(v) for v in expected.ravel()]
        else:
            assert got == expected


def test_pandas_reads_a_clean_file(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    calls = []
    fast = cli._read_rows_fast
    monkeypatch.setattr(cli, "_read_rows_fast", lambda *args: calls.append(fast(*args)) or calls[-1])
    X, y, tasks, features = read_csv(_write(tmp_path, CSV_CASES["padded cells and quoted numbers"]), "site", "label")
    assert calls[0] is not None  # not handed to the csv module
    np.testing.assert_array_equal(X, [[1.5, 2], [3, 4], [5, 6], [7, 8]])
    assert y.tolist() == [0, 1, 1, 0] and tasks.tolist() == ["a", "b", "a", "b"] and features == ["f0", "f1"]


# The dask cluster ------------------------------------------------------------


def test_scheduler_without_dask_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    status = main(["compare", str(EXAMPLE), "--task-column", "school", "--target", "passed",
                   "--scheduler", "tcp://127.0.0.1:8786"])
    lines = capsys.readouterr().err.splitlines()
    assert status == 1 and lines == ["skmtl compare: error: --scheduler needs dask: pip install 'skmtl[dask]'"]


@pytest.mark.parametrize(
    "kind, options",
    [
        ("classification", ["--kernel", "linear", "--task-similarity", "0.5", "--class-weight", "balanced"]),
        ("classification", ["--model", "mlp", "--hidden-layer-sizes", "4", "--scoring", "neg_log_loss"]),
        ("classification", ["--model", "logistic", "-C", "2", "--scoring", "neg_log_loss"]),
        ("classification", ["--probability", "--n-components", "9"]),
        ("regression", ["--model", "svr", "--epsilon", "0.2", "--kernel", "poly"]),
        ("regression", ["--model", "mlp", "--backend", "torch"]),
    ],
)
def test_the_next_model_suggested_runs_with_the_options_left(kind, options):
    def parsed(options):
        args = cli._parser().parse_args(["compare", "x.csv", "--task-column", "t", "--target", "y", "--kind", kind,
                                         "--plot", "x.png", *options])
        cli._check_options(args, kind)  # refuses an option the model does not take
        return args

    given = parsed(options)
    line = cli._next_step(cli._with_model_defaults(given, kind), given)
    found = re.fullmatch(r"Next, another multi-task model on these data: the same command with --model (\S+?)"
                         r"(?:, without (.+?))? \(one .+\); skmtl compare --help lists the models\.", line)
    assert found, line
    other, dropped = found[1], re.split(r", | and ", found[2] or "")
    kept = []
    for option, value in zip(options, [*options[1:], None]):  # the options left, each with its value
        if option.startswith("-") and option not in (*dropped, "--model"):
            kept += [option] + ([value] if value is not None and not value.startswith("-") else [])
    assert other != (given.model or cli.KIND_MODELS[kind][0])
    parsed([*kept, "--model", other])  # not refused
