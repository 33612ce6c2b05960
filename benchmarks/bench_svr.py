"""MultiTaskKernelSVR against scikit-learn's precomputed-kernel SVR, side by side.

The baseline is what a user would write without skmtl: build the multi-task
Gram matrix ``Omega[t_i, t_j] * rbf(x_i, x_j)`` with scikit-learn and fit
``SVR(kernel="precomputed")`` on it. libsvm has one shared bias only, so the
same baseline time is the yardstick for both of our bias modes. Every timing
is the median of several interleaved runs, under one BLAS thread on both
sides (threadpoolctl); skmtl builds its Gram matrix in row blocks on its own
threads (two here), as it does in every fit. The dual objectives, computed
from each model's coefficients on the same problem, show that the compared
solvers reach the same optimum.

Usage: python benchmarks/bench_svr.py [--repeats 5] [--sizes 2000 4000] [--cvxpy-size 1000]
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVR
from threadpoolctl import threadpool_info, threadpool_limits

from bench_svc import peak_memory, problem_data, timed
from skmtl._similarity import similarity_from_rho
from skmtl.svm._cvxpy import solve_cvxpy
from skmtl.svm._dual import svr_problem
from skmtl.svm._svr import MultiTaskKernelSVR

N_TASKS, GAMMA, C, EPSILON, RHO = 10, 0.1, 1.0, 0.1, 0.5


def regression_data(n, seed=0):
    """bench_svc's rows and tasks (T=10, d=10, two clusters of tasks), with numeric targets.

    Task t's target is ``sin(x . w_t) + 0.1 noise`` with ``w_t`` its cluster's
    direction plus a task-specific part, so that the tasks are related
    without being the same.
    """
    X, _, tasks = problem_data(n, seed)
    rng = np.random.RandomState(seed)
    centres = rng.randn(2, X.shape[1]) / np.sqrt(X.shape[1])
    weights = centres[np.arange(N_TASKS) % 2] + 0.3 * rng.randn(N_TASKS, X.shape[1]) / np.sqrt(X.shape[1])
    y = np.sin(np.einsum("ij,ij->i", X, weights[tasks])) + 0.1 * rng.randn(n)
    return X, y, tasks


def sklearn_gram(X, tasks):
    omega = similarity_from_rho(RHO, N_TASKS)
    return rbf_kernel(X, gamma=GAMMA) * omega[np.ix_(tasks, tasks)]


def fit_precomputed(gram, y):
    return SVR(kernel="precomputed", C=C, epsilon=EPSILON).fit(gram, y)


def fit_sklearn(X, y, tasks):
    return fit_precomputed(sklearn_gram(X, tasks), y)


def fit_skmtl(X, y, tasks, bias):
    model = MultiTaskKernelSVR(C=C, epsilon=EPSILON, gamma=GAMMA, task_similarity=RHO, bias=bias)
    return model.fit(X, y, tasks=tasks)


def dual_problem(X, y, tasks, bias):
    """The epsilon-SVR dual of the benchmark problem, rows sorted by task, and that order."""
    order = np.argsort(tasks, kind="stable")
    ts = tasks[order]
    return svr_problem(
        rbf_kernel(X[order], gamma=GAMMA), np.searchsorted(ts, np.arange(N_TASKS + 1)),
        similarity_from_rho(RHO, N_TASKS), y[order], np.full(len(y), C), EPSILON, bias == "per_task",
    ), order


def sorted_alpha(model, order):
    """``[alpha, alpha*]`` of a fitted SVR or skmtl model, rows in the task-sorted order.

    Both models keep only ``alpha - alpha*`` (``dual_coef_``); at an optimum at
    most one of the two is non-zero (a row is above the tube or below it).
    """
    beta = np.zeros(len(order))
    beta[model.support_] = model.dual_coef_[0]
    beta = beta[order]
    return np.concatenate([np.maximum(beta, 0.0), np.maximum(-beta, 0.0)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000])
    parser.add_argument("--cvxpy-size", type=int, default=1000,
                        help="size at which to check the objectives against the cvxpy reference (0 to skip)")
    args = parser.parse_args()

    with threadpool_limits(limits=1):
        pools = ", ".join(sorted({f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()}))
        print(f"T={N_TASKS} tasks, d=10, RBF gamma={GAMMA}, C={C}, epsilon={EPSILON}, rho={RHO}; "
              f"median of {args.repeats} interleaved runs; thread pools: {pools}\n")
        print("| n | sklearn Gram | + SVR(precomputed) | sklearn total | skmtl shared | ratio "
              "| skmtl per_task | ratio | dual objective sklearn / shared / per_task |")
        print("|---|---|---|---|---|---|---|---|---|")
        fit_skmtl(*regression_data(200), "shared")  # loads the compiled solver once, outside the timings
        for n in args.sizes:
            X, y, tasks = regression_data(n)
            times = {"gram": [], "svr": [], "shared": [], "per_task": []}
            models = {}  # the last fit of each, for the objectives
            for _ in range(args.repeats):
                t, gram = timed(lambda: sklearn_gram(X, tasks))
                times["gram"].append(t)
                t, models["sklearn"] = timed(partial(fit_precomputed, gram, y))
                times["svr"].append(t)
                gram = None  # not held during our fits
                for bias in ("shared", "per_task"):
                    t, models[bias] = timed(lambda: fit_skmtl(X, y, tasks, bias))
                    times[bias].append(t)
            gram_time, svr_time = np.median(times["gram"]), np.median(times["svr"])
            base = np.median(np.add(times["gram"], times["svr"]))
            shared, per_task = np.median(times["shared"]), np.median(times["per_task"])
            objectives = []
            for name, bias in (("sklearn", "shared"), ("shared", "shared"), ("per_task", "per_task")):
                problem, order = dual_problem(X, y, tasks, bias)
                objectives.append(problem.objective(sorted_alpha(models[name], order)))
            print(f"| {n} | {gram_time:.3f} s | {svr_time:.3f} s | {base:.3f} s | {shared:.3f} s "
                  f"| {shared / base:.2f}x | {per_task:.3f} s | {per_task / base:.2f}x "
                  f"| {' / '.join(f'{o:.4f}' for o in objectives)} |")

        n = max(args.sizes)
        X, y, tasks = regression_data(n)
        mem_sklearn = peak_memory(lambda: fit_sklearn(X, y, tasks))
        mem_shared = peak_memory(lambda: fit_skmtl(X, y, tasks, "shared"))
        print(f"\nPeak traced memory during fit at n={n}: sklearn Gram + SVR {mem_sklearn / 2**20:.0f} MiB, "
              f"skmtl shared {mem_shared / 2**20:.0f} MiB (one n x n float64 Gram is "
              f"{8 * n * n / 2**20:.0f} MiB)")

        if args.cvxpy_size:
            n = args.cvxpy_size
            X, y, tasks = regression_data(n)
            print(f"\ncvxpy reference at n={n} (one run each):\n")
            print("| bias | skmtl SMO fit | cvxpy solve | dual objective SMO / cvxpy | rel. diff |")
            print("|---|---|---|---|---|")
            for bias in ("shared", "per_task"):
                t_smo, model = timed(lambda: fit_skmtl(X, y, tasks, bias))
                problem, order = dual_problem(X, y, tasks, bias)
                t_ref, ref = timed(lambda: solve_cvxpy(problem))
                f_smo, f_ref = problem.objective(sorted_alpha(model, order)), problem.objective(ref.alpha)
                print(f"| {bias} | {t_smo:.2f} s | {t_ref:.1f} s | {f_smo:.6f} / {f_ref:.6f} "
                      f"| {abs(f_smo - f_ref) / abs(f_ref):.1e} |")


if __name__ == "__main__":
    main()
