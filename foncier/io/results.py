"""Write a result table to CSV, XLSX, GeoPackage or GeoJSON, chosen by the file's suffix.

Every writer writes to a temporary file beside the target and renames it at the end, so an error
(or an interruption) never leaves a partial file (:mod:`foncier.io.atomic`).
:func:`check_suffix` tells early whether a target's format is known.

Examples
--------
>>> import foncier, tempfile, pathlib
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="x"))
>>> out = pathlib.Path(tempfile.mkdtemp()) / "terrains.gpkg"
>>> check_suffix(out), write_table(res.table, out).name
('.gpkg', 'terrains.gpkg')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from foncier.errors import OutputError
from foncier.io.atomic import atomic_write

if TYPE_CHECKING:  # the writer takes a result; it never needs the matching at run time
    from foncier.core.matching import MatchResult

__all__ = ["write_results", "FORMATS", "write_table", "check_suffix"]

FORMATS = {".csv": "CSV", ".xlsx": "Excel", ".gpkg": "GeoPackage", ".geojson": "GeoJSON"}


def check_suffix(path: str | os.PathLike) -> str:
    """The result file's suffix (lower case), or an :class:`OutputError` naming the accepted ones.

    Examples
    --------
    >>> check_suffix(Path("Résultats.XLSX"))
    '.xlsx'
    >>> try:
    ...     check_suffix("résultats.ods")
    ... except OutputError as exc:
    ...     print(exc)
    résultats.ods: format de sortie inconnu « .ods » : choisissez .csv, .xlsx, .gpkg, .geojson.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{path}: format de sortie inconnu « {path.suffix or '(aucun)'} » : "
                          f"choisissez {', '.join(FORMATS)}.")
    return suffix


def write_table(table: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str = "results",
                sheet: str = "Résultats") -> Path:
    """Write a table with a geometry column to a file chosen by its suffix (atomic).

    CSV (comma-separated, UTF-8) and XLSX leave the geometry out; GeoPackage keeps Lambert-93;
    GeoJSON is written in WGS84 (RFC 7946).
    """
    path = Path(path)
    suffix = check_suffix(path)
    with atomic_write(path) as tmp:
        if suffix in (".csv", ".xlsx"):
            frame = pd.DataFrame(table.drop(columns=table.geometry.name))
            if suffix == ".csv":
                frame.to_csv(tmp, index=False, encoding="utf-8")
            else:
                _write_xlsx(frame, tmp, sheet)
        elif suffix == ".gpkg":
            pyogrio.write_dataframe(table, tmp, layer=layer, driver="GPKG")
        else:
            pyogrio.write_dataframe(table.to_crs("EPSG:4326"), tmp, driver="GeoJSON")
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
        ws = writer.sheets[sheet]
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for i, col in enumerate(frame.columns, start=1):
            width = 60 if col == "reasons" else max(8, min(30, len(str(col)) + 2))
            ws.column_dimensions[get_column_letter(i)].width = width


def write_results(result: MatchResult, path: str | os.PathLike) -> Path:
    """Write a match's whole ranked table; the format follows the suffix.

    Columns: ``rank, plot_id, site_id, status, score, area_ha, net_area_ha``, one column per asked
    criterion (``pass``/``fail``/``unknown``), then ``reasons``; GeoPackage and GeoJSON add the
    plot geometry.

    Examples
    --------
    >>> import foncier, tempfile, pathlib
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="x", min_area_ha=1))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "résultats.csv"
    >>> write_results(res, out).name
    'résultats.csv'
    """
    check_suffix(Path(path))
    return write_table(result.table, path)
