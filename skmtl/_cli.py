"""The ``skmtl`` command: ``skmtl compare`` runs the multi-task vs single-task comparison.

Every failure the user can cause (a missing file or column, text in a
feature column, one class, a task too small for the folds, ...) ends with a
one-line message and exit status 1, never a traceback; set ``SKMTL_DEBUG=1``
to see the traceback anyway.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import warnings

import numpy as np

from ._version import __version__
from .metrics import TASK_SCORER_NAMES

PROG = "skmtl"

DEFAULT_DATA = dict(n_samples=2000, n_tasks=20, n_features=10, n_clusters=2)

EXAMPLES = f"""\
examples:
  skmtl compare
      generated data: {DEFAULT_DATA['n_tasks']} tasks in {DEFAULT_DATA['n_clusters']} clusters, {DEFAULT_DATA['n_samples']} rows
  skmtl compare examples/schools.csv --task-column school --target passed
  skmtl compare data.csv --task-column site --target label --kernel linear \\
      --task-similarity 0.5 --cv 3 --scoring accuracy --plot out.png --json out.json
  skmtl compare --model mlp --hidden-layer-sizes 64,32

The CSV has a header row; every column other than the task and target
columns is a numeric feature. Task ids may be text or numbers. Features are
standardised inside each fold. Progress goes to stderr, the table to stdout.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Multi-task learning as scikit-learn estimators.")
    parser.add_argument("--version", action="version", version=f"skmtl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    compare = commands.add_parser(
        "compare",
        help="cross-validate a multi-task model against one model per task and one for all",
        description=(
            "Cross-validate a multi-task model, one model per task (independent) and one "
            "model for all tasks (pooled) on the same folds, stratified on task x label, "
            "and print each task's score for each model (mean ± std over the folds)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument(
        "csv", nargs="?", help="a CSV file with a header row; without it, generated data is used"
    )
    compare.add_argument("--task-column", metavar="COL", help="column holding each row's task id (needed with a CSV)")
    compare.add_argument("--target", metavar="COL", help="column holding the class labels (needed with a CSV)")
    compare.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="svc",
        help="multi-task model: 'svc' = MultiTaskKernelSVC, whose baselines are sklearn's SVC "
        "per task and on all rows; 'mlp' = SharedMLPClassifier (shared hidden layers, a head "
        "per task), whose baselines are MLPClassifier (default: svc)",
    )
    compare.add_argument(
        "--task-similarity",
        default="learn",
        type=_similarity,
        metavar="S",
        help="'learn' (learn the task similarity from the data) or a number rho in [0, 1] "
        "(0 = independent tasks, 1 = pooled) (default: learn)",
    )
    compare.add_argument(
        "--kernel", choices=["linear", "rbf", "poly", "sigmoid"], default="rbf", help="input kernel (default: rbf)"
    )
    compare.add_argument("-C", "--C", dest="C", type=float, default=1.0, help="regularisation C (default: 1.0)")
    compare.add_argument(
        "--class-weight",
        choices=["none", "balanced", "balanced_per_task"],
        default="none",
        help="class weights of every model; balanced_per_task balances classes within "
        "each task (the baselines get 'balanced') (default: none)",
    )
    compare.add_argument(
        "--hidden-layer-sizes",
        type=_layers,
        default=(64,),
        metavar="N[,N...]",
        help="--model mlp: units of the shared hidden layers, e.g. 64,32 (default: 64)",
    )
    compare.add_argument(
        "--backend", choices=["numpy", "torch"], default="numpy", help="--model mlp: training backend (default: numpy)"
    )
    compare.add_argument("--cv", type=_folds, default=5, metavar="K", help="number of folds (default: 5)")
    compare.add_argument(
        "--scoring",
        choices=TASK_SCORER_NAMES,
        metavar="NAME",
        help=f"per-task metric, one of: {', '.join(TASK_SCORER_NAMES)} "
        "(default: roc_auc for two classes, else accuracy)",
    )
    compare.add_argument("--n-jobs", type=int, default=None, metavar="N", help="parallel fits (default: 1)")
    compare.add_argument("--random-state", type=int, default=0, metavar="SEED", help="seed of folds and data (default: 0)")
    compare.add_argument("--plot", metavar="PNG", help="save per-task scores (and the learned similarity) as an image")
    compare.add_argument("--json", metavar="PATH", help="save all scores and fit times as JSON")
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


def _svc(args):
    from .svm import MultiTaskKernelSVC

    class_weight = None if args.class_weight == "none" else args.class_weight
    return MultiTaskKernelSVC(C=args.C, kernel=args.kernel, task_similarity=args.task_similarity, class_weight=class_weight)


def _mlp(args):
    from .nn import SharedMLPClassifier

    class_weight = None if args.class_weight == "none" else args.class_weight
    return SharedMLPClassifier(
        hidden_layer_sizes=args.hidden_layer_sizes,
        class_weight=class_weight,
        backend=args.backend,
        random_state=args.random_state,
    )


#: --model name -> builder of the multi-task estimator from the parsed arguments.
MODELS = {"svc": _svc, "mlp": _mlp}


def _layers(text):
    """--hidden-layer-sizes: positive ints separated by commas."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return sizes


def _similarity(text):
    """--task-similarity: 'learn' or rho in [0, 1]."""
    if text == "learn":
        return text
    try:
        rho = float(text)
    except ValueError:
        rho = float("nan")
    if not 0 <= rho <= 1:
        raise argparse.ArgumentTypeError(f"must be 'learn' or a number in [0, 1], got {text!r}")
    return rho


def _folds(text):
    """--cv: an int of at least 2."""
    try:
        folds = int(text)
    except ValueError:
        folds = 0
    if folds < 2:
        raise argparse.ArgumentTypeError(f"must be an integer of at least 2, got {text!r}")
    return folds


def _number_or_text(values):
    """Column values as ints or floats when they all are, else as text."""
    try:
        numbers = np.array(values, dtype=float)
    except ValueError:
        return np.array(values, dtype=object)
    if np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)):
        return numbers.astype(np.int64)
    return numbers


def read_csv(path, task_column, target):
    """Read a CSV into (features, y, task ids, feature names), with one-line errors."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"{path} is empty")
    header = [name.strip() for name in rows[0]]
    body = rows[1:]
    if not body:
        raise ValueError(f"{path} has a header but no data rows")
    for name, option in ((task_column, "--task-column"), (target, "--target")):
        if name not in header:
            raise ValueError(f"{option} {name!r} is not a column of {path}; its columns are: {', '.join(header)}")
    if task_column == target:
        raise ValueError("--task-column and --target must be different columns")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path} line {number} has {len(row)} fields, but the header has {len(header)}")
    columns = {name: [row[j].strip() for row in body] for j, name in enumerate(header)}
    features = [name for name in header if name not in (task_column, target)]
    if not features:
        raise ValueError(f"{path} has no feature columns besides {task_column!r} and {target!r}")
    X = np.empty((len(body), len(features)))
    for j, name in enumerate(features):
        for i, cell in enumerate(columns[name]):
            try:
                X[i, j] = float(cell)
            except ValueError:
                what = "an empty value" if not cell else f"the non-numeric value {cell!r}"
                raise ValueError(
                    f"feature column {name!r} has {what} on line {i + 2}; features must be "
                    "numbers (drop or encode that column)"
                ) from None
        if not np.all(np.isfinite(X[:, j])):
            i = int(np.flatnonzero(~np.isfinite(X[:, j]))[0])
            raise ValueError(f"feature column {name!r} has the non-finite value {columns[name][i]!r} on line {i + 2}")
    for name in (task_column, target):
        if "" in columns[name]:
            raise ValueError(f"column {name!r} has an empty value on line {columns[name].index('') + 2}")
    y = _number_or_text(columns[target])
    if len(np.unique(y.astype(str))) < 2:
        raise ValueError(f"the target {target!r} has a single class ({y[0]!r}); a classifier needs two")
    return X, y, _number_or_text(columns[task_column]), features


def _compare(args) -> int:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .model_selection import compare_with_single_task

    if args.csv is None:
        if args.task_column or args.target:
            raise ValueError("--task-column and --target need a CSV file")
        from .datasets import make_multitask_classification

        X, y, tasks, _ = make_multitask_classification(**DEFAULT_DATA, random_state=args.random_state)
        source = (
            f"generated data: {DEFAULT_DATA['n_tasks']} tasks in {DEFAULT_DATA['n_clusters']} "
            f"clusters of related tasks, {len(y)} rows, {X.shape[1]} features"
        )
    else:
        if not (args.task_column and args.target):
            raise ValueError("a CSV needs --task-column COL and --target COL")
        X, y, tasks, features = read_csv(args.csv, args.task_column, args.target)
        source = f"{args.csv}: {len(y)} rows, {len(np.unique(tasks))} tasks, {len(features)} features"
    model = make_pipeline(StandardScaler(), MODELS[args.model](args))
    print(source, flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = compare_with_single_task(
            model,
            X,
            y,
            tasks=tasks,
            cv=args.cv,
            scoring=args.scoring,
            n_jobs=args.n_jobs,
            random_state=args.random_state,
            verbose=0 if args.quiet else 1,
        )
    print(result)
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        print(f"warning: {message}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"data": source, **result.to_dict()}, handle, indent=2)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")  # a file, not a window
        result.plot().savefig(args.plot, dpi=120)
    return 0


def main(argv=None) -> int:
    """Run the ``skmtl`` command; return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _compare(args)
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the user sees one line; SKMTL_DEBUG=1 shows the traceback
        if os.environ.get("SKMTL_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
