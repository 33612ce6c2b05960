import runpy
import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture
def two_tasks():
    """Two tasks with opposite decision rules: a task-blind model scores about 0.5."""
    rng = np.random.RandomState(0)
    X = rng.randn(160, 3)
    tasks = np.repeat(np.array(["north", "south"]), 80)
    y = np.where(X[:, 0] * np.where(tasks == "north", 1, -1) > 0, "yes", "no")
    return X, y, tasks


@pytest.fixture
def skmtl_command(capsys, monkeypatch):
    """``skmtl(*args)``: ``python -m skmtl ARGS`` run in this process, as a CompletedProcess.

    skmtl/__main__.py runs as ``python -m`` runs it (runpy, ``sys.argv`` set,
    ``sys.exit`` caught for the exit status), with stdout and stderr captured;
    only the new interpreter is left out (2-3 s each, mostly importing
    scikit-learn). test_cli.py keeps one run of the installed console script
    in a subprocess.
    """

    def skmtl(*args):
        argv = ["skmtl", *map(str, args)]
        monkeypatch.setattr(sys, "argv", argv)
        capsys.readouterr()  # only the command's output
        try:
            runpy.run_module("skmtl", run_name="__main__")
            status = 0
        except SystemExit as exc:
            status = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        finally:
            if "matplotlib.pyplot" in sys.modules:  # --plot: the process would end here, its figures with it
                sys.modules["matplotlib.pyplot"].close("all")
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, status, out, err)

    return skmtl
