"""``skmtl compare`` with several --target columns: the wide form (one task per target).

One run of the command as ``python -m skmtl`` runs it (in this process: the
``skmtl_command`` fixture of conftest.py, as in ``test_cli.py``); the checks on
the data call ``main`` in the test process, with the cross-validation stubbed
out (as in ``test_cli_errors.py``).
"""

import json
import sys

import numpy as np
import pytest

import skmtl.model_selection
from skmtl._cli import main, read_csv

TARGETS = ["--target", "smokes", "--target", "risk", "--target", "grade"]


def _write(tmp_path, n=60, edit=None):
    """A CSV: two features and three targets (0/1 numbers, yes/no texts, 0/1), each with empty cells."""
    rng = np.random.RandomState(0)
    columns = {"f0": rng.randn(n), "f1": rng.randn(n)}
    columns["smokes"] = [str(int(v > 0)) for v in columns["f0"]]
    columns["risk"] = ["yes" if v > 0 else "no" for v in columns["f0"] + columns["f1"]]
    columns["grade"] = [str(int(v > 0)) for v in columns["f1"]]
    for name in ("smokes", "risk", "grade"):
        for i in rng.choice(n, n // 4, replace=False):
            columns[name][i] = ""  # a missing label
    columns = {name: [f"{v:.3f}" if isinstance(v, float) else v for v in values] for name, values in columns.items()}
    if edit:
        edit(columns)
    path = tmp_path / "data.csv"
    rows = zip(*columns.values())
    path.write_text("\n".join([",".join(columns)] + [",".join(row) for row in rows]) + "\n")
    return path


def test_several_targets_run_as_the_wide_form(tmp_path, skmtl_command):
    path = _write(tmp_path)
    done = skmtl_command(
        "compare", path, *TARGETS, "--model", "mlp", "--hidden-layer-sizes", "8", "--cv", "3", "--quiet",
        "--json", tmp_path / "out.json",
    )
    assert done.returncode == 0, done.stderr
    assert "60 rows, 3 tasks (one per --target), 2 features" in done.stdout
    assert "Per-task roc_auc" in done.stdout  # every target has two classes
    lines = done.stdout.splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    assert [line.split()[0] for line in lines[rules[0] + 1:rules[1]]] == ["smokes", "risk", "grade"]
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["tasks"] == ["smokes", "risk", "grade"]
    assert report["task_sizes"] == [45, 45, 45]  # the labelled rows of each target
    assert "Traceback" not in done.stderr


def test_read_csv_gives_one_column_per_target_and_none_for_empty_cells(tmp_path):
    X, y, tasks, features = read_csv(_write(tmp_path), None, ["smokes", "risk", "grade"])
    assert tasks is None and features == ["f0", "f1"] and X.shape == (60, 2)
    assert y.shape == (60, 3) and y.dtype == object
    assert [np.sum([v is not None for v in y[:, t]]) for t in range(3)] == [45, 45, 45]
    # A target of text: every target is kept as written, one label type for the pooled model.
    assert {v for v in y[:, 1] if v is not None} == {"yes", "no"}
    assert {v for v in y[:, 0] if v is not None} == {"0", "1"}
    numbers = read_csv(_write(tmp_path, edit=lambda c: c.pop("risk")), None, ["smokes", "grade"])[1]
    assert {type(v) for v in numbers.ravel() if v is not None} == {int}  # numbers stay numbers


def _one_target(c):
    """No empty cell in 'smokes', a task column, and no other target (it would be a feature)."""
    c.update(smokes=[v or "1" for v in c["smokes"]], site=["a", "b"] * 30)
    del c["risk"], c["grade"]


def test_one_target_reads_as_before(tmp_path):
    path = _write(tmp_path, edit=_one_target)
    by_name, in_a_list = read_csv(path, "site", "smokes"), read_csv(path, "site", ["smokes"])
    for a, b in zip(by_name, in_a_list):
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def runs(monkeypatch):
    """Stands in for the cross-validation: records its arguments, runs nothing."""
    calls = []

    def record(estimator, X, y, **kwargs):
        calls.append((y, kwargs))
        raise RuntimeError("the cross-validation started")

    monkeypatch.setattr(skmtl.model_selection, "compare_with_single_task", record)
    return calls


def _run(capsys, path, *options):
    status = main(["compare", str(path), *map(str, options)])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert status != 0 and len(lines) == 1 and lines[0].startswith("skmtl compare: error: "), lines
    return lines[0]


def test_the_wide_y_reaches_the_comparison_with_the_targets_as_task_ids(tmp_path, capsys, runs, monkeypatch):
    pd = pytest.importorskip("pandas")
    assert "the cross-validation started" in _run(capsys, _write(tmp_path), *TARGETS, "--scoring", "accuracy")
    monkeypatch.setitem(sys.modules, "pandas", None)  # pandas is optional
    assert "the cross-validation started" in _run(capsys, _write(tmp_path), *TARGETS)
    (frame, kwargs), (array, _) = runs
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["smokes", "risk", "grade"]
    assert kwargs["tasks"] is None and kwargs["scoring"] == "accuracy"
    assert isinstance(array, np.ndarray) and array.shape == (60, 3)
    present = np.array([[v is not None for v in row] for row in array])
    np.testing.assert_array_equal(frame.notna().to_numpy(), present)
    np.testing.assert_array_equal(frame.to_numpy()[present], array[present])


def test_a_target_too_small_for_the_folds_is_named(tmp_path, capsys):
    pytest.importorskip("pandas")
    path = _write(tmp_path, edit=lambda c: c.update(grade=["0", "1", "0", "1"] + [""] * 56))
    line = _run(capsys, path, *TARGETS, "--cv", "5")  # refused by the folds, before any fit
    assert "Task(s) 'grade' have fewer labelled rows (4) than the 5 folds" in line


def _no_labels(c):
    c["grade"] = [""] * len(c["grade"])


def _one_class(c):
    c["grade"] = [v and "1" for v in c["grade"]]


def _regression(c):
    c["grade"] = [v and f"{0.37 * i:.2f}" for i, v in enumerate(c["grade"])]


def _not_a_number(c):
    c["grade"] = ["" if i < 2 else "nan" if i == 2 else v for i, v in enumerate(c["grade"])]


def _three_classes(c):
    c["grade"] = [v and str(i % 3) for i, v in enumerate(c["grade"])]


@pytest.mark.parametrize(
    "edit, options, message",
    [
        (None, ["--task-column", "f0"], "several --target columns are the wide form"),
        (None, ["--target", "smokes"], "--target 'smokes' is given twice"),
        (None, ["--target", "absent"], "--target 'absent' is not a column"),
        (_no_labels, [], "the target 'grade' has no labels (every cell is empty)"),
        (_one_class, [], "the target 'grade' has a single class (1)"),
        (_regression, [], "the target 'grade' looks like a regression target"),
        (_not_a_number, [], "the target 'grade' has the value 'nan' on line 4"),
        (_three_classes, ["--scoring", "roc_auc"], "needs two classes, but the target 'grade' has 3"),
        (None, ["--scoring", "f1"], "positive class of the target 'smokes' (labels: 0, 1)"),
        (None, ["--scoring", "f1", "--pos-label", "1"], "--pos-label '1' is not a label of the target 'risk'"),
    ],
)
def test_bad_wide_input_is_one_line_before_the_run(tmp_path, capsys, runs, edit, options, message):
    line = _run(capsys, _write(tmp_path, edit=edit), *TARGETS, *options)
    assert message in line and not runs


def test_help_explains_several_targets():
    from skmtl._cli import _parser

    text = _parser()._subparsers._group_actions[0].choices["compare"].format_help()
    assert "repeat it for several targets" in text and "an empty cell is a missing label" in text
