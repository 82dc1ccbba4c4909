"""foncier: an inventory of industrial land plots, matched against investors' requirements.

A script's whole job in four lines::

    import foncier
    inv = foncier.open_inventory()                      # the bundled Normandy sample
    brief = foncier.read_brief("sample_data/briefs/batteries.toml")
    result = foncier.match(inv, brief)                  # result.table: ranked GeoDataFrame

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
"""

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

__version__ = "0.1.0"

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
