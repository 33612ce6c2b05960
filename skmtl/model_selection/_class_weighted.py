"""Class weights for a scikit-learn classifier that takes sample weights but no ``class_weight``.

The default baselines of :class:`~skmtl.nn.SharedMLPClassifier` are
scikit-learn's ``MLPClassifier``, which has no ``class_weight``; wrapped
here, they weigh the classes as the network does, so that a comparison
does not pit a class-weighted network against unweighted baselines.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, _estimator_has, check_is_fitted


def _delegate(method, what, returns, always=False):
    """A method answering with the fitted model's ``method``; available where the wrapped model has it."""

    def answer(self, X):
        check_is_fitted(self)
        return getattr(self.estimator_, method)(X)

    answer.__name__ = answer.__qualname__ = method
    answer.__doc__ = f"""{what} of the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        {returns}
            ``estimator_.{method}(X)``.
        """
    return answer if always else available_if(_estimator_has(method))(answer)


class ClassWeightedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A classifier fitted with each row's sample weight times its class weight.

    Parameters
    ----------
    estimator : classifier
        A scikit-learn classifier whose ``fit`` takes ``sample_weight``;
        cloned in :meth:`fit`.
    class_weight : dict, 'balanced' or None, default=None
        As scikit-learn's classifiers take it: {label: weight} (labels not
        named weigh 1), or 'balanced', ``n_samples / (n_classes *
        np.bincount(y))`` over the rows given to :meth:`fit`.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        The labels, as ``estimator_`` has them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmtl.model_selection._class_weighted import ClassWeightedClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0, 0, 0, 1])
    >>> clf = ClassWeightedClassifier(LogisticRegression(), class_weight="balanced").fit(X, y)
    >>> clf
    ClassWeightedClassifier(class_weight='balanced', estimator=LogisticRegression())
    >>> plain = LogisticRegression().fit(X, y, sample_weight=[2 / 3, 2 / 3, 2 / 3, 2.0])
    >>> bool(np.allclose(clf.predict_proba(X), plain.predict_proba(X)))
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, estimator, class_weight=None):
        self.estimator = estimator
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=False)  # the inner model validates its own
    def fit(self, X, y, sample_weight=None):
        """Fit a clone of ``estimator`` with the rows weighted by their class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplied by each row's class weight.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        weight = compute_sample_weight(self.class_weight, np.asarray(y))  # it takes arrays only
        if sample_weight is not None:
            weight = weight * _check_sample_weight(sample_weight, weight, ensure_non_negative=True)
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=weight)
        return self

    @property
    def classes_(self):
        """The labels of the fitted model."""
        check_is_fitted(self)
        return self.estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen in :meth:`fit`."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    predict = _delegate("predict", "Labels", "y_pred : ndarray of shape (n_samples,)", always=True)
    predict_proba = _delegate(
        "predict_proba", "Class probabilities", "proba : ndarray of shape (n_samples, n_classes)"
    )
    predict_log_proba = _delegate(
        "predict_log_proba", "Log class probabilities", "log_proba : ndarray of shape (n_samples, n_classes)"
    )
    decision_function = _delegate(
        "decision_function", "Decision values", "scores : ndarray of shape (n_samples,) or (n_samples, n_classes)"
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags = inner.input_tags
        tags.classifier_tags = inner.classifier_tags
        return tags
