"""MultiTaskKernelSVC against scikit-learn's precomputed-kernel SVC, side by side.

The baseline is what a user would write without skmtl: build the multi-task
Gram matrix ``Omega[t_i, t_j] * rbf(x_i, x_j)`` with scikit-learn and fit
``SVC(kernel="precomputed")`` on it. libsvm has one shared bias only, so the
same baseline time is the yardstick for both of our bias modes. Every timing
is the median of several interleaved runs; the dual objectives show that the
compared solvers reach the same optimum.

Usage: python benchmarks/bench_svc.py [--repeats 5] [--sizes 4000 8000] [--cvxpy-size 4000]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import tracemalloc

import numpy as np
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC

from skmtl import MultiTaskKernelSVC
from skmtl.datasets import make_multitask_classification
from skmtl.svm._cvxpy import solve_cvxpy
from skmtl.svm._dual import DualProblem
from skmtl._similarity import similarity_from_rho

N_TASKS, N_FEATURES, GAMMA, C, RHO = 10, 10, 0.1, 1.0, 0.5


def problem_data(n, seed=0):
    X, y, tasks, _ = make_multitask_classification(
        n, n_tasks=N_TASKS, n_features=N_FEATURES, label_noise=0.1, random_state=seed
    )
    return X, y, tasks


def fit_sklearn(X, y, tasks):
    omega = similarity_from_rho(RHO, N_TASKS)
    gram = rbf_kernel(X, gamma=GAMMA) * omega[np.ix_(tasks, tasks)]
    return SVC(kernel="precomputed", C=C).fit(gram, y)


def fit_skmtl(X, y, tasks, bias):
    model = MultiTaskKernelSVC(C=C, gamma=GAMMA, task_similarity=RHO, bias=bias)
    return model.fit(X, y, tasks=tasks)


def dual_problem(X, y, tasks, bias):
    order = np.argsort(tasks, kind="stable")
    Xs, ys, ts = X[order], np.where(y[order] == 1, 1.0, -1.0), tasks[order]
    return DualProblem(
        rbf_kernel(Xs, gamma=GAMMA), np.searchsorted(ts, np.arange(N_TASKS + 1)),
        similarity_from_rho(RHO, N_TASKS), ys, np.full(len(ys), C), bias == "per_task",
    ), order


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def peak_memory(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 8000])
    parser.add_argument("--cvxpy-size", type=int, default=4000,
                        help="size at which to time the cvxpy reference (0 to skip)")
    args = parser.parse_args()

    print(f"T={N_TASKS} tasks, d={N_FEATURES}, RBF gamma={GAMMA}, C={C}, rho={RHO}; "
          f"median of {args.repeats} interleaved runs\n")
    print("| n | sklearn Gram + SVC(precomputed) | skmtl shared | ratio | skmtl per_task | ratio "
          "| dual objective sklearn / shared / per_task |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        X, y, tasks = problem_data(n)
        times = {"sklearn": [], "shared": [], "per_task": []}
        models = {}  # the last fit of each, for the objectives
        for _ in range(args.repeats):
            t, models["sklearn"] = timed(lambda: fit_sklearn(X, y, tasks))
            times["sklearn"].append(t)
            for bias in ("shared", "per_task"):
                t, models[bias] = timed(lambda: fit_skmtl(X, y, tasks, bias))
                times[bias].append(t)
        base = np.median(times["sklearn"])
        shared, per_task = np.median(times["shared"]), np.median(times["per_task"])
        problem, order = dual_problem(X, y, tasks, "shared")
        per_task_problem = dataclasses.replace(problem, per_task_bias=True)  # same Gram
        objectives = [
            problem.objective(sorted_alpha(models["sklearn"], order)),
            problem.objective(sorted_alpha(models["shared"], order)),
            per_task_problem.objective(sorted_alpha(models["per_task"], order)),
        ]
        print(f"| {n} | {base:.3f} s | {shared:.3f} s | {shared / base:.2f}x | {per_task:.3f} s "
              f"| {per_task / base:.2f}x | {' / '.join(f'{o:.4f}' for o in objectives)} |")

    n = max(args.sizes)
    X, y, tasks = problem_data(n)
    mem_sklearn = peak_memory(lambda: fit_sklearn(X, y, tasks))
    mem_shared = peak_memory(lambda: fit_skmtl(X, y, tasks, "shared"))
    mem_per_task = peak_memory(lambda: fit_skmtl(X, y, tasks, "per_task"))
    print(f"\nPeak traced memory during fit at n={n}: sklearn Gram + SVC {mem_sklearn / 2**20:.0f} MiB, "
          f"skmtl shared {mem_shared / 2**20:.0f} MiB, per_task {mem_per_task / 2**20:.0f} MiB "
          f"(one n x n float64 Gram is {8 * n * n / 2**20:.0f} MiB)")

    if args.cvxpy_size:
        n = args.cvxpy_size
        X, y, tasks = problem_data(n)
        print(f"\ncvxpy reference at n={n} (one run each):\n")
        print("| bias | skmtl SMO fit | cvxpy solve | ratio | dual objective SMO / cvxpy | rel. diff |")
        print("|---|---|---|---|---|---|")
        for bias in ("shared", "per_task"):
            t_smo, model = timed(lambda: fit_skmtl(X, y, tasks, bias))
            problem, order = dual_problem(X, y, tasks, bias)
            t_ref, ref = timed(lambda: solve_cvxpy(problem))
            f_smo, f_ref = problem.objective(sorted_alpha(model, order)), problem.objective(ref.alpha)
            print(f"| {bias} | {t_smo:.2f} s | {t_ref:.1f} s | {t_ref / t_smo:.0f}x "
                  f"| {f_smo:.6f} / {f_ref:.6f} | {abs(f_smo - f_ref) / abs(f_ref):.1e} |")


def sorted_alpha(model, order):
    """Dual variables of a fitted skmtl model or SVC, in the task-sorted row order."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    alpha = np.zeros(len(order))
    alpha[inverse[model.support_]] = np.abs(model.dual_coef_[0])
    return alpha


if __name__ == "__main__":
    main()
