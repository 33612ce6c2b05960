"""SharedRNNClassifier and SharedRNNRegressor: a recurrent trunk (RNN, LSTM, GRU) shared by all
tasks, one head per task."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .._memory import check_memory
from .._tasks import _as_task_ids, readable_input_errors
from ._base import store_parameters
from ._classifier import BaseSharedNetworkClassifier
from ._docs import fill_doc
from ._network import RecurrentTrunk
from ._recurrent import GATES
from ._regressor import BaseSharedNetworkRegressor
from ._training import batch_rows


#: Float64 activations one prediction chunk may hold.
_PREDICTION_CHUNK_BYTES = 256 * 2**20


def _is_sequences(X):
    """A 3-D array, or a list of 2-D arrays (one per sequence), rather than a table."""
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and np.ndim(X[0]) == 2
    return getattr(X, "ndim", 2) == 3


def _refuse_ragged_rows(X):
    """A list of 1-D sequences of different lengths is neither a table nor a list of sequences."""
    if isinstance(X, (list, tuple)) and len(X) and all(np.ndim(row) == 1 for row in X):
        if len({len(row) for row in X}) > 1:
            raise ValueError(
                "X is a list of 1-D sequences of different lengths; each sequence must be a "
                "2-D array (n_steps, n_features): for univariate sequences pass "
                "[np.reshape(s, (-1, 1)) for s in X]."
            )


#: How both recurrent estimators read their inputs and tasks.
_RNN_INPUTS = """\
    Inputs, in three forms:

    * a 3-D array ``(n_sequences, n_timesteps, n_features)``;
    * a list of 2-D arrays ``(length_i, n_features)`` of different lengths,
      padded and masked inside (a 1-step-per-row table is not a list of
      sequences: each element must be 2-D);
    * a 2-D table whose rows are sequences flattened step by step, ``[x_0,
      x_1, ...]`` with ``x_t`` the ``n_features`` values of step ``t``: set
      ``n_timesteps``; by default each row is one univariate sequence (one
      value per step). This form, with ``task_column``, is the one
      ``Pipeline`` and the scikit-learn checks use.

    Task ids come as ``tasks=`` with 3-D and list inputs, or from
    ``task_column`` in the 2-D form; the rules of the task data model apply.
"""

#: The recurrent trunk's parameters, as both estimators document them.
_RNN_PARAMETERS = """\
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
        The recurrent cell ('rnn' is the tanh Elman cell).
    hidden_size : int, default=64
        State size of each recurrent layer (per direction).
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Run every layer both ways; the heads read both final states.
    task_hidden_layer_sizes : array-like of shape (n_task_layers,), default=()
        Units of each hidden layer of every task's own tower, between the
        trunk and the task's output layer. Empty: a linear head per task.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of the towers' hidden layers.
    dropout : float, default=0.0
        Dropout rate on each recurrent layer's outputs before the next layer
        (as ``torch.nn.LSTM``'s ``dropout``) and after the towers' hidden
        layers, in training.
    n_timesteps : int or None, default=None
        Steps per row of 2-D input: a row of ``n_timesteps * n_features``
        values. None: each row is a univariate sequence. Ignored for 3-D and
        list inputs.
    max_grad_norm : float or None, default=5.0
        Scale the gradient of each step down to this norm when it is larger
        (``torch.nn.utils.clip_grad_norm_``), against exploding gradients
        through time. None: no clipping.
"""

_RNN_ATTRIBUTES = """\
    rnn_weights_ : dict
        The trunk's parameters by PyTorch's names (``weight_ih_l0``,
        ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``..._reverse``), so
        ``torch.nn.LSTM(...).load_state_dict`` takes them as they are.
"""


class RecurrentTrunkMixin:
    """The recurrent trunk of :class:`SharedRNNClassifier` and :class:`SharedRNNRegressor`,
    and how they read sequences."""

    _trunk_constraints: dict = {
        "cell": [StrOptions(set(GATES))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "n_timesteps": [Interval(Integral, 1, None, closed="left"), None],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    }

    # -------------------------------------------------------------- inputs

    def _training_inputs(self, X, y, tasks, first_pass):
        if not _is_sequences(X):
            _refuse_ragged_rows(X)
            X, _, y, codes = super()._training_inputs(X, y, tasks, first_pass)
            X = self._rows_as_sequences(X, first_pass)
            self._check_training_memory(X)
            return X, None, y, codes
        X, lengths, ids = self._check_sequences(X, tasks, reset=first_pass)
        self._check_training_memory(X)
        return (X, lengths, *self._read_targets(y, tasks, ids, lengths, first_pass))

    def _prediction_inputs(self, X, tasks):
        if not _is_sequences(X):
            _refuse_ragged_rows(X)
            X, _, codes = super()._prediction_inputs(X, tasks)
            return self._rows_as_sequences(X, False), None, codes
        check_is_fitted(self)
        everything = self._answers_every_task(tasks)
        X, lengths, ids = self._check_sequences(X, None if everything else tasks, reset=False)
        return X, lengths, None if everything else self._known_task_codes(ids, len(lengths))

    def _rows_as_sequences(self, X, reset):
        """2-D rows as (rows, steps, features): ``n_timesteps`` steps, or one value per step."""
        steps = X.shape[1] if self.n_timesteps is None else self.n_timesteps
        if X.shape[1] % steps:
            raise ValueError(
                f"n_timesteps={self.n_timesteps} does not divide the row length {X.shape[1]} "
                "(features without the task column); each row must hold n_timesteps steps of "
                "equally many features."
            )
        return self._set_or_check_step_features(X.reshape(len(X), steps, -1), reset, "rows")

    def _check_sequences(self, X, tasks, reset):
        """Validated sequences, padded: (array (n, T, D), lengths, task ids or None)."""
        with readable_input_errors(X, type(self).__name__):
            return self._check_sequences_unchecked(X, tasks, reset)

    def _check_sequences_unchecked(self, X, tasks, reset):
        if self.task_column is not None:
            raise ValueError(
                "task_column reads a column of a 2-D table; with 3-D or list inputs, pass "
                "the task ids as tasks= and set task_column=None."
            )
        if isinstance(X, (list, tuple)):
            sequences = []
            for k, sequence in enumerate(X):
                sequence = check_array(
                    sequence, dtype=[np.float64, np.float32], input_name=f"X[{k}]", ensure_min_samples=0
                )
                if len(sequence) == 0:
                    raise ValueError(f"X[{k}] is an empty sequence; every sequence needs at least one step.")
                if sequences and sequence.shape[1] != sequences[0].shape[1]:
                    raise ValueError(
                        f"X[{k}] has {sequence.shape[1]} features per step but X[0] has "
                        f"{sequences[0].shape[1]}; all sequences need the same features."
                    )
                sequences.append(sequence)
            lengths = np.array([len(s) for s in sequences])
            padded = np.zeros((len(sequences), lengths.max(), sequences[0].shape[1]), sequences[0].dtype)
            for k, sequence in enumerate(sequences):
                padded[k, : len(sequence)] = sequence
        else:
            padded = check_array(X, dtype=[np.float64, np.float32], allow_nd=True, input_name="X")
            lengths = np.full(len(padded), padded.shape[1])
        ids = None if tasks is None else _as_task_ids(tasks, len(lengths), "tasks")
        if hasattr(self, "feature_names_in_") and reset:
            del self.feature_names_in_
        padded = self._set_or_check_step_features(padded, reset, "sequences")
        return padded, lengths, ids

    def _set_or_check_step_features(self, X, reset, form):
        if reset:
            self._step_features = X.shape[2]
            if form == "sequences":
                self.n_features_in_ = X.shape[2]  # per step (a table's is its column count)
        elif X.shape[2] != self._step_features:
            raise ValueError(
                f"X has {X.shape[2]} features per step, but {type(self).__name__} was fitted "
                f"with {self._step_features}."
            )
        return X

    # -------------------------------------------------------------- memory

    def _activation_bytes(self, n_rows, n_steps, itemsize):
        """What one forward pass over ``n_rows`` sequences holds: inputs to the
        gates, gates and states of every step, layer and direction."""
        directions = 2 if self.bidirectional else 1
        per_step = self.hidden_size * (2 * GATES[self.cell] + 3) * directions * self.num_layers
        return n_rows * n_steps * per_step * itemsize

    def _check_training_memory(self, X):
        n, n_steps = X.shape[0], X.shape[1]
        rows = batch_rows(self.batch_size, n)
        itemsize = np.dtype(self.dtype).itemsize
        # a batch's forward and backward pass, and the padded inputs in the training dtype
        needed = 2 * self._activation_bytes(rows, n_steps, itemsize) + X.size * itemsize
        check_memory(
            needed,
            f"training of {n} sequences of {n_steps} steps (batches of {rows})",
            "Use a smaller batch_size or hidden_size, fewer or shorter sequences (e.g. "
            "subsample the steps), or dtype='float32'.",
        )

    def _prediction_rows(self, X):
        """Sequences per prediction chunk: their float64 activations within ~256 MiB."""
        one = self._activation_bytes(1, X.shape[1], 8)
        check_memory(
            one,
            f"prediction of one sequence of {X.shape[1]} steps",
            "Use shorter sequences (e.g. subsample the steps).",
        )
        return int(np.clip(_PREDICTION_CHUNK_BYTES // max(one, 1), 1, max(X.shape[0], 1)))

    # ------------------------------------------------------------- network

    def _make_trunk(self, X):
        return RecurrentTrunk(X.shape[2], self.cell, self.hidden_size, self.num_layers, self.bidirectional)

    def _set_trunk_attributes(self, params):
        names = [
            f"{weight}_l{layer}{suffix}"
            for layer in range(self.num_layers)
            for suffix in (("", "_reverse") if self.bidirectional else ("",))
            for weight in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]
        self.rnn_weights_ = dict(zip(names, params))

    def _max_grad_norm(self):
        return self.max_grad_norm


@fill_doc(rnn_inputs=_RNN_INPUTS, rnn_parameters=_RNN_PARAMETERS, rnn_attributes=_RNN_ATTRIBUTES)
class SharedRNNClassifier(RecurrentTrunkMixin, BaseSharedNetworkClassifier):
    """Recurrent network with layers shared by all tasks and a head per task.

    Hard parameter sharing for sequences: every sequence goes through the
    same recurrent trunk (an Elman RNN ``h_t = tanh(W_ih x_t + b_ih + W_hh
    h_{t-1} + b_hh)``, an LSTM or a GRU, with PyTorch's equations and weight
    layout), and the state after its last real step goes to its own task's
    tower and output layer. Training, task weighting and backends are those
    of :class:`SharedMLPClassifier`: the same loop, the same parameters.

%(rnn_inputs)s

    Parameters
    ----------
%(rnn_parameters)s
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
%(rnn_attributes)s
%(training_attributes)s

    See Also
    --------
    SharedMLPClassifier : The dense-trunk counterpart.
    SharedRNNRegressor : The same network for real-valued targets.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import SharedRNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 8, 2)             # 200 sequences of 8 steps, 2 features
    >>> tasks = np.repeat(["sum", "last"], 100)
    >>> y = np.where(tasks == "sum", X[:, :, 0].sum(axis=1) > 0, X[:, -1, 1] > 0).astype(int)
    >>> clf = SharedRNNClassifier(hidden_size=16, learning_rate_init=0.01, tol=1e-3, random_state=0)
    >>> clf = clf.fit(X, y, tasks=tasks)
    >>> float(clf.score(X, y, tasks=tasks)) > 0.9
    True
    >>> sorted(clf.rnn_weights_)
    ['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']
    """

    _parameter_constraints: dict = {
        **BaseSharedNetworkClassifier._parameter_constraints,
        **RecurrentTrunkMixin._trunk_constraints,
    }

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        task_hidden_layer_sizes=(),
        activation="relu",
        *,
        dropout=0.0,
        n_timesteps=None,
        max_grad_norm=5.0,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
        task_weights=None,
        loss_weighting="equal",
        gradient_method=None,
        task_column=None,
        backend="numpy",
        device="auto",
        dtype="float32",
    ):
        store_parameters(self, locals())


@fill_doc(rnn_inputs=_RNN_INPUTS, rnn_parameters=_RNN_PARAMETERS, rnn_attributes=_RNN_ATTRIBUTES)
class SharedRNNRegressor(RecurrentTrunkMixin, BaseSharedNetworkRegressor):
    """Recurrent network regressor with layers shared by all tasks and a head per task.

    Hard parameter sharing for sequences, as :class:`SharedRNNClassifier`
    (an Elman RNN, an LSTM or a GRU, with PyTorch's equations and weight
    layout), with one linear output per task trained on half the squared
    error, as :class:`SharedMLPRegressor`: the same loop, the same
    parameters.

%(rnn_inputs)s

    Parameters
    ----------
%(rnn_parameters)s
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
%(rnn_attributes)s
%(training_attributes)s

    See Also
    --------
    SharedMLPRegressor : The dense-trunk counterpart.
    SharedRNNClassifier : The same network for class labels.

    Notes
    -----
%(regressor_notes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import SharedRNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(n, 1) for n in rng.randint(3, 9, size=200)]  # ragged sequences
    >>> tasks = np.repeat(["sum", "last"], 100)
    >>> y = np.array([s.sum() if t == "sum" else s[-1, 0] for s, t in zip(X, tasks)])
    >>> reg = SharedRNNRegressor(cell="gru", hidden_size=16, learning_rate_init=0.02, max_iter=60,
    ...                          random_state=0).fit(X, y, tasks=tasks)
    >>> float(reg.score(X, y, tasks=tasks)) > 0.8
    True
    """

    _parameter_constraints: dict = {
        **BaseSharedNetworkRegressor._parameter_constraints,
        **RecurrentTrunkMixin._trunk_constraints,
    }

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        task_hidden_layer_sizes=(),
        activation="relu",
        *,
        dropout=0.0,
        n_timesteps=None,
        max_grad_norm=5.0,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        normalize_targets=False,
        task_weights=None,
        loss_weighting="equal",
        gradient_method=None,
        task_column=None,
        backend="numpy",
        device="auto",
        dtype="float32",
    ):
        store_parameters(self, locals())
