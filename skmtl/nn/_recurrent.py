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

from ._autograd import _accumulate, _node

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

    # The input side of every step in one product; the hidden bias joins it
    # except for the GRU's candidate gate, where the reset gate multiplies it.
    gi_all = X.reshape(n * T, -1) @ weight_ih.data.T
    gi_all += bias_ih.data
    joined = 2 * H if cell == "gru" else gi_all.shape[1]
    gi_all[:, :joined] += bias_hh.data[:joined]
    gi_all = gi_all.reshape(n, T, -1)
    b_hn = bias_hh.data[2 * H :] if cell == "gru" else None
    W_hh_T = np.ascontiguousarray(W_hh.T)
    if cell == "lstm":  # sigmoid(x) = tanh(x / 2) / 2 + 1/2: one tanh for all four gates
        half = np.full(4 * H, 0.5, dtype)
        half[2 * H : 3 * H] = 1.0
        shift = np.where(half == 0.5, 0.5, 0.0).astype(dtype)
    out = np.empty((n, T, H), dtype)
    h = np.zeros((n, H), dtype)
    c = np.zeros((n, H), dtype) if cell == "lstm" else None
    saved = [None] * T  # what each step's backward needs
    for t in steps:
        pre = h @ W_hh_T
        if cell == "rnn":
            pre += gi_all[:, t]
            h_new = np.tanh(pre, out=pre)
            saved[t] = (h, h_new)
        elif cell == "lstm":
            pre += gi_all[:, t]
            pre *= half
            gates = np.tanh(pre, out=pre)
            gates *= half
            gates += shift  # [i|f|g|o] activated
            i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
            c_new = f * c
            c_new += i * g
            tanh_c = np.tanh(c_new)
            h_new = o * tanh_c
            saved[t] = (h, c, gates, tanh_c)
        else:  # gru
            gi = gi_all[:, t]
            rz = pre[:, : 2 * H]
            rz += gi[:, : 2 * H]
            rz *= 0.5
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5  # [r|z] activated
            r, z = rz[:, :H], rz[:, H:]
            hn = pre[:, 2 * H :]
            hn += b_hn
            cand = np.tanh(gi[:, 2 * H :] + r * hn)
            h_new = h - cand
            h_new *= z
            h_new += cand  # (1 - z) * cand + z * h
            saved[t] = (h, rz, hn, cand)
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
                d_pre = d_gi[:, t]
                np.multiply(h_new, h_new, out=d_pre)
                np.subtract(1, d_pre, out=d_pre)
                d_pre *= dh
                dh_prev = d_pre @ W_hh
            elif cell == "lstm":
                h_prev, c_prev, gates, tanh_c = saved[t]
                i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
                dc = dc_next
                if masked:
                    carry_c = np.where(m, 0, dc)
                    dc = np.where(m, dc, 0)
                dc = dc + dh * o * (1 - tanh_c * tanh_c)
                d_gates = d_gi[:, t]
                np.multiply(dc, g, out=d_gates[:, :H])
                np.multiply(dc, c_prev, out=d_gates[:, H : 2 * H])
                np.multiply(dc, i, out=d_gates[:, 2 * H : 3 * H])
                np.multiply(dh, tanh_c, out=d_gates[:, 3 * H :])
                slope = gates * (1 - gates)  # sigmoid' for i, f, o ...
                np.multiply(g, g, out=slope[:, 2 * H : 3 * H])
                np.subtract(1, slope[:, 2 * H : 3 * H], out=slope[:, 2 * H : 3 * H])  # ... tanh' for g
                d_gates *= slope
                dh_prev = d_gates @ W_hh
                dc_next = dc * f
                if masked:
                    dc_next += carry_c
            else:  # gru
                h_prev, rz, hn, cand = saved[t]
                r, z = rz[:, :H], rz[:, H:]
                gi_t, gh_t = d_gi[:, t], d_gh[:, t]
                d_cand = gi_t[:, 2 * H :]
                np.multiply(dh, 1 - z, out=d_cand)
                d_cand *= 1 - cand * cand
                np.multiply(d_cand, hn, out=gi_t[:, :H])
                np.multiply(dh, h_prev - cand, out=gi_t[:, H : 2 * H])
                gi_t[:, : 2 * H] *= rz * (1 - rz)
                gh_t[:, : 2 * H] = gi_t[:, : 2 * H]
                np.multiply(d_cand, r, out=gh_t[:, 2 * H :])
                dh_prev = gh_t @ W_hh
                dh_prev += dh * z
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
