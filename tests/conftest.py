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
