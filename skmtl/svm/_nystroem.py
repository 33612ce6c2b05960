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

from ._kernels import PARALLEL_VALUES, map_row_blocks

# Eigenvalues of k(Z, Z) below this fraction of the largest are dropped: their
# directions would be scaled by up to 1/sqrt(rtol) (1e4), badly conditioning
# the solver for a part of the kernel that the landmarks hardly see.
_RTOL = 1e-8


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
