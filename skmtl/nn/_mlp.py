"""SharedMLPClassifier: a dense trunk shared by all tasks, one head per task."""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._base import BaseSharedNetworkClassifier
from ._network import DenseTrunk


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
    skmtl estimator (see the task data model in the docs).

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
    solver : {'adam', 'sgd'}, default='adam'
        ``torch.optim.Adam`` / ``torch.optim.SGD``'s update rule (the SGD rule
        is ``MLPClassifier``'s; Adam adds ``epsilon`` after bias-correcting
        the second moment, as torch does).
    alpha : float, default=1e-4
        L2 penalty on the weights (not biases), as in ``MLPClassifier``:
        ``0.5 * alpha * ||W||^2`` divided by the batch's summed sample weight.
    batch_size : int or 'auto', default='auto'
        Rows per mini-batch; 'auto' is ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Step size, constant.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the rows before every epoch.
    random_state : int, RandomState instance or None, default=None
        Controls the initial weights, the shuffles, the validation split,
        dropout and PCGrad's task order.
    tol : float, default=1e-4
        Training stops when the loss (or the validation score with early
        stopping) fails to improve by ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs.
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Start ``fit`` from the current weights (same tasks and classes).
    momentum : float, default=0.9
        Momentum of ``solver='sgd'``.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for ``solver='sgd'``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stratified by task and
        class, stop when their accuracy stops improving and keep the best
        weights.
    validation_fraction : float, default=0.1
        Share of rows held out by ``early_stopping``.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decay rates.
    epsilon : float, default=1e-8
        Adam's denominator term.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before stopping.
    class_weight : dict, 'balanced', 'balanced_per_task' or None, default=None
        Multiplies each row's loss by the weight of its class; 'balanced'
        over all rows, 'balanced_per_task' within each task.
    task_weights : dict, 'balanced' or None, default=None
        Fixed multiplier of each task's loss. The default, 1 for every task,
        makes the objective the weighted mean loss over the rows of a batch,
        whatever task they belong to: with one task it is
        ``MLPClassifier``'s objective, so ``learning_rate_init`` and
        ``alpha`` mean the same as there, and a task counts in proportion
        to its rows. A dict maps task ids to weights (missing tasks: 1);
        'balanced' weighs task ``t`` by ``n / (n_tasks * n_t)``, so that every
        task counts the same in all.
    loss_weighting : {'equal', 'uncertainty', 'dwa', 'gradnorm'}, default='equal'
        How task losses are re-weighted during training, on top of
        ``task_weights``: 'equal' (not at all), 'uncertainty' (Kendall et al.,
        2018), 'dwa' (Liu et al., 2019; one epoch is one pass over the data,
        or one ``partial_fit`` call), 'gradnorm' (Chen et al., 2018).
    gradient_method : {'pcgrad', 'mgda'} or None, default=None
        Combine the tasks' gradients on the shared trunk with PCGrad (Yu et
        al., 2020) or MGDA (Sener & Koltun, 2018) instead of summing them;
        the heads keep their own gradients. Costs one trunk backward pass
        per task and step.
    task_column : int, str or None, default=None
        Column of ``X`` holding the task ids (by index, or by name with a
        DataFrame); removed from the features.
    backend : {'numpy', 'torch'}, default='numpy'
        Train with skmtl's NumPy engine or with PyTorch (``pip install
        'skmtl[torch]'``). Both start from the same weights and see the same
        batches; the trained weights are NumPy arrays either way, so
        prediction and pickles never need torch.
    device : str, default='auto'
        Torch device for ``backend='torch'``: 'cpu', 'cuda' ('cuda:1', ...), or
        'auto' (a GPU when torch sees one). The numpy backend runs on the CPU.
    dtype : {'float32', 'float64'}, default='float32'
        Precision of the weights and of training. float32 is about twice as
        fast; float64 reproduces ``MLPClassifier`` to rounding error.
        Predictions are computed in float64 from the stored weights.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted union of all tasks' labels.
    task_classes_ : dict
        Task id -> the labels that task has (the classes of its head).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in ``fit`` (``[None]`` without task ids).
    n_tasks_ : int
        Number of tasks.
    coefs_, intercepts_ : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases of the trunk's layers.
    task_coefs_, task_intercepts_ : list of list of ndarray
        Per task (in ``tasks_`` order), the weights and biases of its tower
        and output layer.
    loss_ : float
        Training loss of the last epoch (objective with ``task_weights``,
        before dynamic re-weighting, plus the L2 term).
    loss_curve_ : list of float
        ``loss_`` after every epoch.
    task_loss_curves_ : dict
        Task id -> list of its mean training loss after every epoch.
    best_loss_ : float or None
        Lowest ``loss_`` (None with early stopping).
    validation_scores_ : list of float or None
        Validation accuracy after every epoch (with early stopping).
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    task_weights_ : ndarray of shape (n_tasks,)
        Effective weight of each task's mean loss in the last epoch's updates
        of the shared trunk, relative to its share of the rows: all 1 with
        the defaults; it shows what ``task_weights``, ``loss_weighting`` and
        ``gradient_method`` did.
    task_weight_history_ : ndarray of shape (n_epochs, n_tasks)
        ``task_weights_`` after every epoch.
    n_iter_ : int
        Epochs run by the last ``fit`` or ``partial_fit`` call.
    t_ : int
        Training rows seen, over all calls.
    n_features_in_ : int
        Features seen in ``fit``, task column included.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` is a DataFrame with string column names.

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

    def _make_trunk(self, n_features):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if not sizes:
            raise ValueError(
                "hidden_layer_sizes must hold at least one layer: the trunk the tasks share."
            )
        return DenseTrunk(n_features, sizes, self.activation)

    def _single_task_counterpart(self):
        """The single-task model this one generalises: an MLPClassifier with the same settings.

        Its hidden layers are the trunk's followed by the tower's.
        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled). ``class_weight``, ``dropout``
        and the task options have no counterpart there.
        """
        from sklearn.neural_network import MLPClassifier

        trunk = self.hidden_layer_sizes
        trunk = list(trunk) if hasattr(trunk, "__iter__") else [trunk]
        return MLPClassifier(
            hidden_layer_sizes=(*trunk, *self._tower_sizes()),
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
