"""Parameter-sharing neural estimators, on a small NumPy autograd engine."""

from ._mlp import SharedMLPClassifier
from ._rnn import SharedRNNClassifier

__all__ = ["SharedMLPClassifier", "SharedRNNClassifier"]
