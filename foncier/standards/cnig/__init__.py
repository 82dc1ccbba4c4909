"""The CNIG "Sites Économiques" standard v2024-10: read, validate and write it.

The standard has four tables, POLE-ECO > SITE-ECO > TERRAIN-ECO <> ETABLISSEMENT, published as
Table Schemas (shipped in ``foncier/standards/cnig_sites_economiques/``) and as an official
GeoPackage template (layers ``pole_eco``, ``site_eco``, ``terrain_eco``, ``etablissement``).
One module per step:

- :mod:`~foncier.standards.cnig.schema`: the tables, their fields and enumerations;
- :mod:`~foncier.standards.cnig.read`: :func:`read_cnig` reads CSV files (``;``-separated
  UTF-8, GeoJSON geometries in Lambert-93, booleans ``oui``/``non``) or a GeoPackage into
  *CNIG tables* (the standard's fields as text), repairing on request a value split by an
  unquoted ``;``;
- :mod:`~foncier.standards.cnig.validate`: :func:`validate_tables` / :func:`validate_cnig` list
  every violation of the Table Schemas with its table, row and field;
- :mod:`~foncier.standards.cnig.convert`: :func:`layers_from_tables` and
  :func:`tables_from_inventory` go between CNIG tables and inventory layers;
- :mod:`~foncier.standards.cnig.write`: :func:`write_cnig_csv` and :func:`write_cnig_gpkg`;
- :mod:`~foncier.standards.cnig.operations`: :func:`import_cnig` and :func:`export_cnig`.

Examples
--------
>>> "terrain-eco" in TABLES, GEOMETRY_FIELDS["site-eco"]
(True, 'site_geomsurf')
"""

from __future__ import annotations

from foncier.errors import CnigError
from foncier.standards.cnig.convert import layers_from_tables, tables_from_inventory
from foncier.standards.cnig.operations import export_cnig, import_cnig
from foncier.standards.cnig.read import (
    collect_cnig,
    read_cnig,
    read_cnig_csv,
    read_cnig_gpkg,
    unusable_values,
)
from foncier.standards.cnig.schema import (
    COMPUTED,
    EXTRA_LAYERS,
    GEOMETRY_FIELDS,
    GPKG_LAYERS,
    KEYS,
    STANDARD_DIR,
    TABLES,
    Field,
    schema_fields,
)
from foncier.standards.cnig.validate import validate_cnig, validate_tables
from foncier.standards.cnig.write import write_cnig_csv, write_cnig_gpkg

__all__ = [
    "TABLES",
    "COMPUTED",
    "EXTRA_LAYERS",
    "GEOMETRY_FIELDS",
    "GPKG_LAYERS",
    "KEYS",
    "STANDARD_DIR",
    "CnigError",
    "Field",
    "schema_fields",
    "read_cnig",
    "read_cnig_csv",
    "read_cnig_gpkg",
    "collect_cnig",
    "unusable_values",
    "validate_tables",
    "validate_cnig",
    "layers_from_tables",
    "tables_from_inventory",
    "write_cnig_csv",
    "write_cnig_gpkg",
    "import_cnig",
    "export_cnig",
]
