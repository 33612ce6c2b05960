"""skmtl: multi-task learning as scikit-learn estimators."""

from ._version import __version__
from .linear_model import MultiTaskLinearSVC, MultiTaskLinearSVR, MultiTaskLogisticRegression, MultiTaskRidge
from .model_selection import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
    compare_with_single_task,
)
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
    "IndependentTaskRegressor",
    "MultiTaskKernelRidge",
    "MultiTaskKernelSVC",
    "MultiTaskKernelSVR",
    "MultiTaskLinearSVC",
    "MultiTaskLinearSVR",
    "MultiTaskLogisticRegression",
    "MultiTaskRidge",
    "PooledTaskClassifier",
    "PooledTaskRegressor",
    "SharedCNNClassifier",
    "SharedCNNRegressor",
    "SharedMLPClassifier",
    "SharedMLPRegressor",
    "SharedRNNClassifier",
    "SharedRNNRegressor",
    "compare_with_single_task",
    "__version__",
]
