"""skmtl: multi-task learning as scikit-learn estimators."""

from ._version import __version__
from .linear_model import MultiTaskLinearSVC, MultiTaskLogisticRegression
from .model_selection import IndependentTaskClassifier, PooledTaskClassifier, compare_with_single_task
from .nn import (
    SharedCNNClassifier,
    SharedCNNRegressor,
    SharedMLPClassifier,
    SharedMLPRegressor,
    SharedRNNClassifier,
    SharedRNNRegressor,
)
from .svm import MultiTaskKernelRidge, MultiTaskKernelSVC, MultiTaskKernelSVR

__all__ = [
    "IndependentTaskClassifier",
    "MultiTaskKernelRidge",
    "MultiTaskKernelSVC",
    "MultiTaskKernelSVR",
    "MultiTaskLinearSVC",
    "MultiTaskLogisticRegression",
    "PooledTaskClassifier",
    "SharedCNNClassifier",
    "SharedCNNRegressor",
    "SharedMLPClassifier",
    "SharedMLPRegressor",
    "SharedRNNClassifier",
    "SharedRNNRegressor",
    "compare_with_single_task",
    "__version__",
]
