"""Docstring sections that every shared-network estimator has, written once.

:func:`fill_doc` puts them into an estimator's docstring at its
``%(...)s`` markers, in the wording of its kind (classifier or regressor),
with the sections its trunk's module passes in (inputs, trunk parameters,
trunk attributes), so that a classifier and the regressor on the same trunk
describe the trunk with the same words.
"""

from __future__ import annotations

from sklearn.base import RegressorMixin

#: The training, weighting and backend parameters (``MLPClassifier``'s and
#: ``MLPRegressor``'s where they exist), with markers for what differs by kind.
_TRAINING_PARAMETERS = """\
    solver : {'adam', 'sgd'}, default='adam'
        ``torch.optim.Adam`` / ``torch.optim.SGD``'s update rule (the SGD rule
        is ``%(counterpart)s``'s; Adam adds ``epsilon`` after bias-correcting
        the second moment, as torch does).
    alpha : float, default=1e-4
        L2 penalty on the weights (not biases), as in ``%(counterpart)s``:
        ``0.5 * alpha * ||W||^2`` divided by the batch's summed sample weight.
    batch_size : int or 'auto', default='auto'
        Rows per mini-batch; 'auto' is ``min(200, n_samples)``. With a wide
        y a row carries all its labels, so a batch holds up to
        ``n_tasks * batch_size`` labelled entries.
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
        Start ``fit`` from the current weights (same tasks%(and_classes)s).
    momentum : float, default=0.9
        Momentum of ``solver='sgd'``.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for ``solver='sgd'``.
%(early_stopping)s    validation_fraction : float, default=0.1
        Share of rows held out by ``early_stopping``.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decay rates.
    epsilon : float, default=1e-8
        Adam's denominator term.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before stopping.
%(target_options)s    task_weights : dict, 'balanced' or None, default=None
        Fixed multiplier of each task's loss. The default, 1 for every task,
        makes the objective the weighted mean loss over the labelled entries
        of a batch (a row in the long form; a (row, task) label in the wide
        form), whatever task they belong to, so a wide y and the same labels
        in long form define the same objective: with one task it is
        ``%(counterpart)s``'s objective, so ``learning_rate_init`` and
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
        Precision of the weights and of training. float32 matrix products
        are about twice as fast; float64 is for checks (a one-task dense network then
        reproduces ``%(counterpart)s`` to rounding error). Predictions are
        computed in float64 from the stored weights."""

_CLASSIFIER_WORDS = {
    "counterpart": "MLPClassifier",
    "and_classes": " and classes",
    "early_stopping": """\
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stratified by task and
        class (with a wide y: rows with all their labels, unstratified), stop
        when their accuracy stops improving and keep the best weights.
""",
    "target_options": """\
    class_weight : dict, list, 'balanced', 'balanced_per_task' or None, default=None
        Multiplies each row's loss by the weight of its class; 'balanced'
        over all rows, 'balanced_per_task' within each task. With a wide y
        each task is weighted on its own ('balanced' balances within each
        task), and the weights may differ by task: a list with one
        specification per column of y (a dict, 'balanced' or None, as
        scikit-learn's multi-output estimators take), or a dict mapping task
        ids to their specification.
""",
    "validation_score": "accuracy",
}

_REGRESSOR_WORDS = {
    "counterpart": "MLPRegressor",
    "and_classes": "",
    "early_stopping": """\
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stratified by task
        (with a wide y: rows with all their targets, unstratified), stop when
        their R² (the mean over tasks of each task's) stops improving and
        keep the best weights.
""",
    "target_options": """\
    normalize_targets : bool, default=False
        Standardise each task's targets by its own (sample-weighted) mean and
        standard deviation before training, and map predictions back; see
        Notes. The scaling is fixed by the first fit (``target_mean_``,
        ``target_scale_``); ``warm_start`` and ``partial_fit`` keep it.
""",
    "validation_score": "R² (mean over tasks)",
}

#: Fitted attributes about tasks and classes (a classifier's).
_CLASSIFIER_TASK_ATTRIBUTES = """\
    classes_ : ndarray of shape (n_classes,), or list of n_tasks ndarrays
        Sorted union of all tasks' labels; with a wide y, each task's sorted
        labels (as ``MultiOutputClassifier``), since tasks may have labels of
        different types.
    task_classes_ : dict
        Task id -> the labels that task has (the classes of its head).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in ``fit`` (``[None]`` without task ids); with
        a wide y, its column names (else ``0..n_tasks-1``) in column order.
    n_tasks_ : int
        Number of tasks."""

#: Fitted attributes about tasks and targets (a regressor's).
_REGRESSOR_TASK_ATTRIBUTES = """\
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task ids seen in ``fit`` (``[None]`` without task ids); with
        a wide y, its column names (else ``0..n_tasks-1``) in column order.
    n_tasks_ : int
        Number of tasks.
    n_outputs_ : int
        Columns of ``predict``'s answer: 1 in the long form, ``n_tasks_``
        for a model fitted on a wide y.
    out_activation_ : str
        'identity': the heads' output, as ``MLPRegressor``'s.
    target_mean_, target_scale_ : ndarray of shape (n_tasks,)
        Each task's target mean and scale (``normalize_targets``): the heads
        learn ``(y - target_mean_) / target_scale_`` and predictions are mapped
        back. All 0 and 1 without ``normalize_targets``."""

#: Fitted attributes of the heads and of training.
_TRAINING_ATTRIBUTES = """\
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
        Validation %(validation_score)s after every epoch (with early stopping).
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
        Training rows seen, over all calls (rows of ``X``, however many
        labels each carries).
    n_features_in_ : int
        Features seen in ``fit``, task column included.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` is a DataFrame with string column names."""

#: What a regressor's docstring says about its score and about normalize_targets.
REGRESSOR_NOTES = """\
    ``score`` is the mean over tasks of each task's R² on its own rows (with
    one task, scikit-learn's ``r2_score``, as for every regressor): each task
    is measured against its own mean, and a small task counts as much as a
    large one. With a wide y each task's R² is taken on its labelled entries.

    ``normalize_targets`` is False by default so that a one-task model is
    ``MLPRegressor``, which does not scale its targets: same loss, same
    ``loss_curve_``, same weights for the same settings, so it can replace
    it in existing code. Set it to True when the tasks' targets are on
    different scales (dollars and millions of dollars, grams and tonnes):
    the loss sums squared errors in each task's units, so the task with the
    largest numbers dominates the shared trunk's gradient and the others are
    barely learned. Standardised, each task's loss starts near 0.5 and they
    weigh alike. ``loss_curve_`` and the task loss curves are then in
    standardised units."""


def fill_doc(cls=None, /, **sections):
    """Put the shared sections, and ``sections``, into ``cls``'s docstring at their %(...)s markers.

    Used as ``@fill_doc`` or ``@fill_doc(inputs=..., ...)``.
    """
    if cls is None:
        return lambda cls: fill_doc(cls, **sections)
    regressor = issubclass(cls, RegressorMixin)
    words = _REGRESSOR_WORDS if regressor else _CLASSIFIER_WORDS
    cls.__doc__ = cls.__doc__ % {
        "training_parameters": (_TRAINING_PARAMETERS % words).rstrip("\n"),
        "task_attributes": (_REGRESSOR_TASK_ATTRIBUTES if regressor else _CLASSIFIER_TASK_ATTRIBUTES).rstrip("\n"),
        "training_attributes": (_TRAINING_ATTRIBUTES % words).rstrip("\n"),
        "regressor_notes": REGRESSOR_NOTES,
        **{name: text.rstrip("\n") % words for name, text in sections.items()},
    }
    return cls
