"""MultiTaskLinearSVC / MultiTaskLogisticRegression against LinearSVC / LogisticRegression, side by side.

Data (generated, no download): ``--rows`` rows (1,000,000), 100 tasks, 20
standard normal features. The tasks fall in 5 clusters: each cluster has a
random unit direction, and task t's weights are ``2 * (u_c + 0.2 * noise /
sqrt(d))`` with c = t mod 5, so tasks of one cluster are nearly the same
problem and the clusters are unrelated. Each row's task is drawn uniformly,
its label is ``x'w_t > 0``, and 10% of the labels are flipped. The task
weights are fixed (seed 0); training and held-out rows come from other seeds.

Speed (median of ``--repeats`` interleaved fits, everything included:
validation, the task-sorted copy of X, the solve). All models see the same
arrays; scikit-learn's see the pooled rows without task ids. C=0.1 and
tol=1e-4 everywhere (the defaults' tol):

* ``LinearSVC(C=0.1)`` (liblinear's primal trust-region Newton; it
  regularises its intercept as a constant feature) against
  ``MultiTaskLinearSVC(task_similarity=1.0, C=0.1)`` (one pooled model,
  shared unregularised bias): the target of issue 13 is <= 1.5x;
* the same pair without an intercept (``fit_intercept=False``,
  ``bias=None``): then both minimise ``1/2 ||w||^2 + C sum max(0, 1 - y x'w)^2``
  and the script prints that objective for both, computed here from
  ``coef_``;
* ``MultiTaskLinearSVC`` with ``task_similarity`` 0, 0.5 and 'learn';
* ``LogisticRegression(C=0.1)`` (lbfgs) against
  ``MultiTaskLogisticRegression(task_similarity=1.0, C=0.1)``: the same
  objective (neither penalises the intercept), printed for both; then 0,
  0.5 and 'learn'.

One thread pool size on every side (``--threads``, default 1: liblinear is
single-threaded; threadpoolctl sets OpenBLAS/OpenMP, the script prints them).

Memory: each model fits once in a fresh subprocess, which generates the
data, resets its resident-memory high-water mark (writing 5 to
``/proc/self/clear_refs``) and reads VmHWM of ``/proc/self/status`` before
and after the fit: the increase is the fit's own peak above the process
holding its data. (``ru_maxrss`` would keep the parent's peak from before
``exec``; see bench_cnn.py.)

Accuracy: mean per-task ROC AUC and accuracy on held-out rows (2,000 per
task) of the 1M-row fits of rho = 0, 0.5, 1 and 'learn', and of the same
models on a small training set (``--auc-rows``, 100 rows per task), where
sharing between related tasks has something to give: each at C=0.1 and at
C chosen by 3-fold cross-validation on the training rows (folds stratified
by task and label; the metric itself as the score). The AUC of the true
task weights on the held-out rows is the ceiling.

Usage::

    python benchmarks/bench_linear.py [--rows 1000000] [--repeats 3] [--threads 1]
        [--auc-rows 10000] [--no-memory] [--hinge-rows 0] [--quick]

``--hinge-rows N`` adds loss='hinge' against ``LinearSVC(loss='hinge')``
(both by dual coordinate descent, no intercept, tol 0.1 and 0.01), one fit
each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_info, threadpool_limits

from _rss import peak_rss_mib, reset_peak_rss
from skmtl import MultiTaskLinearSVC, MultiTaskLogisticRegression

N_TASKS, N_FEATURES, N_CLUSTERS, TASK_NOISE, LABEL_NOISE, SCALE = 100, 20, 5, 0.2, 0.1, 2.0
C, TOL = 0.1, 1e-4
C_GRID = [0.001, 0.01, 0.1, 1.0]
TEST_ROWS_PER_TASK = 2000

# name -> (constructor, whether it takes task ids, loss of its objective or None)
MODELS = {
    "LinearSVC": (lambda: LinearSVC(C=C, tol=TOL), False, None),
    "MT LinearSVC rho=1": (lambda: MultiTaskLinearSVC(C=C, tol=TOL, task_similarity=1.0), True, None),
    "LinearSVC no intercept": (lambda: LinearSVC(C=C, tol=TOL, fit_intercept=False), False, "squared_hinge"),
    "MT LinearSVC rho=1 bias=None": (
        lambda: MultiTaskLinearSVC(C=C, tol=TOL, task_similarity=1.0, bias=None), True, "squared_hinge"),
    "MT LinearSVC rho=0": (lambda: MultiTaskLinearSVC(C=C, tol=TOL, task_similarity=0.0), True, None),
    "MT LinearSVC rho=0.5": (lambda: MultiTaskLinearSVC(C=C, tol=TOL, task_similarity=0.5), True, None),
    "MT LinearSVC learn": (lambda: MultiTaskLinearSVC(C=C, tol=TOL, task_similarity="learn"), True, None),
    "LogisticRegression": (lambda: LogisticRegression(C=C, tol=TOL), False, "logistic"),
    "MT Logistic rho=1": (
        lambda: MultiTaskLogisticRegression(C=C, tol=TOL, task_similarity=1.0), True, "logistic"),
    "MT Logistic rho=0": (lambda: MultiTaskLogisticRegression(C=C, tol=TOL, task_similarity=0.0), True, None),
    "MT Logistic rho=0.5": (
        lambda: MultiTaskLogisticRegression(C=C, tol=TOL, task_similarity=0.5), True, None),
    "MT Logistic learn": (
        lambda: MultiTaskLogisticRegression(C=C, tol=TOL, task_similarity="learn"), True, None),
}
# The pairs whose time ratio is reported: (skmtl model, scikit-learn baseline).
PAIRS = [
    ("MT LinearSVC rho=1", "LinearSVC"),
    ("MT LinearSVC rho=1 bias=None", "LinearSVC no intercept"),
    ("MT LinearSVC rho=0", "LinearSVC"),
    ("MT LinearSVC rho=0.5", "LinearSVC"),
    ("MT LinearSVC learn", "LinearSVC"),
    ("MT Logistic rho=1", "LogisticRegression"),
    ("MT Logistic rho=0", "LogisticRegression"),
    ("MT Logistic rho=0.5", "LogisticRegression"),
    ("MT Logistic learn", "LogisticRegression"),
]


def task_weights():
    """The true (n_tasks, n_features) weights and each task's cluster (fixed, seed 0)."""
    rng = np.random.RandomState(0)
    centres = rng.randn(N_CLUSTERS, N_FEATURES)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    cluster = np.arange(N_TASKS) % N_CLUSTERS
    noise = TASK_NOISE * rng.randn(N_TASKS, N_FEATURES) / np.sqrt(N_FEATURES)
    return SCALE * (centres[cluster] + noise), cluster


def make_data(n, seed):
    """X (n, d) float64, y in {0, 1}, task ids; built in chunks, so that no
    temporary of X's size raises the memory high-water mark."""
    W, _ = task_weights()
    rng = np.random.RandomState(seed)
    tasks = rng.randint(N_TASKS, size=n)
    X = np.empty((n, N_FEATURES))
    y = np.empty(n, dtype=np.int64)
    chunk = 100_000
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        X[a:b] = rng.randn(b - a, N_FEATURES)
        y[a:b] = np.einsum("ij,ij->i", X[a:b], W[tasks[a:b]]) > 0
    flip = rng.rand(n) < LABEL_NOISE
    y[flip] = 1 - y[flip]
    return X, y, tasks


def fit(name, X, y, tasks):
    make, with_tasks, _ = MODELS[name]
    model = make()
    return model.fit(X, y, tasks=tasks) if with_tasks else model.fit(X, y)


def pooled_weights(model):
    """(w, b) of a pooled model: scikit-learn's, or task 0's of a rho=1 skmtl model."""
    coef, intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
    if coef.ndim == 3:  # skmtl: (n_subproblems, n_tasks, n_features); rho=1: every task alike
        assert np.allclose(coef[0], coef[0, :1], rtol=1e-8, atol=1e-12)
        return coef[0, 0], float(intercept[0, 0])
    return coef.ravel(), float(np.ravel(intercept)[0]) if np.size(intercept) else 0.0


def objective(model, X, y, loss):
    """``1/2 ||w||^2 + C sum loss(y (x'w + b))``: the intercept b is not penalised."""
    w, b = pooled_weights(model)
    z = np.where(y == 1, 1.0, -1.0) * (X @ w + b)
    if loss == "logistic":
        losses = np.logaddexp(0.0, -z)
    else:
        losses = np.square(np.maximum(1.0 - z, 0.0))
    return 0.5 * w @ w + C * losses.sum()


def decision(model, X, tasks):
    try:
        return model.decision_function(X, tasks=tasks)
    except TypeError:  # scikit-learn's pooled models take no task ids
        return model.decision_function(X)


def per_task_scores(y, scores, tasks):
    """Mean over tasks of the per-task ROC AUC and accuracy."""
    ids = np.unique(tasks)
    auc = np.mean([roc_auc_score(y[tasks == t], scores[tasks == t]) for t in ids])
    accuracy = np.mean([np.mean((scores[tasks == t] > 0) == y[tasks == t]) for t in ids])
    return float(auc), float(accuracy)


def cluster_recovery(omega):
    """Mean correlation of the learned Omega within clusters and between them (off-diagonal)."""
    _, cluster = task_weights()
    scale = np.sqrt(np.diag(omega))
    corr = omega / np.outer(scale, scale)
    same = cluster[:, None] == cluster[None, :]
    off = ~np.eye(len(omega), dtype=bool)
    return float(corr[same & off].mean()), float(corr[~same].mean())


def memory_child(name, rows, threads):
    """In a fresh process: the peak resident memory before and after one fit."""
    warnings.simplefilter("ignore")
    X, y, tasks = make_data(rows, seed=1)
    with threadpool_limits(limits=threads):
        reset = reset_peak_rss()
        before = peak_rss_mib()
        start = time.perf_counter()
        fit(name, X, y, tasks)
        seconds = time.perf_counter() - start
        after = peak_rss_mib()
    print(json.dumps({"before": before, "after": after, "reset": reset, "seconds": seconds}))


def memory(rows, threads):
    print(f"\n### Peak memory of one fit ({rows} rows), each model in a fresh subprocess\n")
    print("VmHWM read after generating the data (high-water mark reset to the resident size "
          "then) and after the fit; the increase is the fit's own peak above the data "
          f"(X is {rows * N_FEATURES * 8 / 2**20:.0f} MiB).\n")
    print("| model | RSS before fit (MiB) | peak after fit (MiB) | increase (MiB) | increase / size of X |")
    print("|---|---|---|---|---|")
    x_mib = rows * N_FEATURES * 8 / 2**20
    for name in MODELS:
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--memory-child", name, "--rows", str(rows),
             "--threads", str(threads)],
            capture_output=True, text=True, check=True,
        ).stdout
        rss = json.loads(out.strip().splitlines()[-1])
        note = "" if rss["reset"] else " (peak since exec: data generation included)"
        increase = rss["after"] - rss["before"]
        print(f"| {name}{note} | {rss['before']:.0f} | {rss['after']:.0f} | {increase:.0f} "
              f"| {increase / x_mib:.2f} |", flush=True)


def timings(rows, repeats, X_test, y_test, t_test):
    X, y, tasks = make_data(rows, seed=1)
    print(f"### Fit time, {rows} rows, median of {repeats} interleaved runs\n", flush=True)
    times = {name: [] for name in MODELS}
    fitted = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(repeats):
            for name in MODELS:
                start = time.perf_counter()
                fitted[name] = fit(name, X, y, tasks)
                times[name].append(time.perf_counter() - start)
    for message in {str(w.message).splitlines()[0] for w in caught}:
        print(f"warning during the timed fits: {message}")
    median = {name: float(np.median(t)) for name, t in times.items()}

    print("| model | fit time (median) | all runs (s) | solver iterations | held-out mean per-task AUC "
          "| accuracy | objective |")
    print("|---|---|---|---|---|---|---|")
    for name, model in fitted.items():
        loss = MODELS[name][2]
        obj = f"{objective(model, X, y, loss):.6f}" if loss else ""
        iters = model.n_iter_
        iters = int(np.sum(iters))
        if getattr(model, "n_similarity_iter_", 0):
            iters = f"{iters} ({model.n_similarity_iter_} Omega updates)"
        auc, acc = per_task_scores(y_test, decision(model, X_test, t_test), t_test)
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {name} | {median[name]:.3f} s | {runs} | {iters} | {auc:.4f} | {acc:.4f} | {obj} |")

    print("\n| skmtl | against | time ratio (medians) | ratio, median of per-round ratios |")
    print("|---|---|---|---|")
    for ours, base in PAIRS:
        per_round = np.median(np.array(times[ours]) / np.array(times[base]))
        print(f"| {ours} | {base} | {median[ours] / median[base]:.2f}x | {per_round:.2f}x |")
    for loss_pair in [("MT LinearSVC rho=1 bias=None", "LinearSVC no intercept"),
                      ("MT Logistic rho=1", "LogisticRegression")]:
        ours, base = (objective(fitted[m], X, y, MODELS[m][2]) for m in loss_pair)
        print(f"\nObjective {loss_pair[0]}: {ours:.8f}; {loss_pair[1]}: {base:.8f} "
              f"(relative difference ours - theirs: {(ours - base) / abs(base):+.2e})")
    for name in ("MT LinearSVC learn", "MT Logistic learn"):
        within, between = cluster_recovery(fitted[name].task_similarity_)
        print(f"{name}: learned Omega as correlations, mean within the 5 clusters {within:.3f}, "
              f"between clusters {between:.3f}")
    return fitted


def cv_choose_C(make, X, y, tasks, folds=3, seed=0):
    """C from C_GRID with the best mean per-task AUC over folds stratified by task and label."""
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, tasks * 2 + y))
    best = None
    for c in C_GRID:
        scores = []
        for train, test in splits:
            model = make(c).fit(X[train], y[train], tasks=tasks[train])
            scores.append(per_task_scores(y[test], model.decision_function(X[test], tasks=tasks[test]),
                                          tasks[test])[0])
        if best is None or np.mean(scores) > best[1]:
            best = (c, np.mean(scores))
    return best[0]


def small_sample(rows, X_test, y_test, t_test):
    X, y, tasks = make_data(rows, seed=2)
    print(f"\n### Held-out per-task scores when tasks are small: {rows} training rows "
          f"(about {rows // N_TASKS} per task)\n", flush=True)
    print("| model | task_similarity | AUC at C=0.1 | accuracy at C=0.1 | C chosen by 3-fold CV "
          "| AUC at chosen C | accuracy at chosen C | fit time at chosen C |")
    print("|---|---|---|---|---|---|---|---|")
    estimators = {"MultiTaskLinearSVC": MultiTaskLinearSVC, "MultiTaskLogisticRegression": MultiTaskLogisticRegression}
    learned = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for label, estimator in estimators.items():
            for similarity in (0.0, 0.5, 1.0, "learn"):
                # similarity_max_iter raised: at large C the alternation takes more updates.
                def make(c, estimator=estimator, similarity=similarity):
                    return estimator(C=c, tol=TOL, task_similarity=similarity, similarity_max_iter=300)
                fixed = make(C).fit(X, y, tasks=tasks)
                auc0, acc0 = per_task_scores(y_test, fixed.decision_function(X_test, tasks=t_test), t_test)
                chosen = cv_choose_C(make, X, y, tasks)
                start = time.perf_counter()
                model = make(chosen).fit(X, y, tasks=tasks)
                seconds = time.perf_counter() - start
                auc, acc = per_task_scores(y_test, model.decision_function(X_test, tasks=t_test), t_test)
                if similarity == "learn":
                    learned[label] = model.task_similarity_
                print(f"| {label} | {similarity} | {auc0:.4f} | {acc0:.4f} | {chosen:g} | {auc:.4f} "
                      f"| {acc:.4f} | {seconds:.2f} s |", flush=True)
    for message in {str(w.message).splitlines()[0] for w in caught}:
        print(f"warning: {message}")
    W, _ = task_weights()
    true_scores = np.einsum("ij,ij->i", X_test, W[t_test])
    auc, acc = per_task_scores(y_test, true_scores, t_test)
    print(f"\nThe true task weights on the same held-out rows (the ceiling with {LABEL_NOISE:.0%} "
          f"flipped labels): AUC {auc:.4f}, accuracy {acc:.4f}")
    for label, omega in learned.items():
        within, between = cluster_recovery(omega)
        print(f"{label} learn: learned Omega as correlations, mean within the 5 clusters {within:.3f}, "
              f"between clusters {between:.3f}")


def hinge(rows):
    """The hinge loss (dual coordinate descent on both sides), no intercept, one run each."""
    X, y, tasks = make_data(rows, seed=1)
    print(f"\n### loss='hinge', {rows} rows, no intercept, one run each\n", flush=True)
    print("| model | tol | fit time | epochs | objective 1/2||w||^2 + C sum hinge | converged |")
    print("|---|---|---|---|---|---|")
    for tol in (1e-1, 1e-2):
        for label, make, with_tasks in [
            ("LinearSVC(loss='hinge', fit_intercept=False)",
             lambda: LinearSVC(C=C, loss="hinge", fit_intercept=False, dual=True, tol=tol), False),
            ("MT LinearSVC rho=1 loss='hinge' bias=None",
             lambda: MultiTaskLinearSVC(C=C, loss="hinge", task_similarity=1.0, bias=None, tol=tol,
                                        random_state=0), True),
        ]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                model = make().fit(X, y, tasks=tasks) if with_tasks else make().fit(X, y)
                seconds = time.perf_counter() - start
            stopped_early = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            w, _ = pooled_weights(model)
            z = np.where(y == 1, 1.0, -1.0) * (X @ w)
            value = 0.5 * w @ w + C * np.maximum(1.0 - z, 0.0).sum()
            print(f"| {label} | {tol:g} | {seconds:.2f} s | {int(np.sum(model.n_iter_))} | {value:.6f} "
                  f"| {'no (max_iter)' if stopped_early else 'yes'} |", flush=True)


def section(started):
    print(f"\n({time.perf_counter() - started:.0f} s since the start; load average "
          f"{os.getloadavg()[0]:.2f})\n", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="training rows of the timed fits")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved fits per model")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads, every side")
    parser.add_argument("--auc-rows", type=int, default=10_000,
                        help="training rows of the small-task comparison (0 to skip)")
    parser.add_argument("--hinge-rows", type=int, default=0,
                        help="also time loss='hinge' against liblinear on this many rows")
    parser.add_argument("--no-memory", action="store_true", help="skip the subprocess memory runs")
    parser.add_argument("--quick", action="store_true",
                        help="100,000 rows, 1 repeat, 3,000 small-task rows (a smoke run)")
    parser.add_argument("--memory-child", choices=list(MODELS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child, args.rows, args.threads)
    if args.quick:
        args.rows, args.repeats, args.auc_rows = 100_000, 1, 3000

    started = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        pools = ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info())
        print(f"{N_TASKS} tasks in {N_CLUSTERS} clusters, {N_FEATURES} features, {LABEL_NOISE:.0%} "
              f"labels flipped; C={C}, tol={TOL}; thread pools: {pools}; {os.cpu_count()} CPUs, "
              f"load average at start {os.getloadavg()[0]:.2f}\n")
        X_test, y_test, t_test = make_data(N_TASKS * TEST_ROWS_PER_TASK, seed=3)
        timings(args.rows, args.repeats, X_test, y_test, t_test)
        section(started)
        if args.hinge_rows:
            hinge(args.hinge_rows)
            section(started)
        if args.auc_rows:
            small_sample(args.auc_rows, X_test, y_test, t_test)
            section(started)
    if not args.no_memory:
        memory(args.rows, args.threads)
    print(f"\nwall time {time.perf_counter() - started:.0f} s; load average at the end "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
