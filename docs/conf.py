"""Sphinx configuration of the leadcore documentation site.

Build it (strict: every warning an error, broken cross-references included):

    .venv/bin/python -m sphinx -W --keep-going -n -b html docs docs/_build/html

The guides are the Markdown files of this directory (read by myst-parser);
the API reference is generated from the code by ``_ext/leadcore_reference.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import leadcore  # noqa: E402 - after the path set-up above

project = "leadcore"
author = "The leadcore developers"
copyright = "The leadcore developers"
release = leadcore.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "myst_parser",
    "leadcore_reference",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# Every cross-reference into leadcore must resolve (a renamed function fails the build);
# names of Python and other libraries are left unlinked, as the build is offline (no
# intersphinx): see _ext/leadcore_reference.py.
nitpicky = True
# A code block Pygments cannot lex is shown plain; that is not a defect of the docs.
suppress_warnings = ["misc.highlighting_failure"]

autodoc_member_order = "bysource"
autodoc_default_options = {"undoc-members": True}  # so that a missing docstring is seen
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True

myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]

html_theme = "furo"
html_title = f"leadcore {release}"
html_show_sourcelink = False
