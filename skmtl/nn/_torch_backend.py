"""The torch backend: the same training step as :mod:`._numpy_backend`, on PyTorch.

It runs the network's one forward description with torch's layer functions,
from the same initial weights, on the same batches and dropout masks (drawn
in NumPy), and steps with ``torch.optim.SGD`` / ``torch.optim.Adam``, whose
rules the NumPy optimizers copy. Optimizer state and weights go back to
NumPy at the end of every training call, so a fitted estimator holds no
tensors: it pickles, loads and predicts where torch cannot be imported, and
``partial_fit`` may continue on either backend.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._backend import Backend, one_sweep, training_targets
from ._network import is_weight
from ._optimizers import SGD


def import_torch():
    """Import torch, or say how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "backend='torch' needs PyTorch, which is not installed: pip install "
            "'skmtl[torch]' (or pip install torch), or use backend='numpy'."
        ) from exc
    return torch


def resolve_device(device):
    """'auto' is 'cuda' when a GPU is visible, else 'cpu'."""
    torch = import_torch()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but torch sees no CUDA GPU; use device='cpu' or 'auto'."
        )
    return device


def _activate(out, activation):
    import torch

    if activation == "relu":
        return torch.relu(out)
    if activation == "tanh":
        return torch.tanh(out)
    if activation == "logistic":
        return torch.sigmoid(out)
    return out


class TorchOps:
    """The layer functions :class:`SharedNetwork` calls, on torch tensors.

    One instance per training call: the torch recurrent modules it runs our
    weights through are its own, never shared with another fit, so fits in
    threads cannot step on each other's autograd state.
    """

    def __init__(self):
        self._modules = {}

    def _recurrent_module(self, cell, n_features, hidden_size, bidirectional):
        """A torch recurrent layer to run with our weights (torch.func.functional_call)."""
        key = (cell, n_features, hidden_size, bidirectional)
        if key not in self._modules:
            import torch

            kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
            # On the meta device: its own weights are never used (ours are
            # passed in), so drawing them would only consume torch's random state.
            self._modules[key] = kind(
                n_features, hidden_size, batch_first=True, bidirectional=bidirectional, device="meta"
            )
        return self._modules[key]

    @staticmethod
    def linear(x, weight, bias, activation="identity"):
        import torch

        return _activate(torch.addmm(bias, x, weight), activation)  # one fused kernel, as nn.Linear

    @staticmethod
    def mask(x, keep):
        return x * keep

    @staticmethod
    def conv2d(x, weight, bias, padding, groups, activation="identity"):
        F = import_torch().nn.functional
        return _activate(F.conv2d(x, weight, bias, padding=padding, groups=groups), activation)

    @staticmethod
    def max_pool2d(x, pool):
        return import_torch().nn.functional.max_pool2d(x, pool)

    @staticmethod
    def flatten(x):
        return x.flatten(1)

    @staticmethod
    def loss(name, logits, target, weight):
        """Summed weighted loss of a head's outputs, as :attr:`NumpyOps.LOSSES` computes it."""
        F = import_torch().nn.functional
        if name == "sigmoid_cross_entropy":
            return F.binary_cross_entropy_with_logits(
                logits.reshape(-1), target.to(logits.dtype), weight=weight, reduction="sum"
            )
        if name == "softmax_cross_entropy":
            return (F.cross_entropy(logits, target, reduction="none") * weight).sum()
        if name == "squared_error":
            residual = logits.reshape(-1) - target
            return 0.5 * (weight * residual * residual).sum()
        raise ValueError(f"Unknown loss {name!r}.")

    def recurrent(self, x, lengths, params, cell, bidirectional):
        """(all states, final states) of one layer, by ``torch.nn.RNN/LSTM/GRU`` on our weights."""
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        n, T, D = x.shape
        H = params[1].shape[1]
        module = self._recurrent_module(cell, D, H, bidirectional)
        names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
        names += [name + "_reverse" for name in names] if bidirectional else []
        weights = dict(zip(names, params))
        if lengths is None or np.all(lengths == T):
            sequence, state = torch.func.functional_call(module, weights, (x,))
        else:
            packed = pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=True, enforce_sorted=False)
            sequence, state = torch.func.functional_call(module, weights, (packed,))
            sequence = pad_packed_sequence(sequence, batch_first=True, total_length=T)[0]
        last = state[0] if cell == "lstm" else state  # (directions, n, H)
        return sequence, torch.cat(list(last), dim=1)


class TorchBackend(Backend):
    """Train a network's parameters with torch; same interface as :class:`NumpyBackend`.

    Parameters
    ----------
    network : SharedNetwork
    params : list of ndarray
        The parameters; copied to ``device``, and written back by :meth:`sync`.
    optimizer : SGD or Adam
        The NumPy optimizer holding the state to continue from; the torch
        optimizer is built from its settings and state, and hands its state
        back in :meth:`finish`.
    device : str
    """

    def __init__(self, network, params, optimizer, device):
        self.torch = torch = import_torch()
        self.network = network
        self.params = params
        self.numpy_optimizer = optimizer
        self.device = torch.device(device)
        self.n_trunk = network.n_trunk_params
        self.ops = TorchOps()
        self.tensors = [
            torch.tensor(p, device=self.device).requires_grad_() for p in params
        ]
        self.optimizer = self._torch_optimizer(optimizer)

    def _torch_optimizer(self, opt):
        torch = self.torch
        if isinstance(opt, SGD):
            optimizer = torch.optim.SGD(
                self.tensors, lr=opt.lr, momentum=opt.momentum, nesterov=opt.nesterov, foreach=False
            )
            if opt.momentum:
                for tensor, buf in zip(self.tensors, opt.buffers):
                    # Zero and torch's clone-on-first-step give the same first step.
                    optimizer.state[tensor] = {"momentum_buffer": self._to_device(buf)}
            return optimizer
        optimizer = torch.optim.Adam(
            self.tensors, lr=opt.lr, betas=(opt.beta_1, opt.beta_2), eps=opt.epsilon, foreach=False
        )
        for tensor, step, m, v in zip(self.tensors, opt.steps, opt.first, opt.second):
            if step:
                optimizer.state[tensor] = {
                    "step": torch.tensor(float(step)),
                    "exp_avg": self._to_device(m),
                    "exp_avg_sq": self._to_device(v),
                }
        return optimizer

    def _to_device(self, array):
        return self.torch.tensor(np.asarray(array), device=self.device)  # a copy

    def load(self, X, y, weight, lengths=None):
        self.lengths = lengths  # stays in NumPy: packing wants lengths on the CPU
        # Sparse rows stay in SciPy and go to the device a dense batch at a time.
        self.X = X if sp.issparse(X) else self._to_device(X)
        self.y = self._to_device(training_targets(y, X.dtype))
        self.weight = self._to_device(weight)

    def forward(self, batch, coefficients=None):
        torch, net = self.torch, self.network
        for tensor in self.tensors:
            tensor.grad = None
        rows = self._to_device(batch.rows)
        trunk_masks, tower_masks = (
            [self._to_device(m) for m in group] for group in batch.masks
        )
        lengths = None if self.lengths is None else self.lengths[batch.rows]
        x = self._to_device(self.X[batch.rows].toarray()) if sp.issparse(self.X) else self.X[rows]
        z = net.forward_trunk(self.ops, self.tensors, x, trunk_masks, lengths)
        spans = batch.spans
        whole = one_sweep(batch, coefficients)
        detached = z if whole else z.detach().requires_grad_()
        # In the wide form entries are not rows, even where each row has one entry in order.
        entries = rows if batch.entries is batch.rows else self._to_device(batch.entries)
        y, weight = self.y[entries], self.weight[entries]
        sums, total, gathered = [], 0.0, []
        for t, a, b in spans:
            if batch.positions is None:
                zt = detached[a:b]
            else:  # the wide form: tasks share rows, so each task's gather is its own leaf
                at = self._to_device(batch.positions[a:b])
                zt = z.detach()[at].requires_grad_()
                gathered.append((at, zt))
            logits = net.forward_head(self.ops, self.tensors, t, zt, [m[a:b] for m in tower_masks])
            loss = self.ops.loss(net.losses[t], logits, y[a:b], weight[a:b])
            sums.append(loss)
            scale = 1.0 if coefficients is None else float(coefficients[t])
            total = total + loss * (scale / float(batch.task_weight[t]))
        total.backward()
        self._pieces = None
        if gathered:
            self._pieces = [(at, zt.grad) for at, zt in gathered]
            detached.grad = self._combine(self._pieces, [1.0] * len(gathered), like=z)
        with torch.no_grad():
            norm2 = sum((w * w).sum() for w in self.tensors if is_weight(w))
            values = torch.stack([*sums, norm2]).double().cpu().numpy()  # one transfer
        out = np.zeros(net.n_tasks)
        out[batch.present] = values[:-1]
        self._z, self._dz, self._jacobian = z, None if whole else detached.grad, None
        self._scaled = coefficients is not None
        return out, float(values[-1])

    def gramian(self, batch):
        torch = self.torch
        trunk = self.tensors[: self.n_trunk]
        rows = []
        for seed in self._task_seeds(batch):
            grads = torch.autograd.grad(self._z, trunk, grad_outputs=seed, retain_graph=True)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
        self._jacobian = torch.stack(rows)
        jacobian = self._jacobian.double()
        gram = np.zeros((self.network.n_tasks, self.network.n_tasks))
        gram[np.ix_(batch.present, batch.present)] = (jacobian @ jacobian.T).cpu().numpy()
        return gram

    def _scale_head(self, t, factor):
        net = self.network
        for tensor in self.tensors[net.task_starts[t] : net.task_starts[t + 1]]:
            tensor.grad = tensor.grad * factor

    def _set_trunk_gradient(self, coefficients):
        coef = self._to_device(coefficients.astype(np.float64)).to(self._jacobian.dtype)
        flat = coef @ self._jacobian
        offset = 0
        for tensor in self.tensors[: self.n_trunk]:
            n = tensor.numel()
            tensor.grad = flat[offset : offset + n].reshape(tensor.shape)
            offset += n

    def _trunk_backward(self, seed):
        self._z.backward(seed)

    def _combine(self, pieces, coefficients, like=None):
        seed = self.torch.zeros_like(self._dz if like is None else like)
        for (at, grad), c in zip(pieces, coefficients):
            if isinstance(at, slice):
                seed[at] += float(c) * grad
            else:
                seed.index_add_(0, at, grad, alpha=float(c))
        return seed

    def _row_coefficients(self, batch, trunk):
        return self._to_device(batch.row_coefficients(trunk, self.params[0].dtype))

    def _update(self, l2, max_norm):
        tensors = self.tensors
        if max_norm is not None:
            self.torch.nn.utils.clip_grad_norm_([t for t in tensors if t.grad is not None], max_norm)
        if l2:
            for tensor in tensors:
                if tensor.grad is not None and is_weight(tensor):
                    tensor.grad = tensor.grad + l2 * tensor.detach()
        self.optimizer.step()

    def sync(self):
        """Copy the trained weights into the NumPy parameters, in place."""
        for param, tensor in zip(self.params, self.tensors):
            np.copyto(param, tensor.detach().cpu().numpy())

    def finish(self):
        """Write weights and optimizer state back to NumPy."""
        self.sync()
        opt = self.numpy_optimizer
        for k, tensor in enumerate(self.tensors):
            state = self.optimizer.state.get(tensor)
            if not state:
                continue
            if isinstance(opt, SGD):
                if state.get("momentum_buffer") is not None:
                    opt.buffers[k][...] = state["momentum_buffer"].cpu().numpy()
            else:
                opt.steps[k] = int(state["step"])
                opt.first[k][...] = state["exp_avg"].cpu().numpy()
                opt.second[k][...] = state["exp_avg_sq"].cpu().numpy()
