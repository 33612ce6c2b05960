"""What the two backends share: which gradients a step combines, and how.

A backend's ``forward`` leaves, for the batch, each head's gradient of its
task's mean loss and the gradient at the trunk's output (``_dz``, cut there
so that the trunk can be swept once, or once per task); ``gramian`` may add
the per-task trunk gradients as rows of a Jacobian. :meth:`Backend.step`
then makes the step's gradient the same way on both backends; a backend
supplies only the array operations (:meth:`_scale_head`,
:meth:`_set_trunk_gradient`, :meth:`_trunk_backward`, :meth:`_update`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod


def training_targets(y, dtype):
    """Targets as a backend holds them: class indices as they are, real values in the network's dtype.

    A float64 target against float32 outputs would make the loss's gradient,
    and with it every step, float64 (NumPy 2 promotion).
    """
    return y.astype(dtype, copy=False) if y.dtype.kind == "f" else y


def one_sweep(batch, coefficients) -> bool:
    """Whether one backward pass can cover heads and trunk.

    With the coefficients known before the forward pass and a batch of one
    task (always, with one task), nothing has to be combined at the trunk's
    output, so the graph need not be cut there.
    """
    spans = batch.spans
    return (
        coefficients is not None and batch.positions is None and len(spans) == 1
        and spans[0][2] - spans[0][1] == len(batch.rows)
    )


class Backend(ABC):
    """The step shared by :class:`NumpyBackend` and :class:`TorchBackend`.

    Subclasses set, in ``forward``: ``_z`` (the trunk's output, in the graph),
    ``_dz`` (the gradient there, None after one sweep), ``_scaled`` (whether
    the coefficients were applied already), ``_pieces`` (in the wide form,
    where tasks share rows of ``_z``: each present task's (positions, gradient
    at those rows); else None) and ``_jacobian`` (None, or the per-task trunk
    gradients from ``gramian``).
    """

    n_trunk: int
    network: object

    def step(self, batch, head, trunk, l2, max_norm=None):
        """Scale each head's gradient by ``head[t]``, give the trunk ``sum_t trunk[t] g_t``, update."""
        if not self._scaled:
            for t in batch.present:
                if head[t] != 1.0:
                    self._scale_head(t, float(head[t]))
        if self._jacobian is not None:
            self._set_trunk_gradient(trunk[batch.present])
        elif self._dz is None:
            pass  # forward's one sweep reached the trunk already
        elif self._scaled:
            self._trunk_backward(self._dz)
        elif self._pieces is not None:
            self._trunk_backward(self._combine(self._pieces, trunk[batch.present]))
        else:
            self._trunk_backward(self._dz * self._row_coefficients(batch, trunk))
        self._update(l2, max_norm)
        self._z = self._dz = self._jacobian = self._pieces = None

    def _task_seeds(self, batch):
        """Each present task's own gradient at the trunk's output, zero elsewhere (for the Gramian)."""
        pieces = self._pieces
        if pieces is None:  # the long form: each task owns a slice of the rows
            pieces = [(slice(a, b), self._dz[a:b]) for _, a, b in batch.spans]
        return [self._combine([piece], [1.0]) for piece in pieces]

    @abstractmethod
    def _combine(self, pieces, coefficients):
        """``sum_k coefficients[k] * pieces[k]``, each piece's gradient added at its rows
        of the trunk's output (a slice, or an index array)."""

    @abstractmethod
    def _scale_head(self, t, factor):
        """Multiply the gradients of task ``t``'s head parameters by ``factor``."""

    @abstractmethod
    def _set_trunk_gradient(self, coefficients):
        """Set the trunk parameters' gradients to ``coefficients @ self._jacobian``."""

    @abstractmethod
    def _trunk_backward(self, seed):
        """Back-propagate ``seed`` (a gradient at the trunk's output) through the trunk."""

    @abstractmethod
    def _row_coefficients(self, batch, trunk):
        """``trunk[task of each row]`` as a column, an array of the backend's kind."""

    @abstractmethod
    def _update(self, l2, max_norm):
        """Clip the gradient's norm to ``max_norm`` (when given) and let the optimizer step."""
