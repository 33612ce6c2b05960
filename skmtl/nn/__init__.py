"""Parameter-sharing neural estimators, on a small NumPy autograd engine."""

from ._cnn import SharedCNNClassifier
from ._mlp import SharedMLPClassifier
from ._rnn import SharedRNNClassifier

__all__ = ["SharedCNNClassifier", "SharedMLPClassifier", "SharedRNNClassifier"]
