"""The classic multi-task regression benchmarks: School, Parkinson's telemonitoring, the computer survey.

Every model is chosen by an inner cross-validation on the training part
only (folds with every task in every fold, ``TaskStratifiedKFold``, scored
by the mean squared error over all rows), then refitted on the whole
training part and scored once on the test part. Features are standardised
with the training part's statistics inside the pipeline, and a constant
feature of 1 is appended (the kernel models have no intercept, as
``KernelRidge``; the constant lets them learn one, regularised). Targets
are centred and scaled by the training part's mean and standard deviation
(``TransformedTargetRegressor``) for every model alike.

Protocols:

- ``school`` (139 schools, 15,362 students, 27 features; Bakker & Heskes 2003):
  10 random splits, 75% of each school's students train and 25% test; the
  metric is the explained variance ``100 (1 - SSE/SST)`` over all test
  students (SST about the test students' mean), averaged over splits.
  Published under this protocol: Bakker & Heskes 29.5 +- 0.4 % (Bayesian MTL;
  single-task 9.7 %).
- ``parkinsons`` (42 patients, 5,875 recordings, 19 features, motor UPDRS):
  10 random splits, 75% of each patient's recordings train and 25% test; the
  metric is the RMSE of each patient's test recordings, averaged over patients.
- ``survey`` (180 persons rating the same 20 computer profiles, 13 binary
  attributes, ratings 0-10; Lenk et al. 1996): the data set's fixed split,
  16 profiles train and 4 test for every person; as every person rated the
  same profiles it is read in the wide form (16 rows x 180 tasks); the
  metric is the RMSE over all test ratings. Published: GO-MTL 1.76 and F-MTL
  1.65 (Gupta, Phung & Venkatesh, ICML 2013).

Usage: python benchmarks/regression.py {school,parkinsons,survey} [--splits N] [--first-split K] [--models a b ...]
       [--n-jobs 2] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from scipy.io import loadmat
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skmtl import (
    IndependentTaskRegressor,
    MultiTaskKernelRidge,
    MultiTaskKernelSVR,
    MultiTaskRidge,
    PooledTaskRegressor,
    SharedMLPRegressor,
)
from skmtl.compose import FeatureTransformer
from skmtl.model_selection import TaskStratifiedKFold

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
ALPHAS = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
KERNEL_ALPHAS = [0.01, 0.1, 1.0, 10.0]
RHOS = [0.2, 0.5, 0.8]


def load_school(data_dir):
    """(X with the school id as column 0, y, school ids)."""
    data = loadmat(os.path.join(data_dir, "school", "school.mat"))
    features = [x[:, :27].astype(float) for x in data["X"][0]]  # column 27 is a constant 1
    targets = [y.ravel().astype(float) for y in data["Y"][0]]  # uint8 in the file
    tasks = np.concatenate([np.full(len(y), t) for t, y in enumerate(targets)])
    return np.column_stack([tasks, np.vstack(features)]), np.concatenate(targets), tasks


def load_parkinsons(data_dir):
    """(X with the patient id as column 0, motor UPDRS, patient ids)."""
    table = np.genfromtxt(os.path.join(data_dir, "parkinsons_telemonitoring", "parkinsons_updrs.data"),
                          delimiter=",", skip_header=1)
    tasks = table[:, 0].astype(int)
    features = np.c_[table[:, 1:4], table[:, 6:]]  # age, sex, test_time, 16 voice measures
    return np.column_stack([tasks, features]), table[:, 4], tasks


def load_survey(data_dir):
    """(X_train 16 x 13, Y_train 16 x 180, X_test 4 x 13, Y_test 4 x 180): each person's
    ratings of the same profiles, rows in one profile order."""
    data = loadmat(os.path.join(data_dir, "computer_survey", "lenk_data.mat"))

    def wide(table, per_person):
        table = table.astype(float)
        profiles = np.unique(table[:per_person, 1:14], axis=0)
        Y = np.empty((per_person, len(table) // per_person))
        for person in range(Y.shape[1]):
            rows = table[person * per_person:(person + 1) * per_person]
            order = [np.flatnonzero((profiles == r).all(axis=1))[0] for r in rows[:, 1:14]]
            Y[order, person] = rows[:, 14]
        return profiles, Y

    X_train, Y_train = wide(data["Traindata"], 16)
    X_test, Y_test = wide(data["Testdata"], 4)
    return X_train, Y_train, X_test, Y_test


def task_split(tasks, fraction, rng):
    """A boolean mask: ``fraction`` of each task's rows (rounded) for training."""
    train = np.zeros(len(tasks), dtype=bool)
    for task in np.unique(tasks):
        rows = rng.permutation(np.flatnonzero(tasks == task))
        train[rows[: int(round(fraction * len(rows)))]] = True
    return train


def _append_one(X):
    return np.column_stack([X, np.ones(len(X))])


def pipeline(model, task_column):
    """Standardised features plus a constant, then ``model``; targets standardised around it."""
    scale = StandardScaler() if task_column is None else FeatureTransformer(StandardScaler(), task_column=task_column)
    one = FunctionTransformer(_append_one) if task_column is None else FeatureTransformer(
        FunctionTransformer(_append_one), task_column=task_column)
    return TransformedTargetRegressor(Pipeline([("scale", scale), ("one", one), ("model", model)]),
                                      transformer=StandardScaler())


def models(task_column, wide=False, n_rows=0):
    """name -> (estimator, grid over its parameters, the model whose choices it takes or None).

    The grids are the same for every data set. A learned similarity costs one
    solve per Omega update (30-50 of them on School), so a 'learn' kernel
    model does not search its own grid: it takes the kernel, alpha / C and
    epsilon that the inner CV chose for its rho twin on the same split, and
    only replaces rho by the learned Omega (the choice stays within the
    training part). The kernel ridge runs on 500 Nyström landmarks above
    8,000 training rows (School: its exact Cholesky took 17 s a fit, the
    landmarks 1.7 s), exactly below (Parkinson's, the survey). The network
    has no grid (alpha 0.01, early stopping on 10% of its training rows):
    a fit takes 47 s on Parkinson's.
    """
    kw = {} if wide else {"task_column": task_column}
    landmarks = {"n_components": 500, "random_state": 0} if n_rows > 8000 else {}
    ridge = {"alpha": ALPHAS}
    kernel = {"alpha": KERNEL_ALPHAS, "kernel": ["linear", "rbf"], "task_similarity": RHOS}
    svr = {"C": [0.3, 1.0, 3.0], "epsilon": [0.1, 0.5], "task_similarity": RHOS}
    return {
        "independent": (IndependentTaskRegressor(Ridge(), **kw), {"estimator__alpha": ALPHAS}, None),
        "pooled": (PooledTaskRegressor(Ridge(), **kw), {"estimator__alpha": ALPHAS}, None),
        "ridge-rho": (MultiTaskRidge(**kw), {**ridge, "task_similarity": RHOS}, None),
        "ridge-learn": (MultiTaskRidge(task_similarity="learn", **kw), ridge, None),
        "kernel-ridge-rho": (MultiTaskKernelRidge(**landmarks, **kw), kernel, None),
        "kernel-ridge-learn": (MultiTaskKernelRidge(task_similarity="learn", **landmarks, **kw), {},
                               "kernel-ridge-rho"),
        "svr-rho": (MultiTaskKernelSVR(kernel="rbf", **kw), svr, None),
        "svr-learn": (MultiTaskKernelSVR(kernel="rbf", task_similarity="learn", **kw), {}, "svr-rho"),
        "mlp": (SharedMLPRegressor(hidden_layer_sizes=(32,), normalize_targets=True, max_iter=300,
                                   early_stopping=True, random_state=0, **kw),
                {"alpha": [1e-2]}, None),
    }


def fit_model(name, table, chosen, task_column, inner, n_jobs, X, y):
    """The model ``name`` chosen by the inner CV and refitted on (X, y); ``chosen`` holds the
    choices of the models fitted before it on the same split."""
    estimator, grid, twin = table[name]
    if twin is not None:
        if twin not in chosen:
            raise SystemExit(f"{name} takes its choices from {twin}: run {twin} too (before it).")
        grid = {k: [v] for k, v in chosen[twin].items() if k != "task_similarity"}
    if all(len(values) == 1 for values in grid.values()):
        # One candidate: nothing for an inner CV to choose, so it is fitted once.
        chosen[name] = {k: values[0] for k, values in grid.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if name == "mlp" else "error", ConvergenceWarning)
            return pipeline(clone(estimator).set_params(**chosen[name]), task_column).fit(X, y)
    fitted = search(name, estimator, grid, task_column, inner, n_jobs, X, y)
    chosen[name] = {k.split("__", 2)[-1]: v for k, v in fitted.best_params_.items()}
    return fitted


def search(name, estimator, grid, task_column, inner, n_jobs, X, y):
    """The inner-CV search of one model, fitted on the training part (X, y)."""
    prefixed = {f"regressor__model__{k}": v for k, v in grid.items()}
    searcher = GridSearchCV(pipeline(estimator, task_column), prefixed, cv=inner, n_jobs=n_jobs,
                            scoring="neg_mean_squared_error", error_score="raise")
    with warnings.catch_warnings():
        # A solver that stops early fails loudly; a network's fixed epoch budget is its own choice.
        warnings.simplefilter("ignore" if name == "mlp" else "error", ConvergenceWarning)
        return searcher.fit(X, y)


def explained_variance(y, predicted):
    return 100 * (1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2))


def mean_task_rmse(y, predicted, tasks):
    return float(np.mean([np.sqrt(np.mean((y[tasks == t] - predicted[tasks == t]) ** 2))
                          for t in np.unique(tasks)]))


def run_long(X, y, tasks, metric, args):
    table = models(0, n_rows=int(round(0.75 * len(y))))
    names = args.models or list(table)
    scores = {name: [] for name in names}
    started = time.perf_counter()
    for split in range(args.first_split, args.first_split + args.splits):
        train = task_split(tasks, 0.75, np.random.RandomState(split))
        inner = list(TaskStratifiedKFold(3, shuffle=True, random_state=split, target_type="continuous").split(
            X[train], y[train], groups=tasks[train]))
        line, chosen = [], {}
        for name in names:
            began = time.perf_counter()
            fitted = fit_model(name, table, chosen, 0, inner, args.n_jobs, X[train], y[train])
            value = metric(y[~train], fitted.predict(X[~train]), tasks[~train])
            scores[name].append(value)
            line.append(f"{name} {value:.3f} ({time.perf_counter() - began:.0f} s; "
                        + ", ".join(f"{k}={v}" for k, v in sorted(chosen[name].items())) + ")")
        print(f"split {split}: " + "; ".join(line) + f"  [{time.perf_counter() - started:.0f} s]", flush=True)
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", choices=["school", "parkinsons", "survey"])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--first-split", type=int, default=0, help="number of the first split (runs of a few splits each)")
    parser.add_argument("--models", nargs="+")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--data-dir", default=DATA)
    args = parser.parse_args()
    if args.data == "school":
        X, y, tasks = load_school(args.data_dir)
        scores = run_long(X, y, tasks, lambda y, p, t: explained_variance(y, p), args)
        unit, published = "explained variance (%)", "Bakker & Heskes 2003: 29.5 +- 0.4 % (single-task 9.7 %)"
    elif args.data == "parkinsons":
        X, y, tasks = load_parkinsons(args.data_dir)
        scores = run_long(X, y, tasks, mean_task_rmse, args)
        unit, published = "mean per-patient RMSE (motor UPDRS)", "none under this protocol"
    else:
        scores, unit = run_survey(args), "RMSE over all test ratings"
        published = "GO-MTL 1.76, F-MTL 1.65 (Gupta, Phung & Venkatesh 2013)"
    print(f"\n| model | {unit} | std over splits |")
    print("|---|---|---|")
    for name, values in scores.items():
        print(f"| {name} | {np.mean(values):.3f} | {np.std(values):.3f} |")
    print(f"\nPublished: {published}.")


def run_survey(args):
    X_train, Y_train, X_test, Y_test = load_survey(args.data_dir)
    table = models(None, wide=True)
    # 4 folds of 4 of the 16 training profiles, every person's ratings of them held out together.
    inner = [(np.setdiff1d(np.arange(16), fold), fold) for fold in np.split(np.random.RandomState(0).permutation(16), 4)]
    scores, chosen = {}, {}
    for name in args.models or table:
        began = time.perf_counter()
        fitted = fit_model(name, table, chosen, None, inner, args.n_jobs, X_train, Y_train)
        predicted = np.asarray(fitted.predict(X_test))
        scores[name] = [float(np.sqrt(np.mean((predicted - Y_test) ** 2)))]
        print(f"{name}: {scores[name][0]:.3f} ({time.perf_counter() - began:.0f} s; "
              + ", ".join(f"{k}={v}" for k, v in sorted(chosen[name].items())) + ")", flush=True)
    return scores


if __name__ == "__main__":
    main()
