"""The one training loop of the neural estimators: epochs, batches, stopping.

It follows scikit-learn's ``BaseMultilayerPerceptron._fit_stochastic``
step for step (the same shuffles from the same random state,
``loss_curve_``, ``best_loss_``, ``tol`` and ``n_iter_no_change``, early
stopping on a validation score, accuracy or R² as in ``MLPClassifier`` and
``MLPRegressor``, with the best weights restored, a ``ConvergenceWarning``
at ``max_iter``), and adds the multi-task part: every batch is grouped by task, each task's mean
loss is weighted (:mod:`._weighting`), and the per-task curves are recorded.

A batch is a set of rows of ``X``; the trunk runs once per row. In the
long form a row is one labelled entry; in the wide form a row carries an
entry for each task labelled on it, and each head reads its own entries.
The loss is a mean over entries either way (weighted by the sample
weights), so a wide y and the same entries in long form define the same
objective, and with one task it is ``MLPClassifier``'s (``MLPRegressor``'s).
The backend (:mod:`._numpy_backend` or :mod:`._torch_backend`) does the
arithmetic; nothing here depends on which one it is, or on the trunk.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from .._progress import tick
from ._weighting import combine


@dataclass
class TrainingSet:
    """Labelled entries to train on, and the inputs they read, as the backends take them.

    An entry is one (row of ``X``, task, label). In the long form each row
    has one entry and ``rows`` is None; in the wide form a row has an entry
    per task labelled on it, ``rows`` names each entry's row (row-major),
    and the trunk runs once per row for all of its entries.
    """

    X: np.ndarray  # inputs, one per row, in the network's dtype
    codes: np.ndarray  # task code of each entry
    y: np.ndarray  # target of each entry: class index within its task, or a real value
    weight: np.ndarray  # sample weight (x class weight, for a classifier) of each entry (float64)
    sample_weight: np.ndarray  # sample weight alone: the loss is divided by its batch sum
    lengths: np.ndarray | None = None  # sequence lengths of the rows, for recurrent trunks
    rows: np.ndarray | None = None  # row of X of each entry, sorted; None: entry i is row i

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @cached_property
    def _row_starts(self):
        """Row r's entries are ``starts[r]:starts[r + 1]`` (the entries are sorted by row)."""
        return np.searchsorted(self.rows, np.arange(self.n_rows + 1))

    def entries_of(self, rows):
        """(entries of ``rows``, in their order, and the position in ``rows`` of each one's row)."""
        if self.rows is None:
            return rows, None
        starts = self._row_starts
        counts = starts[rows + 1] - starts[rows]
        position = np.repeat(np.arange(len(rows)), counts)
        first = np.cumsum(counts) - counts
        return starts[rows][position] + np.arange(len(position)) - first[position], position

    def pick(self, rows):
        """The rows ``rows`` of the set, with their entries."""
        lengths = None if self.lengths is None else self.lengths[rows]
        entries, position = self.entries_of(rows)
        return TrainingSet(
            self.X[rows], self.codes[entries], self.y[entries], self.weight[entries],
            self.sample_weight[entries], lengths, position,
        )


@dataclass
class Batch:
    rows: np.ndarray  # rows of X through the trunk, in order; grouped by task in the long form
    entries: np.ndarray  # entries of those rows, grouped by task
    starts: np.ndarray  # task t owns entries[starts[t]:starts[t + 1]]
    present: np.ndarray  # codes of the tasks with positive weight in the batch
    task_weight: np.ndarray  # summed entry weight of each task in the batch
    positions: np.ndarray | None = None  # the trunk output row of each entry; None: the same index
    masks: tuple = ((), ())  # dropout masks (trunk rows, tower entries)

    @property
    def spans(self):
        """(task, first entry, end entry) of each present task, as Python ints."""
        starts = self.starts.tolist()
        return [(t, starts[t], starts[t + 1]) for t in self.present.tolist()]

    def row_coefficients(self, coefficients, dtype):
        """Per-entry multipliers ``coefficients[task]``, as a column."""
        return np.repeat(coefficients, np.diff(self.starts)).astype(dtype)[:, None]


def make_batch(data, rows, n_tasks, masks=((), ())):
    """The batch of rows ``rows``, its entries grouped by task.

    In the long form the rows themselves are reordered by task, so each
    task's rows of the trunk's output are one slice.
    """
    if data.rows is None and n_tasks == 1:
        total = data.weight[rows].sum()
        present = np.array([0]) if total > 0 else np.array([], dtype=int)
        return Batch(rows, rows, np.array([0, len(rows)]), present, np.array([total]), masks=masks)
    if data.rows is None:
        rows = rows[np.argsort(data.codes[rows], kind="stable")]
        entries, positions = rows, None
    else:
        entries, positions = data.entries_of(rows)
        order = np.argsort(data.codes[entries], kind="stable")
        entries, positions = entries[order], positions[order]
        if len(entries) == len(rows) and np.array_equal(positions, np.arange(len(rows))):
            positions = None  # one entry per row, in order: the long form's slices
    codes = data.codes[entries]
    starts = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_tasks))])
    task_weight = np.bincount(codes, weights=data.weight[entries], minlength=n_tasks)
    return Batch(rows, entries, starts, np.flatnonzero(task_weight > 0), task_weight, positions, masks)


class _Epoch:
    """What one epoch's batches add up to: the loss, per-task losses, effective weights."""

    def __init__(self, n_tasks):
        self.n_tasks = n_tasks
        self.loss = 0.0
        self.batches = []  # (sums, task_weight, trunk, denominator) of every step

    def add(self, batch, sums, objective, trunk, denominator):
        self.loss += objective * len(batch.entries)
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


def coefficients(task_weights, weighting, gradient_method, batch, gram, denominator, rng):
    """(base, head, trunk): the multipliers of each task's mean loss, plain, for the heads and the trunk."""
    n_tasks = len(batch.task_weight)
    multipliers = weighting.multipliers()
    base = task_weights * batch.task_weight / denominator
    head = base * multipliers
    if gradient_method is None:
        return base, head, head
    p = batch.present
    scale = head if gradient_method == "pcgrad" else task_weights * multipliers
    trunk = np.zeros(n_tasks)
    trunk[p] = combine(gradient_method, gram[np.ix_(p, p)], scale[p], rng)
    return base, head, trunk


def batch_rows(batch_size, n_samples: int) -> int:
    """Rows per batch: MLPClassifier's ``min(200, n_samples)`` for 'auto', else clipped to the data."""
    return min(200, n_samples) if batch_size == "auto" else int(np.clip(batch_size, 1, n_samples))


@dataclass
class TrainingConfig:
    """The settings of one training call, from the estimator's parameters."""

    max_iter: int
    batch_size: object  # 'auto' or an int
    shuffle: bool
    tol: float
    n_iter_no_change: float
    alpha: float
    gradient_method: str | None
    max_grad_norm: float | None
    incremental: bool  # partial_fit: one epoch
    verbose: bool = False
    learning_rate_init: float = 0.0  # named in the messages about divergence
    dtype: str = "float32"  # named in the messages about overflow


@dataclass
class History:
    """What training has done so far; it carries over between calls (warm_start, partial_fit).

    The estimator exposes it as its fitted attributes (``loss_curve_``,
    ``task_loss_curves_``, ``validation_scores_``, ...).
    """

    task_loss_curves: list  # one list per task
    task_weight_history: np.ndarray  # (epochs, n_tasks)
    validation_scores: list | None  # None without early stopping
    best_validation_score: float | None
    best_loss: float | None
    loss_curve: list = field(default_factory=list)
    t: int = 0  # rows seen
    n_iter: int = 0  # epochs of the last call
    loss: float | None = None
    task_weights: np.ndarray | None = None
    initial_loss: float | None = None  # the first batch's, before any step
    no_improvement_count: int = 0
    best_params: list | None = None

    @classmethod
    def start(cls, n_tasks, early_stopping):
        return cls(
            task_loss_curves=[[] for _ in range(n_tasks)],
            task_weight_history=np.empty((0, n_tasks)),
            validation_scores=[] if early_stopping else None,
            best_validation_score=-np.inf if early_stopping else None,
            best_loss=None if early_stopping else np.inf,
        )


def train(data, network, backend, weighting, task_weights, config, rng, history, params,
          validation=None, score=None):
    """Run the epochs of one ``fit`` or ``partial_fit`` call; return the updated history.

    Parameters
    ----------
    data, validation : TrainingSet
        Rows to train on, and rows to score after each epoch for early
        stopping (None: stop on the training loss).
    network : SharedNetwork
    backend : NumpyBackend or TorchBackend
        Does the arithmetic on ``params``.
    weighting : object from :mod:`._weighting`
        The task loss weighting, which learns as it observes the losses.
    task_weights : ndarray of shape (n_tasks,)
        Fixed multipliers of each task's loss (``task_weights``).
    config : TrainingConfig
    rng : RandomState
        Shuffles and dropout masks.
    history : History
        Updated in place, and returned.
    params : list of ndarray
        The parameters (NumPy), where the best ones are put back after early stopping.
    score : callable, optional
        ``score(validation) -> float``, the early-stopping score.
    """
    n_samples, n_entries, n_tasks = data.n_rows, len(data.codes), network.n_tasks
    batch_size = batch_rows(config.batch_size, n_samples)
    if config.batch_size != "auto" and config.batch_size > n_samples:
        warnings.warn("Got `batch_size` larger than the sample size. It is going to be clipped.")
    needs_gramian = config.gradient_method is not None or weighting.needs_gramian
    backend.load(data.X, data.y, data.weight.astype(data.X.dtype), data.lengths)
    sample_idx = np.arange(n_samples)
    history.n_iter = 0
    try:
        for _ in range(config.max_iter):
            if config.shuffle:
                sample_idx = sample_idx[rng.permutation(n_samples)]
            epoch = _Epoch(n_tasks)
            for batch_slice in gen_batches(n_samples, batch_size):
                batch = make_batch(data, sample_idx[batch_slice], n_tasks)
                batch.masks = network.draw_masks(
                    rng, len(batch.rows), data.X.shape[1:], data.X.dtype, len(batch.entries)
                )
                if not len(batch.present):
                    continue  # every entry weighs zero
                denominator = data.sample_weight[batch.entries].sum()
                combine_args = (task_weights, weighting, config.gradient_method, batch)
                if needs_gramian:
                    sums, weight_norm2 = backend.forward(batch)
                    gram = backend.gramian(batch)
                    base, head, trunk = coefficients(*combine_args, gram, denominator, rng)
                else:  # head and trunk coefficients are known before the forward pass
                    base, head, trunk = coefficients(*combine_args, None, denominator, rng)
                    gram = None
                    sums, weight_norm2 = backend.forward(batch, head)
                weighting.observe(sums, batch, base, gram)
                backend.step(batch, head, trunk, config.alpha / denominator, config.max_grad_norm)
                objective = (float(task_weights @ sums) + 0.5 * config.alpha * weight_norm2) / denominator
                epoch.add(batch, sums, objective, trunk, denominator)
                if history.initial_loss is None:  # before any step: the untrained loss
                    history.initial_loss = objective

            history.n_iter += 1
            tick(history.n_iter / config.max_iter)  # early stopping may end the fit sooner
            history.t += n_samples
            history.loss = epoch.loss / n_entries
            history.loss_curve.append(history.loss)
            _refuse_non_finite_loss(history, config)
            epoch_losses = epoch.task_losses()
            for curve, loss in zip(history.task_loss_curves, epoch_losses.tolist()):
                curve.append(loss)
            weighting.end_epoch(epoch_losses)
            history.task_weights = epoch.task_weights()
            history.task_weight_history = np.vstack([history.task_weight_history, history.task_weights])
            if config.verbose:
                print(f"Iteration {history.n_iter}, loss = {history.loss:.8f}")

            if validation is not None:
                backend.sync()
            _update_no_improvement_count(history, config, validation, score, params)
            if history.no_improvement_count > config.n_iter_no_change:
                if config.verbose:
                    what = "Validation score" if validation is not None else "Training loss"
                    print(
                        f"{what} did not improve more than tol={config.tol:f} for "
                        f"{config.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
            if config.incremental:
                break
            if history.n_iter == config.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({config.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")
    finally:
        backend.finish()
    _warn_if_diverged(history, config)
    if validation is not None and history.best_params is not None:
        for param, best in zip(params, history.best_params):
            np.copyto(param, best)
    return history


def _refuse_non_finite_loss(history, config):
    if np.isfinite(history.loss):
        return
    if not np.isfinite(history.initial_loss):  # before any step: not the learning rate
        raise ValueError(
            f"The loss of the untrained network is already {history.initial_loss}: "
            f"its weighted sums overflow dtype={config.dtype!r}. Rescale sample_weight "
            "(and class_weight) or the features (e.g. StandardScaler), or use "
            "dtype='float64'."
        )
    raise ValueError(
        f"The training loss became {history.loss} at epoch {history.n_iter}: the training "
        f"diverged. Lower learning_rate_init (now {config.learning_rate_init:g}), or "
        "scale the features (e.g. StandardScaler)."
    )


def _update_no_improvement_count(history, config, validation, score, params):
    """MLPClassifier's rule: count epochs that fail to beat the best by ``tol``."""
    if validation is not None:
        value = score(validation)
        history.validation_scores.append(value)
        if config.verbose:
            print(f"Validation score: {value:f}")
        if value < history.best_validation_score + config.tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        if value > history.best_validation_score:
            history.best_validation_score = value
            history.best_params = [p.copy() for p in params]
    else:
        if history.loss_curve[-1] > history.best_loss - config.tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        history.best_loss = min(history.best_loss, history.loss_curve[-1])


#: A loss this many times the untrained network's has diverged: training
#: lowers the loss, and noise (dropout, small batches) does not multiply it.
DIVERGENCE_FACTOR = 10.0


def _warn_if_diverged(history, config):
    """Say so when the loss ends far above the untrained network's, naming the likely cause."""
    start, curve = history.initial_loss, history.loss_curve
    if start is not None and curve and curve[-1] > DIVERGENCE_FACTOR * max(start, 1e-12):
        warnings.warn(
            f"The training diverged: the loss rose from {start:.4g} (untrained) to "
            f"{curve[-1]:.4g} (epoch {len(curve)}); lower learning_rate_init "
            f"(now {config.learning_rate_init:g}).",
            ConvergenceWarning,
        )
