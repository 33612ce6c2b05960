"""The classifier part of the shared networks: class labels, probabilities, accuracy.

:class:`BaseSharedNetworkClassifier` puts the label handling of
:mod:`skmtl._labels` on :class:`._base.BaseSharedNetwork`: each task's head
has one sigmoid output for two classes or a softmax over its classes, the
loss is the cross-entropy (fused with the output in the engine), and early
stopping watches the validation accuracy, as ``MLPClassifier``'s does.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets

from .._labels import ClassifierLabelsMixin
from .._tasks import WideTargets, plain_id, show_ids
from ._autograd import _sigmoid
from ._base import BaseSharedNetwork


class BaseSharedNetworkClassifier(ClassifierLabelsMixin, BaseSharedNetwork, ClassifierMixin, BaseEstimator):
    """Shared trunk, per-task classification heads, MLPClassifier's training; not for direct use."""

    _parameter_constraints: dict = {
        **BaseSharedNetwork._parameter_constraints,
        "class_weight": [StrOptions({"balanced", "balanced_per_task"}), dict, list, None],
    }
    _entry_weight_names = "sample_weight (times class_weight)"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Train the network on all tasks at once.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels; tasks may have different label sets. The wide
            form, an array or DataFrame with one column per task (task ids:
            its column names, else ``0..n_tasks-1``), labels every row for
            every task, a missing value (NaN, None, ``pd.NA``) meaning "not
            labelled for this task"; the trunk then runs once per row.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None (never with a
            wide y).
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights of the loss, or, with a wide y, per label.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, tasks, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, tasks=None, sample_weight=None, classes=None):
        """Train for one epoch over the given rows, keeping the weights and optimizer state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels, in the form of the first call (long or wide).
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. The first call
            fixes the set of tasks.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights of the loss (per label with a wide y).
        classes : array-like of shape (n_classes,), or list of n_tasks arrays, default=None
            All labels, required on the first call (as for ``MLPClassifier``);
            every task's head then covers all of them. With a wide y, one
            array per task (as ``MultiOutputClassifier.partial_fit``).

        Returns
        -------
        self : object
            The estimator, trained one epoch more.
        """
        if not self._is_trained() and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if self._is_trained() and classes is not None:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"`classes={list(classes)!r}` is not the same as the classes of the first "
                    f"fit, {self.classes_}; pass the same classes, or none."
                )
        return self._fit(X, y, tasks, sample_weight, incremental=True, classes=classes)

    # ---------------------------------------------------------------- labels

    def _encode_first_targets(self, y, codes, sample_weight, classes=None):
        """Set the label attributes from the first training labels; return each entry's class within its task."""
        if isinstance(y, WideTargets):
            return self._encode_wide_fit_labels(y, codes, sample_weight, classes)
        if classes is None:
            y = self._encode_labels(y, codes, sample_weight)
        else:  # partial_fit's first call: every task's head covers all classes
            check_classification_targets(y)
            self.classes_ = np.unique(classes)
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if len(unseen):
                raise ValueError(f"`y` has classes not in `classes`: {unseen}.")
            if len(self.classes_) < 2:
                raise ValueError("classes must hold at least two labels.")
            y = np.searchsorted(self.classes_, y).astype(np.intp)
            self._task_class_mask = np.ones((self.n_tasks_, len(self.classes_)), bool)
            self.task_classes_ = {plain_id(task): self.classes_ for task in self.tasks_}
        mask = self._task_class_mask
        self._local_class = np.where(mask, np.cumsum(mask, axis=1) - 1, -1)
        self._task_labels = [self.classes_[m] for m in mask]
        return self._local_class[codes, y]

    def _encode_wide_fit_labels(self, wide, codes, sample_weight, classes):
        if classes is None:
            return self._encode_wide_labels(wide, codes, sample_weight)
        # partial_fit's first call: one array of labels per task (column), as MultiOutputClassifier
        if not isinstance(classes, (list, tuple)) or len(classes) != wide.n_tasks:
            raise ValueError(
                f"With a wide y of {wide.n_tasks} columns, classes must be a list of "
                f"{wide.n_tasks} arrays, each task's labels in column order."
            )
        self.classes_ = [np.unique(c) for c in classes]
        if any(len(c) < 2 for c in self.classes_):
            raise ValueError("classes must hold at least two labels for every task.")
        self.task_classes_ = {plain_id(task): c for task, c in zip(self.tasks_, self.classes_)}
        self._task_labels = list(self.classes_)
        return self._wide_local_labels(wide, codes)

    def _wide_local_labels(self, wide, codes):
        """Each entry's class index within its task; a label the task does not know is an error."""
        local = np.empty(len(codes), dtype=np.intp)
        for t, (labels, known) in enumerate(zip(wide.labels, self.classes_)):
            index = np.minimum(np.searchsorted(known, labels), len(known) - 1)
            unknown = known[index] != labels
            if np.any(unknown):
                raise ValueError(
                    f"Task {show_ids(self.tasks_[t:t + 1])} has label(s) {np.unique(labels[unknown])} "
                    f"that it did not have in the first fit; it knows {known}."
                )
            local[codes == t] = index
        return local

    def _encode_more_targets(self, y, codes):
        """Class indices of more training labels (within each task), which each task must know already."""
        warm_start = self.warm_start
        if isinstance(y, WideTargets):
            local = self._wide_local_labels(y, codes)
            if warm_start and any(
                len(np.unique(local[codes == t])) != len(c) for t, c in enumerate(self.classes_)
            ):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the previous "
                    "call to fit, for every task."
                )
            return local
        return self._local_class[codes, self._encode_more_union_labels(y, codes, warm_start)]

    def _encode_more_union_labels(self, y, codes, warm_start):
        index = np.searchsorted(self.classes_, y)
        index = np.minimum(index, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if warm_start and (np.any(unknown) or len(np.unique(index)) != len(self.classes_)):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {np.unique(y)}."
            )
        if np.any(unknown):
            raise ValueError(
                f"`y` has labels not seen in the first fit: {np.unique(y[unknown])}; "
                f"the model knows {self.classes_}."
            )
        outside = self._local_class[codes, index] < 0
        if np.any(outside):
            t = codes[np.flatnonzero(outside)[0]]
            raise ValueError(
                f"Task {show_ids(self.tasks_[t:t + 1])} has label(s) "
                f"{np.unique(y[outside & (codes == t)])} that it did not have in the first "
                f"fit; it knows {self.task_classes_[plain_id(self.tasks_[t])]}."
            )
        return index.astype(np.intp)

    def _head_layout(self):
        """One sigmoid output for a two-class task, one softmax output per class for more."""
        return [1 if len(k) == 2 else len(k) for k in self._task_labels], None

    def _target_weights(self, codes, local):
        return self._class_weights(codes, local)

    def _single_task_strata(self, data):
        """MLPClassifier's split: stratified by class for two classes, not for more."""
        return data.y if len(self._task_labels[0]) == 2 else None

    def _strata_candidates(self, data):
        """Task x class cells (rare cells merged into their task), then tasks."""
        codes = data.codes
        cells = codes * max(map(len, self._task_labels)) + data.y
        counts = np.bincount(cells)
        return [np.where(counts[cells] >= 2, cells, -1 - codes), codes]

    # ------------------------------------------------------------ predict

    def _head_proba(self, X, lengths, requests):
        """Class probabilities of some rows from some heads, in float64.

        ``requests`` is a list of (task, sorted row indices); the answer is
        one ``(len(rows), n_classes_t)`` array each, columns in the task's own
        class order (from :meth:`_head_outputs`, the logits).
        """
        out = []
        for logits in self._head_outputs(X, lengths, requests):
            if logits.shape[1] == 1:
                positive = _sigmoid(logits[:, 0])
                out.append(np.column_stack([1 - positive, positive]))
            else:
                e = np.exp(logits - logits.max(axis=1, keepdims=True))
                out.append(e / e.sum(axis=1, keepdims=True))
        return out

    def _proba(self, X, codes, lengths=None):
        """Class probabilities in ``classes_`` order (each row from its task's head)."""
        classes, mask = self._union_classes()
        proba = np.zeros((X.shape[0], len(classes)))
        requests = self._task_requests(codes, X.shape[0])
        for (t, rows), task_proba in zip(requests, self._head_proba(X, lengths, requests)):
            proba[np.ix_(rows, mask[t])] = task_proba
        return proba

    def _validation_score(self, data):
        """Accuracy on the entries of a :class:`TrainingSet` (the early-stopping score).

        Its labels are class indices within each entry's task, as the
        predictions are.
        """
        predicted = self._entry_answers(data, self._head_proba, _most_probable, np.intp)
        return accuracy_score(data.y, predicted, sample_weight=data.sample_weight)

    def predict_proba(self, X, tasks=None):
        """Class probabilities of each row, from its own task's head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a model fitted on a wide y): every task for every row.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or list of n_tasks such arrays
            Columns follow ``classes_``; zero for labels a row's task never had.
            Every task for every row (a model fitted on a wide y, or
            ``tasks='all'``): one ``(n_samples, n_classes_t)`` array per task,
            columns following that task's labels (``task_classes_``).
        """
        X, lengths, codes = self._prediction_inputs(X, tasks)
        if codes is None:
            return self._head_proba(X, lengths, self._task_requests(None, X.shape[0]))
        return self._proba(X, codes, lengths)

    def predict_log_proba(self, X, tasks=None):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all': every task.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or list of n_tasks arrays
        """
        proba = self.predict_proba(X, tasks=tasks)
        with np.errstate(divide="ignore"):
            return [np.log(p) for p in proba] if isinstance(proba, list) else np.log(proba)

    def predict(self, X, tasks=None):
        """Predict the class of each row with its own task's head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a model fitted on a wide y): every task for every row.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            Labels, each among the labels of its row's task. Every task for
            every row (a model fitted on a wide y, or ``tasks='all'``): one
            column per task, in ``tasks_`` order (a DataFrame when fitted on one).
        """
        return self._predict_rows(X, tasks, self._head_proba, self._most_probable_label, self._gather_labels)

    def _most_probable_label(self, t, proba):
        return self._task_labels[t][_most_probable(t, proba)]


def _most_probable(t, proba):
    """Each row's most probable class, as an index within its task."""
    return np.argmax(proba, axis=1)
