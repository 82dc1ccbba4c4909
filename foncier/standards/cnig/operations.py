"""Whole CNIG operations: import CNIG files into an inventory, export an inventory to the standard.

Examples
--------
>>> import tempfile, pathlib
>>> export_cnig(None, csv_dir=pathlib.Path(tempfile.mkdtemp()) / "csv")   # the sample is clean
[]
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from foncier.errors import CnigError, OutputError, Problem
from foncier.io.atomic import atomic_files
from foncier.standards.cnig.convert import (
    LEGAL_SOURCES,
    explain_occupant_gaps,
    layers_from_tables,
    tables_from_inventory,
)
from foncier.standards.cnig.read import read_cnig
from foncier.standards.cnig.schema import EXTRA_LAYERS, PREFIX
from foncier.standards.cnig.validate import validate_tables
from foncier.standards.cnig.write import csv_names, write_cnig_gpkg, write_csv_into

__all__ = ["import_cnig", "export_cnig"]


def import_cnig(sources, target: str | os.PathLike, *, repair: bool = False,
                cadastre: str | os.PathLike | None = None):
    """Import CNIG files (GeoPackage or CSV) into a new foncier inventory at ``target``.

    Returns the :class:`~foncier.core.inventory.Inventory` and the non-fatal problems (violations of
    the standard, repairs), which are reported but do not stop the import. Raises
    :class:`CnigError` when a file cannot be read, and
    :class:`~foncier.errors.InventoryError` when the result is not a usable inventory (a terrain
    whose site is missing...); nothing is written then. With ``cadastre`` (an Etalab
    ``cadastre-<dép>-parcelles.json(.gz)``), terrains that have ``terr_refcad`` but no geometry
    get the union of their parcels (:func:`foncier.standards.cadastre.fill_from_cadastre`).
    """
    from foncier.core.inventory import _display, inventory_from_layers, write_inventory
    from foncier.io.atomic import check_not_input
    from foncier.standards.cnig.read import _paths

    if str(target).strip() == "":
        raise OutputError("inventaire à écrire vide (paramètre `target`) : donnez un "
                          "GeoPackage ou une URL postgresql://.")
    check_not_input(target, _paths(sources), what="l'inventaire à écrire")
    tables, notes = read_cnig(sources, repair=repair)
    if "site-eco" not in tables and "terrain-eco" not in tables:
        raise CnigError([Problem("import", None, "ni sites (SITE-ECO) ni terrains (TERRAIN-ECO) "
                                 "parmi les fichiers donnés : rien à importer ; donnez les "
                                 "fichiers site-eco et terrain-eco.")])
    if "site-eco" not in tables and len(tables["terrain-eco"]):
        raise CnigError([Problem("terrain-eco", None, "des terrains (TERRAIN-ECO) sans leurs "
                                 "sites (SITE-ECO) : le standard rattache chaque terrain à un "
                                 "site ; donnez aussi le fichier site-eco (ou la couche "
                                 "site_eco du GeoPackage).")])
    problems = notes + validate_tables(tables)
    layers = layers_from_tables(tables)
    if cadastre is not None:
        from foncier.standards.cadastre import fill_from_cadastre

        layers["plots"], area_notes = fill_from_cadastre(layers["plots"], cadastre)
        problems += area_notes
    base = {k: v for k, v in layers.items() if k in ("sites", "plots")}
    inv = inventory_from_layers(base, source=_display(str(target)))
    out = inv.layers()
    out.update({k: v for k, v in layers.items() if k.startswith(PREFIX)})
    write_inventory(out, target)
    inv.location = str(target)
    inv.source = _display(str(target))
    return inv, [p if p.severity != "error" else Problem(p.where, p.row, p.message, "warning")
                 for p in problems]


def export_cnig(source, *, csv_dir: str | os.PathLike | None = None,
                gpkg: str | os.PathLike | None = None, force: bool = False,
                today: dt.date | None = None) -> list[Problem]:
    """Export an inventory in the CNIG standard: CSV files in ``csv_dir`` and/or a GeoPackage.

    The tables are validated before anything is written: with violations of the standard,
    :class:`CnigError` lists them all (table, row, field) and nothing is written, unless
    ``force`` (then they are returned). ``source`` is a path, a ``postgresql://`` URL or an
    :class:`~foncier.core.inventory.Inventory`.

    The outputs are written together: the CSV files all or none (and, with both outputs, the
    GeoPackage before any CSV is moved in). An output that is the inventory read is refused.
    """
    from foncier.core.inventory import Inventory, open_inventory
    from foncier.io.atomic import check_not_input
    from foncier.io.store import read_layers

    _check_outputs(csv_dir, gpkg)
    inv = source if isinstance(source, Inventory) else open_inventory(source)
    where = inv.location or inv.source
    check_not_input(gpkg, [where, source if not isinstance(source, Inventory) else None],
                    what="le GeoPackage à écrire")
    extra = (read_layers(where, (*EXTRA_LAYERS.values(), *LEGAL_SOURCES)) if where else {})
    tables = tables_from_inventory(inv, extra, today=today)
    problems = explain_occupant_gaps(validate_tables(tables), tables)
    if problems and not force:
        raise CnigError(problems + [Problem("export", None, "rien n'a été écrit : corrigez "
                                            "l'inventaire, ou forcez l'export (paramètre "
                                            "`force=True`).")],
                        source=inv.source)
    if csv_dir is None:
        write_cnig_gpkg(tables, gpkg)
        return problems
    with atomic_files(csv_dir, csv_names(tables)) as tmp:
        write_csv_into(tables, tmp)
        if gpkg is not None:
            write_cnig_gpkg(tables, gpkg)
    return problems


def _check_outputs(csv_dir, gpkg) -> None:
    """Refuse missing, empty or misnamed outputs before anything is read."""
    if csv_dir is None and gpkg is None:
        raise OutputError("indiquez où écrire : un dossier de CSV (paramètre `csv_dir=`) "
                          "et/ou un GeoPackage (paramètre `gpkg=`).")
    if csv_dir is not None and str(csv_dir).strip() == "":
        raise OutputError("dossier des CSV vide (paramètre `csv_dir=`) : donnez un dossier.")
    if gpkg is not None and str(gpkg).strip() == "":
        raise OutputError("GeoPackage à écrire vide (paramètre `gpkg=`) : donnez un fichier "
                          ".gpkg.")
    if gpkg is not None and Path(gpkg).suffix.lower() != ".gpkg":
        raise OutputError(f"{gpkg} : le nom du GeoPackage doit finir par .gpkg.")
    if csv_dir is not None and Path(csv_dir).exists() and not Path(csv_dir).is_dir():
        raise OutputError(f"{csv_dir} : c'est un fichier, pas un dossier ; donnez un dossier "
                          "(existant ou à créer) pour les CSV (paramètre `csv_dir=`).")

