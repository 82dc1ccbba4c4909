"""The library's promises: no Qt import, a light ``import foncier``, a small documented namespace,
and runnable examples in every module (found by walking the source tree, so that a new module is
checked without anyone listing it here)."""

from __future__ import annotations

import doctest
import importlib
import importlib.metadata
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import foncier

ROOT = Path(foncier.__file__).resolve().parent
GUI_ROOT = ROOT.parent / "gui"           # installed as foncier_gui (pyproject's package-dir)

#: Modules that truly cannot have an example, and why.
EXEMPT = {
    "foncier.cli.__main__": "runs the command line and exits when imported",
    "foncier.cli.app": "its one command opens the desktop app (Qt)",
}

#: Modules that still lack an example, each waiting for its owner's change. A module listed here
#: that gains one makes its test fail (strict xfail): then delete its line.
PENDING = {
}

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names(root: Path, package: str) -> list[str]:
    """Every module under a source folder, namespace packages included (pkgutil skips those)."""
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join((package, *parts)))
    return names


def _qt_free(modules: list[str]) -> list[str]:
    """The app's modules whose imports (to any depth, lazy ones included) never reach Qt."""
    import grimp

    graph = grimp.build_graph("foncier_gui", include_external_packages=True)
    qt = [q for q in ("PySide6", "shiboken6") if q in graph.modules]
    return [m for m in modules
            if not any(graph.chain_exists(importer=m, imported=q) for q in qt)]


LIBRARY = _module_names(ROOT, "foncier")
APP = _qt_free(_module_names(GUI_ROOT, "foncier_gui"))


def _is_package_marker(mod) -> bool:
    """A sub-package's ``__init__`` that defines nothing of its own (it only groups modules)."""
    if not hasattr(mod, "__path__") or mod.__name__ == "foncier":
        return False
    own = [v for k, v in vars(mod).items() if not k.startswith("_")
           and (inspect.isfunction(v) or inspect.isclass(v))
           and v.__module__ == mod.__name__]
    return not own


def _examples(mod) -> list[doctest.DocTest]:
    tests = doctest.DocTestFinder(exclude_empty=True).find(mod, mod.__name__)
    return [t for t in tests if t.examples]


def _run(mod) -> doctest.TestResults:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(mod):
        runner.run(test)
    return runner.summarize(verbose=False)


def _library_param(name: str):
    if name in EXEMPT:
        return pytest.param(name, marks=pytest.mark.skip(reason=EXEMPT[name]))
    if name in PENDING:
        return pytest.param(name, marks=pytest.mark.xfail(
            strict=True, reason=f"no example yet ({PENDING[name]}); remove from PENDING"))
    return name


def test_the_walk_finds_the_library():
    assert {"foncier", "foncier.core.matching", "foncier.cli.main", "foncier.standards.cnig",
            "foncier.cli.__main__"} <= set(LIBRARY)
    assert "foncier_gui" in APP and "foncier_gui.mainwindow" not in APP
    assert set(EXEMPT) | set(PENDING) <= set(LIBRARY), "an exemption names no module"


@pytest.mark.parametrize("name", [_library_param(n) for n in LIBRARY])
def test_every_module_has_examples_that_run(name):
    mod = importlib.import_module(name)
    if _is_package_marker(mod):
        pytest.skip("a package marker: it only groups modules")
    assert _examples(mod), f"{name}: no runnable example in its docstrings"
    failures, _ = _run(mod)
    assert failures == 0


@pytest.mark.parametrize("name", APP)
def test_app_examples_run(name):
    failures, _ = _run(importlib.import_module(name))
    assert failures == 0


def _fresh(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return proc.stdout.strip()


def test_importing_foncier_does_not_import_qt():
    """Every module of the library, and the command line's parser, load without Qt."""
    modules = [n for n in LIBRARY if not n.endswith("__main__")]
    code = ("import sys, importlib, foncier, foncier.cli;"
            f"[importlib.import_module(m) for m in {modules!r}];"
            "foncier.cli.build_parser();"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))")
    assert _fresh(code) == "[]"


def test_import_foncier_is_light_until_a_name_is_used():
    code = ("import sys, foncier; heavy = ('geopandas', 'shapely', 'pyogrio', 'pandas', 'numpy');"
            "print([m for m in heavy if m in sys.modules]);"
            "foncier.Brief; print([m for m in ('shapely', 'pyogrio') if m in sys.modules]);"
            "foncier.open_inventory; print('geopandas' in sys.modules)")
    # geopandas comes with the first layer read from a file, not with the functions' modules
    assert _fresh(code).splitlines() == ["[]", "[]", "False"]


def test_namespace_is_the_documented_one():
    assert sorted(foncier.__all__) == sorted(foncier._EXPORTS)
    assert set(foncier.__all__) | {"__version__"} <= set(dir(foncier))
    assert not [n for n in dir(foncier) if not n.startswith("__") and n not in foncier.__all__]
    assert foncier.__version__ == importlib.metadata.version("foncier")
    with pytest.raises(AttributeError, match="no attribute 'matchh'"):
        foncier.matchh  # noqa: B018
    from foncier import InventoryError, match
    assert match is foncier.match and InventoryError.__module__ == "foncier.errors"


def test_public_names_are_documented():
    for name in foncier.__all__:
        obj = getattr(foncier, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
