"""The fused recurrent layers against PyTorch's nn.RNN / nn.LSTM / nn.GRU, and finite differences."""

import numpy as np
import pytest

from skmtl.nn._autograd import Tensor
from skmtl.nn._recurrent import GATES, recurrent

D, H, T = 3, 4, 6
LENGTHS = np.array([6, 2, 4, 1, 6])


def _layer(cell, rng):
    G = GATES[cell] * H
    shapes = [(G, D), (G, H), (G,), (G,)]
    return [rng.uniform(-0.6, 0.6, s) for s in shapes]


def _ours(cell, x, weights, lengths, reverse, out_weight, last_weight):
    """Loss = <out_weight, states at real steps> + <last_weight, final state>, and its gradients."""
    xt = Tensor(x.copy(), requires_grad=True)
    wt = [Tensor(w.copy(), requires_grad=True) for w in weights]
    out = recurrent(xt, lengths, *wt, cell=cell, reverse=reverse)
    full = np.full(len(x), T) if lengths is None else lengths
    real = (np.arange(T)[None, :] < full[:, None])[:, :, None]
    final = out.data[:, 0] if reverse else out.data[:, -1]
    seed = out_weight * real
    seed[:, 0 if reverse else -1] += last_weight
    out.backward(seed)
    loss = float((out.data * out_weight * real).sum() + (final * last_weight).sum())
    return loss, out.data, final, xt.grad, [w.grad for w in wt]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS], ids=["full", "padded"])
def test_layer_matches_torch(cell, reverse, lengths):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'skmtl[torch]'")
    rng = np.random.RandomState(0)
    n = len(LENGTHS)
    x = rng.randn(n, T, D)
    weights = _layer(cell, rng)
    out_weight, last_weight = rng.randn(n, T, H), rng.randn(n, H)
    full = np.full(n, T) if lengths is None else lengths
    _, out, final, dx, dweights = _ours(cell, x, weights, lengths, reverse, out_weight, last_weight)

    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        D, H, batch_first=True, bidirectional=True
    ).double()
    suffix = "_reverse" if reverse else ""
    with torch.no_grad():
        for name, w in zip(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], weights):
            getattr(module, f"{name}_l0{suffix}").copy_(torch.tensor(w))
    xt = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(full), batch_first=True, enforce_sorted=False)
    result, state = module(packed)
    padded, _ = torch.nn.utils.rnn.pad_packed_sequence(result, batch_first=True, total_length=T)
    h_n = (state[0] if cell == "lstm" else state)[1 if reverse else 0]
    theirs = padded[..., H:] if reverse else padded[..., :H]
    loss = (theirs * torch.tensor(out_weight)).sum() + (h_n * torch.tensor(last_weight)).sum()
    loss.backward()

    real = np.arange(T)[None, :] < full[:, None]
    np.testing.assert_allclose(out[real], theirs.detach().numpy()[real], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(final, h_n.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    for mine, name in zip(dweights, ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]):
        reference = getattr(module, f"{name}_l0{suffix}").grad.numpy()
        np.testing.assert_allclose(mine, reference, rtol=1e-8, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_layer_gradient_matches_central_differences(cell):
    rng = np.random.RandomState(1)
    n = len(LENGTHS)
    x = rng.randn(n, T, D)
    weights = _layer(cell, rng)
    out_weight, last_weight = rng.randn(n, T, H), rng.randn(n, H)
    _, _, _, dx, dweights = _ours(cell, x, weights, LENGTHS, False, out_weight, last_weight)
    eps = 1e-6
    for k, (array, grad) in enumerate(zip([x, *weights], [dx, *dweights])):
        numeric = np.zeros_like(array)
        for index in list(np.ndindex(array.shape))[::3]:  # a third of the entries keeps it quick
            old = array[index]
            array[index] = old + eps
            up = _ours(cell, x, weights, LENGTHS, False, out_weight, last_weight)[0]
            array[index] = old - eps
            down = _ours(cell, x, weights, LENGTHS, False, out_weight, last_weight)[0]
            array[index] = old
            numeric[index] = (up - down) / (2 * eps)
            assert grad[index] == pytest.approx(numeric[index], rel=1e-6, abs=1e-8), (k, index)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("lengths", [None, LENGTHS], ids=["full", "padded"])
def test_two_layer_bidirectional_trunk_matches_torch(cell, lengths):
    # The whole trunk, as the estimator runs it, against one torch module.
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'skmtl[torch]'")
    from skmtl.nn._network import RecurrentTrunk
    from skmtl.nn._numpy_backend import NumpyOps
    from skmtl.nn._torch_backend import TorchOps

    rng = np.random.RandomState(2)
    n = len(LENGTHS)
    trunk = RecurrentTrunk(D, cell, H, num_layers=2, bidirectional=True)
    params = trunk.init(rng, np.float64)
    x = rng.randn(n, T, D)
    seed = rng.randn(n, 2 * H)

    leaves = [Tensor(p.copy(), requires_grad=True) for p in params]
    xt = Tensor(x.copy(), requires_grad=True)
    final = trunk.forward(NumpyOps, leaves, xt, (), lengths)
    final.backward(seed)

    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        D, H, num_layers=2, batch_first=True, bidirectional=True
    ).double()
    names = [f"{w}_l{k}{s}" for k in range(2) for s in ("", "_reverse")
             for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    with torch.no_grad():
        for name, p in zip(names, params):
            getattr(module, name).copy_(torch.tensor(p))
    full = np.full(n, T) if lengths is None else lengths
    x_torch = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x_torch, torch.tensor(full), batch_first=True,
                                                     enforce_sorted=False)
    _, state = module(packed)
    h_n = state[0] if cell == "lstm" else state
    theirs = torch.cat([h_n[2], h_n[3]], dim=1)  # the last layer's two directions
    (theirs * torch.tensor(seed)).sum().backward()
    np.testing.assert_allclose(final.data, theirs.detach().numpy(), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(xt.grad, x_torch.grad.numpy(), rtol=1e-6, atol=1e-10)
    for leaf, name in zip(leaves, names):
        np.testing.assert_allclose(leaf.grad, getattr(module, name).grad.numpy(), rtol=1e-6, atol=1e-10,
                                   err_msg=name)
    # And the torch backend's layer function gives the same final states.
    tensors = [torch.tensor(p) for p in params]
    ours_in_torch = trunk.forward(TorchOps(), tensors, torch.tensor(x), (), lengths)
    np.testing.assert_allclose(ours_in_torch.numpy(), final.data, rtol=1e-10, atol=1e-12)
