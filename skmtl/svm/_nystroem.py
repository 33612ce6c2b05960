"""Nyström features: an m-dimensional map whose inner products approximate the input kernel.

With m landmark rows ``Z`` and the eigendecomposition ``k(Z, Z) = U S U'``,
the features of a row x are ``phi(x) = k(x, Z) U S^(-1/2)``, so that
``phi(x)'phi(z) = k(x, Z) k(Z, Z)^+ k(Z, z)`` (Williams & Seeger 2001; what
:class:`sklearn.kernel_approximation.Nystroem` computes). The multi-task
kernel ``Omega[s, t] k(x, z)`` then becomes the linear one on ``phi``, which
the primal linear solver fits in time linear in the number of rows.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ._kernels import PARALLEL_VALUES, map_row_blocks

# Eigenvalues of k(Z, Z) below this fraction of the largest are dropped: their
# directions would be scaled by up to 1/sqrt(rtol) (1e4), badly conditioning
# the solver for a part of the kernel that the landmarks hardly see.
_RTOL = 1e-8


def draw_landmarks(X, keep, n_components: int, random_state) -> np.ndarray:
    """Sorted indices of ``n_components`` landmark rows of X, drawn with ``random_state``.

    They are drawn without replacement from :func:`distinct_rows` of the
    rows where ``keep`` is True (those of positive weight), all of them where
    there are at most ``n_components``. A ``RandomState`` instance is drawn
    from as it stands, so that a caller can go on drawing from it.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [1.0], [2.0], [3.0]])
    >>> draw_landmarks(X, np.array([True, True, True, True, False]), 5, 0)
    array([0, 1, 3])
    """
    if not np.any(keep):
        # Nothing to fit (every row's cost is 0, e.g. class weights of 0): the model is
        # zero whatever the landmarks, and any rows let it be stated.
        keep = np.ones(X.shape[0], dtype=bool)
    candidates = distinct_rows(X, keep)
    m = min(n_components, len(candidates))
    rng = check_random_state(random_state)
    return np.sort(candidates[rng.choice(len(candidates), m, replace=False)])


def distinct_rows(X, keep) -> np.ndarray:
    """Indices of the distinct rows of X among those where ``keep`` is True, in a canonical order.

    The Nyström landmarks are drawn from them: a repeated row would be a
    wasted landmark, and a row of weight 0 is a removed one, so a model
    fitted on rows repeated (or removed) is the one fitted with the
    equivalent integer weights. The order is that of a fixed random
    projection of the rows, which depends on their values only, so
    ``random_state`` draws the same landmarks either way, and for a dense X
    and its sparse twin. (A sparse X's rows are told apart by that projection
    alone: a rare tie or miss only costs a landmark's distinctness.)

    Examples
    --------
    >>> distinct_rows(np.array([[1.0], [0.0], [1.0], [2.0]]), np.array([True, True, True, False]))
    array([1, 0])
    """
    rows = np.flatnonzero(keep)
    if not sp.issparse(X):
        rows = rows[np.unique(X[rows], axis=0, return_index=True)[1]]
    # The same order for a dense X and its sparse twin: distinct rows' projections differ.
    key = np.asarray(X[rows] @ np.random.RandomState(0).uniform(1.0, 2.0, X.shape[1])).ravel()
    return rows[np.unique(key, return_index=True)[1]]


def nystroem_projection(K_landmarks: np.ndarray) -> np.ndarray:
    """``U S^(-1/2)`` of shape (m, m') from the landmarks' Gram matrix, m' its numerical rank.

    Examples
    --------
    >>> import numpy as np
    >>> nystroem_projection(np.array([[4.0, 0.0], [0.0, 1e-12]]))
    array([[0.5],
           [0. ]])
    """
    eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (K_landmarks + K_landmarks.T))
    keep = eigenvalues > _RTOL * max(eigenvalues[-1], 0.0)
    return eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])


def nystroem_features(X, landmarks, projection: np.ndarray, kernel) -> np.ndarray:
    """``kernel(X, landmarks) @ projection`` in float32, one block of rows at a time.

    ``kernel(A, B)`` returns the input Gram matrix; only a block of
    ``k(X, landmarks)`` per thread is alive at once besides the (n, m') result. The
    features are stored in float32, half the memory (1e6 rows of 500 take
    2 GB): an approximation of the kernel loses nothing to their rounding
    (1e-7 relative), and the solver accumulates its weights in float64.
    """
    n, m = X.shape[0], projection.shape[0]
    features = np.empty((n, projection.shape[1]), dtype=np.float32)
    # Blocks small enough that ``kernel`` computes each in its own thread
    # (below PARALLEL_VALUES): the blocks, projection included, are shared
    # out over the threads here.
    step = max(1, min(1024, (PARALLEL_VALUES - 1) // max(m, 1)))

    def fill(start):
        stop = min(start + step, n)
        features[start:stop] = kernel(X[start:stop], landmarks) @ projection

    map_row_blocks(fill, n, step, n * m >= PARALLEL_VALUES)
    return features
