"""The README's code runs as written, and so does the example it points to."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


@pytest.mark.slow
def test_quickstart_example_runs():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    assert "learned Omega" in out and "independent (rho=0)" in out


def test_keras_two_task_example_runs():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "keras_two_tasks.py")],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    accuracies = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines() if line.startswith("test accuracy")]
    assert len(accuracies) == 2 and min(accuracies) > 0.9
    assert "first test image: digit 2, parity even" in out  # the wide form's answer, one row per image


def test_keras_conv_two_inputs_example_runs():
    # --quick: 512 training pairs, 5 epochs; about 6-8 s on the 2-core machine. One BLAS
    # thread: on a shared 2-core machine two OpenBLAS threads beside another busy
    # process made the same run 8x slower (57 s), with the same accuracies.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "keras_conv_two_inputs.py"), "--quick"],
        capture_output=True, text=True, timeout=300, check=True, env=env,
    ).stdout
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
