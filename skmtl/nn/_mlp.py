"""SharedMLPClassifier and SharedMLPRegressor: a dense trunk shared by all tasks, one head per task."""

from __future__ import annotations

import warnings
from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._base import layer_sizes, store_parameters
from ._classifier import BaseSharedNetworkClassifier
from ._docs import fill_doc
from ._network import DenseTrunk
from ._regressor import BaseSharedNetworkRegressor

#: The parameters of the dense trunk and the towers, as both estimators document them.
_DENSE_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers,), default=(100,)
        Units of each dense layer of the shared trunk (at least one layer).
    task_hidden_layer_sizes : array-like of shape (n_task_layers,), default=()
        Units of each hidden layer of every task's own tower, between the
        trunk and the task's output layer. Empty: a linear head per task.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of every hidden layer.
    dropout : float, default=0.0
        Dropout rate after every hidden layer (trunk and towers) in training.
"""

#: How tasks reach a model, in both estimators' words.
_TASK_FORMS = """\
    Tasks reach the model through ``task_column`` or ``tasks=``, as for every
    skmtl estimator (see the task data model in the docs), or as the columns
    of a wide ``y``, one per task, with missing values where a row has no
    target for a task: the trunk then runs once per row and each head reads
    the rows labelled for its task.
"""

_DENSE_ATTRIBUTES = """\
    coefs_, intercepts_ : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases of the trunk's layers.
"""


class DenseTrunkMixin:
    """The dense trunk of :class:`SharedMLPClassifier` and :class:`SharedMLPRegressor`."""

    _trunk_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    }

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

    def _counterpart_parameters(self):
        """The settings of scikit-learn's single-task MLP that mean what they mean here.

        Its hidden layers are the trunk's followed by the tower's; the task
        options and ``dropout`` have no counterpart there: a warning says so
        when ``dropout`` is set, for the baselines then train without it. (A
        classifier's ``class_weight`` is applied around it, see
        :meth:`SharedMLPClassifier._single_task_counterpart`.)
        """
        if self.dropout:
            # The comparison would otherwise pit a regularised network against
            # plain baselines without a word.
            warnings.warn(
                "dropout has no counterpart in scikit-learn's MLP: the default single-task "
                "baselines train without it; pass baseline_estimator= to compare with "
                "single-task models of your own.",
                UserWarning,
                stacklevel=3,
            )
        return dict(
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


@fill_doc(dense_parameters=_DENSE_PARAMETERS, task_forms=_TASK_FORMS, dense_attributes=_DENSE_ATTRIBUTES)
class SharedMLPClassifier(DenseTrunkMixin, BaseSharedNetworkClassifier):
    """Multi-layer perceptron with hidden layers shared by all tasks and a head per task.

    Hard parameter sharing: every row goes through the same trunk of dense
    layers (``hidden_layer_sizes``), then through its own task's tower
    (``task_hidden_layer_sizes``, none by default) and output layer, with
    as many softmax outputs as the task has classes, or one sigmoid output
    for a two-class task. With one task it is ``MLPClassifier``: same
    parameters, same initial weights and batches for the same
    ``random_state``, same loss, and, with ``solver='sgd'`` and
    ``dtype='float64'``, the same trained weights.

%(task_forms)s

    Parameters
    ----------
%(dense_parameters)s
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
%(dense_attributes)s
%(training_attributes)s

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The single-task model.
    SharedMLPRegressor : The same network for real-valued targets.
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
        **DenseTrunkMixin._trunk_constraints,
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
        store_parameters(self, locals())

    def _single_task_counterpart(self):
        """The single-task model this one generalises: an MLPClassifier with the same settings.

        MLPClassifier has no ``class_weight``: when it is set, the model
        returned fits MLPClassifier with each row's sample weight times its
        class weight (``'balanced_per_task'`` is ``'balanced'`` within the
        rows it is fitted on; per-task class weights are refused). Both then
        weigh each row's loss alike, but MLPClassifier divides a batch's loss
        by the batch's sum of these weights where this model divides it by
        the sum of the sample weights alone: they train to the same weights
        when a batch holds every row and the weights sum to the number of
        rows ('balanced' without sample weights); with smaller batches the
        steps differ a little, and with a dict ``class_weight`` its overall
        scale changes this model's steps but not MLPClassifier's.
        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled).
        """
        from sklearn.neural_network import MLPClassifier

        model = MLPClassifier(**self._counterpart_parameters())
        if self.class_weight is None:
            return model
        from ..model_selection._class_weighted import ClassWeightedClassifier

        return ClassWeightedClassifier(model, class_weight=self._single_task_class_weight("MLPClassifier()"))


@fill_doc(dense_parameters=_DENSE_PARAMETERS, task_forms=_TASK_FORMS, dense_attributes=_DENSE_ATTRIBUTES)
class SharedMLPRegressor(DenseTrunkMixin, BaseSharedNetworkRegressor):
    """Multi-layer perceptron regressor with hidden layers shared by all tasks and a head per task.

    Hard parameter sharing: every row goes through the same trunk of dense
    layers (``hidden_layer_sizes``), then through its own task's tower
    (``task_hidden_layer_sizes``, none by default) and one linear output. The
    loss is half the squared error, as ``MLPRegressor``'s. With one task it
    is ``MLPRegressor``: same parameters, same initial weights and batches
    for the same ``random_state``, same loss, and, with ``solver='sgd'`` and
    ``dtype='float64'``, the same trained weights.

%(task_forms)s

    Parameters
    ----------
%(dense_parameters)s
%(training_parameters)s

    Attributes
    ----------
%(task_attributes)s
%(dense_attributes)s
%(training_attributes)s

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The single-task model.
    SharedMLPClassifier : The same network for class labels.
    skmtl.model_selection.compare_with_single_task : Is sharing worth it?

    Notes
    -----
%(regressor_notes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import SharedMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 3)
    >>> tasks = np.repeat(["a", "b", "c"], 100)
    >>> y = X[:, 0] + np.where(tasks == "c", -1, 1) * X[:, 1] + 0.1 * rng.randn(300)
    >>> reg = SharedMLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, tol=1e-3,
    ...                          random_state=0).fit(X, y, tasks=tasks)
    >>> reg.predict(X[-2:], tasks=tasks[-2:]).round(1)
    array([-3.5, -4.1])
    >>> float(reg.score(X, y, tasks=tasks)) > 0.9  # mean over tasks of each task's R²
    True

    Two targets on very different scales, in wide form (a column per task,
    NaN where a target is missing): ``normalize_targets`` lets both shape
    the trunk.

    >>> Y = np.column_stack([X[:, 0] + X[:, 1], 1000 * (X[:, 0] - X[:, 2])])
    >>> Y[rng.rand(300, 2) < 0.3] = np.nan
    >>> wide = SharedMLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, tol=1e-3,
    ...                           normalize_targets=True, random_state=0).fit(X, Y)
    >>> wide.predict(X[:2]).shape
    (2, 2)
    >>> float(wide.score(X, Y)) > 0.95
    True
    >>> wide.target_scale_.round(1)  # each task's standard deviation
    array([   1.4, 1356.6])

    Without it one head must learn outputs a thousand times larger than the
    other's, whose squared errors own the trunk's gradient; in as many epochs
    the model is much poorer:

    >>> plain = SharedMLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, tol=1e-3,
    ...                            max_iter=50, random_state=0).fit(X, Y)
    >>> float(plain.score(X, Y)) < 0.8
    True
    """

    _parameter_constraints: dict = {
        **BaseSharedNetworkRegressor._parameter_constraints,
        **DenseTrunkMixin._trunk_constraints,
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
        normalize_targets=False,
        task_weights=None,
        loss_weighting="equal",
        gradient_method=None,
        task_column=None,
        backend="numpy",
        device="auto",
        dtype="float32",
    ):
        store_parameters(self, locals())

    def _single_task_counterpart(self):
        """The single-task model this one generalises: an MLPRegressor with the same settings.

        With ``normalize_targets`` it learns standardised targets, as this
        model does (``TransformedTargetRegressor`` with a ``StandardScaler``);
        with sample weights the two differ slightly, as the scaler takes an
        unweighted mean and standard deviation where this model weighs them.
        :func:`skmtl.model_selection.compare_with_single_task` fits it per task
        (independent) and on all rows (pooled).
        """
        from sklearn.neural_network import MLPRegressor

        model = MLPRegressor(**self._counterpart_parameters())
        if not self.normalize_targets:
            return model
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.preprocessing import StandardScaler

        return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
