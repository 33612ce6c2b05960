"""Input kernels k(x, z), computed fast and within memory.

The multi-task kernel is ``Omega[s, t] * k(x, z)``; this module computes the
``k`` part. The Gram matrix is the largest object a kernel SVM holds, so it is
built in row blocks, in place, on a couple of threads (NumPy's ufuncs release
the GIL), and never allocated without first checking that it fits in memory.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

KERNELS = ("linear", "poly", "rbf", "sigmoid")
_BLOCK_ROWS = 256


def available_memory() -> int | None:
    """Bytes of memory available to this process now, or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB"


def check_gram_memory(n_rows: int, n_cols: int, *, what: str = "training") -> None:
    """Raise MemoryError before allocating a Gram matrix that would not fit."""
    needed = 8 * n_rows * n_cols
    available = available_memory()
    if available is not None and needed > 0.9 * available:
        raise MemoryError(
            f"The {what} Gram matrix would be {n_rows} x {n_cols} float64 = "
            f"{_gib(needed)}, but only {_gib(available)} of memory is available. "
            "Fit on fewer rows (a stratified subsample per task), split the tasks into "
            "groups fitted separately, or use a linear model for data this large."
        )


def resolve_gamma(gamma, X: np.ndarray) -> float:
    """The numeric gamma for 'scale', 'auto' or a number, as in sklearn.svm.SVC."""
    if gamma == "scale":
        variance = X.var()
        return 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


def input_kernel(X, Z, *, kernel, gamma: float, degree: int, coef0: float) -> np.ndarray:
    """The Gram matrix ``k(X[i], Z[j])`` as a C-contiguous float64 array.

    Parameters
    ----------
    X : ndarray of shape (n_x, n_features)
    Z : ndarray of shape (n_z, n_features)
    kernel : {'linear', 'poly', 'rbf', 'sigmoid'} or callable
        A callable gets ``(X, Z)`` and returns the ``(n_x, n_z)`` Gram matrix.
    gamma, degree, coef0 : float, int, float
        As in :class:`sklearn.svm.SVC`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.svm._kernels import input_kernel
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> input_kernel(X, X, kernel="rbf", gamma=1.0, degree=3, coef0=0.0).round(3)
    array([[1.   , 0.368],
           [0.368, 1.   ]])
    """
    if callable(kernel):
        K = np.asarray(kernel(X, Z), dtype=np.float64)
        if K.shape != (X.shape[0], Z.shape[0]):
            raise ValueError(
                f"The callable kernel returned shape {K.shape}; expected "
                f"({X.shape[0]}, {Z.shape[0]}) for inputs of {X.shape[0]} and "
                f"{Z.shape[0]} rows."
            )
        if not np.all(np.isfinite(K)):
            raise ValueError("The callable kernel returned NaN or infinite values.")
        return np.ascontiguousarray(K)

    K = np.empty((X.shape[0], Z.shape[0]))
    if kernel == "rbf":
        half_x = gamma * np.einsum("ij,ij->i", X, X)
        half_z = gamma * np.einsum("ij,ij->i", Z, Z)

    def fill(start: int) -> None:
        stop = min(start + _BLOCK_ROWS, X.shape[0])
        block = K[start:stop]
        np.dot(X[start:stop], Z.T, out=block)
        if kernel == "rbf":
            # exp(-gamma |x - z|^2), expanded so the heavy part is one matmul;
            # the clip removes tiny positive exponents left by rounding.
            block *= 2.0 * gamma
            block -= half_x[start:stop, None]
            block -= half_z
            np.minimum(block, 0.0, out=block)
            np.exp(block, out=block)
        elif kernel == "poly":
            block *= gamma
            block += coef0
            np.power(block, degree, out=block)
        elif kernel == "sigmoid":
            block *= gamma
            block += coef0
            np.tanh(block, out=block)

    starts = range(0, X.shape[0], _BLOCK_ROWS)
    if X.shape[0] * Z.shape[0] >= 1 << 20:
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            list(pool.map(fill, starts))
    else:
        for start in starts:
            fill(start)
    return K
