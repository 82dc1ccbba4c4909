"""The app's modules: which load without Qt, and their docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import foncier_gui
import pytest

#: The app's modules that must load without PySide6 (the model is plain Python over the library;
#: the launcher imports Qt only when it runs).
QT_FREE = ["foncier_gui", "foncier_gui.rings", "foncier_gui.model", "foncier_gui.app",
           "foncier_gui.timeline"]

#: Every module of the app; each has runnable docstring examples but the package's own.
MODULES = sorted(f"foncier_gui.{m.name}" for m in pkgutil.iter_modules(foncier_gui.__path__))


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


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(qapp, module):
    mod = importlib.import_module(module)
    failures, attempted = doctest.testmod(
        mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0
    assert failures == 0


def test_every_colour_of_the_app_comes_from_the_palette():
    """No hex colour literal in the app: foncier.palette holds them all."""
    hex_literal = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")
    found = [f"{path.name}:{n}: {line.strip()}"
             for path in sorted(Path(foncier_gui.__file__).parent.glob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if hex_literal.search(line)]
    assert found == []


def test_style_does_not_reexport_wording():
    """Labels are imported from foncier.wording, never through the app's style module."""
    import foncier_gui.style as style

    import foncier.wording as wording

    assert not set(style.__all__) & set(wording.__all__)
    assert not [name for name in wording.__all__ if hasattr(style, name)]
