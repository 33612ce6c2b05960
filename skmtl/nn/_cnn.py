"""SharedCNNClassifier and SharedCNNRegressor: a convolutional trunk shared by all tasks, one head per task."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .._memory import check_memory
from .._tasks import _as_task_ids, readable_input_errors
from ._base import layer_sizes, store_parameters
from ._classifier import BaseSharedNetworkClassifier
from ._docs import fill_doc
from ._network import ConvTrunk, _pair
from ._regressor import BaseSharedNetworkRegressor
from ._training import batch_rows

#: Float64 activations one prediction chunk may hold.
_PREDICTION_CHUNK_BYTES = 256 * 2**20


def _is_images(X):
    """A 3-D ``(n, H, W)`` or 4-D ``(n, H, W, C)`` array, rather than a table of flattened images."""
    ndim = getattr(X, "ndim", 2)
    if ndim > 4:
        raise ValueError(
            f"X has {ndim} dimensions; a convolutional network takes images (n, height, width) or "
            "(n, height, width, channels), or 2-D rows of flattened images with image_shape."
        )
    return not isinstance(X, (list, tuple)) and ndim in (3, 4)


#: How both convolutional estimators read their inputs and tasks.
_CNN_INPUTS = """\
    Inputs, in three forms:

    * ``(n_samples, height, width)``: one channel;
    * ``(n_samples, height, width, channels)``: channels last, as Keras and
      most image libraries write them;
    * a 2-D table whose rows are images flattened in that order (row by row,
      channels last): set ``image_shape=(height, width[, channels])``. This
      is the form a ``Pipeline`` and ``task_column`` work with. With
      ``image_shape=None`` a row of ``d`` values is one ``1 x d`` image.

    Tasks reach the model through ``tasks=`` (or ``task_column`` with a
    table), or as the columns of a wide ``y``, one per task.
"""

#: The convolutional trunk's parameters, as both estimators document them.
_CNN_PARAMETERS = """\
    conv_layers : sequence of (int, int or (int, int)), default=((32, 3),)
        ``(filters, kernel_size)`` of each convolution: ``filters`` per
        group (``conv_groups``), a square or ``(height, width)`` kernel,
        stride 1.
    pool_size : int, (int, int) or None, default=2
        Max pooling after each convolution, window = stride (rows and columns
        that do not fill a window are dropped, as Keras's 'valid'); None: no
        pooling.
    padding : {'valid', 'same'}, default='valid'
        Padding of the convolutions, as Keras and PyTorch name them.
    conv_groups : int, default=1
        Split the input channels into this many groups, each with its own
        tower of convolutions (``filters`` each); their feature maps are
        concatenated before the dense layers. PyTorch's ``groups``: two
        single-channel images stacked as two channels with ``conv_groups=2``
        is a network with two convolutional inputs.
    hidden_layer_sizes : array-like of shape (n_layers,), default=(128,)
        Units of each shared dense layer after the convolutions (empty: the
        heads read the flattened feature maps).
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of the images
        that 2-D rows hold; not used with 3-D or 4-D inputs.
    task_hidden_layer_sizes : array-like of shape (n_task_layers,), default=()
        Units of each hidden layer of every task's own tower.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of every convolution and hidden layer.
    dropout : float, default=0.0
        Dropout rate after every dense hidden layer (trunk and towers).
"""

_CNN_ATTRIBUTES = """\
    conv_coefs_, conv_intercepts_ : list of ndarray
        Weights ``(out, in / conv_groups, kh, kw)`` and biases of each
        convolution, in PyTorch's ``nn.Conv2d`` layout.
    coefs_, intercepts_ : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases of the shared dense layers.
    trunk_state_dict_ : dict
        The trunk's parameters under the names a ``torch.nn.Sequential`` of
        the same layers (``Conv2d``, activation, ``MaxPool2d`` per
        convolution, ``Flatten``, then ``Linear`` and activation per dense
        layer) has, in its layouts (dense weights transposed), so
        ``load_state_dict`` takes them.
    image_shape_ : tuple of int
        ``(height, width, channels)`` of the training images.
"""


class ConvTrunkMixin:
    """The convolutional trunk of :class:`SharedCNNClassifier` and :class:`SharedCNNRegressor`,
    and how they read images."""

    _trunk_constraints: dict = {
        "conv_layers": ["array-like"],
        "pool_size": [None, Interval(Integral, 1, None, closed="left"), tuple],
        "padding": [StrOptions({"valid", "same"})],
        "conv_groups": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "image_shape": [None, tuple, list],
    }

    # -------------------------------------------------------------- checks

    def _check_params(self):
        super()._check_params()
        self._conv_layers()
        self._pool()
        layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes", allow_empty=True)
        if self.image_shape is not None:
            self._image_shape_param()

    def _conv_layers(self):
        """``conv_layers`` as [(filters, (kh, kw))], refusing what is not that."""
        try:
            layers = [(filters, _pair(kernel)) for filters, kernel in self.conv_layers]
            ok = len(layers) > 0 and all(
                _positive_int(f) and len(k) == 2 and all(_positive_int(v) for v in k) for f, k in layers
            )
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                "conv_layers must be a non-empty sequence of (filters, kernel_size) pairs of positive "
                f"integers, e.g. [(32, 3)] or [(16, (3, 5))]; got {self.conv_layers!r}."
            )
        return [(int(f), k) for f, k in layers]

    def _pool(self):
        if self.pool_size is None:
            return None
        pool = _pair(self.pool_size) if np.ndim(self.pool_size) < 2 else None
        if pool is None or len(pool) != 2 or not all(v >= 1 for v in pool):
            raise ValueError(f"pool_size must be a positive int, a pair of them, or None; got {self.pool_size!r}.")
        return pool

    def _image_shape_param(self):
        """``image_shape`` as (height, width, channels)."""
        shape = tuple(self.image_shape)
        if len(shape) not in (2, 3) or not all(_positive_int(v) for v in shape):
            raise ValueError(
                "image_shape must be (height, width) or (height, width, channels) of positive "
                f"integers; got {self.image_shape!r}."
            )
        return tuple(int(v) for v in shape) + ((1,) if len(shape) == 2 else ())

    # -------------------------------------------------------------- inputs

    def _training_inputs(self, X, y, tasks, first_pass):
        if not _is_images(X):
            X, _, y, codes = super()._training_inputs(X, y, tasks, first_pass)
            X = self._rows_as_images(X, first_pass)
        else:
            X, ids = self._check_images(X, tasks, reset=first_pass)
            y, codes = self._read_targets(y, tasks, ids, X, first_pass)
        self._check_training_memory(X)
        return X, None, y, codes

    def _prediction_inputs(self, X, tasks):
        if not _is_images(X):
            X, _, codes = super()._prediction_inputs(X, tasks)
            return self._rows_as_images(X, False), None, codes
        check_is_fitted(self)
        everything = self._answers_every_task(tasks)
        X, ids = self._check_images(X, None if everything else tasks, reset=False)
        return X, None, None if everything else self._known_task_codes(ids, len(X))

    def _rows_as_images(self, X, reset):
        """2-D rows as (rows, channels, height, width), read by ``image_shape``."""
        height, width, channels = (
            (1, X.shape[1], 1) if self.image_shape is None else self._image_shape_param()
        )
        if height * width * channels != X.shape[1]:
            raise ValueError(
                f"image_shape={self.image_shape!r} holds {height * width * channels} values but the "
                f"rows of X have {X.shape[1]} (features without the task column); give the shape "
                "of the flattened images (height, width[, channels])."
            )
        return self._set_or_check_images(X.reshape(len(X), height, width, channels), reset)

    def _check_images(self, X, tasks, reset):
        """Validated images as (n, channels, height, width), and task ids (or None)."""
        with readable_input_errors(X, type(self).__name__):
            if self.task_column is not None:
                raise ValueError(
                    "task_column reads a column of a 2-D table; with 3-D or 4-D images, pass the "
                    "task ids as tasks= and set task_column=None."
                )
            images = check_array(X, dtype=[np.float64, np.float32], allow_nd=True, input_name="X")
        images = images[..., None] if images.ndim == 3 else images
        ids = None if tasks is None else _as_task_ids(tasks, len(images), "tasks")
        if reset:
            self.n_features_in_ = int(np.prod(images.shape[1:]))
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        return self._set_or_check_images(images, reset), ids

    def _set_or_check_images(self, images, reset):
        """Channels-last images (n, H, W, C) as (n, C, H, W), of the shape seen in fit."""
        shape = tuple(images.shape[1:])
        if reset:
            self.image_shape_ = shape
        elif shape != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {shape} (height, width, channels), but "
                f"{type(self).__name__} was fitted on {self.image_shape_}."
            )
        return np.ascontiguousarray(images.transpose(0, 3, 1, 2))

    # -------------------------------------------------------------- memory

    def _activation_bytes(self, n_rows, itemsize, trunk=None):
        """What one forward pass over ``n_rows`` images holds: per convolution its
        unfolded input (im2col), its output and activation, and the pooled maps."""
        trunk = trunk or self._network.trunk
        total = 0
        for (channels, _, _), (out, height, width), pooled, (_, (kh, kw)) in zip(
            trunk.shapes, trunk.conv_shapes, trunk.shapes[1:], trunk.conv_layers
        ):
            total += channels * kh * kw * height * width + 2 * out * height * width + int(np.prod(pooled))
        return n_rows * total * itemsize

    def _check_training_memory(self, X):
        trunk = self._make_trunk(X)
        rows = batch_rows(self.batch_size, len(X))
        itemsize = np.dtype(self.dtype).itemsize
        # a batch's forward and backward pass, and the images in the training dtype
        needed = 2 * self._activation_bytes(rows, itemsize, trunk) + X.size * itemsize
        check_memory(
            needed,
            f"training on {len(X)} images of {X.shape[2]}x{X.shape[3]}x{X.shape[1]} (batches of {rows})",
            "Use a smaller batch_size, fewer filters or pooling, smaller images, or dtype='float32'.",
        )

    def _prediction_rows(self, X):
        """Images per prediction chunk: their float64 activations within ~256 MiB."""
        one = self._activation_bytes(1, 8)
        check_memory(one, "prediction of one image", "Use smaller images, fewer filters or pooling.")
        return int(np.clip(_PREDICTION_CHUNK_BYTES // max(one, 1), 1, max(X.shape[0], 1)))

    # ------------------------------------------------------------- network

    def _make_trunk(self, X):
        return ConvTrunk(
            X.shape[1:], self._conv_layers(), self._pool(), self.padding, self.conv_groups,
            layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes", allow_empty=True), self.activation,
        )

    def _set_trunk_attributes(self, params):
        trunk = self._network.trunk
        conv, dense = params[: trunk.n_conv_params], params[trunk.n_conv_params :]
        self.conv_coefs_, self.conv_intercepts_ = conv[0::2], conv[1::2]
        self.coefs_, self.intercepts_ = dense[0::2], dense[1::2]
        names = trunk.torch_layer_names()[1]
        # torch's Linear stores (out, in): the transpose of the dense weights
        layouts = [p if p.ndim != 2 else p.T for p in params]
        self.trunk_state_dict_ = dict(zip(names, layouts))


@fill_doc(cnn_inputs=_CNN_INPUTS, cnn_parameters=_CNN_PARAMETERS, cnn_attributes=_CNN_ATTRIBUTES)
class SharedCNNClassifier(ConvTrunkMixin, BaseSharedNetworkClassifier):
    """Convolutional network with layers shared by all tasks and a head per task.

    Hard parameter sharing for images: every image goes through the same
    trunk of convolutions (each activated, then max-pooled), whose feature
    maps are flattened into shared dense layers, then through its own
    task's tower and output layer. Training, task weighting and backends are
    those of :class:`SharedMLPClassifier`: the same loop, the same
    parameters.

%(cnn_inputs)s

    Parameters
    ----------
%(cnn_parameters)s
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
%(cnn_attributes)s
%(training_attributes)s

    See Also
    --------
    SharedMLPClassifier : The dense trunk.
    SharedCNNRegressor : The same network for real-valued targets.
    skmtl.model_selection.compare_with_single_task : Is sharing worth it?

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import SharedCNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> images = rng.rand(120, 8, 8)
    >>> Y = np.column_stack([images[:, :4].mean((1, 2)) > images[:, 4:].mean((1, 2)),
    ...                      images[:, :, :4].mean((1, 2)) > images[:, :, 4:].mean((1, 2))])
    >>> clf = SharedCNNClassifier(conv_layers=[(4, 3)], hidden_layer_sizes=(16,),
    ...                           learning_rate_init=0.01, max_iter=50, random_state=0)
    >>> clf = clf.fit(images, Y.astype(int))
    >>> clf.predict(images[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **BaseSharedNetworkClassifier._parameter_constraints,
        **ConvTrunkMixin._trunk_constraints,
    }

    def __init__(
        self,
        conv_layers=((32, 3),),
        pool_size=2,
        padding="valid",
        conv_groups=1,
        hidden_layer_sizes=(128,),
        *,
        image_shape=None,
        task_hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
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


@fill_doc(cnn_inputs=_CNN_INPUTS, cnn_parameters=_CNN_PARAMETERS, cnn_attributes=_CNN_ATTRIBUTES)
class SharedCNNRegressor(ConvTrunkMixin, BaseSharedNetworkRegressor):
    """Convolutional network regressor with layers shared by all tasks and a head per task.

    Hard parameter sharing for images, as :class:`SharedCNNClassifier`
    (convolutions, each activated and max-pooled, then shared dense layers),
    with one linear output per task trained on half the squared error, as
    :class:`SharedMLPRegressor`: the same loop, the same parameters.

%(cnn_inputs)s

    Parameters
    ----------
%(cnn_parameters)s
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
%(cnn_attributes)s
%(training_attributes)s

    See Also
    --------
    SharedMLPRegressor : The dense trunk.
    SharedCNNClassifier : The same network for class labels.

    Notes
    -----
%(regressor_notes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import SharedCNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> images = rng.rand(200, 8, 8)
    >>> Y = np.column_stack([images[:, :4].mean((1, 2)) - images[:, 4:].mean((1, 2)),
    ...                      images[:, :, :4].mean((1, 2)) - images[:, :, 4:].mean((1, 2))])
    >>> reg = SharedCNNRegressor(conv_layers=[(4, 3)], hidden_layer_sizes=(16,), normalize_targets=True,
    ...                          learning_rate_init=0.01, random_state=0)
    >>> reg = reg.fit(images, Y)
    >>> reg.predict(images[:2]).shape
    (2, 2)
    >>> float(reg.score(images, Y)) > 0.9  # mean over the two tasks of each one's R²
    True
    """

    _parameter_constraints: dict = {
        **BaseSharedNetworkRegressor._parameter_constraints,
        **ConvTrunkMixin._trunk_constraints,
    }

    def __init__(
        self,
        conv_layers=((32, 3),),
        pool_size=2,
        padding="valid",
        conv_groups=1,
        hidden_layer_sizes=(128,),
        *,
        image_shape=None,
        task_hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
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


def _positive_int(value) -> bool:
    return isinstance(value, (Integral, np.integer)) and not isinstance(value, (bool, np.bool_)) and value > 0
