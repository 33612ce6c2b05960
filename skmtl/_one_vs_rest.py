"""One-vs-rest over the union of the tasks' labels, for the relationship-learning classifiers.

:class:`MultiTaskKernelSVC` and the multi-task linear models solve one binary
subproblem per label of the union of the tasks' labels (one in all for two
labels), all sharing one task similarity. This mixin is what they share
around their solvers: the training entries (long or wide y, sample and class
weights) and the answers built from each subproblem's decision values. A
task is never predicted a label it did not have in training.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight

from ._dask import is_dask, predict_blocks
from ._labels import class_weights
from ._tasks import WideTargets, entry_weights


class OneVsRestMixin:
    """Training entries and answers of one-vs-rest multi-task classifiers.

    Goes before :class:`~skmtl._labels.ClassifierLabelsMixin`. The estimator
    provides ``_decision(X, codes)``: the scores of every binary subproblem,
    of shape (n_samples, n_subproblems), or with ``codes`` None every row
    seen from every task, of shape (n_tasks, n_samples, n_subproblems).
    X may be dense or sparse (CSR or CSC, given to the solvers as CSR).
    """

    _accept_sparse = ("csr", "csc")

    def _validate_predict_input(self, X, tasks):
        """Features (dense, or sparse CSR) and task codes of rows to predict."""
        X, codes = self._validate_predict_data(
            X, tasks, dtype=np.float64, accept_sparse=self._accept_sparse
        )
        return (X.tocsr() if sp.issparse(X) else X), codes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _training_entries(self, X, y, codes, sample_weight):
        """The labelled entries of validated training data, in long form.

        Sets the fitted labels. Returns each entry's features, its label as an
        index into the union of the tasks' labels (the one-vs-rest subproblems
        run over it), its task code, its sample weight and its class weight.
        A wide y gives its labelled entries in ``wide.entries()`` order (so a
        ``support_`` indexes them).
        """
        if isinstance(y, WideTargets):
            return self._wide_entries(X, y, sample_weight)
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        y = self._encode_labels(y, codes, sample_weight)
        # y indexes classes_ already: with every class marked present in every
        # task, class_weights reads it as it is (and refuses a per-task list).
        everywhere = np.ones((self.n_tasks_, len(self.classes_)), bool)
        row_weight = class_weights(
            self.class_weight, self.tasks_, self._task_labels, codes, y, (self.classes_, everywhere)
        )
        return X, y, codes, sample_weight, row_weight

    def _wide_entries(self, X, wide, sample_weight):
        rows, codes = wide.entries()
        sample_weight = entry_weights(sample_weight, X.shape[0], wide, rows, codes)
        local = self._encode_wide_labels(wide, codes, sample_weight)
        try:
            classes = self._union_classes()[0]
        except ValueError:  # the tasks mix text and number labels
            raise ValueError(
                f"The tasks (columns of y) mix text and number labels, but {type(self).__name__}'s "
                "one-vs-rest needs one label set common to all tasks; give every task's labels "
                "the same type (e.g. all text, y.astype(str))."
            ) from None
        y = np.searchsorted(classes, wide.entry_labels(codes)).astype(np.intp)
        return X[rows], y, codes, sample_weight, self._class_weights(codes, local)

    @staticmethod
    def _subproblem_labels(y, n_classes):
        """±1 labels of each binary subproblem: class k against the rest, one for two classes."""
        positives = [1] if n_classes == 2 else range(n_classes)
        return np.array([np.where(y == k, 1.0, -1.0) for k in positives])

    def _task_decisions(self, scores, mask):
        """Each task's decision values (``scores`` from every task) as
        :meth:`decision_function` gives a task's rows, restricted to the
        task's labels (``mask``, one row per task) with more than two in all."""
        if mask.shape[1] == 2:
            return [task_scores[:, 0] for task_scores in scores]
        return [task_scores[:, labels] for task_scores, labels in zip(scores, mask)]

    def decision_function(self, X, tasks=None):
        """Signed distance to the separating surface of each row's task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score, with the task column when ``task_column`` is set;
            dense or sparse (CSR or CSC).
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None. 'all' (the
            default for a model fitted on a wide y) scores every row for
            every task.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes), or list of n_tasks arrays
            For two classes in all, positive means the larger label. Otherwise
            one one-vs-rest score per label of the union of the tasks' labels
            (raw, also for labels a task never had). For every task (a wide
            fit, or ``tasks='all'``): one array per task, as that task's rows
            would get, restricted with more than two labels in all to the
            task's own labels (``n_samples, n_classes_t``, in ``classes_[t]``
            order for a wide fit).
        """
        if is_dask(X):
            return predict_blocks(self, "decision_function", X, tasks)
        X, codes = self._validate_predict_input(X, tasks)
        mask = self._union_classes()[1]
        scores = self._decision(X, codes)
        if codes is None:
            return self._task_decisions(scores, mask)
        return scores[:, 0] if mask.shape[1] == 2 else scores

    def predict(self, X, tasks=None):
        """Predict the class of each row with its own task's classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify, with the task column when ``task_column`` is set;
            dense or sparse (CSR or CSC).
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None. 'all' (the
            default for a model fitted on a wide y) predicts every row for
            every task.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            Labels, each among the labels of its row's task. For every task
            (a wide fit, or ``tasks='all'``): one column per task, in
            ``tasks_`` order, of that task's own labels (a DataFrame with the
            task ids as columns when fitted on one). For dask input, a dask
            array of the answers, computed block by block.
        """
        if is_dask(X):
            return predict_blocks(self, "predict", X, tasks)
        raw = X
        X, codes = self._validate_predict_input(X, tasks)
        classes, mask = self._union_classes()
        scores = self._decision(X, codes)
        if codes is None:
            columns = [
                labels[(d > 0).astype(int)] if d.ndim == 1 else labels[np.argmax(d, axis=1)]
                for labels, d in zip(self._task_labels, self._task_decisions(scores, mask))
            ]
            return self._wide_answer(columns, raw)
        if len(classes) == 2:
            return classes[(scores[:, 0] > 0).astype(int)]
        scores[~mask[codes]] = -np.inf
        return classes[np.argmax(scores, axis=1)]

    def _probabilities(self, X, tasks, positive):
        """Class probabilities from ``positive(scores)``, each subproblem's
        probability of its positive class.

        One-vs-rest probabilities are normalised over each row's task's labels
        (uniform where all are zero); zero for labels a task never had. Every
        task (``codes`` None): one array per task, its own labels' columns.
        """
        X, codes = self._validate_predict_input(X, tasks)
        mask = self._union_classes()[1]
        scores = self._decision(X, codes)

        def normalised(scores, mask):
            p = positive(scores)
            if mask.shape[1] == 2:
                return np.column_stack([1.0 - p[:, 0], p[:, 0]])
            p = np.where(mask, p, 0.0)
            total = p.sum(axis=1, keepdims=True)
            uniform = mask / mask.sum(axis=1, keepdims=True)
            return np.where(total > 0, p / np.where(total > 0, total, 1.0), uniform)

        if codes is not None:
            return normalised(scores, mask[codes])
        # Each task's rows as the long form scores them, then the task's columns.
        return [
            normalised(task_scores, np.broadcast_to(labels, (len(task_scores), len(labels))))[:, labels]
            for task_scores, labels in zip(scores, mask)
        ]

    @staticmethod
    def _log(proba):
        with np.errstate(divide="ignore"):
            return [np.log(p) for p in proba] if isinstance(proba, list) else np.log(proba)
