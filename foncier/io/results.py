"""Write a result table to CSV, XLSX, GeoPackage or GeoJSON, chosen by the file's suffix.

Every writer writes to a temporary file beside the target and renames it at the end, so an error
(or an interruption) never leaves a partial file (:mod:`foncier.io.atomic`).
:func:`check_suffix` tells early whether a target's format is known.

Spreadsheet safety: in XLSX, text from the data is always a string cell, never a formula
(:mod:`foncier.io.xlsx`). CSV (:func:`write_csv`) follows RFC 4180 (a field holding the separator,
a quote, CR or LF is quoted, lines end with CRLF) and the OWASP advice on CSV injection: a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or CR gets a leading ``'`` so that a
spreadsheet shows it as text instead of running it; numbers (``-3.5`` in a numeric column) are
written as they are.

Examples
--------
>>> import foncier, tempfile, pathlib
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="x"))
>>> out = pathlib.Path(tempfile.mkdtemp()) / "terrains.gpkg"
>>> check_suffix(out), write_table(res.table, out).name
('.gpkg', 'terrains.gpkg')
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from foncier.errors import OutputError
from foncier.io.atomic import atomic_write
from foncier.io.xlsx import Sheet, XlsxStream

if TYPE_CHECKING:  # the writer takes a result; it never needs the matching at run time
    from foncier.core.matching import MatchResult

__all__ = ["write_results", "FORMATS", "write_table", "check_suffix", "write_csv",
           "guard_text", "FORMULA_START"]

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
                write_csv(frame, tmp)
            else:
                _write_xlsx(frame, tmp, sheet)
        elif suffix == ".gpkg":
            pyogrio.write_dataframe(table, tmp, layer=layer, driver="GPKG")
        else:
            pyogrio.write_dataframe(table.to_crs("EPSG:4326"), tmp, driver="GeoJSON")
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    widths = [60 if col == "reasons" else max(8, min(30, len(str(col)) + 2))
              for col in frame.columns]
    with XlsxStream(path) as book:
        book.frame_sheet(Sheet(sheet, frame, widths=widths))


#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_text(value: object) -> object:
    r"""A CSV text cell made inert: a leading ``'`` when it starts like a formula (OWASP).

    Examples
    --------
    >>> guard_text('=HYPERLINK("http://x")'), guard_text("-3,5"), guard_text("P1"), guard_text(3)
    ('\'=HYPERLINK("http://x")', "'-3,5", 'P1', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, *, sep: str = ",",
              guard: bool = True) -> None:
    r"""Write a data frame as CSV (UTF-8, RFC 4180), in place (wrap in ``atomic_write``).

    A field holding ``sep``, a quote, CR or LF is quoted (quotes doubled); lines end with CRLF.
    With ``guard`` (the default), text cells are made inert by :func:`guard_text`; numeric
    columns are written as they are.

    Examples
    --------
    >>> import csv, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pd.DataFrame({"id": ["a\rb", "=1+1"], "x": [-3.5, 2.0]}), out)
    >>> with out.open(encoding="utf-8", newline="") as f:
    ...     list(csv.reader(f))
    [['id', 'x'], ['a\rb', '-3.5'], ["'=1+1", '2.0']]
    """
    frame = pd.DataFrame(frame)
    if guard:
        frame = frame.copy()
        for col in frame.columns:
            if not (pd.api.types.is_numeric_dtype(frame[col])
                    or pd.api.types.is_datetime64_any_dtype(frame[col])):
                frame[col] = frame[col].map(guard_text)
    frame.to_csv(path, index=False, encoding="utf-8", sep=sep, quoting=csv.QUOTE_MINIMAL,
                 lineterminator="\r\n")


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
