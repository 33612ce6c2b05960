"""Intersphinx inventories written from the installed packages, with no download.

Intersphinx normally downloads each project's ``objects.inv``. The docs are
built where only package registries can be reached (CI, this project's
machines), so ``conf.py`` calls :func:`write_inventories` instead: it lists
the public names of the installed scikit-learn, NumPy, SciPy, pandas and
PyTorch and writes a version-2 inventory for each, with the address each
project's documentation gives that name. A project that is not installed is
left out (its names then render as plain text, with no warning). A few
Python built-ins, glossary terms and labels complete them: those that
numpydoc's links for parameter types (``bool``, ``array-like``) and the
docstrings skmtl's estimators inherit from scikit-learn refer to.

The addresses follow each site's page scheme for the kinds of names listed
here (checked against the published pages):

* scikit-learn: ``modules/generated/{name}.html#{name}``; methods on their
  class's page (``...SVC.html#sklearn.svm.SVC.fit``).
* NumPy: ``reference/generated/{name}.html#{name}``, methods on pages of
  their own; the random generators on the two pages of ``numpy.random``.
* SciPy: ``reference/generated/{name}.html#{name}``.
* pandas: ``reference/api/{name}.html#{name}`` (classes and functions; no methods).
* PyTorch: ``generated/{name}.html#{name}``, methods on their class's page;
  tensors, devices and dtypes on the two pages that describe them, the
  optimizers' base class on the page of ``torch.optim``.

Only names that follow those schemes are listed: a missing link is better
than a wrong one.
"""

from __future__ import annotations

import importlib
import inspect
import platform
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path


@dataclass
class Project:
    """One documentation site and the names it documents."""

    name: str  # the intersphinx key, also the distribution to look up (None: the standard library)
    title: str
    url: str  # the site's root, with a final slash
    page: str  # an object's page relative to ``url``; ``{name}`` is its full name
    modules: list  # modules whose public names are listed; (module, [names]) lists those names only
    methods: str | None = None  # "class": methods on the class's page; "own": their own page; None: left out
    inherited: bool = True  # whether a class's page also documents the methods it inherits
    only: tuple = ()  # when set, the kinds of names listed: "class", "function"
    # name: (role, page): a Python role ("class") or a full one ("std:label"); a page with no
    # "#anchor" gets the name as its anchor. Labels and terms are those that numpydoc's type links
    # and scikit-learn's inherited docstrings use.
    extra: dict[str, tuple[str, str]] = field(default_factory=dict)
    exclude: tuple = ()  # full names whose page does not follow ``page``


# sklearn.base has no ``__all__``: the names its API reference documents.
SKLEARN_BASE = [
    "BaseEstimator", "BiclusterMixin", "ClassNamePrefixFeaturesOutMixin", "ClassifierMixin", "ClusterMixin",
    "DensityMixin", "MetaEstimatorMixin", "OneToOneFeatureMixin", "OutlierMixin", "RegressorMixin",
    "TransformerMixin", "clone", "is_classifier", "is_clusterer", "is_outlier_detector", "is_regressor",
]

PROJECTS = [
    Project(
        None,
        "Python",
        "https://docs.python.org/3/",
        "library/functions.html",
        [],
        extra={
            **{name: ("class", "library/functions.html") for name in ("bool", "float", "int")},
            **{name: ("class", "library/stdtypes.html") for name in ("dict", "list", "str", "tuple")},
            "callable": ("function", "library/functions.html"),
            **{name: ("data", "library/constants.html") for name in ("None", "True", "False")},
            "bltin-boolean-values": ("std:label", "library/stdtypes.html#bltin-boolean-values"),
            **{term: ("std:term", f"glossary.html#term-{term}") for term in ("generator", "iterable", "sequence")},
        },
    ),
    Project(
        "scikit-learn",
        "scikit-learn",
        "https://scikit-learn.org/stable/",
        "modules/generated/{name}.html",
        ["sklearn", ("sklearn.base", SKLEARN_BASE)] + [
            f"sklearn.{name}"
            for name in ("compose", "datasets", "dummy", "ensemble", "exceptions", "kernel_approximation",
                         "linear_model", "metrics", "model_selection", "multiclass", "multioutput", "neural_network",
                         "pipeline", "preprocessing", "svm", "utils")
        ],
        methods="class",
        extra={
            "metadata_routing": ("std:label", "metadata_routing.html#metadata-routing"),
            "df_output_transform": ("std:label", "modules/df_output_transform.html#df-output-transform"),
            "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
                "std:label",
                "auto_examples/miscellaneous/plot_set_output.html"
                "#sphx-glr-auto-examples-miscellaneous-plot-set-output-py",
            ),
            "meta-estimator": ("std:term", "glossary.html#term-meta-estimator"),
        },
    ),
    Project(
        "numpy",
        "NumPy",
        "https://numpy.org/doc/stable/",
        "reference/generated/{name}.html",
        ["numpy", "numpy.linalg"],
        methods="own",
        # NumPy's scalar types are documented together on one page, not one each.
        only=("function",),
        extra={
            "numpy.ndarray": ("class", "reference/generated/numpy.ndarray.html"),
            "numpy.dtype": ("class", "reference/generated/numpy.dtype.html"),
            "numpy.random.Generator": ("class", "reference/random/generator.html"),
            "numpy.random.default_rng": ("function", "reference/random/generator.html"),
            "numpy.random.RandomState": ("class", "reference/random/legacy.html"),
            "array_like": ("std:term", "glossary.html#term-array_like"),
            "arrays.scalars": ("std:label", "reference/arrays.scalars.html#arrays-scalars"),
        },
    ),
    Project(
        "scipy",
        "SciPy",
        "https://docs.scipy.org/doc/scipy/",
        "reference/generated/{name}.html",
        ["scipy.sparse", "scipy.linalg"],
    ),
    Project(
        "pandas",
        "pandas",
        "https://pandas.pydata.org/docs/",
        "reference/api/{name}.html",
        ["pandas"],
        only=("class", "function"),
    ),
    Project(
        "torch",
        "PyTorch",
        "https://docs.pytorch.org/docs/stable/",
        "generated/{name}.html",
        ["torch.nn", "torch.optim"],
        methods="class",
        inherited=False,  # torch.nn.Linear's page does not repeat torch.nn.Module's methods
        only=("class",),
        extra={
            "torch.Tensor": ("class", "tensors.html"),
            "torch.device": ("class", "tensor_attributes.html"),
            "torch.dtype": ("class", "tensor_attributes.html"),
            "torch.manual_seed": ("function", "generated/torch.manual_seed.html"),
            "torch.set_num_threads": ("function", "generated/torch.set_num_threads.html"),
            "torch.cuda.is_available": ("function", "generated/torch.cuda.is_available.html"),
            "torch.nn.Parameter": ("class", "generated/torch.nn.parameter.Parameter.html#torch.nn.parameter.Parameter"),
            "torch.optim.Optimizer": ("class", "optim.html"),
        },
        exclude=("torch.nn.Buffer", "torch.nn.LinearCrossEntropyOptions", "torch.nn.Parameter",
                 "torch.nn.UninitializedBuffer", "torch.nn.UninitializedParameter", "torch.optim.Optimizer"),
    ),
]


def _public_names(module):
    """A module's public names: its ``__all__``, else those of objects defined in its submodules.

    Without ``__all__``, an object counts when its ``__module__`` lies below the module (torch.nn's
    layers live in torch.nn.modules.*), so what the module merely imports is left out.
    """
    names = getattr(module, "__all__", None)
    if names is None:
        prefix = module.__name__ + "."
        names = [name for name, obj in vars(module).items() if str(getattr(obj, "__module__", "")).startswith(prefix)]
    return sorted(name for name in set(names) if not name.startswith("_"))


def _methods(cls, inherited):
    """The public methods of ``cls`` (with those of its bases when ``inherited``)."""
    methods = inspect.getmembers(cls, inspect.isroutine) if inherited else vars(cls).items()
    return sorted(name for name, obj in methods if not name.startswith("_") and inspect.isroutine(obj))


def _kind(obj):
    """``"class"``, ``"function"`` or None (modules, constants and the like are not listed)."""
    if inspect.isclass(obj):
        return "class"
    # NumPy's ufuncs (numpy.exp) are not routines but are documented as functions; other callable
    # objects (numpy.test, a test runner) are not.
    if inspect.isroutine(obj) or type(obj).__name__ == "ufunc":
        return "function"
    return None


def _defined_in(obj, module_name):
    """Whether ``obj`` belongs to the project of ``module_name`` (not ``collections.defaultdict``, say)."""
    owner = getattr(obj, "__module__", None) or ""
    return owner.split(".")[0] == module_name.split(".")[0]


def _entries(project):
    """``(full name, role, page)`` of every listed name, in a stable order."""
    seen = {}
    for module_name in project.modules:
        module_name, names = module_name if isinstance(module_name, tuple) else (module_name, None)
        module = importlib.import_module(module_name)
        for name in names or _public_names(module):
            try:
                obj = getattr(module, name, None)
            except ImportError:  # scikit-learn's experimental names need an opt-in import: leave them out
                continue
            kind = _kind(obj)
            if kind is None or (project.only and kind not in project.only) or not _defined_in(obj, module_name):
                continue
            full = f"{module_name}.{name}"
            if full in project.exclude:
                continue
            page = project.page.format(name=full)
            seen.setdefault(full, (kind, page))
            if kind == "class" and project.methods:
                for method in _methods(obj, project.inherited):
                    own = project.page.format(name=f"{full}.{method}")
                    seen.setdefault(f"{full}.{method}", ("method", page if project.methods == "class" else own))
    for full, (kind, page) in project.extra.items():
        seen[full] = (kind, page)
    return [(full, kind, page) for full, (kind, page) in sorted(seen.items())]


def _line(full, kind, page):
    """One inventory line: name, role, priority, address, display name ("-": the name itself)."""
    role = kind if ":" in kind else f"py:{kind}"
    # "$" at the end of an address stands for the name, as the anchor of a Python object.
    address = page if "#" in page else f"{page}#$"
    priority = -1 if role.startswith("std:") else 1  # as Sphinx writes them: -1 for labels and terms
    return f"{full} {role} {priority} {address} -\n"


def _inventory(project, version, entries):
    """The bytes of a version-2 ``objects.inv``."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project.title}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    lines = "".join(_line(*entry) for entry in entries)
    return header.encode() + zlib.compress(lines.encode())


def _up_to_date(path, version):
    """Whether ``path`` was written for ``version`` by the present state of this file."""
    return (
        path.exists()
        and path.stat().st_mtime >= Path(__file__).stat().st_mtime
        and f"# Version: {version}\n".encode() in path.read_bytes()[:200]
    )


def write_inventories(directory):
    """Write one ``<project>.inv`` per installed project into ``directory``.

    Parameters
    ----------
    directory : str or path-like
        Created if missing. A file written for the installed version by
        this module as it is now is kept, so a rebuild does not import every
        project again.

    Returns
    -------
    dict
        An ``intersphinx_mapping`` for ``conf.py``: project name to
        ``(site root, path of the local inventory)``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for project in PROJECTS:
        try:
            version = metadata.version(project.name) if project.name else platform.python_version()
        except metadata.PackageNotFoundError:
            continue  # not installed: its names stay plain text
        key = project.name or "python"  # "python" is the key numpydoc's links use (python:iterable)
        path = directory / f"{key}.inv"
        if not _up_to_date(path, version):
            path.write_bytes(_inventory(project, version, _entries(project)))
        mapping[key] = (project.url, str(path))
    return mapping
