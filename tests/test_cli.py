"""The ``skmtl`` command, run as a user runs it: in a subprocess."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "schools.csv"


def skmtl(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "skmtl", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300
    )


@pytest.mark.slow
def test_default_run_prints_the_per_task_table():
    done = skmtl("compare")
    assert done.returncode == 0, done.stderr
    assert "generated data: 20 tasks" in done.stdout
    assert "multi-task" in done.stdout and "independent" in done.stdout and "pooled" in done.stdout
    assert "average" in done.stdout and "Per-task roc_auc" in done.stdout
    assert "15/15" in done.stderr  # the progress bar
    assert "Traceback" not in done.stderr


def test_csv_run_with_json_and_plot(tmp_path):
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


def test_shared_mlp_model_on_a_csv():
    done = skmtl(
        "compare", EXAMPLE, "--task-column", "school", "--target", "passed", "--cv", "3",
        "--model", "mlp", "--hidden-layer-sizes", "8,4", "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert "SharedMLPClassifier" in done.stdout and "MLPClassifier" in done.stdout
    assert "Traceback" not in done.stderr


def test_console_script_and_help():
    beside_python = Path(sys.executable).parent / "skmtl"  # where pip puts it in this environment
    script = str(beside_python) if beside_python.exists() else shutil.which("skmtl")
    if script is None:
        pytest.skip(reason="the skmtl console script is not installed (pip install -e . puts it beside python)")
    done = subprocess.run([script, "compare", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for option in ("--task-column", "--target", "--model", "--cv", "--scoring", "--plot", "--json",
                   "--sep", "--pos-label", "--probability"):
        assert option in done.stdout
    assert "skmtl compare examples/schools.csv --task-column school --target passed" in done.stdout


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
def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, case, message):
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
def test_bad_options_are_one_line_too(args, message):
    done = skmtl(*args)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr
