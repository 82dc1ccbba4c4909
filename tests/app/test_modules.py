"""The app's modules: which load without Qt, and their docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

#: The app's modules that must load without PySide6 (the model is plain Python over the library;
#: the launcher imports Qt only when it runs).
QT_FREE = ["foncier_gui", "foncier_gui.rings", "foncier_gui.model", "foncier_gui.app"]

#: The app's modules whose docstrings hold runnable examples.
WITH_EXAMPLES = ["foncier_gui.rings", "foncier_gui.model", "foncier_gui.geom"]


@pytest.mark.parametrize("module", QT_FREE)
def test_qt_free_modules_load_no_pyside(module):
    code = (f"import sys, importlib; importlib.import_module({module!r});"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_the_check_sees_pyside_when_a_module_loads_it():
    """The subprocess check above would notice Qt: the map module loads it."""
    code = ("import sys, foncier_gui.geom;"
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "True"


@pytest.mark.parametrize("module", WITH_EXAMPLES)
def test_docstring_examples_run(qapp, module):
    mod = importlib.import_module(module)
    failures, attempted = doctest.testmod(
        mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0
    assert failures == 0
