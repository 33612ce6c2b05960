"""Multi-task against single-task: baselines, task-aware folds, the comparison."""

from ._baselines import IndependentTaskClassifier, IndependentTaskRegressor, PooledTaskClassifier, PooledTaskRegressor
from ._compare import compare_with_single_task
from ._result import ComparisonResult
from ._split import TaskStratifiedKFold

__all__ = [
    "ComparisonResult",
    "IndependentTaskClassifier",
    "IndependentTaskRegressor",
    "PooledTaskClassifier",
    "PooledTaskRegressor",
    "TaskStratifiedKFold",
    "compare_with_single_task",
]
