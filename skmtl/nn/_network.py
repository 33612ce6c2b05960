"""The shared network: one trunk that every task uses, then a tower and a head per task.

The network is a description, written once for both backends: its forward
pass calls the layer functions of an ``ops`` namespace (the NumPy engine's,
or torch's: ``linear``, ``mask``, ``recurrent``, ``conv2d``, ``max_pool2d``,
``flatten``), so the two backends cannot drift apart. Parameters live in one flat list: the trunk's first, then each
task's tower and head in task order. Dense layers store weights as
``(fan_in, fan_out)`` and compute ``x @ W + b``, as ``MLPClassifier``'s
``coefs_`` do; recurrent layers use PyTorch's layout.

A trunk (:class:`DenseTrunk`, :class:`RecurrentTrunk`, :class:`ConvTrunk`) has ``n_outputs``,
``init(rng, dtype)``, ``mask_shapes(n_rows, input_shape)`` (where dropout
applies) and ``forward(ops, params, x, masks, lengths)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._autograd import dropout_mask
from ._recurrent import GATES


def glorot_dense(rng, sizes, activation, dtype):
    """Weights and biases of dense layers ``sizes[0] -> sizes[1] -> ...``.

    ``MLPClassifier``'s initialisation, draw for draw: ``W`` then ``b`` of each
    layer from ``U(-r, r)`` with ``r = sqrt(6 / (fan_in + fan_out))``
    (``sqrt(2 / ...)`` for the logistic activation), so a single-task
    network starts from the weights ``MLPClassifier`` would draw.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = math.sqrt(factor / (fan_in + fan_out))
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
        params.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return params


def dense_stack(ops, params, x, activation, masks=(), last_activation=True):
    """Dense layers over ``x``; ``params`` alternate weight and bias.

    A hidden layer's output is activated, then multiplied by its dropout mask
    when ``masks`` holds one for it.
    """
    n_layers = len(params) // 2
    for k in range(n_layers):
        activated = k < n_layers - 1 or last_activation
        x = ops.linear(x, params[2 * k], params[2 * k + 1], activation if activated else "identity")
        if activated and k < len(masks) and masks[k] is not None:
            x = ops.mask(x, masks[k])
    return x


class DenseTrunk:
    """The shared trunk of :class:`SharedMLPClassifier`: dense layers, each activated."""

    def __init__(self, n_features, hidden_layer_sizes, activation):
        self.sizes = (n_features, *hidden_layer_sizes)
        self.activation = activation

    @property
    def n_outputs(self):
        return self.sizes[-1]

    def mask_shapes(self, n_rows, input_shape):
        """Shapes of the activations that dropout applies to: every hidden layer."""
        return [(n_rows, width) for width in self.sizes[1:]]

    def init(self, rng, dtype):
        return glorot_dense(rng, self.sizes, self.activation, dtype)

    def forward(self, ops, params, x, masks, lengths=None):
        return dense_stack(ops, params, x, self.activation, masks)


class RecurrentTrunk:
    """The shared trunk of :class:`SharedRNNClassifier`: stacked recurrent layers.

    Its output, for each sequence, is the state after its last real step
    (with both directions' final states side by side when bidirectional).
    Dropout applies to each layer's output sequence before the next layer.
    Parameters are in PyTorch's order and layout: per layer, per direction,
    ``weight_ih, weight_hh, bias_ih, bias_hh``, drawn from
    ``U(-1/sqrt(H), 1/sqrt(H))`` as ``torch.nn.LSTM`` draws them.
    """

    def __init__(self, n_features, cell, hidden_size, num_layers, bidirectional):
        self.n_features = n_features
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.directions = 2 if bidirectional else 1

    @property
    def n_outputs(self):
        return self.directions * self.hidden_size

    def mask_shapes(self, n_rows, input_shape):
        """Each layer's output sequence but the last's: (rows, steps, outputs)."""
        return [(n_rows, input_shape[0], self.n_outputs)] * (self.num_layers - 1)

    def init(self, rng, dtype):
        H, G = self.hidden_size, GATES[self.cell] * self.hidden_size
        bound = 1 / math.sqrt(H)
        params = []
        for layer in range(self.num_layers):
            fan_in = self.n_features if layer == 0 else self.n_outputs
            for _ in range(self.directions):
                for shape in ((G, fan_in), (G, H), (G,), (G,)):
                    params.append(rng.uniform(-bound, bound, shape).astype(dtype))
        return params

    def forward(self, ops, params, x, masks, lengths=None):
        per_layer = 4 * self.directions
        for layer in range(self.num_layers):
            layer_params = params[layer * per_layer : (layer + 1) * per_layer]
            sequence, final = ops.recurrent(x, lengths, layer_params, self.cell, self.directions == 2)
            if layer < self.num_layers - 1:
                x = ops.mask(sequence, masks[layer]) if len(masks) else sequence
        return final


def _pair(value) -> tuple[int, int]:
    """A kernel or pool size as (height, width): ``3`` is ``(3, 3)``."""
    return (int(value), int(value)) if np.ndim(value) == 0 else tuple(int(v) for v in value)


class ConvTrunk:
    """The shared trunk of :class:`SharedCNNClassifier`: convolutions, then dense layers.

    Each convolution (stride 1, ``padding`` 'valid' or 'same', ``groups``
    towers side by side as PyTorch's ``groups``: tower ``g`` reads input
    channels ``g * C / groups ...`` and has its own ``filters`` filters) is
    activated, then max-pooled (``pool``, or not at all for None); the last
    feature maps are flattened in PyTorch's (channel, row, column) order and
    go through the dense layers. Inputs are ``(n, channels, height, width)``.
    Convolution parameters have PyTorch's layout ``(out, in / groups, kh,
    kw)`` and initialisation (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for
    weights and biases); dense layers are ``MLPClassifier``'s. Dropout
    applies after each dense hidden layer.
    """

    def __init__(self, image_shape, conv_layers, pool, padding, groups, hidden_layer_sizes, activation):
        self.image_shape = tuple(image_shape)  # (channels, height, width)
        self.conv_layers = [(int(filters), _pair(kernel)) for filters, kernel in conv_layers]
        self.pool = None if pool is None else _pair(pool)
        self.padding = padding
        self.groups = groups
        self.activation = activation
        self.shapes = self._feature_map_shapes()
        self.sizes = (int(np.prod(self.shapes[-1])), *hidden_layer_sizes)

    def _feature_map_shapes(self):
        """(channels, height, width) of the input and after each convolution (and its pooling).

        Also sets ``conv_shapes``: each convolution's output before pooling.
        """
        shapes, self.conv_shapes = [self.image_shape], []
        for k, (filters, (kh, kw)) in enumerate(self.conv_layers):
            channels, height, width = shapes[-1]
            if channels % self.groups:
                raise ValueError(
                    f"conv_groups={self.groups} must divide the {channels} channels entering "
                    f"convolution {k}; give images with a multiple of {self.groups} channels."
                )
            if self.padding == "valid":
                if height < kh or width < kw:
                    raise ValueError(
                        f"The feature maps entering convolution {k} are {height}x{width}, smaller "
                        f"than its {kh}x{kw} kernel; use smaller kernels, fewer layers or "
                        "pooling, padding='same', or larger images."
                    )
                height, width = height - kh + 1, width - kw + 1
            self.conv_shapes.append((filters * self.groups, height, width))
            if self.pool is not None:
                if height < self.pool[0] or width < self.pool[1]:
                    raise ValueError(
                        f"The feature maps after convolution {k} are {height}x{width}, smaller than "
                        f"pool_size={self.pool}; use pool_size=None or a smaller one, fewer layers, "
                        "or larger images."
                    )
                height, width = height // self.pool[0], width // self.pool[1]
            shapes.append((filters * self.groups, height, width))
        return shapes

    @property
    def n_outputs(self):
        return self.sizes[-1]

    @property
    def n_conv_params(self):
        return 2 * len(self.conv_layers)

    def mask_shapes(self, n_rows, input_shape):
        """Shapes of the activations dropout applies to: every dense hidden layer."""
        return [(n_rows, width) for width in self.sizes[1:]]

    def init(self, rng, dtype):
        params = []
        for (channels, _, _), (out, _, _), (_, (kh, kw)) in zip(self.shapes, self.shapes[1:], self.conv_layers):
            fan_in = channels // self.groups * kh * kw
            bound = 1 / math.sqrt(fan_in)
            params.append(rng.uniform(-bound, bound, (out, channels // self.groups, kh, kw)).astype(dtype))
            params.append(rng.uniform(-bound, bound, out).astype(dtype))
        return params + glorot_dense(rng, self.sizes, self.activation, dtype)

    def forward(self, ops, params, x, masks, lengths=None):
        for k in range(len(self.conv_layers)):
            x = ops.conv2d(x, params[2 * k], params[2 * k + 1], self.padding, self.groups, self.activation)
            if self.pool is not None:
                x = ops.max_pool2d(x, self.pool)
        return dense_stack(ops, params[self.n_conv_params :], ops.flatten(x), self.activation, masks)

    def torch_layer_names(self):
        """The ``torch.nn.Sequential`` layers of this trunk, and the index of each parameterised one.

        Returns (layers, names): ``layers`` lists ('conv', k), ('activation',),
        ('pool',), ('flatten',), ('linear', k) in order; ``names`` the
        state-dict names of the parameters in this trunk's order.
        """
        layers, names = [], []
        for k in range(len(self.conv_layers)):
            names += [f"{len(layers)}.weight", f"{len(layers)}.bias"]
            layers += [("conv", k), ("activation",)] + ([("pool",)] if self.pool is not None else [])
        layers.append(("flatten",))
        for k in range(len(self.sizes) - 1):
            names += [f"{len(layers)}.weight", f"{len(layers)}.bias"]
            layers += [("linear", k), ("activation",)]
        return layers, names


class SharedNetwork:
    """A trunk, then per task a tower of dense layers and an output layer.

    Parameters
    ----------
    trunk : DenseTrunk or another trunk
        Maps the input to a shared representation of ``trunk.n_outputs`` units.
    tower_sizes : tuple of int
        Hidden layers of each task's tower (empty: a linear head per task).
    n_outputs : list of int
        Output units per task: 1 (sigmoid) for a two-class task, else one
        per class (softmax); 1 (identity) for a regression task.
    losses : list of str, default=None
        The loss of each task's head, by name (the backends' ops know each
        name): 'sigmoid_cross_entropy', 'softmax_cross_entropy' or
        'squared_error'. By default, the first for one output unit, the
        second for more (a classifier's heads). A new loss is a
        new name in both ops namespaces; the loop and the backends do not change.
    activation : str
        Activation of the towers' hidden layers.
    dropout : float
        Dropout rate after every hidden layer, trunk and towers.
    """

    def __init__(self, trunk, tower_sizes, n_outputs, activation, dropout, losses=None):
        self.trunk = trunk
        self.tower_sizes = tuple(tower_sizes)
        self.n_outputs = list(n_outputs)
        self.losses = list(losses) if losses is not None else _classification_losses(self.n_outputs)
        self.activation = activation
        self.dropout = dropout
        self.n_tasks = len(self.n_outputs)

    def __setstate__(self, state):
        # Networks pickled before heads named their losses were all classifiers.
        state.setdefault("losses", _classification_losses(state["n_outputs"]))
        self.__dict__.update(state)

    def init(self, rng, dtype):
        """Initial parameters as one flat list of arrays (trunk, then tasks in order)."""
        params = self.trunk.init(rng, dtype)
        self.n_trunk_params = len(params)
        self.task_starts = [len(params)]
        for n_out in self.n_outputs:
            sizes = (self.trunk.n_outputs, *self.tower_sizes, n_out)
            params += glorot_dense(rng, sizes, self.activation, dtype)
            self.task_starts.append(len(params))
        return params

    def task_params(self, params, t):
        return params[self.task_starts[t] : self.task_starts[t + 1]]

    def draw_masks(self, rng, n_rows, input_shape, dtype, n_entries=None):
        """Dropout masks for one batch: (trunk masks, tower masks), drawn in NumPy.

        Both backends apply these same masks. Trunk masks cover the batch's
        ``n_rows`` rows; tower masks its ``n_entries`` entries (as many as
        rows in the long form), grouped by task, and each task uses its own.
        """
        if not self.dropout:
            return (), ()
        n_entries = n_rows if n_entries is None else n_entries
        shapes = self.trunk.mask_shapes(n_rows, input_shape)
        trunk = [dropout_mask(shape, self.dropout, rng, dtype) for shape in shapes]
        return trunk, [dropout_mask((n_entries, w), self.dropout, rng, dtype) for w in self.tower_sizes]

    def forward_trunk(self, ops, params, x, masks=(), lengths=None):
        return self.trunk.forward(ops, params[: self.n_trunk_params], x, masks, lengths)

    def forward_head(self, ops, params, t, z, masks=()):
        """Logits of task ``t`` from its rows ``z`` of the trunk's output."""
        return dense_stack(ops, self.task_params(params, t), z, self.activation, masks, last_activation=False)


def _classification_losses(n_outputs):
    return ["sigmoid_cross_entropy" if n == 1 else "softmax_cross_entropy" for n in n_outputs]


def is_weight(param):
    """Weights (2-D and up) get the L2 penalty; biases (1-D) do not, as in MLPClassifier."""
    return np.ndim(param) >= 2
