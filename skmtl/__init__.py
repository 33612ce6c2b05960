"""skmtl: multi-task learning as scikit-learn estimators."""

from ._version import __version__
from .linear_model import MultiTaskLinearSVC, MultiTaskLogisticRegression
from .model_selection import IndependentTaskClassifier, PooledTaskClassifier, compare_with_single_task
from .nn import SharedCNNClassifier, SharedMLPClassifier, SharedRNNClassifier
from .svm import MultiTaskKernelSVC

__all__ = [
    "IndependentTaskClassifier",
    "MultiTaskKernelSVC",
    "MultiTaskLinearSVC",
    "MultiTaskLogisticRegression",
    "PooledTaskClassifier",
    "SharedCNNClassifier",
    "SharedMLPClassifier",
    "SharedRNNClassifier",
    "compare_with_single_task",
    "__version__",
]
