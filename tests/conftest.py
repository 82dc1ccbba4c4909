"""Shared fixtures: tiny hand-built inventories in Lambert-93, and Qt offscreen."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The on-disk cache of the tests goes to a folder of their own, never the user's cache folder.
if "FONCIER_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["FONCIER_CACHE_DIR"] = tempfile.mkdtemp(prefix="foncier-test-cache-")

import pytest  # noqa: E402
import shapely  # noqa: E402
from builders import CRS, GOOD_PLOT, NEAR_INFRASTRUCTURE, make_layers, three_plot_layers  # noqa: E402,F401

#: Generated inputs per property-based test family (``FONCIER_FUZZ_EXAMPLES=20000`` for a long
#: local run); the slow families (a GeoPackage written per example) run a tenth of it.
FUZZ_EXAMPLES = int(os.environ.get("FONCIER_FUZZ_EXAMPLES", "100"))

try:  # generated-input tests: the same examples on every CI run (CI=true), fresh ones by hand
    from hypothesis import HealthCheck as _HealthCheck
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile(
        "foncier", max_examples=FUZZ_EXAMPLES, deadline=None,
        suppress_health_check=[_HealthCheck.function_scoped_fixture, _HealthCheck.too_slow])
    _hypothesis_settings.register_profile("ci", parent=_hypothesis_settings.get_profile("foncier"),
                                          derandomize=True, print_blob=True)
    _hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "foncier")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


@pytest.fixture(autouse=True)
def _leaks_blamed_on_their_test():
    """With ``FONCIER_GC_EACH_TEST=1``, collect garbage after every test.

    An unclosed file (an openpyxl read-only workbook, a ZipFile) is reported by a
    ``ResourceWarning`` when the garbage collector finalises it, inside whichever test is running
    then: warnings being errors, an unrelated test fails, now and then, in full-suite runs only.
    Collecting after each test blames the test that leaked it (slower, hence opt-in).
    """
    yield
    if os.environ.get("FONCIER_GC_EACH_TEST"):
        gc.collect()


@pytest.fixture
def layers_factory():
    return make_layers


@pytest.fixture
def tiny_layers():
    """Three plots, overlapping flood zones, a wetland, housing, and infrastructure."""
    return three_plot_layers(infrastructure=[
        NEAR_INFRASTRUCTURE[0],
        {"infra_id": "R1", "kind": "rail_freight", "name": "Gare",
         "geometry": shapely.Point(1900, 0)},
    ])


@pytest.fixture
def tiny_inventory(tiny_layers):
    from foncier import inventory_from_layers

    return inventory_from_layers(tiny_layers)


@pytest.fixture(scope="session")
def sample_inventory():
    from foncier import open_inventory

    return open_inventory()


@pytest.fixture(autouse=True, scope="session")
def _widgets_application_first():
    """Create the QApplication before any test writes a PDF in-process.

    The PDF writer makes a bare QGuiApplication when none exists; widget tests run after it would
    then have no QApplication. One QApplication for the whole session serves both.
    """
    from PySide6.QtWidgets import QApplication

    yield QApplication.instance() or QApplication([])
