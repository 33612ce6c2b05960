"""Input kernels k(x, z), computed fast and within memory.

The multi-task kernel is ``Omega[s, t] * k(x, z)``; this module computes the
``k`` part. The Gram matrix is the largest object a kernel SVM holds, so it is
built in row blocks, in place, on a couple of threads (NumPy's ufuncs release
the GIL), and never allocated without first checking that it fits in memory
(:mod:`skmtl._memory`). A sparse input stays sparse: each block is a sparse
dot product. Values that overflow float64 (a non-finite Gram matrix, or a
gamma='scale' that overflows or underflows) are a ValueError naming the cause,
where SVC fits NaN or a constant model.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .._memory import check_memory, format_bytes

KERNELS = ("linear", "poly", "rbf", "sigmoid")
_BLOCK_ROWS = 256
# Results of at least this many values are computed on threads; smaller
# ones in the calling thread (a pool costs more than it saves on them).
PARALLEL_VALUES = 1 << 20

GRAM_ADVICE = (
    "Pass n_components=500 (or another number of Nyström landmarks) to approximate "
    "the kernel in memory linear in the rows, use MultiTaskLinearSVC for a linear "
    "kernel, or fit on fewer rows (a stratified subsample per task)."
)


def gram_bytes(n_rows: int, n_cols: int) -> int:
    """Bytes of an ``n_rows x n_cols`` float64 Gram matrix."""
    return 8 * int(n_rows) * int(n_cols)


def check_gram_memory(n_rows: int, n_cols: int, *, what: str = "training",
                      extra_bytes: int = 0, extra_what: str = "",
                      advice: str = GRAM_ADVICE) -> None:
    """Raise MemoryError before allocating a Gram matrix that would not fit.

    ``extra_bytes`` are other allocations live at the same time as the Gram
    matrix (described by ``extra_what``, e.g. "the probability calibration's
    per-fold copies of it (1.2 GiB)"); the check is on the sum.
    """
    gram = gram_bytes(n_rows, n_cols)
    subject = f"{what} Gram matrix ({n_rows} x {n_cols} float64 = {format_bytes(gram)})"
    if extra_bytes:
        subject += f" and {extra_what}"
    check_memory(gram + int(extra_bytes), subject, advice)


def _max_abs(X) -> float:
    if sp.issparse(X):
        return float(abs(X.data).max()) if X.nnz else 0.0
    return float(np.abs(X).max()) if X.size else 0.0


def _is_constant(X) -> bool:
    """Whether every entry of X (implicit zeros of a sparse X included) is the same."""
    if sp.issparse(X):
        values = X.data
        if X.nnz < X.shape[0] * X.shape[1]:
            return not np.any(values)  # implicit zeros: constant only if all zero
        return values.min() == values.max()
    return X.min() == X.max()


def resolve_gamma(gamma, X) -> float:
    """The numeric gamma for 'scale', 'auto' or a number, as in sklearn.svm.SVC.

    For 'scale', ``1 / (n_features * X.var())``, with the variance of a sparse
    X computed as SVC does (``E[X**2] - E[X]**2``). Data whose variance
    overflows or underflows float64 would give a non-finite or meaningless
    gamma (and SVC a model of NaN or a constant model): a ValueError says so.
    """
    if gamma == "scale":
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            if sp.issparse(X):
                mean_square = X.multiply(X).mean()
                variance = mean_square - X.mean() ** 2
                squares_underflow = mean_square == 0
            else:
                variance = X.var()
                squares_underflow = True  # a two-pass variance of 0 on varying data
        if not np.isfinite(variance):
            raise ValueError(
                "gamma='scale' is 1 / (n_features * X.var()), and X.var() overflows "
                f"float64 (the largest |X| value is {_max_abs(X):.3g}): the input data "
                "contain large values and need to be preprocessed; scale the features "
                "(e.g. with StandardScaler) before fitting."
            )
        if variance == 0:
            if squares_underflow and not _is_constant(X):
                raise ValueError(
                    "gamma='scale' is 1 / (n_features * X.var()), but X.var() underflows "
                    f"to 0: the features are so small (the largest |X| value is "
                    f"{_max_abs(X):.3g}) that their squares underflow float64, which "
                    "would give gamma=1.0 and a constant model; scale the features "
                    "(e.g. with StandardScaler) before fitting."
                )
            return 1.0  # constant features, as SVC
        with np.errstate(over="ignore", divide="ignore"):
            value = 1.0 / (X.shape[1] * variance)
        if not np.isfinite(value):
            raise ValueError(
                f"gamma='scale' is 1 / (n_features * X.var()), and X.var() = {variance:.3g} "
                f"is so small that gamma overflows float64: the features are so small "
                f"(the largest |X| value is {_max_abs(X):.3g}) that their variance "
                "underflows; scale the features (e.g. with StandardScaler) before fitting."
            )
        return float(value)
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


_FORMULAS = {
    "linear": "<x, z>",
    "rbf": "exp(-gamma |x - z|^2) (through gamma <x, x>, gamma <x, z> and gamma <z, z>)",
    "poly": "(gamma <x, z> + coef0)^degree",
    "sigmoid": "tanh(gamma <x, z> + coef0)",
}


def _non_finite_kernel_error(X, Z, kernel, gamma, degree, coef0) -> ValueError:
    if callable(kernel):
        return ValueError(
            "The callable kernel returned NaN or infinite values; it must return a "
            "finite Gram matrix (scale the features if its values overflow)."
        )
    params = {"linear": "", "rbf": f"gamma={gamma:.3g}; ",
              "poly": f"degree={degree}, gamma={gamma:.3g}, coef0={coef0:.3g}; ",
              "sigmoid": f"gamma={gamma:.3g}, coef0={coef0:.3g}; "}[kernel]
    fix = ", or lower degree, gamma or coef0" if kernel == "poly" else ""
    return ValueError(
        f"The {kernel!r} kernel gave infinite or NaN values: {_FORMULAS[kernel]} "
        f"overflows float64 ({params}the largest |x| value is "
        f"{max(_max_abs(X), _max_abs(Z)):.3g}). The input data may contain large values "
        f"and need to be preprocessed: scale the features (e.g. with StandardScaler){fix}."
    )


def check_kernel_not_underflowed(K, X, kernel) -> None:
    """Refuse a training Gram matrix of zeros from features that are not all zero.

    With features so small that their products underflow float64 (|x| near
    1e-308), a dot-product kernel is 0 everywhere and the model a constant.
    """
    if K.size and not K.any() and _max_abs(X) > 0:
        raise ValueError(
            f"The {kernel!r} kernel is 0 for every pair of training rows although X is "
            f"not: the features are so small (the largest |X| value is {_max_abs(X):.3g}) "
            "that their products underflow float64, which would give a constant model; "
            "scale the features (e.g. with StandardScaler) before fitting."
        )


def _squared_norms(X) -> np.ndarray:
    if sp.issparse(X):
        return np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
    return np.einsum("ij,ij->i", X, X)


def input_kernel(X, Z, *, kernel, gamma: float, degree: int, coef0: float) -> np.ndarray:
    """The Gram matrix ``k(X[i], Z[j])`` as a C-contiguous float64 array.

    Either input may be a scipy.sparse matrix: the dot products are then
    sparse products, one block of rows at a time, so a sparse input is never
    densified as a whole (only the Gram matrix itself is dense).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_x, n_features)
    Z : ndarray or sparse matrix of shape (n_z, n_features)
    kernel : {'linear', 'poly', 'rbf', 'sigmoid'} or callable
        A callable gets ``(X, Z)`` and returns the ``(n_x, n_z)`` Gram matrix.
    gamma, degree, coef0 : float, int, float
        As in :class:`sklearn.svm.SVC`.

    Raises
    ------
    ValueError
        When the Gram matrix is not finite (values too large for float64).

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
        K = kernel(X, Z)
        K = K.toarray() if sp.issparse(K) else K
        K = np.asarray(K, dtype=np.float64)
        if K.shape != (X.shape[0], Z.shape[0]):
            raise ValueError(
                f"The callable kernel returned shape {K.shape}; expected "
                f"({X.shape[0]}, {Z.shape[0]}) for inputs of {X.shape[0]} and "
                f"{Z.shape[0]} rows."
            )
        if not np.all(np.isfinite(K)):
            raise _non_finite_kernel_error(X, Z, kernel, gamma, degree, coef0)
        return np.ascontiguousarray(K)

    x_sparse, z_sparse = sp.issparse(X), sp.issparse(Z)
    if x_sparse:
        X = X.tocsr()  # row blocks
    if z_sparse:
        Z_T = Z.T.tocsr() if x_sparse else Z.tocsr()
    K = np.empty((X.shape[0], Z.shape[0]))
    if kernel == "rbf":
        with np.errstate(over="ignore", invalid="ignore"):
            half_x = gamma * _squared_norms(X)
            half_z = gamma * _squared_norms(Z)
    finite = []
    bounded = kernel in ("rbf", "sigmoid")

    def dot(start: int, stop: int, block: np.ndarray) -> None:
        if x_sparse and z_sparse:
            (X[start:stop] @ Z_T).toarray(out=block)
        elif x_sparse:
            block[...] = X[start:stop] @ Z.T
        elif z_sparse:
            block[...] = (Z_T @ X[start:stop].T).T
        else:
            np.dot(X[start:stop], Z.T, out=block)

    def fill(start: int) -> None:
        stop = min(start + _BLOCK_ROWS, X.shape[0])
        block = K[start:stop]
        with np.errstate(over="ignore", invalid="ignore"):
            dot(start, stop, block)
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
        # max and min propagate NaN, without a temporary; exp and tanh are
        # bounded above and below, so max alone finds their NaNs.
        ok = block.size == 0 or (
            np.isfinite(block.max()) and (bounded or np.isfinite(block.min()))
        )
        finite.append(bool(ok))

    map_row_blocks(fill, X.shape[0], _BLOCK_ROWS, X.shape[0] * Z.shape[0] >= PARALLEL_VALUES)
    if not all(finite):
        raise _non_finite_kernel_error(X, Z, kernel, gamma, degree, coef0)
    return K


def map_row_blocks(fill, n_rows: int, block_rows: int, parallel: bool = True) -> None:
    """Call ``fill(start)`` for each block of rows, on a few threads if ``parallel``.

    ``fill`` computes rows ``start:start + block_rows`` of some result in
    place; NumPy and BLAS release the GIL, so the threads use every core.
    """
    starts = range(0, n_rows, block_rows)
    if not parallel:
        for start in starts:
            fill(start)
        return
    # The threads share the cores; BLAS threads of their own on top
    # oversubscribed them (a 200,000 x 500 RBF block took 5-14 s with
    # NumPy's default threads against 0.9-1.1 s with one per thread).
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(
        max_workers=min(8, os.cpu_count() or 1)
    ) as pool:
        list(pool.map(fill, starts))
