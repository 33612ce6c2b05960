"""Sphinx configuration of skmtl's documentation.

Build (warnings are errors, the gallery's examples are run)::

    sphinx-build -W --keep-going -b html doc doc/_build/html    # or: make -C doc html

Add ``-D plot_gallery=0`` to build the gallery's pages without running the examples.
"""

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent
# Document the skmtl of this checkout, whatever is installed; and find doc/sphinxext's modules.
sys.path[:0] = [str(DOC.parent), str(DOC / "sphinxext")]

import skmtl  # noqa: E402  (needs the path above)
from offline_inventory import write_inventories  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402  (a dependency of scikit-learn)

# -- Project -------------------------------------------------------------------------------------

project = "skmtl"
author = "the skmtl developers"
copyright = "the skmtl developers"
version = release = skmtl.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
    "top_level_aliases",  # doc/sphinxext: skmtl.<Name> links to skmtl.<submodule>.<Name>'s page
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
default_role = "obj"  # `name` in a docstring links to the object, as in scikit-learn's docstrings

# -- The API reference: autosummary pages under generated/ ---------------------------------------

# One page per object, doc/generated/<public module>.<Name>.rst; an estimator's HTML diagram links
# to the page of that name (skmtl/_doc_links.py).
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections give the types
# The class template lists the methods itself (doc/_templates/autosummary/class.rst).
numpydoc_show_class_members = False
# Words of parameter types link to their documentation: numpydoc's own list (int, bool, array-like,
# ...) and the names below; other words stay plain text.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "estimator": "sklearn.base.BaseEstimator",
    "ndarray": "numpy.ndarray",
    "DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "RandomState": "numpy.random.RandomState",
    "Generator": "numpy.random.Generator",
    "Module": "torch.nn.Module",
    "device": "torch.device",
}

# -- Links to other projects, with no download ---------------------------------------------------

# Intersphinx would download each project's objects.inv, and the docs are built where only package
# registries can be reached (CI, and the build machines of this project). The inventories are
# written instead from the installed packages' public names, each with the address its site
# gives it (doc/sphinxext/offline_inventory.py); the links point at the projects' stable docs.
intersphinx_mapping = write_inventories(DOC / "_build" / "intersphinx")
intersphinx_timeout = 1  # never wait on the network, should a local file go missing

# -- One BLAS thread while the examples run ------------------------------------------------------

# On a 2-core CI machine, two OpenBLAS threads beside another busy process made the
# convolutional example 2 to 8 times slower than one thread (see tests/test_docs.py).
threadpool_limits(limits=1)

# -- The gallery: examples/plot_*.py, run, with their figures ------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run plot_*.py; the other scripts are shown, not run
    "ignore_pattern": r"__init__\.py",
    "doc_module": ("skmtl",),
    "reference_url": {"skmtl": None},  # links from the examples' code to this site's API pages
    "backreferences_dir": "gen_modules/backreferences",  # "examples using X" on each API page
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "min_reported_time": 1,
    "show_memory": False,
}

# -- Figures drawn in the guide with the plot directive -----------------------------------------

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# -- MyST -----------------------------------------------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- HTML ------------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmtl {release}"
html_static_path = ["_static"]
html_css_files = ["skmtl.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_start": ["navbar-logo"],
    "navbar_center": ["navbar-nav"],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
