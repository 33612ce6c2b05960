"""Links from an estimator's HTML diagram to its page in the API reference.

scikit-learn's HTML repr (``set_config(display="diagram")``, the default in
notebooks) draws a "?" link to the estimator's documentation. It builds the
address from three class attributes of
``sklearn.utils._repr_html.base._HTMLDocumentationLinkMixin``, which every
``BaseEstimator`` inherits; :class:`DocLinkMixin` sets them for skmtl so that
the link lands on skmtl's own pages, not on a missing scikit-learn page.
"""

import itertools
import re

from ._version import __version__

__all__ = ["DOC_URL", "DocLinkMixin", "doc_version", "public_module"]

#: Where Read the Docs publishes the site; ``{version}`` is filled by :func:`doc_version`.
DOC_URL = "https://skmtl.readthedocs.io/en/{version}/"


def doc_version(version=__version__):
    """The Read the Docs version whose pages document ``version``.

    A development or locally modified version (``.dev``, ``+local``) is
    documented by the build of the main branch, ``latest``; a release by
    the build of its own tag.

    Parameters
    ----------
    version : str, optional
        A PEP 440 version string; by default skmtl's own, ``skmtl.__version__``.

    Returns
    -------
    str
        ``"latest"`` or ``version`` itself.

    Examples
    --------
    >>> doc_version("0.1.0")
    '0.1.0'
    >>> doc_version("0.2.0.dev0")
    'latest'
    """
    return "latest" if re.search(r"dev|\+", version) else version


def public_module(obj):
    """The module path of ``obj`` up to its first private part.

    skmtl's API reference documents each object under that module, which
    exports it.

    Parameters
    ----------
    obj : class or function

    Returns
    -------
    str

    Examples
    --------
    >>> from skmtl import MultiTaskKernelSVC
    >>> MultiTaskKernelSVC.__module__, public_module(MultiTaskKernelSVC)
    ('skmtl.svm._classes', 'skmtl.svm')
    """
    return ".".join(itertools.takewhile(lambda part: not part.startswith("_"), obj.__module__.split(".")))


class DocLinkMixin:
    """Point the estimator's HTML diagram at its page in skmtl's API reference.

    Put it before ``BaseEstimator`` in the bases. The page is
    ``generated/{estimator_module}.{estimator_name}.html``, where
    ``estimator_module`` is :func:`public_module` of the class: the module
    the reference documents it under (``doc/api.rst``).

    Examples
    --------
    >>> from skmtl import MultiTaskKernelSVC
    >>> MultiTaskKernelSVC()._get_doc_link()  # doctest: +ELLIPSIS
    'https://skmtl.readthedocs.io/en/.../generated/skmtl.svm.MultiTaskKernelSVC.html'
    """

    # scikit-learn returns no link for a class outside this package.
    _doc_link_module = "skmtl"
    # A class attribute replaces scikit-learn's property of the same name.
    _doc_link_template = (
        DOC_URL.format(version=doc_version()) + "generated/{estimator_module}.{estimator_name}.html"
    )

    def _doc_link_url_param_generator(self):
        """The names in braces in ``_doc_link_template``, for this estimator's class."""
        return {"estimator_module": public_module(type(self)), "estimator_name": type(self).__name__}
