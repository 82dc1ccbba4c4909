"""The library's promises: no Qt import, a small documented namespace, runnable examples."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

import foncier

MODULES = ["foncier", "foncier.core.brief", "foncier.core.inventory", "foncier.core.matching",
           "foncier.io.results", "foncier.io.sample", "foncier.core.scoring",
           "foncier.core.criteria", "foncier.io.store"]


def test_importing_foncier_does_not_import_qt():
    """Every module of the library, and the command line's parser, load without Qt."""
    code = ("import sys, pkgutil, importlib, foncier, foncier.cli;"
            "[importlib.import_module(m.name) for m in pkgutil.iter_modules(foncier.__path__,"
            " 'foncier.')];"
            "foncier.cli.build_parser();"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_public_names_are_documented():
    for name in foncier.__all__:
        obj = getattr(foncier, name)
        assert obj.__doc__ and obj.__doc__.strip(), name


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    failures, _ = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
