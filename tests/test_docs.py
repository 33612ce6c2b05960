"""The README's code runs as written, the examples run, and the gallery's scripts are well formed.

Each example runs as ``python examples/NAME.py ARGS`` runs it (as ``__main__``,
with ``sys.argv`` set), in this process: a new interpreter would add 2-3 s
each, mostly importing scikit-learn, and check nothing more.
"""

import ast
import re
import runpy
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]


def _run_example(name, *args, capsys, monkeypatch):
    """What ``python examples/NAME ARGS`` prints; an error in the example fails the test.

    Gallery examples draw with matplotlib: they run on the Agg backend (no
    window) and their figures are closed afterwards.
    """
    path = ROOT / "examples" / name
    if name.startswith("plot_"):
        plt = pytest.importorskip("matplotlib.pyplot", reason="the gallery examples draw with matplotlib")
        plt.switch_backend("Agg")
    monkeypatch.setattr(sys, "argv", [str(path), *args])
    capsys.readouterr()  # only the example's output
    try:
        runpy.run_path(str(path), run_name="__main__")
        if name.startswith("plot_"):
            assert plt.get_fignums(), f"{name} drew no figure; the gallery shows an example's figures"
    finally:
        if name.startswith("plot_"):
            plt.close("all")
    return capsys.readouterr().out


def test_readme_python_blocks_run():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


@pytest.mark.slow
def test_quickstart_example_runs(capsys, monkeypatch):
    out = _run_example("quickstart.py", capsys=capsys, monkeypatch=monkeypatch)
    assert "learned Omega" in out and "independent (rho=0)" in out


def test_keras_two_task_example_runs(capsys, monkeypatch):
    out = _run_example("plot_keras_two_tasks.py", capsys=capsys, monkeypatch=monkeypatch)
    accuracies = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines() if line.startswith("test accuracy")]
    assert len(accuracies) == 2 and min(accuracies) > 0.9
    assert "first test image: digit 2, parity even" in out  # the wide form's answer, one row per image


def test_keras_conv_two_inputs_example_runs(capsys, monkeypatch):
    # The gallery's short run (512 training pairs, 5 epochs; --full is longer): about
    # 6-8 s on the 2-core machine. One BLAS thread: on a shared 2-core machine two
    # OpenBLAS threads beside another busy process made the same run 8x slower
    # (57 s), with the same accuracies.
    with threadpool_limits(limits=1):  # as OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1
        out = _run_example("plot_keras_conv.py", capsys=capsys, monkeypatch=monkeypatch)
    accuracy = {}
    for line in out.splitlines():
        if line.startswith("test accuracy"):  # "test accuracy, <model>, <task>: <value>"
            _, model, task = line.rsplit(":", 1)[0].split(", ")
            accuracy[model, task] = float(line.rsplit(" ", 1)[1])
    models = {"shared CNN", "one CNN per task", "shared MLP on pixels"}
    assert set(accuracy) == {(model, task) for model in models for task in ("digit_1", "digit_2")}
    # measured: shared CNN 0.807 and 0.836, one CNN per task 0.910 and 0.920, MLP 0.818 and 0.869
    assert min(accuracy["shared CNN", task] for task in ("digit_1", "digit_2")) > 0.7
    assert min(accuracy.values()) > 0.6  # chance is 0.1
    assert "first test pair: digits" in out


GALLERY = sorted((ROOT / "examples").glob("plot_*.py"))


@pytest.mark.parametrize("path", GALLERY, ids=lambda path: path.name)
def test_gallery_example_is_a_sphinx_gallery_script(path):
    # What the docs build needs of each gallery script, checked without building it: a
    # docstring that opens with an RST title underlined with "=" (the page's title), then
    # a paragraph; prose cells after it; and generated data only.
    source = path.read_text()
    lines = ast.get_docstring(ast.parse(source), clean=True).splitlines()
    title, underline = lines[0], lines[1]
    assert title.strip() and underline == "=" * len(title), f"{path.name}: no title underlined with '='"
    assert len(lines) > 3 and lines[2] == "" and lines[3].strip(), f"{path.name}: no paragraph after the title"
    assert re.search(r"^# %%\n# \S", source, flags=re.M), f"{path.name}: no '# %%' cell of prose"
    assert "shared/data" not in source, f"{path.name} reads the project's data; the gallery uses generated data"
