"""SharedMLPClassifier: a dense trunk shared by all tasks, one head per task."""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._base import BaseSharedNetworkClassifier, layer_sizes
from ._docs import fill_doc
from ._network import DenseTrunk


@fill_doc
class SharedMLPClassifier(BaseSharedNetworkClassifier):
    """Multi-layer perceptron with hidden layers shared by all tasks and a head per task.

    Hard parameter sharing: every row goes through the same trunk of dense
    layers (``hidden_layer_sizes``), then through its own task's tower
    (``task_hidden_layer_sizes``, none by default) and output layer, with
    as many softmax outputs as the task has classes, or one sigmoid output
    for a two-class task. With one task it is ``MLPClassifier``: same
    parameters, same initial weights and batches for the same
    ``random_state``, same loss, and, with ``solver='sgd'`` and
    ``dtype='float64'``, the same trained weights.

    Tasks reach the model through ``task_column`` or ``tasks=``, as for every
    skmtl estimator (see the task data model in the docs), or as the columns
    of a wide ``y``, one per task, with missing labels where a row is not
    labelled for a task: the trunk then runs once per row and each head
    reads the rows labelled for its task.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers,), default=(100,)
        Units of each dense layer of the shared trunk (at least one layer).
    task_hidden_layer_sizes : array-like of shape (n_task_layers,), default=()
        Units of each hidden layer of every task's own tower, between the
        trunk and the task's output layer. Empty: a linear head per task.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of every hidden layer.
    dropout : float, default=0.0
        Dropout rate after every hidden layer (trunk and towers) in training.
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
    coefs_, intercepts_ : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases of the trunk's layers.
%(training_attributes)s

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The single-task model.
    skmtl.model_selection.compare_with_single_task : Is sharing worth it?

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import SharedMLPClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 4)
    >>> tasks = np.repeat(["a", "b", "c"], 100)
    >>> y = (X[:, 0] + np.where(tasks == "c", -1, 1) * X[:, 1] > 0).astype(int)
    >>> clf = SharedMLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, tol=1e-3,
    ...                           random_state=0)
    >>> clf = clf.fit(X, y, tasks=tasks)
    >>> clf.predict(X[-3:], tasks=tasks[-3:])
    array([1, 1, 1])
    >>> float(clf.score(X, y, tasks=tasks)) > 0.95
    True
    >>> clf.task_classes_["c"]
    array([0, 1])

    The same kind of data in wide form: one row per sample, a label column per
    task, NaN where a label is missing.

    >>> Y = np.column_stack([X[:, 0] + X[:, 1] > 0, X[:, 0] - X[:, 1] > 0]).astype(float)
    >>> Y[rng.rand(300, 2) < 0.3] = np.nan
    >>> wide = SharedMLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, tol=1e-3,
    ...                            random_state=0).fit(X, Y)
    >>> wide.predict(X[:2])
    array([[1., 1.],
           [1., 1.]])
    >>> float(wide.score(X, Y)) > 0.9  # mean over tasks, on the labelled entries
    True
    >>> [p.shape for p in wide.predict_proba(X[:2])]
    [(2, 2), (2, 2)]
    """

    _parameter_constraints: dict = {
        **BaseSharedNetworkClassifier._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        task_hidden_layer_sizes=(),
        activation="relu",
        *,
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.task_hidden_layer_sizes = task_hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.task_weights = task_weights
        self.loss_weighting = loss_weighting
        self.gradient_method = gradient_method
        self.task_column = task_column
        self.backend = backend
        self.device = device
        self.dtype = dtype

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # the first layer multiplies CSR rows as they are
        return tags

    def _check_params(self):
        super()._check_params()
        self._trunk_sizes()

    def _trunk_sizes(self):
        return layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes", allow_empty=False)

    def _make_trunk(self, X):
        return DenseTrunk(X.shape[1], list(self._trunk_sizes()), self.activation)

    def _set_trunk_attributes(self, params):
        self.coefs_ = params[0::2]
        self.intercepts_ = params[1::2]

    def _single_task_counterpart(self):
        """The single-task model this one generalises: an MLPClassifier with the same settings.

        Its hidden layers are the trunk's followed by the tower's.
        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled). ``class_weight``, ``dropout``
        and the task options have no counterpart there.
        """
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            hidden_layer_sizes=(*self._trunk_sizes(), *self._tower_sizes()),
            activation=self.activation,
            solver=self.solver,
            alpha=self.alpha,
            batch_size=self.batch_size,
            learning_rate_init=self.learning_rate_init,
            max_iter=self.max_iter,
            shuffle=self.shuffle,
            random_state=self.random_state,
            tol=self.tol,
            momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            n_iter_no_change=self.n_iter_no_change,
        )
