"""The README's code runs as written, and so does the example it points to."""

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
