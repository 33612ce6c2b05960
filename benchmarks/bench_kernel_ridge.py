"""MultiTaskKernelRidge on a wide y against a direct solve of the nT x nT system.

Every row of X is shared by the T tasks and every target is present (the wide
form, complete), so the dual system is ``(Omega ⊗ K + alpha I) vec(C) =
vec(Y)``. The baseline is what a user would write without skmtl: build that
nT x nT matrix with ``np.kron`` and solve it by Cholesky (SciPy). skmtl's
Kronecker route decomposes the n x n Gram matrix and the T x T Omega instead.
Both sides compute the input Gram matrix with the same function, run on one
BLAS thread, and are timed end to end (Gram matrix included); each figure is
the median of interleaved repeats, and the largest difference between the two
sides' dual coefficients shows that they solve the same system.

Sizes whose direct system would not fit in memory (or above ``--direct-max``
entries) are timed for skmtl only.

Usage: python benchmarks/bench_kernel_ridge.py [--repeats 3] [--sizes 1000x10 2000x10 ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg as la
from threadpoolctl import threadpool_limits

from skmtl import MultiTaskKernelRidge
from skmtl._memory import available_memory, format_bytes
from skmtl._similarity import similarity_from_rho
from skmtl.svm._kernels import input_kernel

N_FEATURES, GAMMA, ALPHA, RHO = 10, 0.1, 1.0, 0.5


def problem_data(n, n_tasks, seed=0):
    """Rows shared by every task; task t's target is a task-specific mix of two smooth functions."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, N_FEATURES)
    mix = rng.uniform(0.5, 1.5, (2, n_tasks))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]]) @ mix + 0.1 * rng.randn(n, n_tasks)
    return X, Y


def fit_skmtl(X, Y):
    model = MultiTaskKernelRidge(alpha=ALPHA, kernel="rbf", gamma=GAMMA, task_similarity=RHO)
    return model.fit(X, Y).dual_coef_


def fit_direct(X, Y):
    """The nT x nT system, built and factorised whole; dual coefficients as an n x T matrix."""
    n, n_tasks = Y.shape
    K = input_kernel(X, X, kernel="rbf", gamma=GAMMA, degree=3, coef0=1.0)
    G = np.kron(similarity_from_rho(RHO, n_tasks), K)  # vec() stacks columns: entry (i, t) is t n + i
    del K
    G.flat[:: n * n_tasks + 1] += ALPHA
    factor = la.cho_factor(G, lower=True, overwrite_a=True, check_finite=False)
    return la.cho_solve(factor, Y.T.ravel(), check_finite=False).reshape(n_tasks, n).T


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def parse_size(text):
    n, n_tasks = text.lower().split("x")
    return int(n), int(n_tasks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=parse_size, nargs="+",
                        default=[(1000, 10), (1000, 20), (2000, 10), (4000, 10), (4000, 50)],
                        help="n x T pairs, e.g. 1000x10")
    parser.add_argument("--direct-max", type=int, default=20000,
                        help="largest nT for which to time the direct solve (its matrix is 8 (nT)^2 bytes)")
    args = parser.parse_args()

    print(f"rbf kernel (gamma={GAMMA}), {N_FEATURES} features, Omega = (1 - rho) I + rho 11' with rho={RHO}, "
          f"alpha={ALPHA}; one BLAS thread; median of {args.repeats} interleaved runs.\n")
    print("| n | T | nT | skmtl (Kronecker) | direct nT x nT Cholesky | speed-up | max |C - C_direct| "
          "| direct's matrix |")
    print("|---|---|---|---|---|---|---|---|")
    for n, n_tasks in args.sizes:
        X, Y = problem_data(n, n_tasks)
        size = n * n_tasks
        direct_bytes = 8 * size * size
        free = available_memory()
        run_direct = size <= args.direct_max and (free is None or direct_bytes < 0.7 * free)
        ours, theirs = [], []
        with threadpool_limits(1, user_api="blas"):
            for _ in range(args.repeats):
                seconds, coef = timed(fit_skmtl, X, Y)
                ours.append(seconds)
                if run_direct:
                    seconds, expected = timed(fit_direct, X, Y)
                    theirs.append(seconds)
        if run_direct:
            mine, base = np.median(ours), np.median(theirs)
            difference = np.abs(coef - expected).max()
            print(f"| {n} | {n_tasks} | {size} | {mine:.2f} s | {base:.2f} s | {base / mine:.0f}x "
                  f"| {difference:.1e} (of max {np.abs(expected).max():.2g}) | {format_bytes(direct_bytes)} |",
                  flush=True)
        else:
            print(f"| {n} | {n_tasks} | {size} | {np.median(ours):.2f} s | not run | | "
                  f"| {format_bytes(direct_bytes)} |", flush=True)


if __name__ == "__main__":
    main()
