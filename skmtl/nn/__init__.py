"""Parameter-sharing neural estimators, on a small NumPy autograd engine."""

from ._cnn import SharedCNNClassifier, SharedCNNRegressor
from ._mlp import SharedMLPClassifier, SharedMLPRegressor
from ._rnn import SharedRNNClassifier, SharedRNNRegressor

__all__ = [
    "SharedCNNClassifier",
    "SharedCNNRegressor",
    "SharedMLPClassifier",
    "SharedMLPRegressor",
    "SharedRNNClassifier",
    "SharedRNNRegressor",
]
