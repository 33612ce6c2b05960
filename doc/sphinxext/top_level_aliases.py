"""Make ``skmtl.<Name>`` a link to the page of ``skmtl.<submodule>.<Name>``.

The API reference documents each object once, under its public submodule
(``skmtl.svm.MultiTaskKernelSVC``), but users and the gallery's examples
import the estimators from ``skmtl`` itself. Sphinx-gallery links a name in
an example's code to the path it was imported from (``skmtl.MultiTaskKernelSVC``),
and a cross-reference in the guide may use that path too. This extension
registers every name of ``skmtl.__all__`` under that path as an alias of
the documented object (as autodoc's ``:canonical:`` does for the private
path), so both resolve, with no second copy of the page.
"""

import skmtl
from skmtl._doc_links import public_module


def add_aliases(app, env):
    """Register ``skmtl.<Name>`` for each documented name of ``skmtl.__all__``."""
    objects = env.get_domain("py").objects
    for name in skmtl.__all__:
        if name.startswith("_"):  # __version__
            continue
        documented = objects.get(f"{public_module(getattr(skmtl, name))}.{name}")
        alias = f"skmtl.{name}"
        if documented is not None and alias not in objects:
            # aliased=True: the documented path stays the one a search or a duplicate check sees.
            objects[alias] = documented._replace(aliased=True)
    return []


def setup(app):
    # After every document is read (the pages exist) and before the links are resolved.
    app.connect("env-updated", add_aliases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
