"""The ``skmtl`` command: ``skmtl compare`` runs the multi-task vs single-task comparison.

It compares classifiers on class labels and regressors on a numeric target:
``--kind auto`` (the default) reads a continuous target (by scikit-learn's
``type_of_target``) as a regression and says so in its first line.

What it prints is written for a newcomer: a line that says what the score
is and which way is better, each model in plain words before its
scikit-learn spelling, the table of per-task scores and fit times (every
duration in one format, ``format_seconds`` of ``skmtl._progress``), and last
the command to run next (on one's own CSV after the generated data). Its
progress goes to stderr: a line redrawn in place on a terminal, a plain
line per tenth of the work in a file or pipe.

Every failure the user can cause (a missing file or column, text in a
feature column, one class, a task too small for the folds, an output path
that cannot be written, ...) ends with a one-line message and exit status 1,
never a traceback, and is found before the cross-validation starts where it
can be. A bad option, or options that do not go together or do not apply to
the chosen model (``--kernel`` with ``--model linear``, ...), which are never
ignored, exit with status 2. Set ``SKMTL_DEBUG=1`` to see the traceback
anyway. Ctrl-C stops the command with exit status 130.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import json
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections import Counter

import numpy as np
from sklearn.base import clone
from sklearn.utils.multiclass import type_of_target

from ._cli_words import _described, _plain_words, _score_line
from ._memory import format_bytes
from ._progress import StatusLine, format_seconds
from ._tasks import plain_id
from ._version import __version__
from .metrics import REGRESSION_SCORER_NAMES, TASK_SCORER_NAMES

PROG = "skmtl"

DEFAULT_DATA = dict(n_samples=2000, n_tasks=20, n_features=10, n_clusters=2)

#: --kind: what the target is.
KINDS = ("auto", "classification", "regression")

#: The scorings of classifiers (the others, REGRESSION_SCORER_NAMES, score regressors).
CLASSIFICATION_SCORINGS = tuple(name for name in TASK_SCORER_NAMES if name not in REGRESSION_SCORER_NAMES)

EXAMPLES = f"""\
examples:
  skmtl compare
      generated data: {DEFAULT_DATA['n_tasks']} tasks in {DEFAULT_DATA['n_clusters']} clusters, {DEFAULT_DATA['n_samples']} rows
  skmtl compare examples/schools.csv --task-column school --target passed
  skmtl compare data.csv --task-column site --target label --kernel linear \\
      --task-similarity 0.5 --cv 3 --scoring accuracy --plot out.png --json out.json
  skmtl compare --model mlp --hidden-layer-sizes 64,32
  skmtl compare big.csv --task-column site --target label --model linear
  skmtl compare big.csv --task-column site --target label --n-components 500
  skmtl compare data.csv --task-column site --target label --model logistic --scoring neg_log_loss
  skmtl compare data.csv --task-column site --target outcome --scoring f1 --pos-label yes
  skmtl compare data.csv --task-column site --target label --scoring neg_log_loss --probability
  skmtl compare data.txt --sep ';' --task-column site --target label
  skmtl compare patients.csv --target diabetes --target stroke --target asthma --model mlp
  skmtl compare data.csv --task-column site --target label --scheduler tcp://10.0.0.5:8786
  skmtl compare exams.csv --task-column school --target score --kind regression
  skmtl compare sales.csv --task-column store --target revenue --model kernel-ridge --kernel poly --alpha 0.1
  skmtl compare patients.csv --target motor_updrs --target total_updrs --model mlp

The CSV has a header row; every column other than the task and target
columns is a numeric feature. Its separator (, ; tab or |) is detected;
--sep sets it. Task ids may be text or numbers; each distinct text is its
own task ('1' and '01' are two tasks).

The target holds class labels (classification) or numbers (regression).
--kind auto (the default) reads a continuous target, numbers that are not
all whole, as a regression, and says so in the first line; whole numbers
(exam scores, counts) and text are read as class labels unless --kind
regression is given; --kind classification reads any target as labels.
Classifiers (--model): svc (default), linear, logistic, mlp. Regressors:
ridge (default; MultiTaskRidge, with an intercept per task, and a fit that
does not depend on the target's units), svr (MultiTaskKernelSVR, baselines
sklearn's SVR; its C and --epsilon are in the target's units: tune them to
its scale), kernel-ridge (MultiTaskKernelRidge, baselines KernelRidge; no
intercept, as KernelRidge: best on centred targets, or with --kernel poly,
whose coef0 adds a constant), linear-svr (MultiTaskLinearSVR) and mlp
(SharedMLPRegressor with normalize_targets=True, each task's targets
standardised; baselines MLPRegressor on standardised targets). The default
regression score is each task's R².

Several --target columns are the wide form: each target is a task and every
row belongs to every task (no --task-column); an empty cell is a missing
label, that row is then not labelled for that task.

The exact kernel models (--model svc, svr, kernel-ridge) hold an n x n
matrix of the training rows: right to about 40,000 rows. Beyond,
--n-components M approximates the kernel of svc or kernel-ridge with M
landmarks (Nyström), or --model linear / logistic / ridge / linear-svr fits
linear models; their memory grows with the rows, not with their square
(with --n-components the baselines of svc stay sklearn's exact SVC, whose
time grows faster than the rows). Options of some models only (--kernel,
--n-components, --probability, -C, --alpha, --epsilon, --task-similarity,
--hidden-layer-sizes, --backend, --class-weight) are refused with another,
in a line naming the models they apply to (exit status 2), never ignored.

Features are standardised inside each fold. The output says first what the
score is and which way is better, names each model in plain words, then as
scikit-learn spells it, gives each task's score for each model (mean ± std
over the folds) and the fit times, and ends with a command to run next.
Progress goes to stderr: a line when a file of a few MB or more is read,
then a bar of the fits that moves during each fit (per epoch, per solver
pass), redrawn in place on a terminal, a line at each tenth of the work in
a file or pipe. Ctrl-C stops the run (exit status 130).

--scheduler sends the fits to a dask cluster (pip install 'skmtl[dask]');
the bar then moves once per finished fit.
"""


class UsageError(ValueError):
    """Options that do not go together, or do not apply to the chosen model or data: exit status 2,
    as argparse's usage errors, where an error of the data or a file is 1."""


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
            "model for all tasks (pooled) on the same folds, stratified on task x label "
            "(on task x quantile of a numeric target), and print each task's score for each "
            "model (mean ± std over the folds)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument(
        "csv", nargs="?", help="a CSV file with a header row; without it, generated data is used"
    )
    compare.add_argument(
        "--sep",
        type=_separator,
        metavar="CHAR",
        help="the CSV's field separator, e.g. ';' or tab (default: detected among , ; tab |)",
    )
    compare.add_argument(
        "--task-column", metavar="COL", help="column holding each row's task id (needed with a CSV and one --target)"
    )
    compare.add_argument(
        "--target",
        metavar="COL",
        action="append",
        help="column holding the class labels (needed with a CSV); repeat it for several targets, "
        "one task each, every row belonging to every task (the wide form: no --task-column, "
        "an empty cell is a missing label); numbers, with --kind regression or when continuous",
    )
    compare.add_argument(
        "--kind",
        choices=KINDS,
        default="auto",
        help="classification (class labels) or regression (numbers); auto: regression when the "
        "target is continuous (numbers not all whole, by scikit-learn's type_of_target), said in "
        "the first line, else classification (default: auto)",
    )
    compare.add_argument(
        "--model",
        choices=sorted(MODELS),
        help="multi-task model. Classifiers: 'svc' = MultiTaskKernelSVC, whose baselines are "
        "sklearn's SVC per task and on all rows; 'linear' = MultiTaskLinearSVC and 'logistic' = "
        "MultiTaskLogisticRegression (linear models, for many rows; 'logistic' gives "
        "probabilities), whose baselines are the same model fitted as a single task; 'mlp' = "
        "SharedMLPClassifier (shared hidden layers, a head per task), whose baselines are "
        "MLPClassifier. Regressors: 'ridge' = MultiTaskRidge and 'linear-svr' = MultiTaskLinearSVR "
        "(linear models, whose baselines are the same model fitted as a single task); 'svr' = "
        "MultiTaskKernelSVR (baselines SVR); 'kernel-ridge' = MultiTaskKernelRidge (baselines "
        "KernelRidge); 'mlp' = SharedMLPRegressor (baselines MLPRegressor) (default: svc for "
        "classification, ridge for regression)",
    )
    compare.add_argument(
        "--task-similarity",
        type=_similarity,
        metavar="S",
        help="every model but mlp: 'learn' (learn the task similarity from the data) or a "
        "number rho in [0, 1] (0 = independent tasks, 1 = pooled) (default: learn)",
    )
    compare.add_argument(
        "--kernel",
        choices=["linear", "rbf", "poly", "sigmoid"],
        help=f"--model svc, svr, kernel-ridge: input kernel (default: {MODEL_DEFAULTS['kernel']})",
    )
    compare.add_argument(
        "--n-components",
        type=_components,
        metavar="M",
        help="--model svc, kernel-ridge: approximate the kernel with M Nyström landmarks "
        "(n_components=M), for more rows than the exact solver holds (default: exact)",
    )
    compare.add_argument(
        "-C", "--C", dest="C", type=_positive,
        help=f"--model svc, linear, logistic, svr, linear-svr: regularisation C (default: {MODEL_DEFAULTS['C']})",
    )
    compare.add_argument(
        "--alpha", type=_positive, metavar="A",
        help="--model ridge, kernel-ridge: regularisation strength alpha (default: the model's, 1.0)",
    )
    compare.add_argument(
        "--epsilon", type=_non_negative, metavar="E",
        help="--model svr, linear-svr: half-width of the tube of errors not penalised, in the "
        "target's units (default: the model's)",
    )
    compare.add_argument(
        "--class-weight",
        choices=["none", "balanced", "balanced_per_task"],
        help=f"--model {', '.join(CLASS_WEIGHT_MODELS)}: class weights of every model; balanced_per_task balances "
        "classes within each task (the baselines get 'balanced') (default: none)",
    )
    compare.add_argument(
        "--hidden-layer-sizes",
        type=_layers,
        metavar="N[,N...]",
        help="--model mlp: units of the shared hidden layers, e.g. 64,32 (default: 64)",
    )
    compare.add_argument(
        "--backend", choices=["numpy", "torch"],
        help=f"--model mlp: training backend (default: {MODEL_DEFAULTS['backend']})",
    )
    compare.add_argument("--cv", type=_folds, default=5, metavar="K", help="number of folds (default: 5)")
    compare.add_argument(
        "--scoring",
        choices=TASK_SCORER_NAMES,
        metavar="NAME",
        help=f"per-task metric. Classification: {', '.join(CLASSIFICATION_SCORINGS)} "
        "(default: roc_auc for two classes, else accuracy). Regression: "
        f"{', '.join(REGRESSION_SCORER_NAMES)} (default: r2, each task's R²)",
    )
    compare.add_argument(
        "--pos-label",
        metavar="LABEL",
        help="--scoring f1: the label of the positive class, as written in the CSV "
        "(needed unless the labels are 0/1 or -1/1)",
    )
    compare.add_argument(
        "--probability",
        action="store_true",
        help="--model svc: fit Platt-scaled probabilities (MultiTaskKernelSVC(probability=True), "
        "calibrated SVCs as baselines), needed by --scoring neg_log_loss and roc_auc_ovr",
    )
    compare.add_argument(
        "--n-jobs", type=_jobs, default=None, metavar="N",
        help="parallel fits; -1 = all CPUs (default: 1; with --scheduler, all the cluster's). Fits in "
        "worker processes report no progress until they end: the bar then moves once per fit"
    )
    compare.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on the dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786), "
        "all at once unless --n-jobs caps them; needs pip install 'skmtl[dask]'",
    )
    compare.add_argument("--random-state", type=int, default=0, metavar="SEED", help="seed of folds and data (default: 0)")
    compare.add_argument("--plot", metavar="PNG", help="save per-task scores (and the learned similarity) as an image")
    compare.add_argument("--json", metavar="PATH", help="save all scores and fit times as JSON")
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


#: The defaults of the options that some models only use: those options
#: default to None, so that one given with a model that does not use it is
#: seen (and refused, see MODEL_OPTIONS); the models get these values.
#: (--alpha and --epsilon, not given, leave the model's own default.)
MODEL_DEFAULTS = {
    "kernel": "rbf", "C": 1.0, "task_similarity": "learn", "hidden_layer_sizes": (64,), "backend": "numpy"
}


def _svc(args):
    from .svm import MultiTaskKernelSVC

    svc = MultiTaskKernelSVC(kernel=args.kernel, n_components=args.n_components, **_shared_params(args))
    if args.probability:
        svc.set_params(probability=True)
    if args.probability or args.n_components is not None:
        svc.set_params(random_state=args.random_state)  # the calibration folds, the landmarks
    return svc


def _shared_params(args):
    """The parameters of the kernel SVC that the linear models have too."""
    return dict(C=args.C, task_similarity=args.task_similarity, class_weight=_class_weight(args))


def _class_weight(args):
    return None if args.class_weight in (None, "none") else args.class_weight


def _given(args, *names):
    """The options among ``names`` that were given, as parameters (the others keep the model's default)."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _linear(args):
    from .linear_model import MultiTaskLinearSVC

    return MultiTaskLinearSVC(**_shared_params(args))


def _logistic(args):
    from .linear_model import MultiTaskLogisticRegression

    return MultiTaskLogisticRegression(**_shared_params(args))


def _mlp(args):
    if args.kind == "regression":
        from .nn import SharedMLPRegressor

        # Each task's targets standardised: tasks on different scales would
        # otherwise let the loudest one own the trunk (the baselines, likewise).
        return SharedMLPRegressor(
            hidden_layer_sizes=args.hidden_layer_sizes,
            normalize_targets=True,
            backend=args.backend,
            random_state=args.random_state,
        )
    from .nn import SharedMLPClassifier

    return SharedMLPClassifier(
        hidden_layer_sizes=args.hidden_layer_sizes,
        class_weight=_class_weight(args),
        backend=args.backend,
        random_state=args.random_state,
    )


def _svr(args):
    from .svm._svr import MultiTaskKernelSVR

    return MultiTaskKernelSVR(
        kernel=args.kernel, C=args.C, task_similarity=args.task_similarity, **_given(args, "epsilon")
    )


def _kernel_ridge(args):
    from .svm._kernel_ridge import MultiTaskKernelRidge

    ridge = MultiTaskKernelRidge(
        kernel=args.kernel, n_components=args.n_components, task_similarity=args.task_similarity,
        **_given(args, "alpha"),
    )
    if args.n_components is not None:
        ridge.set_params(random_state=args.random_state)  # the landmarks
    return ridge


def _ridge(args):
    from .linear_model import MultiTaskRidge

    return MultiTaskRidge(task_similarity=args.task_similarity, **_given(args, "alpha"))


def _linear_svr(args):
    from .linear_model import MultiTaskLinearSVR

    return MultiTaskLinearSVR(C=args.C, task_similarity=args.task_similarity, **_given(args, "epsilon"))


#: --model name -> builder of the multi-task estimator from the parsed arguments.
MODELS = {
    "svc": _svc, "linear": _linear, "logistic": _logistic, "mlp": _mlp,
    "svr": _svr, "kernel-ridge": _kernel_ridge, "ridge": _ridge, "linear-svr": _linear_svr,
}

#: The models of each kind, the default first. For labels svc, the exact kernel
#: SVM. For numbers ridge: its solution is linear in y, so targets in any units
#: (exam scores of 1 to 70, prices in thousands) need no tuning, where SVR's C
#: and epsilon are in the target's units (on a 120-row example of exam scores
#: of standard deviation 15, SVR's defaults reached a mean per-task R² of 0.5
#: where ridge's reached 0.99), and it has an intercept per task, which kernel
#: ridge lacks (uncentred targets are then shrunk towards 0); it scales to many rows.
KIND_MODELS = {
    "classification": ("svc", "linear", "logistic", "mlp"),
    "regression": ("ridge", "svr", "kernel-ridge", "linear-svr", "mlp"),
}

#: The linear models: their baselines are the same model fitted as a single task.
LINEAR_MODELS = ("linear", "logistic", "ridge", "linear-svr")

#: The models that take --class-weight: it weighs the classes of the multi-task
#: model and of its baselines alike (mlp's baselines, MLPClassifier, fitted with
#: each row's class weight as its sample weight).
CLASS_WEIGHT_MODELS = ("svc", "linear", "logistic", "mlp")

#: Options that some models only use: (option, its dest, those models). Given
#: with another model they are refused, not ignored: the table would report a
#: run other than the one asked for. (--probability has messages of its own.)
MODEL_OPTIONS = (
    ("--kernel", "kernel", ("svc", "svr", "kernel-ridge")),
    ("--n-components", "n_components", ("svc", "kernel-ridge")),
    ("-C", "C", ("svc", "linear", "logistic", "svr", "linear-svr")),
    ("--alpha", "alpha", ("ridge", "kernel-ridge")),
    ("--epsilon", "epsilon", ("svr", "linear-svr")),
    ("--task-similarity", "task_similarity", tuple(m for m in MODELS if m != "mlp")),
    ("--hidden-layer-sizes", "hidden_layer_sizes", ("mlp",)),
    ("--backend", "backend", ("mlp",)),
    ("--class-weight", "class_weight", CLASS_WEIGHT_MODELS),
)

def _layers(text):
    """--hidden-layer-sizes: positive ints separated by commas."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return sizes


def _int_at_least(minimum: int):
    """An argparse type: an int of at least ``minimum`` (--n-components 1, --cv 2)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer of at least {minimum}, got {text!r}")
        return value

    return parse


_components = _int_at_least(1)
_folds = _int_at_least(2)


def _finite_number(accept, words: str):
    """An argparse type: a finite number that ``accept`` takes (--alpha > 0, --epsilon >= 0)."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (np.isfinite(value) and accept(value)):
            raise argparse.ArgumentTypeError(f"must be {words}, got {text!r}")
        return value

    return parse


_positive = _finite_number(lambda value: value > 0, "a positive number")
_non_negative = _finite_number(lambda value: value >= 0, "a number of at least 0")


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


def _jobs(text):
    """--n-jobs: a non-zero int (-1 = all CPUs), as scikit-learn's n_jobs."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs == 0:
        raise argparse.ArgumentTypeError(f"must be a non-zero integer (-1 = all CPUs), got {text!r}")
    return jobs


#: Separators the CSV reader detects; --sep may name any other single character.
SEPARATORS = ",;\t|"
_SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def _separator(text):
    """--sep: one character, or tab / comma / semicolon / pipe / space by name."""
    sep = _SEPARATOR_NAMES.get(text.lower(), text)
    if len(sep) != 1 or sep in "\"\r\n":
        raise argparse.ArgumentTypeError(f"must be one character (or 'tab'), got {text!r}")
    return sep


def _show_sep(sep):
    return "tab" if sep == "\t" else repr(sep)


#: Characters at the start of a CSV from which its separator is guessed.
SNIFF_CHARS = 16384


def _sniff(sample, complete):
    """The separator of a CSV, guessed from ``sample``, its start (',' when unclear).

    ``complete`` says that the sample is the whole file.
    """
    if not complete and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # no cut-off last line
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def _is_int_text(text):
    """True for an int written the plain way: '7', '-3', not '07', '7.0' or '+7'."""
    try:
        return str(int(text)) == text and abs(int(text)) < 2**63
    except ValueError:
        return False


def _distinct(values):
    """(the distinct values in the order they first appear, the index of each value among them).

    The labels and task ids are read from their distinct texts: a column of
    300,000 cells holds a handful.
    """
    index = {}
    codes = np.fromiter((index.setdefault(value, len(index)) for value in values), dtype=np.intp, count=len(values))
    return list(index), codes


def _task_ids(values):
    """Task ids as written: ints when all are plain ints, else the texts.

    Texts are never converted to numbers, so '1', '1.0' and '01' stay three
    tasks.
    """
    distinct, codes = _distinct(values)
    if all(_is_int_text(value) for value in distinct):
        return np.array([int(value) for value in distinct], dtype=np.int64)[codes]
    return np.array(values, dtype=object)


def _labels(values, target, lines=None):
    """The target column as class labels: ints when all are whole numbers, else the numbers or the texts.

    Numbers that are not all whole (a continuous target, read as labels on
    --kind classification) stay floats. Refuses a missing or non-finite
    number, and one class written two ways ('1' and '1.0'). ``lines`` are
    the values' line numbers in the file (default: one value per line from
    line 2).
    """
    distinct, codes = _distinct(values)
    if all(_is_int_text(value) for value in distinct):
        return np.array([int(value) for value in distinct], dtype=np.int64)[codes]
    try:
        numbers = np.array(distinct, dtype=float)
    except ValueError:
        return np.array(values, dtype=object)
    if not np.all(np.isfinite(numbers)):
        # The distinct values are in order of first appearance: the first
        # non-finite one is that of the first non-finite cell.
        k = int(np.flatnonzero(~np.isfinite(numbers))[0])
        i = int(np.argmax(codes == k))
        line = i + 2 if lines is None else lines[i]
        raise ValueError(
            f"the target {target!r} has the value {distinct[k]!r} on line {line}; it needs a class label"
        )
    spellings = {}
    for value, number in zip(distinct, numbers):
        spellings.setdefault(number, {})[value] = None
    for number, texts in spellings.items():
        if len(texts) > 1:
            raise ValueError(
                f"the target {target!r} writes one class in several ways ({', '.join(map(repr, texts))}); "
                "write each class one way"
            )
    whole = numbers == np.round(numbers)
    return (numbers.astype(np.int64) if whole.all() else numbers)[codes]


def _numbers(values, target, lines=None):
    """The target column as floats (a regression's), refusing text and non-finite numbers by line."""
    distinct, codes = _distinct(values)
    numbers = np.empty(len(distinct))
    for k, text in enumerate(distinct):
        try:
            numbers[k] = float(text)
        except ValueError:
            numbers[k] = np.nan
        if not np.isfinite(numbers[k]):
            i = int(np.argmax(codes == k))
            line = i + 2 if lines is None else lines[i]
            raise ValueError(
                f"the target {target!r} has the value {text!r} on line {line}; a regression target "
                "must be finite numbers (or pass --kind classification for class labels)"
            )
    if len(distinct) < 2:
        raise ValueError(f"the target {target!r} has a single value ({distinct[0]}); a regression needs it to vary")
    return numbers[codes]


def _all_numbers(values) -> bool:
    """Whether every one of a target's texts reads as a number."""
    try:
        np.array(_distinct(values)[0], dtype=float)
    except ValueError:
        return False
    return True


def _continuous(values):
    """'N distinct numbers: a, b, c, ...' when a target's texts are continuous numbers
    (scikit-learn's type_of_target of its finite ones: a stray 'nan' is then refused as a
    regression target's), else None (text, or whole numbers)."""
    distinct = _distinct(values)[0]
    try:
        numbers = np.array(distinct, dtype=float)
    except ValueError:
        return None
    numbers = numbers[np.isfinite(numbers)]
    if not len(numbers) or type_of_target(numbers) != "continuous":
        return None
    return f"{len(distinct)} distinct numbers: " + ", ".join(distinct[:3]) + (", ..." if len(distinct) > 3 else "")


def _regressor_named(args) -> bool:
    """Whether --kind auto comes with a regressor named (--model ridge): whole numbers
    (exam scores) are then read as the quantities they are, not as class labels."""
    return args.kind == "auto" and args.model is not None and _only_kind(args.model) == "regression"


def _resolve_kind(columns, targets, kind):
    """(the kind of the targets, what --kind auto found in them, or None: see :func:`_auto_line`).

    --kind auto reads continuous targets as a regression; several targets
    must all be of one kind. 'numbers' (auto with a regressor named) reads
    targets that are all numbers, whole or not, as a regression.
    """
    if kind == "numbers":
        numeric = all(_all_numbers(columns[target][columns[target] != ""]) for target in targets)
        return ("regression" if numeric else "classification"), None
    if kind != "auto":
        return kind, None
    found = {target: _continuous(columns[target][columns[target] != ""]) for target in targets}
    continuous = [target for target, described in found.items() if described]
    if not continuous:
        return "classification", None
    if len(continuous) < len(targets):
        labels = [repr(target) for target in targets if target not in continuous]
        raise ValueError(
            f"the target {continuous[0]!r} looks like a regression target ({found[continuous[0]]}), but "
            f"{' and '.join(labels)} hold{'s' if len(labels) == 1 else ''} class labels; one comparison "
            "takes one kind: pass --kind regression (all numbers) or --kind classification (all labels), "
            "or compare them apart"
        )
    if len(targets) == 1:
        return "regression", f"the target {targets[0]!r} is continuous ({found[targets[0]]})"
    return "regression", f"the targets {', '.join(map(repr, targets))} are continuous"


def _auto_line(found, n_targets):
    """The first line of a run where --kind auto found continuous targets (``found``, from :func:`_resolve_kind`)."""
    them = "it" if n_targets == 1 else "them"
    return f"{found}: comparing regressors; pass --kind classification to treat {them} as class labels."


def read_csv(path, task_column, target, sep=None, kind="auto"):
    """Read a CSV into (features, y, task ids, feature names), with one-line errors.

    ``target`` is a column name, or a list of them. One target is the long
    form: ``task_column`` names the task of each row, and ``y`` holds one
    label per row. Several are the wide form (``task_column`` None): ``y``
    is an object array with one column per target, None where a cell is
    empty (a missing label), and the task ids are None. ``sep`` is the
    field separator; None detects it among , ; tab and |. ``kind`` is
    'classification' (class labels), 'regression' (floats; the wide form's
    ``y`` is then a float array, NaN where a cell is empty) or 'auto'
    (regression for continuous targets; see :func:`read_csv_kind`).

    The header is read with the csv module, the rows with pandas (8x faster
    on 300,000 rows); where pandas is missing, and for the files that pandas
    would read otherwise than the csv module (see ``_read_rows_fast``), with
    the csv module, which also words the errors. The result and the errors
    are the same either way.
    """
    return read_csv_kind(path, task_column, target, sep, kind)[:4]


def read_csv_kind(path, task_column, target, sep=None, kind="auto"):
    """:func:`read_csv`'s (X, y, task ids, feature names), then the kind of the targets
    ('classification' or 'regression') and what 'auto' found in them (or None: see :func:`_auto_line`)."""
    targets = [target] if isinstance(target, str) else list(target)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not a CSV file") from None
    try:
        with handle:
            return _read_opened(handle, path, task_column, targets, sep, kind)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None


def _read_opened(handle, path, task_column, targets, sep, kind):
    """read_csv_kind on the file opened as ``handle``."""
    wide = len(targets) > 1
    target = targets[0]  # the target, in the long form
    sample = handle.read(SNIFF_CHARS + 1)
    detected = sep is None
    if detected:
        sep = _sniff(sample[:SNIFF_CHARS], complete=len(sample) <= SNIFF_CHARS)
    handle.seek(0)
    rows = (row for row in csv.reader(handle, delimiter=sep) if any(cell.strip() for cell in row))
    header = next(rows, None)
    if header is None:
        raise ValueError(f"{path} is empty")
    header = [name.strip() for name in header]
    if len(header) == 1:
        inside = [_show_sep(c) for c in SEPARATORS if c in header[0]]
        if detected and inside:
            cause = (
                f"the lines are not all split the same way by {' or '.join(inside)}, so it was read "
                f"with ','; if the file is separated by {inside[0]}, pass --sep {inside[0]}"
            )
        elif detected:
            cause = "it holds none of the separators , ; tab |: name the file's separator with --sep CHAR"
        else:
            cause = f"it holds no {_show_sep(sep)}: is --sep {_show_sep(sep)} the file's separator?"
        raise ValueError(f"the header of {path} is a single column ({header[0][:60]!r}); {cause}")
    duplicated = [name for name, count in Counter(header).items() if count > 1]
    if duplicated:
        raise ValueError(
            f"{path} has duplicate column names: {', '.join(map(repr, duplicated))}; give each column its own name"
        )
    first = next(rows, None)
    if first is None:
        raise ValueError(f"{path} has a header but no data rows")
    named = [(name, "--target") for name in targets] + ([] if task_column is None else [(task_column, "--task-column")])
    for name, option in named:
        if name not in header:
            raise ValueError(f"{option} {name!r} is not a column of {path}; its columns are: {', '.join(header)}")
    if wide and task_column is not None:
        raise ValueError(
            "several --target columns are the wide form, one task per target, every row belonging "
            "to every task, so --task-column has no use: drop it, or give one --target"
        )
    if task_column in targets:
        raise ValueError("--task-column and --target must be different columns")
    twice = [name for name, count in Counter(targets).items() if count > 1]
    if twice:
        raise ValueError(f"--target {twice[0]!r} is given twice; give each target column once")
    texts = targets if wide else [task_column, target]
    features = [name for name in header if name not in texts]
    if not features:
        raise ValueError(f"{path} has no feature columns besides {' and '.join(map(repr, texts))}")
    read = _read_rows_fast(path, sep, header, features, texts)
    X, columns = read if read is not None else _read_rows(path, header, [first, *rows], features, texts)
    if not wide:
        for name in (task_column, target):
            empty = np.flatnonzero(columns[name] == "")
            if len(empty):
                raise ValueError(f"column {name!r} has an empty value on line {empty[0] + 2}")
    kind, found = _resolve_kind(columns, targets, kind)
    if wide:
        y = _wide_numbers(columns, targets) if kind == "regression" else _wide_labels(columns, targets)
        return X, y, None, features, kind, found
    if kind == "regression":
        y = _numbers(columns[target], target)
    else:
        y = _labels(columns[target], target)
        _check_two_classes(y, target)
    return X, y, _task_ids(columns[task_column]), features, kind, found


def _read_rows(path, header, body, features, texts):
    """(features as floats, {text column: its stripped cells}) of the csv module's rows ``body``.

    Row i of ``body`` is line i + 2 of the file (blank lines not counted).
    """
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path} line {number} has {len(row)} fields, but the header has {len(header)}")
    position = {name: j for j, name in enumerate(header)}
    X = np.empty((len(body), len(features)))
    for j, name in enumerate(features):
        cells = [row[position[name]].strip() for row in body]
        for i, cell in enumerate(cells):
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
            raise ValueError(f"feature column {name!r} has the non-finite value {cells[i]!r} on line {i + 2}")
    columns = {name: np.array([row[position[name]].strip() for row in body], dtype=object) for name in texts}
    return X, columns


def _read_rows_fast(path, sep, header, features, texts):
    """What :func:`_read_rows` gives, read by pandas; None where pandas is missing or might differ.

    pandas parses numbers as ``float()`` does, but it reads some files
    otherwise than the csv module: it pads a row shorter than the header
    with empty cells, reads a column of True and False as booleans, keeps
    a row of empty cells, and drops the extra cells of a long first row
    (with a warning). Each such file makes a feature column non-numeric or
    non-finite, leaves the last column with an empty cell (where a short
    row and an empty cell look alike), or warns; for those, None hands the
    file to the csv module, which reads it as it always did or words the
    error.
    """
    try:
        import pandas as pd
    except ImportError:
        return None
    # pandas 3 parses numbers as float() does (and deprecates the option); pandas 2 may be 1 ulp off.
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)  # a long first row, cut short
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # mixed types: not numeric, refused below
        try:
            frame = pd.read_csv(
                path, sep=sep, header=0, index_col=False, encoding="utf-8-sig",
                dtype={header.index(name): str for name in texts},  # by position: names are stripped here
                keep_default_na=False,  # every text as written: 'NA' is a class, '' an empty cell
                **exact,
            )
        except (ValueError, pd.errors.ParserWarning):  # a long row, a decoding error, ...
            return None
    if frame.shape[1] != len(header) or frame.empty or (frame.iloc[:, -1] == "").any():
        return None
    frame.columns = header
    numeric = frame[features]
    if not all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in numeric.dtypes):
        return None
    X = numeric.to_numpy(dtype=float)
    if not np.all(np.isfinite(X)):
        return None
    return X, {name: frame[name].str.strip().to_numpy(dtype=object) for name in texts}


def _wide_labels(columns, targets):
    """The target columns as one object array, a column each, None for an empty cell (a missing label).

    Each target's labels are read as one target's are (ints when all are
    whole numbers), unless some targets hold text: all are then kept as
    written, for the pooled baseline fits one model on every target's
    labels, which needs them of one type.
    """
    y = np.full((len(columns[targets[0]]), len(targets)), None, dtype=object)
    for t, target in enumerate(targets):
        rows = np.flatnonzero(columns[target] != "")
        if not len(rows):
            raise ValueError(f"the target {target!r} has no labels (every cell is empty); label some rows, or drop it")
        labels = _labels(columns[target][rows], target, lines=rows + 2)
        _check_two_classes(labels, target)
        y[rows, t] = labels.tolist()
    if len({type(v) for v in y.ravel() if v is not None}) > 1:  # numbers and texts
        y = np.array([[cell or None for cell in columns[target]] for target in targets], dtype=object).T
    return y


def _wide_numbers(columns, targets):
    """The target columns as one float array, a column each, NaN for an empty cell (a missing target)."""
    y = np.full((len(columns[targets[0]]), len(targets)), np.nan)
    for t, target in enumerate(targets):
        rows = np.flatnonzero(columns[target] != "")
        if not len(rows):
            raise ValueError(f"the target {target!r} has no values (every cell is empty); fill some rows, or drop it")
        y[rows, t] = _numbers(columns[target][rows], target, lines=rows + 2)
    return y


def _named_columns(y, targets):
    """The wide y as a DataFrame whose columns, the task ids, are the targets' names, so
    that warnings and errors name them; as it is where pandas (optional) is missing."""
    try:
        import pandas as pd
    except ImportError:
        return y
    return pd.DataFrame(y, columns=targets)


def _check_two_classes(labels, target):
    if len(np.unique(labels)) < 2:
        raise ValueError(
            f"the target {target!r} has a single class ({plain_id(labels[0])!r}); a classifier needs two"
        )


#: Scorings defined for two classes only.
BINARY_SCORINGS = ("f1", "roc_auc")


#: Scorings that read predict_proba, which MultiTaskKernelSVC has with probability=True only.
PROBABILITY_SCORINGS = ("neg_log_loss", "roc_auc_ovr")

#: CalibratedClassifierCV(cv=5): the calibrated SVC that the baselines fit with --probability.
_CALIBRATION_FOLDS = 5


def _needs_probabilities(scoring):
    return scoring in PROBABILITY_SCORINGS


def _probabilities_with(args):
    """What the user adds to get the probabilities that ``args`` lack, or None where they have them."""
    if args.model == "svc" and not args.probability:
        return "--probability"
    if args.model == "linear":
        return "--model logistic"
    return None


def _check_options(args, kind=None, found=None):
    """Option clashes the data cannot change: refused before reading anything where they can be.

    ``kind`` is the targets' kind once the data are read. Before, it is
    --kind's (classification for the generated data); where it is not known
    yet (--kind auto on a CSV), the checks that need it, or the default
    model it chooses, wait for the data. ``found``: what --kind auto found
    in continuous targets, said where the default regressor refuses an option.
    """
    if kind is None and args.kind != "auto":
        kind = args.kind
    if kind is None and args.csv is None:
        kind = "classification"  # the generated data
    if kind is not None:
        _check_kind(args, kind)
    model = args.model or (KIND_MODELS[kind][0] if kind else None)
    if model is None:
        if args.pos_label is not None and args.scoring != "f1":
            raise UsageError("--pos-label applies to --scoring f1 only")
        return
    if args.probability and model == "linear":
        raise UsageError(
            "--probability applies to --model svc; --model linear (MultiTaskLinearSVC) gives no "
            "probabilities: use --model logistic"
        )
    if args.probability and _only_kind(model) == "regression":
        raise UsageError(
            f"--probability applies to --model svc; --model {model} is a regressor, with no class probabilities"
        )
    if args.probability and model != "svc":
        raise UsageError(f"--probability applies to --model svc (--model {model} gives probabilities anyway)")
    model_kind = kind or _only_kind(model)
    # Which models of mlp's kind use an option is known once the data are read.
    for option, dest, models in MODEL_OPTIONS if model_kind else ():
        if getattr(args, dest) is not None and model not in models:
            same = [m for m in models if m in KIND_MODELS[model_kind]]
            users = _join(same or models)
            where = "" if same else f" ({'regressors' if model_kind == 'classification' else 'classifiers'})"
            chosen = (
                f", the default regressor, chosen as {found}; pass --kind classification to read the "
                "target as class labels" if found and args.model is None else ""
            )
            raise UsageError(f"{option} applies to --model {users}{where}, not to --model {model}{chosen}")
    if _needs_probabilities(args.scoring) and model == "svc" and not args.probability:
        raise UsageError(
            f"--scoring {args.scoring} needs class probabilities, which --model svc gives only "
            "with --probability: add --probability"
        )
    if _needs_probabilities(args.scoring) and model == "linear":
        raise UsageError(
            f"--scoring {args.scoring} needs class probabilities, which --model linear "
            "(MultiTaskLinearSVC) does not give: use --model logistic (the same model with the "
            "logistic loss)"
        )
    if args.pos_label is not None and args.scoring != "f1":
        raise UsageError("--pos-label applies to --scoring f1 only")


def _check_kind(args, kind):
    """Refuse a model, a scoring or an option of the other kind than the targets'."""
    auto = args.kind == "auto"
    if kind == "regression":
        why = "--kind regression is given" if not auto else "the target is continuous"
        hint = ", or pass --kind classification to treat the target as class labels" if auto else ""
    else:
        why = "--kind classification is given" if not auto else "the target holds class labels"
        hint = ", or pass --kind regression if the target is a quantity" if auto and args.csv else ""
    other = "classification" if kind == "regression" else "regression"
    if args.model is not None and args.model not in KIND_MODELS[kind]:
        raise UsageError(
            f"--model {args.model} is a {'classifier' if kind == 'regression' else 'regressor'}, but {why}: "
            f"choose a {'regressor' if kind == 'regression' else 'classifier'} "
            f"(--model {_join(KIND_MODELS[kind], 'or')}){hint}"
        )
    if args.scoring is not None and (args.scoring in REGRESSION_SCORER_NAMES) != (kind == "regression"):
        names = REGRESSION_SCORER_NAMES if kind == "regression" else CLASSIFICATION_SCORINGS
        raise UsageError(
            f"--scoring {args.scoring} scores {other}, but {why}: use one of {', '.join(names)}{hint}"
        )
    if kind == "regression":
        for option, given, users in (
            ("--class-weight", args.class_weight, f"--model {_join(CLASS_WEIGHT_MODELS)}"),
            ("--probability", args.probability or None, "--model svc"),
            ("--pos-label", args.pos_label, "--scoring f1"),
        ):
            if given is not None:
                raise UsageError(f"{option} applies to classification ({users}), but {why}: drop it{hint}")


def _only_kind(model):
    """The kind of the targets a model fits, or None for a model of both (mlp)."""
    kinds = [kind for kind, models in KIND_MODELS.items() if model in models]
    return kinds[0] if len(kinds) == 1 else None


def _join(names, last="and"):
    """'a', 'a and b', 'a, b and c' (or 'a, b or c')."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def _with_model_defaults(args, kind):
    """``args`` with the kind of the targets, its default model where none is given, and the
    defaults of the model options not given (see MODEL_DEFAULTS)."""
    given = vars(args)
    return argparse.Namespace(**{
        **given,
        **{dest: value for dest, value in MODEL_DEFAULTS.items() if given[dest] is None},
        "kind": kind,
        "model": args.model or KIND_MODELS[kind][0],
    })


def _check_output(path, option):
    """Refuse, before the run, an output path that cannot be written."""
    if os.path.isdir(path):
        raise ValueError(f"{option} {path} is a directory; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{option} {path}: the directory {folder} does not exist")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"{option} {path} cannot be written (permission denied)")
    if not os.path.exists(path) and not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path} cannot be written: no permission to write in {folder}")


def _check_plot(path):
    """--plot: matplotlib is there and can write this kind of file."""
    try:
        import matplotlib
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")  # a file, not a window
    from matplotlib.backend_bases import FigureCanvasBase

    extension = os.path.splitext(path)[1][1:].lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if extension and extension not in formats:
        raise ValueError(
            f"--plot {path}: matplotlib cannot write .{extension} files; end the name with one of "
            f"{', '.join('.' + name for name in sorted(formats))}"
        )


def _scoring(args, targets):
    """The scoring for the targets' labels, checked against their classes before the run; a name or a TaskScorer.

    ``targets`` maps a description of each target ("'label'", or "of the
    generated data") to its labels; several targets are the wide form.
    """
    from sklearn.metrics import f1_score

    from .metrics import make_task_scorer

    classes = {target: np.unique(labels) for target, labels in targets.items()}
    binary = all(len(c) == 2 for c in classes.values())
    scoring = args.scoring or ("roc_auc" if binary else "accuracy")
    shown = {
        target: ", ".join(map(str, c[:10])) + (", ..." if len(c) > 10 else "") for target, c in classes.items()
    }
    multiclass = next((target for target, c in classes.items() if len(c) > 2), None)
    if scoring in BINARY_SCORINGS and multiclass is not None:
        others = [
            name + (f" (with {_probabilities_with(args)})" if _needs_probabilities(name) and
                    _probabilities_with(args) else "")
            for name in CLASSIFICATION_SCORINGS if name not in BINARY_SCORINGS
        ]
        raise ValueError(
            f"--scoring {scoring} needs two classes, but the target {multiclass} has {len(classes[multiclass])} "
            f"({shown[multiclass]}); with several classes use {', '.join(others)}"
        )
    if scoring != "f1":
        return scoring
    if args.pos_label is None:
        for target, c in classes.items():
            if set(c.tolist()) not in ({0, 1}, {-1, 1}):
                raise ValueError(
                    f"--scoring f1 needs to know the positive class of the target {target} (labels: "
                    f"{shown[target]}): add --pos-label LABEL"
                )
        return scoring
    for target, c in classes.items():  # the targets' labels are all numbers or all texts
        matches = [plain_id(label) for label in c if str(label) == args.pos_label]
        if not matches:
            raise ValueError(
                f"--pos-label {args.pos_label!r} is not a label of the target {target}; its labels are: {shown[target]}"
            )
    scorer = make_task_scorer(f1_score, response_method="predict", pos_label=matches[0])
    scorer.name = "f1"
    return scorer


def _check_single_rows(y, tasks, target, folds):
    """Refuse numbers read as class labels where a task has one row of a class, before the folds do,
    in the command's words: several such numbers are more likely a quantity (exam scores, counts)
    than labels, so say --kind regression. ``target`` is described as in :func:`_scoring`."""
    if y.dtype.kind not in "iuf":
        return  # text labels: the folds' own message
    task_list, task_codes = np.unique(tasks, return_inverse=True)
    labels, label_codes = np.unique(y, return_inverse=True)
    counts = np.zeros((len(task_list), len(labels)), dtype=np.intp)
    np.add.at(counts, (task_codes, label_codes), 1)
    if counts.sum(axis=1).min() < folds:
        return  # a task too small for the folds: their message comes first
    single = np.argwhere(counts == 1)
    if len(single):
        t, c = single[0]
        quantity = (
            f" (the target {target} has {len(labels)} distinct numbers); if it is a quantity, not class "
            "labels, pass --kind regression" if len(labels) > 2 else ""
        )
        raise ValueError(
            f"Task {plain_id(task_list[t])!r} has a single row of class {plain_id(labels[c])!r}, so one "
            f"training fold would lack that class for that task; each (task, class) pair needs at least 2 "
            f"rows{quantity}"
        )


def _check_calibration(task_labels, folds):
    """--probability: each task's baseline SVC is calibrated by 5-fold CV within its training rows.

    ``task_labels`` maps each task to the labels of its (labelled) rows.
    """
    for task, task_y in task_labels.items():
        labels, counts = np.unique(task_y, return_counts=True)
        training = counts - -(-counts // folds)  # the fewest rows of a class in a training fold
        if training.min() < _CALIBRATION_FOLDS:
            k = int(np.argmin(training))
            raise ValueError(
                f"--probability calibrates each task's baseline SVC by {_CALIBRATION_FOLDS}-fold "
                f"cross-validation, which needs {_CALIBRATION_FOLDS} rows of each class in each training "
                f"fold; task {plain_id(task)!r} has {counts[k]} rows of class {plain_id(labels[k])!r}, "
                f"{training[k]} in a training fold of --cv {folds}"
            )


#: Files from this size on get a line on stderr while they are read (unless
#: --quiet): tens of thousands of rows and up, which take a noticeable time;
#: smaller ones are read at once, and their errors stay the only line.
READ_REPORT_BYTES = 4 * 2**20

#: Seconds that --scheduler waits for the dask scheduler to answer.
SCHEDULER_TIMEOUT = 10


@contextlib.contextmanager
def _reading(args):
    """Around the reading of the CSV: for a big file, a line on stderr when it starts and
    when it ends (unless --quiet). Yields ``report(summary)``, to say what was read."""
    try:
        size = os.path.getsize(args.csv)
    except OSError:
        size = 0  # not a file: read_csv words the error
    line = StatusLine(enabled=not args.quiet and size >= READ_REPORT_BYTES)
    line.show(f"reading {args.csv} ({format_bytes(size)}) ...", force=True)
    start = time.perf_counter()
    try:
        yield lambda summary: line.show(
            f"read {summary} in {format_seconds(round(time.perf_counter() - start, 1))}", force=True
        )
    finally:
        line.close()  # an error then starts a line of its own


def _data(args):
    """(X, y, tasks, source, by_target, kind, found): the command's data, from its CSV or generated.

    ``source`` says in one line what the data is; ``by_target`` maps each
    target, described, to its labels (see :func:`_scoring`); ``kind`` is
    'classification' or 'regression', and ``found`` what --kind auto found
    in continuous targets (None where it read labels, or --kind was given).
    """
    targets = args.target or []
    if args.csv is None:
        if args.task_column or targets:
            raise UsageError("--task-column and --target need a CSV file")
        if args.sep:
            raise UsageError("--sep needs a CSV file")
        if args.kind == "regression":
            raise UsageError(
                "--kind regression needs a CSV with a numeric target (--task-column COL --target COL); "
                "the generated data hold class labels"
            )
        from .datasets import make_multitask_classification

        X, y, tasks, _ = make_multitask_classification(**DEFAULT_DATA, random_state=args.random_state)
        source = (
            f"generated data: {DEFAULT_DATA['n_tasks']} tasks in {DEFAULT_DATA['n_clusters']} "
            f"clusters of related tasks, {len(y)} rows, {X.shape[1]} features"
        )
        return X, y, tasks, source, {"of the generated data": y}, "classification", None
    wide = len(targets) > 1
    if not wide and not (args.task_column and targets):
        raise ValueError("a CSV needs --task-column COL and --target COL (or several --target COL)")
    with _reading(args) as report:
        X, y, tasks, features, kind, found = read_csv_kind(
            args.csv, args.task_column, targets if wide else targets[0], sep=args.sep,
            kind="numbers" if _regressor_named(args) else args.kind,
        )
        n_tasks = len(targets) if wide else len(np.unique(tasks))
        report(f"{len(y):,} rows x {len(features)} features, {n_tasks} {'targets' if wide else 'tasks'}")
    if wide:
        source = f"{args.csv}: {len(y)} rows, {n_tasks} tasks (one per --target), {len(features)} features"
        by_target = {
            repr(name): [v for v in y[:, t] if v is not None and v == v] for t, name in enumerate(targets)
        }
        return X, _named_columns(y, targets), tasks, source, by_target, kind, found
    source = f"{args.csv}: {len(y)} rows, {n_tasks} tasks, {len(features)} features"
    return X, y, tasks, source, {repr(targets[0]): y}, kind, found


@contextlib.contextmanager
def _on_dask_cluster(address):
    """Within the block, joblib's parallel work (the fits) runs on the dask cluster at ``address``."""
    try:
        import joblib
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs dask: pip install 'skmtl[dask]'") from None
    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT)
    except (OSError, ValueError) as exc:  # unreachable (a timeout is an OSError), or not an address
        raise ValueError(
            f"--scheduler {address}: cannot connect to a dask scheduler there ({exc}); give the address "
            "the scheduler prints (e.g. tcp://10.0.0.5:8786), and check that the scheduler runs"
        ) from None
    with client, joblib.parallel_backend("dask"):
        yield


def _compare(args) -> int:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .model_selection import compare_with_single_task
    from .model_selection._compare import _final_step

    _check_options(args)
    if args.json:
        _check_output(args.json, "--json")
    if args.plot:
        _check_output(args.plot, "--plot")
        _check_plot(args.plot)
    # The cluster is reached before the data is read: a wrong address costs seconds, not a read.
    named = _regressor_named(args)  # before the defaults settle --kind
    with _on_dask_cluster(args.scheduler) if args.scheduler else contextlib.nullcontext():
        X, y, tasks, source, by_target, kind, found = _data(args)
        _check_options(args, kind, found)  # now that the kind, and so the default model, is known
        given, args = args, _with_model_defaults(args, kind)
        if kind == "classification" and tasks is not None:
            _check_single_rows(y, tasks, next(iter(by_target)), args.cv)
        scoring = _scoring(args, by_target) if kind == "classification" else args.scoring or "r2"
        if args.probability:
            per_task = (
                dict(zip(args.target, by_target.values())) if tasks is None
                else {task: y[tasks == task] for task in np.unique(tasks)}
            )
            _check_calibration(per_task, args.cv)
        model = make_pipeline(StandardScaler(), MODELS[args.model](args))
        if kind == "regression" and tasks is not None:
            # Targets standardised too, for every model alike: kernel ridge has no
            # intercept and SVR's C and epsilon are in the targets' units, so
            # scores of 1 to 70 would otherwise be shrunk towards 0 or lie
            # inside the tube. Ridge's and the networks' answers do not change.
            # (Not for a wide y: TransformedTargetRegressor refuses its missing targets.)
            model = TransformedTargetRegressor(model, transformer=StandardScaler())
        if found:  # how --kind auto read the target: the first line, before anything else
            print(_auto_line(found, len(args.target)), flush=True)
        elif kind == "regression" and named:
            print(f"--model {args.model} is a regressor: the target{'s are' if len(args.target) > 1 else ' is'} "
                  "read as numbers (a regression).", flush=True)
        print(_score_line(scoring, args.pos_label), flush=True)
        print(source, flush=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = compare_with_single_task(
                    model,
                    X,
                    y,
                    tasks=tasks,
                    cv=args.cv,
                    scoring=scoring,
                    # On a cluster every fit is sent at once unless --n-jobs caps them.
                    n_jobs=-1 if args.scheduler and args.n_jobs is None else args.n_jobs,
                    random_state=args.random_state,
                    verbose=0 if args.quiet else 1,
                )
            except MemoryError as exc:
                raise MemoryError(_memory_message(exc, args)) from exc
    result = _plain_baselines(result, _final_step(model)[1])
    if tasks is None:  # the tasks are the targets (also where y had no column names)
        result = dataclasses.replace(result, tasks=np.array(args.target, dtype=object))
    print(_described(result, args))
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        print(f"warning: {message}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"data": source, **result.to_dict()}, handle, indent=2)
    if args.plot:
        result.plot().savefig(args.plot, dpi=120)
    print(f"\n{_next_step(args, given)}")
    return 0


#: The model that the last line of a run on a CSV suggests trying next, by --model
#: (mlp: by kind): another family (kernel, linear, network), which gives
#: probabilities where the one before did (logistic, mlp), but for mlp's classifier.
NEXT_MODEL = {
    "svc": "mlp", "linear": "svc", "logistic": "mlp", "ridge": "mlp", "svr": "ridge", "kernel-ridge": "ridge",
    "linear-svr": "ridge", "classification": "svc", "regression": "ridge",
}


def _next_model(args):
    """The model to try after ``args.model``: of the same kind, and one that the run's --scoring takes as it is."""
    if args.model != "mlp":
        return NEXT_MODEL[args.model]
    if args.kind == "classification" and _needs_probabilities(args.scoring):
        return "logistic"  # svc would need --probability
    return NEXT_MODEL[args.kind]


def _next_step(args, given):
    """The last lines of a run: the command to run next, fitting the run just done.

    After the generated data: the same on one's own CSV. After a CSV run: the
    same command with --plot and --json where they were not given, else with
    another model, without the options given (``given``: the arguments as
    parsed, before the defaults) that it does not take. (The options to add,
    not the whole command again: the user has it at hand, and a run on a
    cluster prints what a local run does.)
    """
    if args.csv is None:
        return (
            "Next, your own data: a CSV with a header row, a column of task ids, a target column and "
            f"numeric features:\n  {PROG} compare your.csv --task-column <column> --target <column>"
        )
    if args.plot is None:
        learned = args.model != "mlp" and args.task_similarity == "learn"
        picture = "each task's scores" + (" and the learned task similarity" if learned else "")
        keep, added = ("", "") if args.json else (", and every score and fit time as JSON", " --json scores.json")
        return f"Next, {picture} as a picture{keep}: the same command with --plot scores.png{added}."
    other = _next_model(args)
    dropped = [
        option for option, dest, models in MODEL_OPTIONS if getattr(given, dest) is not None and other not in models
    ]
    dropped += ["--probability"] if given.probability else []  # svc's only, and svc is never next to itself
    without = f", without {_join(dropped)}" if dropped else ""
    words = _plain_words(argparse.Namespace(**{**vars(args), "model": other}))[0]
    return (
        f"Next, another multi-task model on these data: the same command with --model {other}{without} ({words}); "
        f"{PROG} compare --help lists the models."
    )


#: The refusal of :func:`skmtl._memory.check_memory`, "The ... would need X, but
#: only Y of memory is available (where Y comes from).", which the estimator's
#: advice follows, in its parameters (n_components=500): the command gives its
#: own, in its options (--n-components 500).
_MEMORY_REFUSAL = re.compile(r"(.*? of memory is available \(.*?\)\.)(?: |$)")


def _memory_message(exc, args):
    """The message of a fit's MemoryError, with advice in the command's options."""
    message = " ".join(str(exc).split()) or "A fit ran out of memory."
    refusal = _MEMORY_REFUSAL.match(message)
    # Another MemoryError (NumPy's "Unable to allocate ...") is kept whole.
    refusal = refusal[1] if refusal else message.rstrip(".") + "."
    return f"{refusal} {_memory_advice(args)}"


def _memory_advice(args):
    """What the command's user can do about a fit too large for the memory."""
    if args.model in LINEAR_MODELS:
        return "Use fewer rows (a sample of each task's)."
    if args.model == "mlp":
        return "Use smaller --hidden-layer-sizes, or fewer rows."
    if args.model == "svr":
        return (
            "Use --model kernel-ridge --n-components 500 (the kernel approximated with 500 landmarks, in "
            "memory linear in the rows) or --model ridge, or fewer rows."
        )
    if args.model == "kernel-ridge":
        if args.n_components is not None:
            return "Pass a smaller --n-components or --model ridge, or use fewer rows."
        return (
            "Pass --n-components 500 (the kernel approximated with 500 landmarks, in memory linear in "
            "the rows) or --model ridge, or use fewer rows."
        )
    # Where the scoring reads probabilities, --model logistic gives them; --probability stays.
    needed = _needs_probabilities(args.scoring)
    linear = "--model logistic" if needed else "--model linear"
    if args.n_components is not None:
        return f"Pass a smaller --n-components or {linear}, or use fewer rows."
    drop = "drop --probability (its calibration folds copy the Gram matrix), " if args.probability and not needed else ""
    advice = (
        f"{drop}pass --n-components 500 (the kernel approximated with 500 landmarks, in memory "
        f"linear in the rows) or {linear}, or use fewer rows."
    )
    return advice[0].upper() + advice[1:]


def _plain_baselines(result, final):
    """``result`` with its baselines named as what they are where they are the model itself
    fitted as a single task (the linear models, kernel ridge with Nyström landmarks).

    compare_with_single_task names each model by its repr, and such a
    single-task counterpart is the model itself with task_similarity=0.0,
    which does nothing on one task but would read, on the pooled line, as
    if the tasks were kept apart.
    """
    counterpart = final._single_task_counterpart()
    if type(counterpart) is not type(final):  # a scikit-learn model (SVC, SVR, ...): named plainly already
        return result
    plain = clone(counterpart).set_params(task_similarity=type(counterpart)().task_similarity)
    shown, plainly = (" ".join(repr(model).split()) for model in (counterpart, plain))
    descriptions = [result.descriptions[0]] + [
        f"{text.replace(shown, plainly)}, fitted as a single task" if shown in text else text
        for text in result.descriptions[1:]
    ]
    return dataclasses.replace(result, descriptions=tuple(descriptions))


class _Interrupted(BaseException):
    """Ctrl-C during a command.

    Not a KeyboardInterrupt, which training loops (scikit-learn's
    MLPClassifier, skmtl's networks) catch to stop training early and keep
    the model: here Ctrl-C must stop the whole command, not one fit.
    """


def _interrupt(signum, frame):
    raise _Interrupted


@contextlib.contextmanager
def _ctrl_c_stops_the_command():
    """Within the block, Ctrl-C (SIGINT) raises _Interrupted; the previous handler is restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


def main(argv=None) -> int:
    """Run the ``skmtl`` command; return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        with _ctrl_c_stops_the_command():
            return _compare(args)
    except (KeyboardInterrupt, _Interrupted):
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the user sees one line; SKMTL_DEBUG=1 shows the traceback
        if os.environ.get("SKMTL_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
