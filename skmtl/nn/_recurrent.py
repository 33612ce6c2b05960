"""Recurrent layers (Elman RNN, LSTM, GRU) as single nodes of the autograd engine.

A whole layer over a whole sequence is one node with a hand-written
backward pass through time: a node per time step, or per gate, would make
Python overhead dominate. The input-to-hidden products of all time steps are
one matrix product before the loop, and the weight gradients are one product
each after it; only the hidden-to-hidden recurrence is stepped.

Weights follow PyTorch's layout, so they can be exchanged with ``torch.nn``:
``weight_ih`` is ``(G * H, D)``, ``weight_hh`` ``(G * H, H)``, ``bias_ih`` and
``bias_hh`` ``(G * H,)``, with gate blocks ``[i|f|g|o]`` for the LSTM and
``[r|z|n]`` for the GRU (whose reset gate multiplies ``W_hn h + b_hn``, so the
two biases cannot be merged), ``G = 1`` for the RNN.

Sequences of different lengths are padded at the end and masked: a step
beyond a sequence's length leaves its state unchanged. Running forward, the
state at the last step is then the state after the last real step; running
in reverse, the state stays zero through the padding, as with PyTorch's
packed sequences.
"""

from __future__ import annotations

import numpy as np

from ._autograd import _accumulate, _node, _sigmoid

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def recurrent(x, lengths, weight_ih, weight_hh, bias_ih, bias_hh, cell, reverse=False):
    """All hidden states of one recurrent layer in one direction.

    Parameters
    ----------
    x : Tensor of shape (n, T, D)
        Inputs, padded at the end of each sequence.
    lengths : ndarray of int, shape (n,), or None
        Real length of each sequence (None: all are T long).
    weight_ih, weight_hh, bias_ih, bias_hh : Tensor
        PyTorch-layout parameters of the layer.
    cell : {'rnn', 'lstm', 'gru'}
    reverse : bool, default=False
        Run from the last step to the first.

    Returns
    -------
    Tensor of shape (n, T, H)
        The state after each step (frozen past a sequence's end going
        forward, zero before its end going in reverse).
    """
    X = x.data
    n, T, _ = X.shape
    W_hh = weight_hh.data
    H = W_hh.shape[1]
    dtype = X.dtype
    steps = range(T - 1, -1, -1) if reverse else range(T)
    masked = lengths is not None and np.any(lengths < T)
    keep = (np.arange(T)[None, :] < lengths[:, None]) if masked else None

    gi_all = (X.reshape(n * T, -1) @ weight_ih.data.T + bias_ih.data).reshape(n, T, -1)
    out = np.empty((n, T, H), dtype)
    h = np.zeros((n, H), dtype)
    c = np.zeros((n, H), dtype) if cell == "lstm" else None
    saved = [None] * T  # what each step's backward needs
    for t in steps:
        gi = gi_all[:, t]
        gh = h @ W_hh.T
        gh += bias_hh.data
        if cell == "rnn":
            h_new = np.tanh(gi + gh)
            saved[t] = (h, h_new)
        elif cell == "lstm":
            gates = gi + gh
            i = _sigmoid(gates[:, :H])
            f = _sigmoid(gates[:, H : 2 * H])
            g = np.tanh(gates[:, 2 * H : 3 * H])
            o = _sigmoid(gates[:, 3 * H :])
            c_new = f * c + i * g
            tanh_c = np.tanh(c_new)
            h_new = o * tanh_c
            saved[t] = (h, c, i, f, g, o, tanh_c)
        else:  # gru
            r = _sigmoid(gi[:, :H] + gh[:, :H])
            z = _sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
            hn = gh[:, 2 * H :]
            cand = np.tanh(gi[:, 2 * H :] + r * hn)
            h_new = (1 - z) * cand + z * h
            saved[t] = (h, r, z, hn, cand)
        if masked:
            m = keep[:, t : t + 1]
            h_new = np.where(m, h_new, h)
            if cell == "lstm":
                c_new = np.where(m, c_new, c)
        h = h_new
        if cell == "lstm":
            c = c_new
        out[:, t] = h

    def backward(grad):
        G = gi_all.shape[2]
        d_gi = np.empty((n, T, G), dtype)
        d_gh = np.empty((n, T, G), dtype) if cell == "gru" else d_gi
        h_prev_all = np.empty((n, T, H), dtype)
        dh_next = np.zeros((n, H), dtype)
        dc_next = np.zeros((n, H), dtype) if cell == "lstm" else None
        for t in reversed(steps):
            dh = grad[:, t] + dh_next
            if masked:
                m = keep[:, t : t + 1]
                carry_h = np.where(m, 0, dh)  # a masked step passes the gradient through
                dh = np.where(m, dh, 0)
            if cell == "rnn":
                h_prev, h_new = saved[t]
                d_pre = dh * (1 - h_new * h_new)
                d_gi[:, t] = d_pre
                dh_prev = d_pre @ W_hh
            elif cell == "lstm":
                h_prev, c_prev, i, f, g, o, tanh_c = saved[t]
                dc = dc_next
                if masked:
                    carry_c = np.where(m, 0, dc)
                    dc = np.where(m, dc, 0)
                dc = dc + dh * o * (1 - tanh_c * tanh_c)
                d_gates = d_gi[:, t]
                d_gates[:, :H] = dc * g * i * (1 - i)
                d_gates[:, H : 2 * H] = dc * c_prev * f * (1 - f)
                d_gates[:, 2 * H : 3 * H] = dc * i * (1 - g * g)
                d_gates[:, 3 * H :] = dh * tanh_c * o * (1 - o)
                dh_prev = d_gates @ W_hh
                dc_next = dc * f
                if masked:
                    dc_next = dc_next + carry_c
            else:  # gru
                h_prev, r, z, hn, cand = saved[t]
                d_cand = dh * (1 - z) * (1 - cand * cand)
                d_r = d_cand * hn * r * (1 - r)
                d_z = dh * (h_prev - cand) * z * (1 - z)
                gi_t, gh_t = d_gi[:, t], d_gh[:, t]
                gi_t[:, :H] = gh_t[:, :H] = d_r
                gi_t[:, H : 2 * H] = gh_t[:, H : 2 * H] = d_z
                gi_t[:, 2 * H :] = d_cand
                gh_t[:, 2 * H :] = d_cand * r
                dh_prev = gh_t @ W_hh + dh * z
            if masked:
                dh_prev = dh_prev + carry_h
            h_prev_all[:, t] = h_prev
            dh_next = dh_prev
        flat_gi = d_gi.reshape(n * T, G)
        flat_gh = d_gh.reshape(n * T, G)
        if x.requires_grad:
            _accumulate(x, (flat_gi @ weight_ih.data).reshape(X.shape))
        if weight_ih.requires_grad:
            _accumulate(weight_ih, flat_gi.T @ X.reshape(n * T, -1))
        if bias_ih.requires_grad:
            _accumulate(bias_ih, flat_gi.sum(axis=0))
        if weight_hh.requires_grad:
            _accumulate(weight_hh, flat_gh.T @ h_prev_all.reshape(n * T, H))
        if bias_hh.requires_grad:
            _accumulate(bias_hh, flat_gh.sum(axis=0))

    return _node(out, (x, weight_ih, weight_hh, bias_ih, bias_hh), backward)
