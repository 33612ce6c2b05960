"""The documentation site's wiring, checked without building it.

Every public name has a page in the API reference (``doc/api.rst``), and an
estimator's HTML diagram links to the page the reference gives it. The
offline intersphinx inventories (``doc/sphinxext/offline_inventory.py``)
are files Sphinx can read.
"""

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler

import skmtl
from skmtl._doc_links import DOC_URL, doc_version, public_module

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "doc" / "api.rst"
PUBLIC_MODULES = [
    "skmtl.compose",
    "skmtl.datasets",
    "skmtl.linear_model",
    "skmtl.metrics",
    "skmtl.model_selection",
    "skmtl.nn",
    "skmtl.plotting",
    "skmtl.svm",
]


def _documented():
    """The full names ``doc/api.rst`` gives a page of their own (autosummary with ``:toctree:``)."""
    names, module, in_toctree_table = set(), None, False
    for line in API.read_text().splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif line.startswith(".. "):
            in_toctree_table = False
        elif line.strip() == ":toctree: generated/":
            in_toctree_table = True
        elif in_toctree_table and re.fullmatch(r"   \w+", line):
            names.add(f"{module}.{line.strip()}")
    return names


def _public_names(module):
    """A public module's ``__all__``: every one declares its names."""
    assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
    return list(module.__all__)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_has_an_api_page(module_name):
    module = importlib.import_module(module_name)
    missing = {f"{module_name}.{name}" for name in _public_names(module)} - _documented()
    assert not missing, f"not in doc/api.rst under `.. currentmodule:: {module_name}`: {sorted(missing)}"


def test_api_pages_document_real_objects_once():
    documented = _documented()
    for full in documented:
        module, name = full.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), full
    # The top-level names are documented once, under their public submodule.
    assert not {name for name in documented if name.count(".") == 1}


def test_top_level_table_lists_skmtl_all():
    text = API.read_text()
    for name in skmtl.__all__:
        if name == "__version__":
            continue
        assert f"   ~{public_module(getattr(skmtl, name))}.{name}\n" in text, name


def _estimators():
    """``(module, name, class)`` of every public estimator."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in _public_names(module):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[name] = (module_name, name, obj)
    return sorted(found.values())


def test_every_estimator_in_skmtl_all_is_found():
    names = {name for _, name, _ in ESTIMATORS}
    assert {name for name in skmtl.__all__ if inspect.isclass(getattr(skmtl, name))} <= names


ESTIMATORS = _estimators()


@pytest.mark.parametrize("module_name, name, cls", ESTIMATORS, ids=[name for _, name, _ in ESTIMATORS])
def test_html_diagram_links_to_the_api_page(module_name, name, cls):
    params = {"transformer": StandardScaler(), "task_column": 0} if name == "FeatureTransformer" else {}
    estimator = cls(**params)
    url = DOC_URL.format(version=doc_version()) + f"generated/{module_name}.{name}.html"
    assert estimator._get_doc_link() == url
    with config_context(display="diagram"):
        assert f'href="{url}"' in estimator._repr_html_()
    assert f"{module_name}.{name}" in _documented()


def test_index_getting_started_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "doc" / "index.md").read_text(), flags=re.S)
    assert blocks
    for block in blocks:  # about 1 s
        exec(compile(block, "doc/index.md", "exec"), {})
    assert 0.5 < float(capsys.readouterr().out) <= 1  # the mean per-task ROC AUC it prints


def test_doc_version_names_a_read_the_docs_build():
    assert doc_version("1.2.0") == "1.2.0"
    assert doc_version("1.3.0.dev0") == "latest"
    assert doc_version("1.2.0+g1234abc") == "latest"


def test_offline_inventory_is_readable_by_sphinx(tmp_path):
    inventory = pytest.importorskip("sphinx.util.inventory", reason="Sphinx (the docs extra) is not installed")
    sys.path.insert(0, str(ROOT / "doc" / "sphinxext"))
    try:
        offline_inventory = importlib.import_module("offline_inventory")
    finally:
        sys.path.remove(str(ROOT / "doc" / "sphinxext"))
    # The standard library's part: no project to import, so this stays fast.
    python = next(project for project in offline_inventory.PROJECTS if project.name is None)
    entries = offline_inventory._entries(python)
    path = tmp_path / "python.inv"
    path.write_bytes(offline_inventory._inventory(python, "3", entries))
    with path.open("rb") as stream:
        loaded = inventory.InventoryFile.load(stream, python.url, lambda base, uri: base + uri)

    def uri(role, name):
        item = loaded[role][name]
        return item.uri if hasattr(item, "uri") else item[2]  # Sphinx 9 has attributes; Sphinx 8 tuples

    assert uri("py:class", "int") == "https://docs.python.org/3/library/functions.html#int"
    assert uri("py:class", "dict") == "https://docs.python.org/3/library/stdtypes.html#dict"
    assert uri("std:term", "iterable") == "https://docs.python.org/3/glossary.html#term-iterable"
