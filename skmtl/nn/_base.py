"""What every parameter-sharing classifier has in common, whatever its trunk.

A subclass names its trunk (:meth:`_make_trunk`) and how it reads ``X``
(:meth:`_training_inputs`, :meth:`_prediction_inputs`); this base holds the
parameters, the task and label bookkeeping, the backends and the
predictions, and hands the epochs to :func:`._training.train`.
"""

from __future__ import annotations

import re
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from .._labels import ClassifierLabelsMixin
from .._tasks import NO_TASK, TaskDataMixin, WideTargets, entry_weights, plain_id, show_ids
from ._autograd import Tensor, _sigmoid
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


class BaseSharedNetworkClassifier(
    ClassifierLabelsMixin, TaskDataMixin, ClassifierMixin, BaseEstimator, metaclass=ABCMeta
):
    """Shared trunk, per-task heads, MLPClassifier's training; not for direct use."""

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
        "class_weight": [StrOptions({"balanced", "balanced_per_task"}), dict, list, None],
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

    # ------------------------------------------------------------------ fit

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
        if not hasattr(self, "task_coefs_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if hasattr(self, "task_coefs_") and classes is not None:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"`classes={list(classes)!r}` is not the same as the classes of the first "
                    f"fit, {self.classes_}; pass the same classes, or none."
                )
        return self._fit(X, y, tasks, sample_weight, incremental=True, classes=classes)

    def _fit(self, X, y, tasks, sample_weight, incremental, classes=None):
        self._check_params()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "task_coefs_") or (not self.warm_start and not incremental)
        dtype = _DTYPES[self.dtype]
        X, lengths, y, codes = self._training_inputs(X, y, tasks, first_pass)
        X = self._cast_inputs(X, dtype)
        wide = y if isinstance(y, WideTargets) else None
        rows = None
        if wide is not None:
            rows, codes = wide.entries()
        sample_weight = entry_weights(sample_weight, X.shape[0], wide, rows, codes)
        self._random_state = check_random_state(self.random_state)

        if first_pass:
            local = self._encode_fit_labels(y, codes, sample_weight, classes)
            self._initialize(X, dtype)
        else:
            local = self._encode_more_labels(y, codes, warm_start=self.warm_start)
        if self._optimizer is None or not incremental:
            self._optimizer = self._make_optimizer(self._params, self._flat_params, self._flat_offsets)

        row_weight = sample_weight * self._class_weights(codes, local)
        with np.errstate(over="ignore"):
            too_large = not np.isfinite(row_weight.astype(dtype)).all()
        if too_large:
            raise ValueError(
                f"sample_weight (times class_weight) has values too large for dtype={self.dtype!r} "
                "(they overflow to inf); rescale the weights (e.g. divide them by their mean) "
                "or use dtype='float64'."
            )
        if first_pass:
            self._task_weight_vector = self._resolve_task_weights(codes, row_weight)
        data = TrainingSet(X, codes, local, row_weight, sample_weight, lengths, rows)
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

    def _encode_fit_labels(self, y, codes, sample_weight, classes):
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

    def _encode_more_labels(self, y, codes, warm_start):
        """Class indices of more training labels (within each task), which each task must know already."""
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

    def _initialize(self, X, dtype):
        n_outputs = [1 if len(k) == 2 else len(k) for k in self._task_labels]
        trunk = self._make_trunk(X)
        self._network = SharedNetwork(
            trunk, self._tower_sizes(), n_outputs, self.activation, self.dropout
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
        """The training history as MLPClassifier's fitted attributes, and the multi-task ones."""
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

        With one task the split is MLPClassifier's: stratified by class for
        two classes, not stratified for more. With several tasks it is
        stratified by task and class, or by task alone where the classes are
        too rare for that, or not at all where even the tasks are. In the
        wide form rows (with all their labels) are held out, unstratified:
        a row belongs to every task.
        """
        n_samples = data.n_rows
        if data.rows is not None:
            strata = None
        elif self.n_tasks_ == 1:
            strata = data.y if len(self._task_labels[0]) == 2 else None
        else:
            n_test = int(np.ceil(self.validation_fraction * n_samples))
            strata = self._validation_strata(data.codes, data.y, max_strata=min(n_test, n_samples - n_test))
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

    def _validation_strata(self, codes, y, max_strata):
        """Task x class cells (rare cells merged into their task), else tasks, else None."""
        cells = codes * max(map(len, self._task_labels)) + y
        counts = np.bincount(cells)
        for strata in (np.where(counts[cells] >= 2, cells, -1 - codes), codes):
            sizes = np.unique(strata, return_counts=True)[1]
            if sizes.min() >= 2 and len(sizes) <= max_strata:
                return strata
        return None

    # ------------------------------------------------------------ predict

    def _prediction_rows(self, X):
        """Rows to predict at once: all of them, unless a trunk's activations say otherwise."""
        return max(X.shape[0], 1)

    def _head_proba(self, X, lengths, requests):
        """Class probabilities of some rows from some heads, in float64.

        ``requests`` is a list of (task, sorted row indices); the answer is
        one ``(len(rows), n_classes_t)`` array each, columns in the task's own
        class order. The trunk runs once per row, in chunks of rows, however
        many heads read it.
        """
        params = [Tensor(p.astype(np.float64)) for p in self._params]
        net = self._network
        out = [np.empty((len(rows), len(self._task_labels[t]))) for t, rows in requests]
        for chunk in gen_batches(X.shape[0], self._prediction_rows(X)):
            chunk_lengths = None if lengths is None else lengths[chunk]
            z = net.forward_trunk(
                NumpyOps, params, Tensor(X[chunk].astype(np.float64)), lengths=chunk_lengths
            ).data
            for (t, rows), proba in zip(requests, out):
                a, b = np.searchsorted(rows, [chunk.start, chunk.stop])
                if a == b:
                    continue
                logits = net.forward_head(NumpyOps, params, t, Tensor(z[rows[a:b] - chunk.start])).data
                if net.n_outputs[t] == 1:
                    positive = _sigmoid(logits[:, 0])
                    proba[a:b] = np.column_stack([1 - positive, positive])
                else:
                    e = np.exp(logits - logits.max(axis=1, keepdims=True))
                    proba[a:b] = e / e.sum(axis=1, keepdims=True)
        return out

    def _task_requests(self, codes):
        return [(t, np.flatnonzero(codes == t)) for t in np.unique(codes)]

    def _proba(self, X, codes, lengths=None):
        """Class probabilities in ``classes_`` order (each row from its task's head)."""
        classes, mask = self._union_classes()
        proba = np.zeros((X.shape[0], len(classes)))
        requests = self._task_requests(codes)
        for (t, rows), task_proba in zip(requests, self._head_proba(X, lengths, requests)):
            proba[np.ix_(rows, mask[t])] = task_proba
        return proba

    def _validation_score(self, data):
        """Accuracy on the entries of a :class:`TrainingSet` (the early-stopping score).

        Its labels are class indices within each entry's task, as the
        predictions are.
        """
        rows = np.arange(len(data.codes)) if data.rows is None else data.rows
        requests = [(t, rows[data.codes == t]) for t in range(self.n_tasks_)]
        predicted = np.empty(len(data.codes), dtype=np.intp)
        for (t, _), proba in zip(requests, self._head_proba(data.X, data.lengths, requests)):
            predicted[data.codes == t] = np.argmax(proba, axis=1)
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
            return self._head_proba(X, lengths, [(t, np.arange(X.shape[0])) for t in range(self.n_tasks_)])
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
        raw = X
        X, lengths, codes = self._prediction_inputs(X, tasks)
        everything = codes is None
        codes = np.zeros(X.shape[0], np.intp) if everything else codes
        requests = (
            [(t, np.arange(X.shape[0])) for t in range(self.n_tasks_)] if everything
            else self._task_requests(codes)
        )
        labels = [self._task_labels[t][np.argmax(p, axis=1)] for (t, _), p in
                  zip(requests, self._head_proba(X, lengths, requests))]
        if everything:
            return self._wide_answer(labels, raw)
        return self._gather_labels(X.shape[0], requests, labels)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True  # a wide y: one column per task
        return tags
