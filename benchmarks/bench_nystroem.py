"""MultiTaskKernelSVC's Nyström route (``n_components``) against the exact solver, and at scale.

Data (generated, no download): ``skmtl.datasets.make_multitask_classification``
with 100 tasks in 5 clusters and 20 standard normal features (5% label
noise, seed 0). Every model is ``MultiTaskKernelSVC(kernel='rbf',
gamma=0.05, C=1, task_similarity=0.5)`` with a shared bias and the default
``tol``; gamma 0.05 is 'scale' for these features (1 / (20 * var X)),
fixed so that both routes use the same kernel.

Part 1, accuracy (``--auc-rows``, 20,000): 25% of every task's rows are held
out (stratified by task and label, seed 0). The exact solver (the n x n Gram
matrix, SMO) against the approximate route ``n_components=500,
random_state=0``: the mean over tasks of the per-task ROC AUC of
``decision_function`` on the held-out rows, and fit times (median of
``--repeats`` interleaved fits, everything included: validation, Gram
matrix or Nyström map, the solve). The target of issue 13: the approximate
AUC within 0.01 of the exact one.

Part 2, scale (``--scale-rows``, 100,000 and 1,000,000): the approximate
route alone, one fit at each size in a fresh subprocess with ``verbose=1``,
cut off after ``--timeout`` seconds (900). The parent stamps every line the
child prints (the solver's ``[dual CD] epoch`` lines) with the time since
the fit started, and polls the child's VmHWM (the peak resident memory of
the process since its exec, ``/proc/PID/status``) once a second, so that a
fit cut off by the timeout still has its epochs, their times and its peak
so far. The child times the Nyström map (``nystroem_features``: the kernel
to the landmarks and the projection, float32) and the solve
(``fit_linear_subproblems``, the dual coordinate descent) by wrapping the two
functions where ``MultiTaskKernelSVC`` calls them. It also generates 20,000
further rows of the same tasks and reports the held-out AUC of a finished
fit. The target of issue 13: < 60 s and < 4 GB at 1,000,000 rows.

Threads: threadpoolctl limits OpenBLAS/OpenMP to ``--threads`` (1) in
every fit of both parts (the coordinate descent limits BLAS to 1 thread
itself). Both routes compute kernel blocks on skmtl's own 2 worker threads
(``skmtl.svm._kernels``, ``min(8, cpu_count)``), alike on both sides.

Usage::

    python benchmarks/bench_nystroem.py [--auc-rows 20000] [--repeats 3] [--threads 1]
        [--scale-rows 100000 1000000] [--timeout 900] [--tol TOL] [--no-exact] [--quick]

``--auc-rows 0`` skips part 1, ``--scale-rows`` with no sizes part 2;
``--tol`` sets the part 2 fits' tol (the estimator's default is 1e-3).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_info, threadpool_limits

from _rss import vmhwm_mib
from skmtl import MultiTaskKernelSVC
from skmtl.datasets import make_multitask_classification

N_TASKS, N_FEATURES, N_CLUSTERS = 100, 20, 5
C, GAMMA, RHO, M = 1.0, 0.05, 0.5, 500
TEST_ROWS = 20_000  # held-out rows of the scale runs


def model(approximate, **more):
    n_components = dict(n_components=M, random_state=0) if approximate else {}
    return MultiTaskKernelSVC(kernel="rbf", C=C, gamma=GAMMA, task_similarity=RHO, **n_components, **more)


def data(n, seed=0):
    X, y, tasks, _ = make_multitask_classification(n, N_TASKS, N_FEATURES, N_CLUSTERS, random_state=seed)
    return X, y, tasks


def mean_task_auc(y, scores, tasks):
    return float(np.mean([roc_auc_score(y[tasks == t], scores[tasks == t]) for t in np.unique(tasks)]))


def threads():
    pools = ", ".join(sorted({f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()}))
    return f"BLAS threads: {pools}"


def load():
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


# ------------------------------------------------------------------ part 1


def accuracy(n, repeats, with_exact):
    X, y, tasks = data(n)
    X_tr, X_te, y_tr, y_te, t_tr, t_te = train_test_split(
        X, y, tasks, test_size=0.25, stratify=tasks, random_state=0)
    routes = (["exact"] if with_exact else []) + ["n_components=500"]
    times = {r: [] for r in routes}
    result = {}
    print(f"\n### Part 1: exact against n_components={M}, {n} rows ({len(y_tr)} train, "
          f"{len(y_te)} held out), median of {repeats} interleaved fits\n")
    print(f"{threads()}; {load()} at the start")
    print(f"exact Gram matrix: {8 * len(y_tr) ** 2 / 2**30:.2f} GiB\n")
    for _ in range(repeats):
        for route in routes:
            clf = model(route != "exact")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                clf.fit(X_tr, y_tr, tasks=t_tr)
                times[route].append(time.perf_counter() - start)
            auc = mean_task_auc(y_te, clf.decision_function(X_te, tasks=t_te), t_te)
            result[route] = dict(auc=auc, n_iter=int(np.sum(clf.n_iter_)),
                                 warnings=sorted({str(w.message)[:80] for w in caught}))
    print(f"{load()} at the end\n")
    print("| route | mean per-task AUC (held out) | fit time, median (s) | min-max (s) | solver steps / epochs |")
    print("|---|---|---|---|---|")
    for route in routes:
        t = times[route]
        print(f"| {route} | {result[route]['auc']:.4f} | {np.median(t):.2f} | {min(t):.2f}-{max(t):.2f} "
              f"| {result[route]['n_iter']} |")
    for route in routes:
        for w in result[route]["warnings"]:
            print(f"warning ({route}): {w}")
    if with_exact:
        gap = result["exact"]["auc"] - result["n_components=500"]["auc"]
        print(f"\nexact AUC - approximate AUC: {gap:+.4f} (target: |difference| <= 0.01); "
              f"time ratio approximate / exact: "
              f"{np.median(times['n_components=500']) / np.median(times['exact']):.2f}")


# ------------------------------------------------------------------ part 2


def scale_child(n, n_threads, tol=None):
    """In a fresh process: one approximate fit of n rows, verbose, with the phases timed."""
    import skmtl.svm._classes as classes

    X, y, tasks = data(n + TEST_ROWS)
    X_te, y_te, t_te = X[n:], y[n:], tasks[n:]
    X, y, tasks = X[:n], y[:n], tasks[:n]
    phases = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
            print(f"[bench] {name} done in {phases[name]:.2f} s", flush=True)
            return out
        return wrapper

    classes.nystroem_features = timed("nystroem_features", classes.nystroem_features)
    classes.fit_linear_subproblems = timed("solve", classes.fit_linear_subproblems)
    clf = model(True, verbose=1, **({} if tol is None else dict(tol=tol)))
    before = vmhwm_mib()
    with threadpool_limits(limits=n_threads), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        print("[bench] fit start", flush=True)
        start = time.perf_counter()
        clf.fit(X, y, tasks=tasks)
        fit_time = time.perf_counter() - start
        after = vmhwm_mib()
        fit_phases = dict(phases)  # the fit's; predicting below maps the held-out rows too
        auc = mean_task_auc(y_te, clf.decision_function(X_te, tasks=t_te), t_te)
    print(json.dumps(dict(fit=fit_time, before=before, after=after, auc=auc, phases=fit_phases,
                          n_iter=int(np.sum(clf.n_iter_)), n_features=clf.normalization_.shape[1],
                          warnings=sorted({str(w.message)[:100] for w in caught}))), flush=True)


def run_child(n, n_threads, timeout, tol=None):
    """Run scale_child in a subprocess; stamp its lines, poll its VmHWM, cut it off at timeout."""
    child = subprocess.Popen(
        [sys.executable, "-u", __file__, "--scale-child", str(n), "--threads", str(n_threads)]
        + ([] if tol is None else ["--tol", str(tol)]),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, t0 = [], [None]

    def read():
        for line in child.stdout:
            now = time.perf_counter()
            if line.startswith("[bench] fit start"):
                t0[0] = now
            lines.append((now, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    peak, loads, started = 0.0, [], time.perf_counter()
    timed_out = False
    while child.poll() is None:
        peak = max(peak, vmhwm_mib(child.pid) or 0.0)
        if len(loads) < (time.perf_counter() - started) // 30 + 1:
            loads.append(os.getloadavg()[0])
        if time.perf_counter() - started > timeout:
            timed_out = True
            child.kill()  # the process this function started, by its handle
            break
        time.sleep(1.0)
    child.wait()
    reader.join(timeout=5)
    stamped = [((t - t0[0]) if t0[0] is not None else None, line) for t, line in lines]
    result = None
    for _, line in stamped:
        if line.startswith("{"):
            result = json.loads(line)
    return dict(result=result, lines=stamped, peak=peak, timed_out=timed_out, loads=loads,
                returncode=child.returncode)


EPOCH = re.compile(r"\[dual CD\] epoch (\d+): gap (\S+) active (\d+)/(\d+)")


def epochs_of(lines, features_done):
    """Each epoch's (end time, seconds, rows visited, gap) from the stamped verbose lines.

    An epoch visits the rows the previous one left active, or every row
    after a restart (the first epoch, or the check over all rows after the
    bias moved): those are the epochs that end with every row active, as
    nothing is set aside in them.
    """
    out, last_t, last_active = [], features_done, None
    for t, line in lines:
        match = EPOCH.match(line)
        if not match:
            continue
        active, total = int(match[3]), int(match[4])
        visited = total if (active == total or last_active is None) else last_active
        out.append(dict(t=t, seconds=t - last_t, visited=visited, gap=float(match[2]),
                        epoch=int(match[1]), active=active, total=total))
        last_t, last_active = t, active
    return out


def scale(sizes, n_threads, timeout, tol=None):
    print(f"\n### Part 2: n_components={M} at scale ({N_TASKS} tasks, {N_FEATURES} features), "
          f"one fit per size in a fresh subprocess, cut off at {timeout:.0f} s\n")
    print(f"tol={'1e-3 (the default)' if tol is None else tol}; BLAS threads in the child: "
          f"{n_threads}. Times are seconds since the fit started (the parent's stamps); epochs "
          "1-5, every 10th, the epochs over every row and the last are shown.")
    rows = []
    for n in sizes:
        print(f"\n#### {n} rows ({load()} at the start)\n")
        out = run_child(n, n_threads, timeout, tol)
        features = next((t for t, line in out["lines"] if "nystroem_features done" in line), None)
        epochs = epochs_of(out["lines"], features) if features is not None else []
        shown = {e["epoch"] for e in epochs if e["epoch"] <= 5 or e["epoch"] % 10 == 0
                 or e["visited"] == e["total"]} | ({epochs[-1]["epoch"]} if epochs else set())
        print("```")
        for t, line in out["lines"]:
            match = EPOCH.match(line)
            if line.startswith("{") or (match and int(match[1]) not in shown):
                continue
            print(f"{t:8.1f} s  {line}" if t is not None else f"           {line}")
        print("```")
        loads = ", ".join(f"{v:.1f}" for v in out["loads"])
        print(f"\n1-min load average every 30 s during the run: {loads}")
        res = out["result"]
        if res is not None:
            print(f"fit {res['fit']:.1f} s (Nyström map {res['phases']['nystroem_features']:.1f} s, "
                  f"solve {res['phases']['solve']:.1f} s), {res['n_iter']} epochs, "
                  f"{res['n_features']} features; peak RSS {max(res['after'], out['peak']):.0f} MiB "
                  f"(before the fit {res['before']:.0f} MiB); held-out AUC {res['auc']:.4f}")
            for w in res["warnings"]:
                print(f"warning: {w}")
        else:
            print(f"cut off after {timeout:.0f} s (return code {out['returncode']}): "
                  f"{len(epochs)} epochs reached; peak RSS so far {out['peak']:.0f} MiB")
        if epochs:
            full = [e["seconds"] for e in epochs if e["visited"] == e["total"]]
            visits = sum(e["visited"] for e in epochs)
            solve = sum(e["seconds"] for e in epochs)
            print(f"epochs over every row: {len(full)}, median {np.median(full):.2f} s each; "
                  f"rows visited in all: {visits} ({visits / n:.1f} x n), "
                  f"{1e6 * solve / visits:.2f} us a row visit")
        rows.append(dict(n=n, out=out, features=features, epochs=epochs))
    print("\n| rows | fit time (s) | Nyström map (s) | epochs | epochs over every row, s each (median) "
          "| rows visited / n | peak RSS (MiB) | held-out AUC |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        n, out, epochs, res = row["n"], row["out"], row["epochs"], row["out"]["result"]
        full = [e["seconds"] for e in epochs if e["visited"] == e["total"]]
        per = f"{len(full)}, {np.median(full):.2f}" if full else "-"
        visits = f"{sum(e['visited'] for e in epochs) / n:.1f}" if epochs else "-"
        feat = f"{row['features']:.1f}" if row["features"] is not None else "-"
        if res is not None:
            print(f"| {n} | {res['fit']:.1f} | {feat} | {res['n_iter']} | {per} | {visits} "
                  f"| {max(res['after'], out['peak']):.0f} | {res['auc']:.4f} |")
        else:
            gap = f", gap {epochs[-1]['gap']:.3g}" if epochs else ""
            print(f"| {n} | > {timeout:.0f} (cut off) | {feat} | {len(epochs)} reached{gap} | {per} "
                  f"| {visits} so far | >= {out['peak']:.0f} | - |")
    # An extrapolation for a size cut off, from the largest finished one.
    done = [r for r in rows if r["out"]["result"] is not None and r["epochs"]]
    for row in rows:
        if row["out"]["result"] is None and row["epochs"] and done:
            ref = max(done, key=lambda r: r["n"])
            ref_visits = sum(e["visited"] for e in ref["epochs"]) / ref["n"]
            per_visit = sum(e["seconds"] for e in row["epochs"]) / sum(e["visited"] for e in row["epochs"])
            estimate = row["features"] + ref_visits * row["n"] * per_visit
            print(f"\nEXTRAPOLATION, not a measurement: if {row['n']} rows needed as many row visits "
                  f"per row as {ref['n']} did ({ref_visits:.1f} x n) at the time per visit measured "
                  f"here ({1e6 * per_visit:.2f} us), the fit would take about {estimate:.0f} s "
                  f"({estimate / 60:.0f} min).")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auc-rows", type=int, default=20_000, help="rows of part 1 (0 to skip it)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved fits per route in part 1")
    parser.add_argument("--no-exact", action="store_true", help="part 1 without the exact solver")
    parser.add_argument("--scale-rows", type=int, nargs="*", default=[100_000, 1_000_000],
                        help="rows of the part 2 fits")
    parser.add_argument("--timeout", type=float, default=900.0, help="cut-off of each part 2 fit (s)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads in every fit")
    parser.add_argument("--tol", type=float, help="tol of the part 2 fits (default: the estimator's, 1e-3)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4000 and 20000 rows")
    parser.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        return scale_child(args.scale_child, args.threads, args.tol)
    if args.quick:
        args.auc_rows, args.repeats, args.scale_rows = 4000, 1, [20_000]
    wall = time.perf_counter()
    if args.auc_rows:
        with threadpool_limits(limits=args.threads):
            accuracy(args.auc_rows, args.repeats, not args.no_exact)
    if args.scale_rows:
        scale(args.scale_rows, args.threads, args.timeout, args.tol)
    print(f"\nwall time {time.perf_counter() - wall:.0f} s; {load()} at the end")


if __name__ == "__main__":
    main()
