"""Convolution and pooling layers as single nodes of the autograd engine.

Layouts follow PyTorch, so weights can be exchanged with ``torch.nn``:
images are ``(n, C, H, W)`` (NCHW), a convolution's weight is
``(C_out, C_in // groups, kh, kw)`` and its bias ``(C_out,)``.

A convolution is im2col and one matrix product: the ``kh * kw`` shifted
copies of the (padded) images are stacked into columns, so each group's
output is a product of its weight matrix with its columns. The backward pass
reuses the columns for the weight gradient and scatters the column gradient
back onto the image with ``kh * kw`` slice additions (col2im). Columns cost
``kh * kw`` times the input, so memory grows with the batch only.
"""

from __future__ import annotations

import numpy as np

from ._autograd import _ACTIVATIONS, _accumulate, _node


def _same_padding(k):
    """The (before, after) zero padding that keeps a size under a kernel of size ``k``.

    PyTorch's and Keras's rule: for an even kernel the extra row or column
    goes after (bottom, right).
    """
    total = k - 1
    return total // 2, total - total // 2


def conv2d(x, weight, bias, padding="valid", groups=1, activation="identity"):
    """The 2-D convolution layer ``act(conv(x, weight) + bias)`` as one node, stride 1.

    Computes what ``torch.nn.functional.conv2d`` computes (a
    cross-correlation), with the activation fused into the node as in
    :func:`~skmtl.nn._autograd.linear`.

    Parameters
    ----------
    x : Tensor of shape (n, C_in, H, W)
        Images, channels first.
    weight : Tensor of shape (C_out, C_in // groups, kh, kw)
        Kernels, as in ``torch.nn.Conv2d``.
    bias : Tensor of shape (C_out,)
    padding : {'valid', 'same'}, default='valid'
        'valid': no padding, the output is ``(H - kh + 1, W - kw + 1)``.
        'same': zero padding that keeps ``(H, W)``; for an even kernel the
        extra row (column) goes at the bottom (right), as in PyTorch and Keras.
    groups : int, default=1
        Split the input and output channels into ``groups`` consecutive
        blocks; output block ``j`` sees input block ``j`` only.
    activation : {'identity', 'relu', 'tanh', 'logistic'}, default='identity'

    Returns
    -------
    Tensor of shape (n, C_out, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.nn._autograd import Tensor
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    >>> out = conv2d(x, w, Tensor(np.zeros(1)))
    >>> out.data[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    >>> out.sum().backward()
    >>> w.grad[0, 0]
    array([[45., 54.],
           [81., 90.]])
    """
    X, Wt = x.data, weight.data
    n, C, H, W = X.shape
    C_out, C_group, kh, kw = Wt.shape
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    if C % groups or C_out % groups or C_group != C // groups:
        raise ValueError(
            f"groups={groups} does not fit {C} input and {C_out} output channels "
            f"with weights of shape {Wt.shape}"
        )
    forward, derivative = _ACTIVATIONS[activation]
    if padding == "same":
        (top, bottom), (left, right) = _same_padding(kh), _same_padding(kw)
        X = np.pad(X, ((0, 0), (0, 0), (top, bottom), (left, right)))
    Hp, Wp = X.shape[2:]
    Ho, Wo = Hp - kh + 1, Wp - kw + 1
    if Ho < 1 or Wo < 1:
        raise ValueError(f"a {kh}x{kw} kernel does not fit {H}x{W} images with padding={padding!r}")

    # cols[:, c, p, q] is the image shifted by kernel offset (p, q): a copy per
    # offset is a plain slice copy, cheaper than copying a 6-D window view.
    dtype = np.result_type(X, Wt)
    cols = np.empty((n, C, kh, kw, Ho, Wo), dtype)
    for p in range(kh):
        for q in range(kw):
            cols[:, :, p, q] = X[:, :, p : p + Ho, q : q + Wo]
    # Per group, rows (c, p, q) of the columns meet the same-ordered entries of
    # the weight: one stacked product (n, g) of (C_out/g, K) @ (K, Ho*Wo) whose
    # result is already laid out as (n, C_out, Ho, Wo).
    K = C_group * kh * kw
    cols = cols.reshape(n, groups, K, Ho * Wo)
    W_mat = Wt.reshape(groups, C_out // groups, K)
    out = np.matmul(W_mat, cols).reshape(n, C_out, Ho, Wo)
    out += bias.data[:, None, None]
    if forward is not None:
        out = forward(out)
    # Columns are only needed again for the weight gradient.
    saved_cols = cols if weight.requires_grad else None

    def backward(grad):
        if derivative is not None:
            grad = grad * derivative(out)
        G = grad.reshape(n, groups, C_out // groups, Ho * Wo)
        if bias.requires_grad:
            _accumulate(bias, grad.sum(axis=(0, 2, 3)))
        if weight.requires_grad:
            # One product per (image, group), summed over images.
            d_W = np.matmul(G, saved_cols.swapaxes(2, 3)).sum(axis=0)
            _accumulate(weight, d_W.reshape(Wt.shape))
        if x.requires_grad:
            d_cols = np.matmul(W_mat.swapaxes(1, 2), G).reshape(n, C, kh, kw, Ho, Wo)
            d_X = np.zeros((n, C, Hp, Wp), d_cols.dtype)
            for p in range(kh):  # col2im: each offset sends its gradient back
                for q in range(kw):
                    d_X[:, :, p : p + Ho, q : q + Wo] += d_cols[:, :, p, q]
            if padding == "same":
                d_X = d_X[:, :, top : top + H, left : left + W]
            _accumulate(x, d_X)

    return _node(out, (x, weight, bias), backward)


def max_pool2d(x, pool_size):
    """Max pooling over non-overlapping windows (stride = window), no padding, floor mode.

    Rows and columns at the bottom and right that do not fill a window are
    dropped (Keras' 'valid', PyTorch's default) and get zero gradient.

    Each window's gradient goes to one element, the one PyTorch picks
    (``torch.nn.functional.max_pool2d`` on CPU): the first maximum in
    row-major order within the window when values tie; if the window holds a
    NaN, the output is NaN and the gradient goes to the last NaN.

    Parameters
    ----------
    x : Tensor of shape (n, C, H, W)
    pool_size : int or tuple of 2 ints
        Window ``(ph, pw)``; an int is a square window.

    Returns
    -------
    Tensor of shape (n, C, H // ph, W // pw)

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.nn._autograd import Tensor
    >>> x = Tensor(np.array([[[[1.0, 3.0, 0.0], [3.0, 2.0, 5.0]]]]), requires_grad=True)
    >>> out = max_pool2d(x, 2)
    >>> out.data
    array([[[[3.]]]])
    >>> out.sum().backward()
    >>> x.grad[0, 0]
    array([[0., 1., 0.],
           [0., 0., 0.]])
    """
    ph, pw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    X = x.data
    n, C, H, W = X.shape
    Ho, Wo = H // ph, W // pw
    if Ho < 1 or Wo < 1:
        raise ValueError(f"a {ph}x{pw} pool does not fit {H}x{W} images")

    def entry(k):
        """The index of entry ``k`` (row-major) of every window: a strided (n, C, Ho, Wo) view."""
        p, q = divmod(k, pw)
        return (slice(None), slice(None), slice(p, Ho * ph, ph), slice(q, Wo * pw, pw))

    # Whole-array maxima over the window entries: a few passes over strided
    # views beat gathering each window. np.maximum propagates NaN, as torch does.
    best = X[entry(0)].copy()
    for k in range(1, ph * pw):
        np.maximum(best, X[entry(k)], out=best)

    def backward(grad):
        d_X = np.zeros(X.shape, grad.dtype)
        unplaced = np.ones(best.shape, bool)  # windows whose gradient is still to place

        def candidates():
            for k in range(ph * pw):  # the first maximum in row-major order
                yield k, X[entry(k)] == best
            if unplaced.any():  # only windows holding a NaN: torch picks the last NaN
                for k in reversed(range(ph * pw)):
                    yield k, np.isnan(X[entry(k)])

        for k, hit in candidates():
            hit &= unplaced
            unplaced &= ~hit
            d_X[entry(k)] += grad * hit
        _accumulate(x, d_X)

    return _node(best, (x,), backward)


def reshape(a, shape):
    """``a`` with another shape (same entries, row-major order)."""

    def backward(grad):
        _accumulate(a, grad.reshape(a.shape))

    return _node(a.data.reshape(shape), (a,), backward)


def flatten(a):
    """``(n, ...)`` to ``(n, prod(...))``: images to rows for a dense layer.

    Row-major, as ``torch.flatten(a, 1)`` on NCHW tensors (channel slowest).
    """
    return reshape(a, (a.shape[0], -1))
