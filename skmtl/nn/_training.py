"""The one training loop of the neural estimators: epochs, batches, stopping.

It follows ``MLPClassifier._fit_stochastic`` step for step (the same
shuffles from the same random state, ``loss_curve_``, ``best_loss_``,
``tol`` and ``n_iter_no_change``, early stopping on validation accuracy with
the best weights restored, a ``ConvergenceWarning`` at ``max_iter``), and
adds the multi-task part: every batch is grouped by task, each task's mean
loss is weighted (:mod:`._weighting`), and the per-task curves are recorded.
The backend (:mod:`._numpy_backend` or :mod:`._torch_backend`) does the
arithmetic; nothing here depends on which one it is, or on the trunk.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from ._weighting import combine


@dataclass
class TrainingSet:
    """Rows to train on, as the backends take them."""

    X: np.ndarray  # features, in the network's dtype
    codes: np.ndarray  # task code of each row
    y: np.ndarray  # class index within the row's task
    weight: np.ndarray  # sample weight x class weight (float64)
    sample_weight: np.ndarray  # sample weight alone: the loss is divided by its batch sum
    lengths: np.ndarray | None = None  # sequence lengths, for recurrent trunks

    def pick(self, rows):
        """The rows ``rows`` of the set."""
        lengths = None if self.lengths is None else self.lengths[rows]
        return TrainingSet(
            self.X[rows], self.codes[rows], self.y[rows], self.weight[rows], self.sample_weight[rows], lengths
        )


@dataclass
class Batch:
    rows: np.ndarray  # indices into the training set, grouped by task
    starts: np.ndarray  # task t owns rows[starts[t]:starts[t + 1]]
    present: np.ndarray  # codes of the tasks with positive weight in the batch
    task_weight: np.ndarray  # summed row weight of each task in the batch
    masks: tuple  # dropout masks (trunk, towers)

    @property
    def spans(self):
        """(task, first row, end row) of each present task, as Python ints."""
        starts = self.starts.tolist()
        return [(t, starts[t], starts[t + 1]) for t in self.present.tolist()]

    def row_coefficients(self, coefficients, dtype):
        """Per-row multipliers ``coefficients[task]``, as a column."""
        return np.repeat(coefficients, np.diff(self.starts)).astype(dtype)[:, None]


def make_batch(data, rows, n_tasks, masks):
    if n_tasks == 1:
        total = data.weight[rows].sum()
        present = np.array([0]) if total > 0 else np.array([], dtype=int)
        return Batch(rows, np.array([0, len(rows)]), present, np.array([total]), masks)
    rows = rows[np.argsort(data.codes[rows], kind="stable")]
    codes = data.codes[rows]
    starts = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_tasks))])
    task_weight = np.bincount(codes, weights=data.weight[rows], minlength=n_tasks)
    return Batch(rows, starts, np.flatnonzero(task_weight > 0), task_weight, masks)


class _Epoch:
    """What one epoch's batches add up to: the loss, per-task losses, effective weights."""

    def __init__(self, n_tasks):
        self.n_tasks = n_tasks
        self.loss = 0.0
        self.batches = []  # (sums, task_weight, trunk, denominator) of every step

    def add(self, batch, sums, objective, trunk, denominator):
        self.loss += objective * len(batch.rows)
        self.batches.append((sums, batch.task_weight, trunk, denominator))

    def task_losses(self):
        if not self.batches:  # every row weighed zero
            return np.full(self.n_tasks, np.nan)
        sums, totals = (np.sum([b[k] for b in self.batches], axis=0) for k in (0, 1))
        return np.divide(sums, totals, out=np.full(len(sums), np.nan), where=totals > 0)

    def task_weights(self):
        """The trunk's weight on each task's mean loss, relative to its share of the rows."""
        if not self.batches:
            return np.full(self.n_tasks, np.nan)
        _, totals, trunk, denominator = (np.array([b[k] for b in self.batches]) for k in range(4))
        present = totals > 0
        relative = np.divide(trunk * denominator[:, None], totals, out=np.zeros_like(totals), where=present)
        steps = present.sum(axis=0)
        return np.divide(relative.sum(axis=0), steps, out=np.full(len(steps), np.nan), where=steps > 0)


def coefficients(est, batch, gram, denominator, rng):
    """(head, trunk): the multipliers of each task's mean loss for the heads and the trunk."""
    n_tasks = len(batch.task_weight)
    task_weights, multipliers = est._task_weight_vector, est._weighting.multipliers()
    base = task_weights * batch.task_weight / denominator
    head = base * multipliers
    method = est.gradient_method
    if method is None:
        return base, head, head
    p = batch.present
    scale = head if method == "pcgrad" else task_weights * multipliers
    trunk = np.zeros(n_tasks)
    trunk[p] = combine(method, gram[np.ix_(p, p)], scale[p], rng)
    return base, head, trunk


def batch_rows(batch_size, n_samples: int) -> int:
    """Rows per batch: MLPClassifier's ``min(200, n_samples)`` for 'auto', else clipped to the data."""
    return min(200, n_samples) if batch_size == "auto" else int(np.clip(batch_size, 1, n_samples))


def train(est, backend, data, validation, incremental):
    """Run the epochs of one ``fit`` or ``partial_fit`` call on ``est``'s state."""
    network, rng = est._network, est._random_state
    n_samples, n_tasks = len(data.codes), network.n_tasks
    batch_size = batch_rows(est.batch_size, n_samples)
    if est.batch_size != "auto" and est.batch_size > n_samples:
        warnings.warn("Got `batch_size` larger than the sample size. It is going to be clipped.")
    weighting = est._weighting
    needs_gramian = est.gradient_method is not None or weighting.needs_gramian
    backend.load(data.X, data.y, data.weight.astype(data.X.dtype), data.lengths)
    sample_idx = np.arange(n_samples)
    est.n_iter_ = 0
    try:
        for _ in range(est.max_iter):
            if est.shuffle:
                sample_idx = sample_idx[rng.permutation(n_samples)]
            epoch = _Epoch(n_tasks)
            for batch_slice in gen_batches(n_samples, batch_size):
                rows = sample_idx[batch_slice]
                masks = network.draw_masks(rng, len(rows), data.X.shape[1:], data.X.dtype)
                batch = make_batch(data, rows, n_tasks, masks)
                if not len(batch.present):
                    continue  # every row weighs zero
                denominator = data.sample_weight[rows].sum()
                if needs_gramian:
                    sums, weight_norm2 = backend.forward(batch)
                    gram = backend.gramian(batch)
                    base, head, trunk = coefficients(est, batch, gram, denominator, rng)
                else:  # head and trunk coefficients are known before the forward pass
                    base, head, trunk = coefficients(est, batch, None, denominator, rng)
                    gram = None
                    sums, weight_norm2 = backend.forward(batch, head)
                weighting.observe(sums, batch, base, gram)
                backend.step(batch, head, trunk, est.alpha / denominator, est._max_grad_norm())
                objective = (float(est._task_weight_vector @ sums) + 0.5 * est.alpha * weight_norm2) / denominator
                epoch.add(batch, sums, objective, trunk, denominator)
                if getattr(est, "_initial_loss", None) is None:  # before any step: the untrained loss
                    est._initial_loss = objective

            est.n_iter_ += 1
            est.t_ += n_samples
            est.loss_ = epoch.loss / n_samples
            est.loss_curve_.append(est.loss_)
            if not np.isfinite(est.loss_):
                if not np.isfinite(est._initial_loss):  # before any step: not the learning rate
                    raise ValueError(
                        f"The loss of the untrained network is already {est._initial_loss}: "
                        f"its weighted sums overflow dtype={est.dtype!r}. Rescale sample_weight "
                        "(and class_weight) or the features (e.g. StandardScaler), or use "
                        "dtype='float64'."
                    )
                raise ValueError(
                    f"The training loss became {est.loss_} at epoch {est.n_iter_}: the training "
                    f"diverged. Lower learning_rate_init (now {est.learning_rate_init:g}), or "
                    "scale the features (e.g. StandardScaler)."
                )
            epoch_losses = epoch.task_losses()
            for curve, loss in zip(est.task_loss_curves_.values(), epoch_losses.tolist()):
                curve.append(loss)
            weighting.end_epoch(epoch_losses)
            est.task_weights_ = epoch.task_weights()
            est.task_weight_history_ = np.vstack([est.task_weight_history_, est.task_weights_])
            if est.verbose:
                print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")

            if validation is not None:
                backend.sync()
            _update_no_improvement_count(est, validation)
            if est._no_improvement_count > est.n_iter_no_change:
                if est.verbose:
                    what = "Validation score" if validation is not None else "Training loss"
                    print(
                        f"{what} did not improve more than tol={est.tol:f} for "
                        f"{est.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
            if incremental:
                break
            if est.n_iter_ == est.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")
    finally:
        backend.finish()
    _warn_if_diverged(est)
    if validation is not None and est._best_params is not None:
        for param, best in zip(est._params, est._best_params):
            np.copyto(param, best)


def _update_no_improvement_count(est, validation):
    """MLPClassifier's rule: count epochs that fail to beat the best by ``tol``."""
    if validation is not None:
        score = est._validation_score(validation)
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_params = [p.copy() for p in est._params]
    else:
        if est.loss_curve_[-1] > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        est.best_loss_ = min(est.best_loss_, est.loss_curve_[-1])


#: A loss this many times the untrained network's has diverged: training
#: lowers the loss, and noise (dropout, small batches) does not multiply it.
DIVERGENCE_FACTOR = 10.0


def _warn_if_diverged(est):
    """Say so when the loss ends far above the untrained network's, naming the likely cause."""
    start = getattr(est, "_initial_loss", None)
    if start is not None and est.loss_curve_ and est.loss_curve_[-1] > DIVERGENCE_FACTOR * max(start, 1e-12):
        warnings.warn(
            f"The training diverged: the loss rose from {start:.4g} (untrained) to "
            f"{est.loss_curve_[-1]:.4g} (epoch {len(est.loss_curve_)}); lower learning_rate_init "
            f"(now {est.learning_rate_init:g}).",
            ConvergenceWarning,
        )
