"""The regressor part of the shared networks: real targets, squared error, R².

:class:`BaseSharedNetworkRegressor` puts the target handling of
:mod:`skmtl._regression` on :class:`._base.BaseSharedNetwork`: each task's
head is one linear (identity) output, the loss is ``MLPRegressor``'s half
squared error (a fused node in the engine), and early stopping watches the
validation R², the mean over tasks of each task's, as ``MLPRegressor``'s
does with one task. Targets may be standardised per task
(``normalize_targets``); predictions are mapped back.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context

from .._regression import RegressorTargetsMixin, mean_task_r2, task_target_scaling
from .._tasks import WideTargets, show_ids
from ._base import BaseSharedNetwork


class BaseSharedNetworkRegressor(RegressorTargetsMixin, BaseSharedNetwork, RegressorMixin, BaseEstimator):
    """Shared trunk, per-task linear heads, MLPRegressor's training; not for direct use."""

    _parameter_constraints: dict = {
        **BaseSharedNetwork._parameter_constraints,
        "normalize_targets": ["boolean"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Train the network on all tasks at once.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets (real numbers). The wide form, an array or DataFrame with
            one column per task (task ids: its column names, else
            ``0..n_tasks-1``), gives every row a target for every task, a
            missing value (NaN, None, ``pd.NA``) meaning "no target for this
            task"; the trunk then runs once per row.
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None (never with a
            wide y).
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights of the loss, or, with a wide y, per target.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, tasks, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, tasks=None, sample_weight=None):
        """Train for one epoch over the given rows, keeping the weights and optimizer state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, with the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets, in the form of the first call (long or wide).
        tasks : array-like of shape (n_samples,), default=None
            Task id of each row, when ``task_column`` is None. The first call
            fixes the set of tasks (and, with ``normalize_targets``, each
            task's target scaling).
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Per-row weights of the loss (per target with a wide y).

        Returns
        -------
        self : object
            The estimator, trained one epoch more.
        """
        return self._fit(X, y, tasks, sample_weight, incremental=True)

    # --------------------------------------------------------------- targets

    def _target_values(self, y, codes):
        """Each entry's target, float64 (in the units of y)."""
        if isinstance(y, WideTargets):
            return self._encode_wide_targets(y, codes)
        return self._encode_targets(y, codes)

    def _encode_first_targets(self, y, codes, sample_weight):
        """Set ``n_outputs_``, ``out_activation_`` and the target scaling; return the targets to train on."""
        values = self._target_values(y, codes)
        self.n_outputs_ = y.n_tasks if isinstance(y, WideTargets) else 1
        self.out_activation_ = "identity"
        self._targets_normalized = bool(self.normalize_targets)
        if self.normalize_targets:
            self.target_mean_, self.target_scale_ = task_target_scaling(
                values, codes, self.n_tasks_, sample_weight
            )
            positive = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
            few = np.flatnonzero(np.bincount(codes[positive], minlength=self.n_tasks_) < 2)
            if len(few):
                warnings.warn(
                    f"normalize_targets: task(s) {show_ids(self.tasks_[few[:10]])} have fewer than two rows "
                    "of positive weight in this first call, so their targets are left unscaled (the "
                    "scaling is fixed by the first call); give the first partial_fit at least two rows "
                    "of every task.",
                    UserWarning,
                )
        else:  # x * 1.0 + 0.0 is x: predictions stay MLPRegressor's to the last bit
            self.target_mean_, self.target_scale_ = np.zeros(self.n_tasks_), np.ones(self.n_tasks_)
        return self._standardized(values, codes)

    def _encode_more_targets(self, y, codes):
        """The targets of a later call, scaled as the first fit's were."""
        if bool(self.normalize_targets) != self._targets_normalized:
            raise ValueError(
                f"normalize_targets={self.normalize_targets!r}, but this model was first fitted with "
                f"normalize_targets={self._targets_normalized!r}, which fixed its target scaling; train "
                "it further with the same setting, or fit a new model (warm_start=False)."
            )
        return self._standardized(self._target_values(y, codes), codes)

    def _standardized(self, values, codes):
        return (values - self.target_mean_[codes]) / self.target_scale_[codes]

    def _head_layout(self):
        """One identity output per task, trained on half the squared error."""
        return [1] * self.n_tasks_, ["squared_error"] * self.n_tasks_

    # ------------------------------------------------------------- predict

    def _validation_score(self, data):
        """Mean over tasks of the R² on the entries of a :class:`TrainingSet` (the early-stopping score).

        Its targets are the standardised ones, as the heads' outputs are; R²
        does not change under a task's own affine rescaling.
        """
        predicted = self._entry_answers(data, self._head_outputs, _first_output, np.float64)
        return mean_task_r2(data.y, predicted, data.codes, self.n_tasks_, data.sample_weight)

    def _task_values(self, t, outputs):
        """Task ``t``'s predictions in the units of its targets."""
        return outputs[:, 0] * self.target_scale_[t] + self.target_mean_[t]

    def predict(self, X, tasks=None):
        """Predict each row's target with its own task's head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict, with the task column when ``task_column`` is set.
        tasks : array-like of shape (n_samples,) or 'all', default=None
            Task id of each row, when ``task_column`` is None; 'all' (the
            default for a model fitted on a wide y): every task for every row.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            One value per row, from its task's head. Every task for every row
            (a model fitted on a wide y, or ``tasks='all'``): one column per
            task, in ``tasks_`` order (a DataFrame when fitted on one).
        """
        return self._predict_rows(X, tasks, self._head_outputs, self._task_values, self._gather_values)

    def _score_task_codes(self, X, tasks):
        # Sequences and images as well as tables: read the rows' tasks as predict does.
        return self._prediction_inputs(X, tasks)[2]


def _first_output(t, outputs):
    return outputs[:, 0]
