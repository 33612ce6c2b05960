"""skmtl: multi-task learning as scikit-learn estimators."""

from ._version import __version__
from .svm import MultiTaskKernelSVC

__all__ = ["MultiTaskKernelSVC", "__version__"]
