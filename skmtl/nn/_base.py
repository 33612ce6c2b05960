"""What every parameter-sharing network has in common, whatever its trunk and its targets.

Three axes meet in an estimator: the trunk (dense, recurrent,
convolutional: a subclass names it with :meth:`_make_trunk` and says how it
reads ``X`` with :meth:`_training_inputs` and :meth:`_prediction_inputs`),
the targets (class labels in :mod:`._classifier`, real values in
:mod:`._regressor`: how they are encoded, what each head outputs and which
loss it takes, how the early-stopping score is computed), and what is here
for all of them: the parameters, the task weights, the backends, the
network's parameters and their pickling, and the call into
:func:`._training.train`, the one training loop.
"""

from __future__ import annotations

import re
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, Options, StrOptions

from .._tasks import NO_TASK, TaskDataMixin, plain_id, show_ids
from ._autograd import Tensor
from ._network import SharedNetwork, is_weight
from ._numpy_backend import NumpyBackend, NumpyOps
from ._optimizers import SGD, Adam
from ._training import History, TrainingConfig, TrainingSet, train
from ._weighting import GRADIENT_METHODS, LOSS_WEIGHTINGS, WEIGHTINGS

_DTYPES = {"float32": np.float32, "float64": np.float64}


def layer_sizes(value, name: str, allow_empty: bool) -> tuple:
    """``value`` (one int or a sequence of ints) as a tuple of positive layer widths.

    A width of 0 would pass nothing on, and every prediction would be a
    constant; MLPClassifier refuses it too.
    """
    sizes = list(value) if hasattr(value, "__iter__") else [value]
    bad = [s for s in sizes if isinstance(s, (bool, np.bool_)) or not isinstance(s, Integral) or s <= 0]
    if bad or (not sizes and not allow_empty):
        need = "positive integers" if allow_empty else "at least one positive integer"
        raise ValueError(f"{name} must hold {need}, the units of each layer; got {value!r}.")
    return tuple(int(s) for s in sizes)


def store_parameters(estimator, arguments: dict) -> None:
    """Set every constructor argument as an attribute of the same name, untouched.

    ``arguments`` is the constructor's ``locals()``: scikit-learn's
    convention (parameters stored as given, checked in ``fit``) without one
    assignment line per parameter in each of six estimators of some thirty
    parameters.
    """
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def usable_strata(candidates, max_strata):
    """The first of ``candidates`` (arrays of stratum labels) that ``train_test_split``
    can stratify by (two rows per stratum, no more strata than the smaller side), else None."""
    for strata in candidates:
        sizes = np.unique(strata, return_counts=True)[1]
        if sizes.min() >= 2 and len(sizes) <= max_strata:
            return strata
    return None


class BaseSharedNetwork(TaskDataMixin, metaclass=ABCMeta):
    """Shared trunk, per-task heads, scikit-learn's MLP training; not for direct use.

    The classifier and regressor bases put their target handling before
    this class and scikit-learn's ``ClassifierMixin`` / ``RegressorMixin``
    and ``BaseEstimator`` after it.
    """

    _parameter_constraints: dict = {
        "task_hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "solver": [StrOptions({"sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "task_weights": [StrOptions({"balanced"}), dict, None],
        "loss_weighting": [StrOptions(set(LOSS_WEIGHTINGS))],
        "gradient_method": [StrOptions(set(GRADIENT_METHODS)), None],
        "task_column": [None, Integral, str],
        "backend": [StrOptions({"numpy", "torch"})],
        "device": [str],
        "dtype": [StrOptions(set(_DTYPES))],
    }

    # ----------------------------------------------------------------- hooks

    @abstractmethod
    def _make_trunk(self, X):
        """The trunk for training inputs ``X`` (as :meth:`_training_inputs` returns them)."""

    @abstractmethod
    def _set_trunk_attributes(self, params):
        """Expose the trunk's parameters (views of the trained ones) as fitted attributes."""

    def _max_grad_norm(self):
        """Clip the gradient's norm to this before each step (None: never)."""
        return None

    def _check_params(self):
        """Checks the constraints above cannot express; called at the start of fit."""
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", self.device):
            raise ValueError(
                f"device={self.device!r} is not a device: use 'auto', 'cpu', 'cuda' or 'cuda:<index>'."
            )
        if self.backend == "numpy" and self.device not in ("cpu", "auto"):
            raise ValueError(
                f"device={self.device!r} needs backend='torch'; the numpy backend runs on the CPU."
            )
        self._tower_sizes()  # refuses widths of 0

    # ------------------------------------------------- hooks of the targets

    #: What makes each entry's weight, as the messages name it.
    _entry_weight_names = "sample_weight"

    @abstractmethod
    def _encode_first_targets(self, y, codes, sample_weight, **options):
        """Set the target attributes from the first training targets; return each entry's training target.

        ``y`` is the long form's validated targets or a
        :class:`~skmtl._tasks.WideTargets`, ``codes`` each entry's task.
        """

    @abstractmethod
    def _encode_more_targets(self, y, codes):
        """Each entry's training target for a later call (warm start, ``partial_fit``)."""

    @abstractmethod
    def _head_layout(self):
        """(output units of each task's head, name of each head's loss), for :class:`SharedNetwork`."""

    @abstractmethod
    def _validation_score(self, data):
        """The early-stopping score of a :class:`TrainingSet` (higher is better)."""

    def _target_weights(self, codes, targets):
        """Each entry's weight beside its sample weight (a classifier's class weight)."""
        return np.ones(len(codes))

    def _single_task_strata(self, data):
        """Labels to stratify the validation split of a single task by (None: not stratified)."""
        return None

    def _strata_candidates(self, data):
        """Stratifications of a multi-task validation split to try, finest first."""
        return [data.codes]

    def _is_trained(self):
        """Whether a network has been set up by a first fit (what warm_start and partial_fit continue)."""
        return hasattr(self, "task_coefs_")

    def _fit(self, X, y, tasks, sample_weight, incremental, **first_options):
        """The body of ``fit`` and ``partial_fit``; ``first_options`` go to :meth:`_encode_first_targets`."""
        self._check_params()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not self._is_trained() or (not self.warm_start and not incremental)
        dtype = _DTYPES[self.dtype]
        X, lengths, y, codes = self._training_inputs(X, y, tasks, first_pass)
        X = self._cast_inputs(X, dtype)
        rows, codes, sample_weight = self._labelled_entries(X.shape[0], y, codes, sample_weight)
        self._random_state = check_random_state(self.random_state)

        if first_pass:
            targets = self._encode_first_targets(y, codes, sample_weight, **first_options)
            self._initialize(X, dtype)
        else:
            targets = self._encode_more_targets(y, codes)
        if self._optimizer is None or not incremental:
            self._optimizer = self._make_optimizer(self._params, self._flat_params, self._flat_offsets)

        row_weight = sample_weight * self._target_weights(codes, targets)
        with np.errstate(over="ignore"):
            too_large = not np.isfinite(row_weight.astype(dtype)).all()
        if too_large:
            raise ValueError(
                f"{self._entry_weight_names} has values too large for dtype={self.dtype!r} "
                "(they overflow to inf); rescale the weights (e.g. divide them by their mean) "
                "or use dtype='float64'."
            )
        if first_pass:
            self._task_weight_vector = self._resolve_task_weights(codes, row_weight)
        data = TrainingSet(X, codes, targets, row_weight, sample_weight, lengths, rows)
        validation = None
        if self.early_stopping:
            data, validation = self._split_validation(data)
        # A diverging run overflows; say so once, below, rather than warn per batch.
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                train(
                    data, self._network, self._backend(), self._weighting, self._task_weight_vector,
                    self._training_config(incremental), self._random_state, self._history,
                    self._params, validation, self._validation_score,
                )
        finally:
            self._expose(self._history)

        if not all(np.isfinite(p).all() for p in self._params):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain "
                "large values and need to be preprocessed (e.g. StandardScaler), or "
                "learning_rate_init is too large."
            )
        return self

    def _cast_inputs(self, X, dtype):
        """X in the training dtype, refusing values that overflow it and naming those that underflow."""
        values = X.data if sp.issparse(X) else X
        with np.errstate(over="ignore", under="ignore"):  # reported just below
            cast = values.astype(dtype, copy=False)
        if not np.isfinite(cast).all():
            raise ValueError(
                f"X has values too large for dtype={self.dtype!r} (they overflow to inf); "
                "scale the features (e.g. StandardScaler) or use dtype='float64'."
            )
        if cast is not values:
            lost = np.count_nonzero(values) - np.count_nonzero(cast)
            if lost:
                warnings.warn(
                    f"{lost} nonzero value(s) of X are too small for dtype={self.dtype!r} and "
                    "become 0 (the network cannot tell them apart); scale the features (e.g. "
                    "StandardScaler) or use dtype='float64'.",
                    UserWarning,
                )
        return X.astype(dtype, copy=False) if sp.issparse(X) else cast

    def _training_inputs(self, X, y, tasks, first_pass):
        """Validated (inputs, lengths, y, task codes) for training.

        ``lengths`` holds each sequence's length for recurrent trunks, None
        for dense ones. A first pass sets ``tasks_`` and the input
        attributes; later passes must match them.
        """
        check = self._input_check()
        if first_pass:
            X, y, codes = self._validate_fit_data(X, y, tasks, **check)
        else:
            X, y, codes = self._validate_more_data(X, y, tasks, **check)
        return X, None, y, codes

    def _prediction_inputs(self, X, tasks):
        """Validated (inputs, lengths, task codes) for prediction."""
        X, codes = self._validate_predict_data(X, tasks, **self._input_check())
        return X, None, codes

    def _input_check(self):
        """How ``check_array`` reads a table: float32 or float64, CSR when the trunk takes sparse rows."""
        sparse = "csr" if self.__sklearn_tags__().input_tags.sparse else False
        return dict(dtype=[np.float64, np.float32], accept_sparse=sparse)

    def _initialize(self, X, dtype):
        n_outputs, losses = self._head_layout()
        self._network = SharedNetwork(
            self._make_trunk(X), self._tower_sizes(), n_outputs, self.activation, self.dropout, losses
        )
        self._params = []
        self._optimizer = None
        self._bind_params(self._network.init(self._random_state, dtype))
        self._weighting = WEIGHTINGS[self.loss_weighting](self.n_tasks_, self._make_optimizer)
        self._history = History.start(self.n_tasks_, self.early_stopping)
        self._expose(self._history)

    def _training_config(self, incremental):
        return TrainingConfig(
            max_iter=self.max_iter,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            alpha=self.alpha,
            gradient_method=self.gradient_method,
            max_grad_norm=self._max_grad_norm(),
            incremental=incremental,
            verbose=bool(self.verbose),
            learning_rate_init=self.learning_rate_init,
            dtype=self.dtype,
        )

    def _expose(self, history):
        """The training history as scikit-learn's MLP's fitted attributes, and the multi-task ones."""
        self.t_, self.n_iter_ = history.t, history.n_iter
        if history.loss is not None:
            self.loss_ = history.loss
        self.loss_curve_ = history.loss_curve
        self.task_loss_curves_ = {plain_id(task): curve for task, curve in zip(self.tasks_, history.task_loss_curves)}
        if history.task_weights is not None:
            self.task_weights_ = history.task_weights
        self.task_weight_history_ = history.task_weight_history
        self.validation_scores_ = history.validation_scores
        self.best_validation_score_ = history.best_validation_score
        self.best_loss_ = history.best_loss

    def _bind_params(self, params):
        """Make the parameters views of one flat array, weights first, then biases.

        The optimizer then updates all of them, and adds the L2 term to all
        weights, in one operation each. The list ``_params`` is refilled in
        place, so an optimizer holding it keeps seeing the parameters.
        """
        order = sorted(range(len(params)), key=lambda k: not is_weight(params[k]))
        flat = np.concatenate([params[k].ravel() for k in order])
        views, offsets, offset = [None] * len(params), [0] * len(params), 0
        for k in order:
            views[k] = flat[offset : offset + params[k].size].reshape(params[k].shape)
            offsets[k] = offset
            offset += params[k].size
        self._flat_params, self._flat_offsets = flat, offsets
        self._params[:] = views
        if self._optimizer is not None:
            self._optimizer.flat = flat
        net, params = self._network, self._params
        self._set_trunk_attributes(params[: net.n_trunk_params])
        self.task_coefs_ = [net.task_params(params, t)[0::2] for t in range(self.n_tasks_)]
        self.task_intercepts_ = [net.task_params(params, t)[1::2] for t in range(self.n_tasks_)]

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_params" in state:  # views come back from a pickle as copies: rebind them
            self._bind_params(self._params)
        if "_params" in state and "_history" not in state:  # pickled before History: rebuild it
            self._history = History(
                task_loss_curves=list(self.task_loss_curves_.values()),
                task_weight_history=self.task_weight_history_,
                validation_scores=self.validation_scores_,
                best_validation_score=self.best_validation_score_,
                best_loss=self.best_loss_,
                loss_curve=self.loss_curve_,
                t=self.t_,
                n_iter=self.n_iter_,
                loss=getattr(self, "loss_", None),
                task_weights=getattr(self, "task_weights_", None),
                initial_loss=state.get("_initial_loss"),
                no_improvement_count=state.get("_no_improvement_count", 0),
                best_params=state.get("_best_params"),
            )

    def _single_task_counterpart(self):
        """The single-task model: the same network, with one task.

        :func:`skmtl.model_selection.compare_with_single_task` fits it per
        task (independent) and on all rows (pooled); the task options have
        nothing to act on there and are reset.
        """
        from sklearn.base import clone

        return clone(self).set_params(
            task_column=None, task_weights=None, loss_weighting="equal", gradient_method=None
        )

    def _tower_sizes(self):
        return layer_sizes(self.task_hidden_layer_sizes, "task_hidden_layer_sizes", allow_empty=True)

    def _make_optimizer(self, params, flat=None, offsets=None):
        decayed = [is_weight(p) for p in params]
        if self.solver == "sgd":
            return SGD(
                params, self.learning_rate_init, self.momentum, self.nesterovs_momentum, flat, decayed, offsets
            )
        return Adam(
            params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon, flat, decayed, offsets
        )

    def _backend(self):
        if self.backend == "numpy":
            return NumpyBackend(self._network, self._params, self._optimizer)
        from ._torch_backend import TorchBackend, resolve_device

        return TorchBackend(self._network, self._params, self._optimizer, resolve_device(self.device))

    def _resolve_task_weights(self, codes, row_weight):
        """Fixed multiplier of each task's loss (``task_weights``)."""
        weights = np.ones(self.n_tasks_)
        if self.task_weights is None:
            return weights
        if isinstance(self.task_weights, str):  # 'balanced': every task weighs the same in all
            totals = np.bincount(codes, weights=row_weight, minlength=self.n_tasks_)
            return totals.sum() / (self.n_tasks_ * np.maximum(totals, np.finfo(float).tiny))
        known = {task: t for t, task in enumerate(self.tasks_)}
        if self.tasks_[0] is NO_TASK:  # a single task without ids: any one key names it
            known = {key: 0 for key in self.task_weights}
        unknown = [key for key in self.task_weights if key not in known]
        if unknown:
            raise ValueError(
                f"task_weights names unknown task(s) {show_ids(unknown[:10])}; the tasks "
                f"are {show_ids(self.tasks_[:10])}."
            )
        for key, value in self.task_weights.items():
            if not (isinstance(value, Real) and value >= 0 and np.isfinite(value)):
                raise ValueError(
                    f"task_weights[{key!r}] = {value!r}; task weights must be finite numbers >= 0."
                )
            weights[known[key]] = value
        if not weights.any():
            raise ValueError("task_weights gives every task weight 0; nothing would be learned.")
        return weights

    def _split_validation(self, data):
        """Hold out ``validation_fraction`` of the rows.

        With one task the split is scikit-learn's MLP's (:meth:`_single_task_strata`).
        With several tasks it is stratified by the finest of
        :meth:`_strata_candidates` that has rows enough, or not at all where
        even the tasks are too small. In the wide form rows (with all their
        labels) are held out, unstratified: a row belongs to every task.
        """
        n_samples = data.n_rows
        if data.rows is not None:
            strata = None
        elif self.n_tasks_ == 1:
            strata = self._single_task_strata(data)
        else:
            n_test = int(np.ceil(self.validation_fraction * n_samples))
            strata = usable_strata(self._strata_candidates(data), max_strata=min(n_test, n_samples - n_test))
        train_rows, val_rows = train_test_split(
            np.arange(n_samples),
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=strata,
        )
        if len(val_rows) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the "
                "size of your dataset."
            )
        train, validation = data.pick(train_rows), data.pick(val_rows)
        missing = np.setdiff1d(np.arange(self.n_tasks_), train.codes)
        if len(missing):
            raise ValueError(
                f"Early stopping left task(s) {show_ids(self.tasks_[missing[:10]])} without "
                "training rows; give them more rows or lower validation_fraction."
            )
        return train, validation

    # ------------------------------------------------------------ predict

    def _prediction_rows(self, X):
        """Rows to predict at once: all of them, unless a trunk's activations say otherwise."""
        return max(X.shape[0], 1)

    def _head_outputs(self, X, lengths, requests):
        """The heads' outputs (logits, or values) for some rows, in float64.

        ``requests`` is a list of (task, sorted row indices); the answer is
        one ``(len(rows), n_outputs_t)`` array each. The trunk runs once per
        row, in chunks of rows, however many heads read it.
        """
        params = [Tensor(p.astype(np.float64)) for p in self._params]
        net = self._network
        out = [np.empty((len(rows), net.n_outputs[t])) for t, rows in requests]
        for chunk in gen_batches(X.shape[0], self._prediction_rows(X)):
            chunk_lengths = None if lengths is None else lengths[chunk]
            z = net.forward_trunk(
                NumpyOps, params, Tensor(X[chunk].astype(np.float64)), lengths=chunk_lengths
            ).data
            for (t, rows), outputs in zip(requests, out):
                a, b = np.searchsorted(rows, [chunk.start, chunk.stop])
                if a < b:
                    outputs[a:b] = net.forward_head(NumpyOps, params, t, Tensor(z[rows[a:b] - chunk.start])).data
        return out

    def _task_requests(self, codes, n_rows):
        """(task, its rows) for each task among ``codes``; every task for all ``n_rows`` rows when
        ``codes`` is None."""
        if codes is None:
            return [(t, np.arange(n_rows)) for t in range(self.n_tasks_)]
        return [(t, np.flatnonzero(codes == t)) for t in np.unique(codes)]

    def _entry_answers(self, data, heads, answer, dtype):
        """Each entry of a :class:`TrainingSet` answered by its task's head (the early-stopping predictions).

        ``heads(X, lengths, requests)`` gives per-task outputs (as
        :meth:`_head_outputs`), ``answer`` turns one task's into one value per row.
        """
        rows = np.arange(len(data.codes)) if data.rows is None else data.rows
        requests = [(t, rows[data.codes == t]) for t in range(self.n_tasks_)]
        out = np.empty(len(data.codes), dtype=dtype)
        for (t, _), outputs in zip(requests, heads(data.X, data.lengths, requests)):
            out[data.codes == t] = answer(t, outputs)
        return out

    def _predict_rows(self, X, tasks, heads, answer, gather):
        """``predict``'s answer: each row from its task's head, or every task for every row.

        ``heads`` gives per-task outputs (as :meth:`_head_outputs`),
        ``answer(t, outputs)`` one prediction per row of task ``t``, and
        ``gather(n_rows, requests, answers)`` one per row in the long form;
        a model fitted on a wide y (or ``tasks='all'``) answers every task,
        a column each.
        """
        raw = X
        X, lengths, codes = self._prediction_inputs(X, tasks)
        requests = self._task_requests(codes, X.shape[0])
        answers = [answer(t, outputs) for (t, _), outputs in zip(requests, heads(X, lengths, requests))]
        if codes is None:
            return self._wide_answer(answers, raw)
        return gather(X.shape[0], requests, answers)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True  # a wide y: one column per task
        return tags
