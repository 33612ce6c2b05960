"""The 1M-row multi-task linear fit in memory, from dask arrays on the threaded scheduler, and on a LocalCluster.

Data (generated, no download): ``skmtl.datasets.make_multitask_classification``
with ``--rows`` rows (1,000,000), 100 tasks in 5 clusters, 20 standard
normal features (5% label noise, seed 0). Model:
``MultiTaskLinearSVC(task_similarity=0.5, C=0.1)`` (squared hinge, shared
bias, tol 1e-4: the Newton solver of ``skmtl.linear_model._primal``),
fitted three ways on the same rows:

* in memory: NumPy arrays, ``fit(X, y, tasks=tasks)``; BLAS limited to
  ``--threads`` (2: the cores the other two columns use);
* dask, threaded scheduler: ``dask.array.from_array`` of the same arrays in
  row chunks of ``--chunk`` (100,000) rows, ``fit(X_d, y_d, tasks=t_d)``
  with dask's default threaded scheduler (one thread per core, here 2; BLAS
  limited to 1 thread in each);
* dask, distributed: the same dask arrays on a
  ``distributed.LocalCluster(n_workers=2, threads_per_worker=1)``, persisted
  on the workers first (as data read there would be; the time to ship them
  there is reported apart and not counted in the fit). Every evaluation of
  the loss, gradient or Hessian-vector product is a round trip: the client
  sends the weights, the workers return one (T, d) array per chunk.

Fit times are medians of ``--repeats`` interleaved runs (in memory,
threaded, distributed, in turn). The coefficients and intercepts of the
dask fits are compared with the in-memory fit (max absolute difference;
issue 13 tests 1e-5). Passes over the data are counted by wrapping the
solver's two data operations in this script: ``margins`` (each row's
``x_i' w_{t_i}``) and ``task_sums`` (per task ``X_t' q_t``) of
``skmtl.linear_model._primal._TaskRows`` (in memory) and
``skmtl._dask.DaskRows`` (dask). So are the computations the dask scheduler
is asked for (``dask.compute`` and ``dask.persist``, and the collections'
``.compute()``, ``.persist()`` and ``float()``, which call them): on dask
every one of them is a round trip, the fit's reading of the distinct labels
and tasks included. On dask a lazy ``margins`` is evaluated inside the
computation that reads it, so margins and task sums can share one round trip.

Usage::

    python benchmarks/bench_dask.py [--rows 1000000] [--chunk 100000] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import dask
import dask.array as da
import dask.base

import skmtl._dask as skdask
import skmtl.linear_model._primal as primal
from skmtl import MultiTaskLinearSVC
from skmtl.datasets import make_multitask_classification

N_TASKS, N_FEATURES, N_CLUSTERS = 100, 20, 5
C, RHO = 0.1, 0.5
COUNTS = {"margins": 0, "task_sums": 0, "scheduler": 0}


def count_calls():
    """Count the solver's passes over the data and the scheduler's computations."""
    def counted(key, fn):
        def wrapper(*args, **kwargs):
            COUNTS[key] += 1
            return fn(*args, **kwargs)
        return wrapper

    for cls in (primal._TaskRows, skdask.DaskRows):
        for name in ("margins", "task_sums"):
            setattr(cls, name, counted(name, getattr(cls, name)))
    # dask.compute (DaskRows.task_sums, the label checks) and the collections'
    # .compute() / .persist() / float(), which call dask.base's functions.
    dask.compute = dask.base.compute = counted("scheduler", dask.base.compute)
    dask.persist = dask.base.persist = counted("scheduler", dask.base.persist)


def load():
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def fit(X, y, tasks):
    for key in COUNTS:
        COUNTS[key] = 0
    clf = MultiTaskLinearSVC(task_similarity=RHO, C=C)
    start = time.perf_counter()
    clf.fit(X, y, tasks=tasks)
    return clf, time.perf_counter() - start, dict(COUNTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per dask chunk")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads of the in-memory fit")
    args = parser.parse_args()
    from distributed import Client, LocalCluster, futures_of, wait

    wall = time.perf_counter()
    count_calls()
    X, y, tasks, _ = make_multitask_classification(args.rows, N_TASKS, N_FEATURES, N_CLUSTERS, random_state=0)
    X_d = da.from_array(X, chunks=(args.chunk, N_FEATURES))
    y_d = da.from_array(y, chunks=args.chunk)
    t_d = da.from_array(tasks, chunks=args.chunk)
    print(f"### {args.rows} rows, {N_TASKS} tasks, {N_FEATURES} features, "
          f"MultiTaskLinearSVC(task_similarity={RHO}, C={C}); dask chunks of {args.chunk} rows "
          f"({X_d.numblocks[0]} chunks); median of {args.repeats} interleaved fits\n")
    print(f"dask {dask.__version__}; {load()} at the start")

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        client = Client(cluster)  # the default client; the threaded fits set scheduler="threads"
        start = time.perf_counter()
        with warnings.catch_warnings():
            # "Sending large graph": the arrays travel once, in the persist's graph.
            warnings.filterwarnings("ignore", message="Sending large graph")
            X_p, y_p, t_p = client.persist([X_d, y_d, t_d])
            wait(futures_of(X_p) + futures_of(y_p) + futures_of(t_p))
        ship = time.perf_counter() - start
        print(f"LocalCluster: 2 workers x 1 thread; shipping the arrays to the workers (persist) "
              f"took {ship:.1f} s (not counted below)")
        worker_blas = client.run(lambda: sorted({f"{p['internal_api']} {p['num_threads']}"
                                                 for p in __import__("threadpoolctl").threadpool_info()}))
        print(f"BLAS threads on the workers: {sorted(set(map(tuple, worker_blas.values())))}")

        runs = {"in memory": [], "dask threaded": [], "dask LocalCluster": []}
        models, counts = {}, {}
        for _ in range(args.repeats):
            with threadpool_limits(limits=args.threads):
                models["in memory"], t, counts["in memory"] = fit(X, y, tasks)
                pools = sorted({f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()})
            runs["in memory"].append(t)
            with threadpool_limits(limits=1), dask.config.set(scheduler="threads"):
                models["dask threaded"], t, counts["dask threaded"] = fit(X_d, y_d, t_d)
            runs["dask threaded"].append(t)
            with dask.config.set(scheduler=client):
                models["dask LocalCluster"], t, counts["dask LocalCluster"] = fit(X_p, y_p, t_p)
            runs["dask LocalCluster"].append(t)
        print(f"BLAS threads of the in-memory fit: {pools}; {load()} at the end of the timings\n")
        client.close()

    ref = models["in memory"]
    print("| | in memory | dask, threaded scheduler | dask, LocalCluster (2 workers x 1 thread) |")
    print("|---|---|---|---|")
    cells = {k: f"{np.median(v):.2f} s" for k, v in runs.items()}
    print("| fit time (median) | " + " | ".join(cells.values()) + " |")
    print("| min-max | " + " | ".join(f"{min(v):.2f}-{max(v):.2f} s" for v in runs.values()) + " |")
    print("| / in memory | " + " | ".join(f"{np.median(v) / np.median(runs['in memory']):.1f}x"
                                          for v in runs.values()) + " |")
    print("| Newton steps (n_iter_) | " + " | ".join(str(int(np.sum(m.n_iter_))) for m in models.values()) + " |")
    print("| passes: margins + task sums | " + " | ".join(
        f"{c['margins']} + {c['task_sums']}" for c in counts.values()) + " |")
    print("| scheduler computations | - | " + " | ".join(
        str(counts[k]["scheduler"]) for k in ("dask threaded", "dask LocalCluster")) + " |")
    print("| max abs coef_ diff vs in memory | - | " + " | ".join(
        f"{np.max(np.abs(models[k].coef_ - ref.coef_)):.1e}" for k in ("dask threaded", "dask LocalCluster"))
          + " |")
    print("| max abs intercept_ diff | - | " + " | ".join(
        f"{np.max(np.abs(models[k].intercept_ - ref.intercept_)):.1e}"
        for k in ("dask threaded", "dask LocalCluster")) + " |")
    print(f"\nlargest |coef_| in memory: {np.max(np.abs(ref.coef_)):.3f}")
    print(f"\nwall time {time.perf_counter() - wall:.0f} s; {load()} at the end")


if __name__ == "__main__":
    warnings.simplefilter("ignore", FutureWarning)
    main()
