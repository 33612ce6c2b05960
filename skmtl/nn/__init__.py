"""Parameter-sharing neural estimators, on a small NumPy autograd engine."""

from ._mlp import SharedMLPClassifier

__all__ = ["SharedMLPClassifier"]
