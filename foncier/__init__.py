"""foncier: an inventory of industrial land plots, matched against investors' requirements.

A script's whole job in four lines::

    import foncier
    inv = foncier.open_inventory()                      # the bundled Normandy sample
    brief = foncier.read_brief("sample_data/briefs/batteries.toml")
    result = foncier.match(inv, brief)                  # result.table: ranked GeoDataFrame

``import foncier`` is light: the public names below are loaded on first use (PEP 562), so that
the geospatial stack (geopandas, shapely, pyogrio) is imported only by the code that needs it.

Examples
--------
>>> import foncier
>>> inv = foncier.open_inventory()
>>> res = foncier.match(inv, foncier.Brief(name="Hub logistique", min_area_ha=5,
...                                        motorway_max_km=10))
>>> res.table.loc[0, "status"] in {"match", "to_check", "no_match"}
True
>>> v = res.explain(res.table.loc[0, "plot_id"])[-1]
>>> v.criterion, v.outcome in {"pass", "fail", "unknown"}
('motorway', True)
>>> "match" in dir(foncier) and foncier.match.__module__
'foncier.core.matching'
"""

from __future__ import annotations

import importlib

#: ``typing.TYPE_CHECKING`` without importing typing (type checkers read it as the real one).
TYPE_CHECKING = False

#: Public name -> the module that defines it (imported on first access).
_EXPORTS = {
    "Brief": "foncier.core.brief",
    "brief_to_toml": "foncier.core.brief",
    "read_brief": "foncier.core.brief",
    "write_brief": "foncier.core.brief",
    "Inventory": "foncier.core.inventory",
    "inventory_from_layers": "foncier.core.inventory",
    "open_inventory": "foncier.core.inventory",
    "validate_inventory": "foncier.core.inventory",
    "write_inventory": "foncier.core.inventory",
    "MatchResult": "foncier.core.matching",
    "Verdict": "foncier.core.matching",
    "match": "foncier.core.matching",
    "BriefError": "foncier.errors",
    "FoncierError": "foncier.errors",
    "FoncierWarning": "foncier.errors",
    "InventoryError": "foncier.errors",
    "OutputError": "foncier.errors",
    "Problem": "foncier.errors",
    "write_results": "foncier.io.results",
    "sample_brief_paths": "foncier.io.sample",
    "sample_inventory_path": "foncier.io.sample",
}

__all__ = [
    "Brief",
    "BriefError",
    "FoncierError",
    "FoncierWarning",
    "Inventory",
    "InventoryError",
    "MatchResult",
    "OutputError",
    "Problem",
    "Verdict",
    "brief_to_toml",
    "inventory_from_layers",
    "match",
    "open_inventory",
    "read_brief",
    "sample_brief_paths",
    "sample_inventory_path",
    "validate_inventory",
    "write_brief",
    "write_inventory",
    "write_results",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ does the imports
    from typing import Any

    from foncier.core.brief import Brief, brief_to_toml, read_brief, write_brief
    from foncier.core.inventory import (
        Inventory,
        inventory_from_layers,
        open_inventory,
        validate_inventory,
        write_inventory,
    )
    from foncier.core.matching import MatchResult, Verdict, match
    from foncier.errors import (
        BriefError,
        FoncierError,
        FoncierWarning,
        InventoryError,
        OutputError,
        Problem,
    )
    from foncier.io.results import write_results
    from foncier.io.sample import sample_brief_paths, sample_inventory_path

    __version__: str


def _version() -> str:
    """The installed distribution's version (pyproject.toml is its one source).

    Read from the name of its ``foncier-VERSION.dist-info`` folder, the first on ``sys.path``
    as :func:`importlib.metadata.version` finds it, without importing that module (0.03 s a
    command would pay for one string).
    """
    import os
    import sys

    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".")
                           if n.startswith("foncier-") and n.endswith(".dist-info"))
        except OSError:  # a zip file or a missing folder on the path
            continue
        if names:
            return names[0][len("foncier-"):-len(".dist-info")]
    return "0+unknown"  # a source tree on sys.path, never installed


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access, then keep the name here."""
    if name == "__version__":
        value: Any = _version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'foncier' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (loaded or not), the version and the module's own dunders."""
    dunders = {n for n in globals() if n.startswith("__") and n.endswith("__")}
    return sorted(dunders | set(__all__) | {"__version__"})
