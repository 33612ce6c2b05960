"""The words of ``skmtl compare`` for a newcomer: its first line and the models' names.

A run opens with a line that says what the score is and which way is better
(:func:`_score_line`) and names the three models in plain words before their
scikit-learn spelling (:func:`_described`). Its last line, the command to run
next, reads the command's option tables and so is in :mod:`skmtl._cli`
(``_next_step``).
"""

from __future__ import annotations

import dataclasses

from .metrics import SCORE_SCALES


#: What each scoring measures (how to read its numbers: :data:`skmtl.metrics.SCORE_SCALES`).
SCORING_WORDS = {
    "roc_auc": "ROC AUC",
    "roc_auc_ovr": "one-vs-rest ROC AUC (each class against the rest, averaged over classes)",
    "accuracy": "accuracy (the share of rows whose class is predicted right)",
    "balanced_accuracy": "balanced accuracy (the share of each class predicted right, averaged over classes)",
    "average_precision": "average precision (the area under the precision-recall curve)",
    "f1": "F1 of the positive class",
    "f1_macro": "macro F1 (the F1 of each class, averaged over classes)",
    "neg_log_loss": "the negated log loss",
    "r2": "R²",
    "explained_variance": "explained variance",
    "neg_root_mean_squared_error": "the negated root mean squared error (in the target's units)",
    "neg_mean_absolute_error": "the negated mean absolute error (in the target's units)",
    "neg_normalized_mean_squared_error": (
        "the negated normalised MSE (the mean squared error over the variance of the task's targets)"
    ),
}


def _score_line(scoring, pos_label=None):
    """The first line of a run: what the score is, and which way is better.

    ``scoring`` is a name of TASK_SCORER_NAMES, or the TaskScorer of
    ``--scoring f1 --pos-label LABEL`` (named 'f1').

    >>> print(_score_line("roc_auc"))  # doctest: +NORMALIZE_WHITESPACE
    Score: ROC AUC within each task, on held-out folds, averaged over tasks
    (higher is better; 1 is perfect, 0.5 is chance).
    """
    name = getattr(scoring, "name", scoring)
    what, levels = SCORING_WORDS[name], SCORE_SCALES[name]
    scale = f"{levels.best:g} is perfect" + (f", {levels.floor}" if levels.floor else "")
    if name == "f1" and pos_label is not None:
        what = f"F1 of the class {pos_label!r}"
    return f"Score: {what} within each task, on held-out folds, averaged over tasks (higher is better; {scale})."


#: Each model in plain words: what its multi-task model and its baselines are.
MODEL_NOUNS = {
    "svc": "kernel SVM", "linear": "linear SVM", "logistic": "logistic regression", "mlp": "network",
    "svr": "kernel SVR", "kernel-ridge": "kernel ridge regression", "ridge": "ridge regression",
    "linear-svr": "linear SVR",
}


def _plain_words(args):
    """(multi-task, independent, pooled): the three models of ``args`` (defaults settled) in plain words."""
    noun = MODEL_NOUNS[args.model]
    if args.model == "mlp":
        multi = "one network for all tasks: shared hidden layers, then an output per task"
    else:
        landmarks = (
            f" (its kernel approximated by {args.n_components} Nyström landmarks)"
            if args.n_components is not None else ""
        )
        similarity = (
            "a task similarity learned from the data" if args.task_similarity == "learn"
            else f"the task similarity fixed at {args.task_similarity:g} (0: independent tasks, 1: pooled)"
        )
        multi = f"one {noun}{landmarks} on all tasks together, with {similarity}"
    return multi, f"one {noun} per task", f"one {noun} for all tasks, blind to which task a row is from"


def _described(result, args):
    """``result`` with each model named in plain words, then, on a line below, as scikit-learn spells it."""
    return dataclasses.replace(result, descriptions=tuple(
        f"{plain}\n      {spelling}" for plain, spelling in zip(_plain_words(args), result.descriptions)
    ))
