"""Read CNIG Sites Économiques files (CSV or GeoPackage) into *CNIG tables*.

A CNIG table is a GeoDataFrame whose columns are the standard's fields, as text exactly as the
CSV spells them (missing values as None), with a ``_row`` column naming each row (``ligne N``
in a CSV, ``entité N`` in a GeoPackage) and the geometry in Lambert-93.

The official ``site-eco/exemple-valide.csv`` holds an unquoted ``;`` inside a value
(``entrepôts;logistique`` for ``entrepôts, logistique``): the two halves land in two fields. It is
reported as an error naming the line; with ``repair=True`` the halves are joined back into the
first field and the field the second half overwrote (whose value is lost) is set to ``inconnu``
(or left empty when ``inconnu`` is not one of its values), with a warning.

Values nothing can mean are refused, naming the table, line and field: a number that is not
finite (``1e999``), a NUL character, coordinates that are not finite or cannot be Lambert-93
over France, a point where the standard wants a surface.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> names = _names("pole-eco")
>>> row = ["P1" if n == "pole_id" else "2.35, 48.85" if n == "pole_geompoint" else ""
...        for n in names]
>>> _ = (folder / "pole.csv").write_text(";".join(names) + "\\n" + ";".join(row) + "\\n",
...                                      encoding="utf-8")
>>> table, frame, notes = read_cnig_csv(folder / "pole.csv")
>>> table, frame.loc[0, "pole_id"], frame.loc[0, "_row"], frame.crs.to_epsg()
('pole-eco', 'P1', 'ligne 2', 2154)
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.geometry

from foncier.core.crs import to_lambert93
from foncier.core.schema import CRS
from foncier.errors import CnigError, Problem
from foncier.standards.checks import csv_records, implausible, quiet_reading, shown
from foncier.standards.cnig.schema import (
    GEOMETRY_FIELDS,
    GPKG_LAYERS,
    KEYS,
    MISSING,
    TABLES,
    Field,
    _fields,
    _fmt_geopoint,
    _names,
    _parse_geopoint,
    _text_series,
    schema_fields,
)
from foncier.standards.cnig.write import read_extensions

__all__ = ["read_cnig", "read_cnig_csv", "read_cnig_gpkg", "unusable_values", "collect_cnig"]

#: Geometry types a ``geomsurf`` field may hold (Polygon, MultiPolygon).
SURFACE_TYPES = (3, 6)


def _looks_geographic(geoms: np.ndarray) -> bool:
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return False
    x0, y0, x1, y1 = shapely.total_bounds(present)
    return -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90


def _lenient_geojson(text: str):
    """A GeoJSON geometry GEOS refuses (an unclosed ring), read with shapely.geometry.shape."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            geom = shapely.geometry.shape(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError,
            shapely.errors.ShapelyError):
        return None
    return None if geom.is_empty else geom


def _table_of(header: Sequence[str]) -> str | None:
    cols = set(header)
    best, score = None, 0.0
    for table in TABLES:
        names = set(_names(table))
        s = len(cols & names) / len(cols | names)
        if KEYS[table] in cols and s > score:
            best, score = table, s
    return best if score >= 0.5 else None


def _split_value(fields: list[Field], row: list[str]) -> int | None:
    """Position i where ``row[i] + ", " + row[i+1]`` is an enumerated value of field i."""
    for i, f in enumerate(fields[:-1]):
        if f.enum and i + 1 < len(row) and row[i] not in f.enum:
            for sep in (", ", ","):
                if f"{row[i].strip()}{sep}{row[i + 1].strip()}" in f.enum:
                    return i
    return None


def _repair_split(fields: list[Field], row: list[str], i: int, n: int) -> list[str]:
    joined = f"{row[i].strip()}, {row[i + 1].strip()}"
    if len(row) > n:                       # the ';' added a cell: join and shift back
        return row[:i] + [joined] + row[i + 2:]
    nxt = fields[i + 1]
    lost = "inconnu" if nxt.enum and "inconnu" in nxt.enum else ""
    return row[:i] + [joined, lost] + row[i + 2:]


def _records(text: str, name: str) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header and the (line number, values) of every non-empty row."""
    return csv_records(text, name, CnigError)


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise CnigError([Problem(path.name, None, "c'est un dossier, pas un fichier CSV.")])
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CnigError([Problem(path.name, None, f"fichier introuvable ({path}) : vérifiez "
                                 "le chemin.")]) from None
    except UnicodeDecodeError as exc:
        raise CnigError([Problem(path.name, None, f"le fichier n'est pas en UTF-8 (octet "
                                 f"{exc.start}) : réenregistrez-le en UTF-8, comme le demande "
                                 "le standard.")]) from None


def _check_header(header: list[str] | None, name: str) -> tuple[str, list[Problem]]:
    table = _table_of(header or [])
    if table is None:
        raise CnigError([Problem(name, None, "en-tête non reconnu : ce n'est ni un fichier "
                                 "site-eco, terrain-eco, pole-eco ni etablissement du standard "
                                 "CNIG Sites Économiques (séparateur « ; » attendu).")])
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise CnigError([Problem(table, "ligne 1", f"colonne(s) {', '.join(twice)} en double "
                                 "dans l'en-tête : gardez-en une seule.")])
    fields = _fields(table)
    unknown = [shown(c) for c in header if c not in fields]
    problems = []
    if unknown:
        problems.append(Problem(table, None, f"colonnes hors standard ignorées : "
                                f"{', '.join(unknown)}.", "warning"))
    return table, problems


def _rows(table: str, header: list[str], records, repair: bool, problems: list[Problem],
          keep_split: bool) -> tuple[list[list[str]], list[str]]:
    """The rows with the right number of values; split values repaired (or reported)."""
    fields = _fields(table)
    cols = [fields.get(c) or Field(c, "string", None, False, None, None) for c in header]
    n = len(header)
    rows, labels = [], []
    for line, row in records:
        i = _split_value(cols, row)
        if i is not None:
            where = f"{table}.{cols[i].name}"
            said = (f"« {shown(row[i])} » et « {shown(row[i + 1])} » sont les deux moitiés de "
                    f"la valeur « {shown(row[i] + ', ' + row[i + 1])} » coupée par un « ; » "
                    "non protégé")
            fixed = _repair_split(cols, row, i, n)
            if not repair:
                problems.append(Problem(where, f"ligne {line}", f"{said} (le champ "
                                        f"{cols[i + 1].name} a reçu la seconde moitié) : "
                                        "entourez la valeur de guillemets dans le fichier, ou "
                                        "réparez-la avec le paramètre `repair=True`.", "error"))
                if not keep_split:
                    continue
            else:
                problems.append(Problem(where, f"ligne {line}", f"{said} : réparée ; "
                                        f"{cols[i + 1].name} = « {fixed[i + 1]} » (valeur "
                                        "perdue, à compléter).", "warning"))
            row = fixed
        if len(row) != n:
            problems.append(Problem(table, f"ligne {line}", f"{len(row)} valeurs pour {n} "
                                    "colonnes : un « ; » non protégé par des guillemets dans une "
                                    "valeur, ou un champ manquant ; corrigez la ligne.", "error"))
            continue
        rows.append(row)
        labels.append(f"ligne {line}")
    return rows, labels


def _read_csv(path: Path, repair: bool, keep_split: bool = False
              ) -> tuple[str, gpd.GeoDataFrame, list[Problem]]:
    """One CSV file as a CNIG table and every problem found (errors included, not raised)."""
    header, records = _records(_read_text(path), path.name)
    table, problems = _check_header(header, path.name)
    rows, labels = _rows(table, header, records, repair, problems, keep_split)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.where(~frame.isin(MISSING), None)
    for name in _names(table):
        if name not in frame.columns:
            frame[name] = None
    frame = frame[_names(table)]
    frame.insert(0, "_row", labels)
    return table, _with_geometry(table, frame, problems), problems


def read_cnig_csv(path: str | os.PathLike, *, repair: bool = False
                  ) -> tuple[str, gpd.GeoDataFrame, list[Problem]]:
    """Read one CNIG CSV file (``;``-separated UTF-8); the table is recognised from its header.

    Returns
    -------
    table : str
        ``site-eco``, ``terrain-eco``, ``pole-eco`` or ``etablissement``.
    frame : GeoDataFrame
        The standard's fields as text (missing values as None), a ``_row`` column naming each
        row (``ligne N``), and the parsed geometry in Lambert-93.
    problems : list of Problem
        Warnings (repairs, reprojection); errors are raised.

    Raises
    ------
    CnigError
        Unknown table, not UTF-8, a duplicated column, a line whose number of values is wrong, a
        value split by an unquoted ``;`` (unless ``repair``), an unreadable or implausible
        geometry, a value nothing can mean (see :func:`unusable_values`).
    """
    path = Path(path)
    table, frame, problems = _read_csv(path, repair)
    problems += unusable_values({table: frame})
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CnigError(errors, source=str(path))
    return table, frame, problems


def _wrong_geometries(table: str, gdf: gpd.GeoDataFrame, problems: list[Problem],
                      crs_note: str) -> gpd.GeoDataFrame:
    """Refuse coordinates that cannot be Lambert-93 over France; drops those rows."""
    gfield = GEOMETRY_FIELDS[table]
    bad = implausible(gdf.geometry.to_numpy(), lambert93=True)
    for pos in np.flatnonzero(bad):
        problems.append(Problem(f"{table}.{gfield}", gdf["_row"].iloc[pos], "coordonnées "
                                "impossibles en Lambert-93 sur la France (non finies, ou en "
                                f"degrés dans un fichier en Lambert-93{crs_note}) : le standard "
                                "attend du Lambert-93 (EPSG:2154) pour tout le fichier ; "
                                "corrigez la géométrie.", "error"))
    return gdf.loc[~bad].reset_index(drop=True) if bad.any() else gdf


def _with_geometry(table: str, frame: pd.DataFrame, problems: list[Problem]
                   ) -> gpd.GeoDataFrame:
    gfield = GEOMETRY_FIELDS[table]
    values = frame[gfield]
    if _fields(table)[gfield].type == "geopoint":
        geoms, bad = _parse_geopoint(values)
        crs = "EPSG:4326"
    else:
        with np.errstate(all="ignore"):
            geoms = shapely.from_geojson(values.to_numpy(dtype=object), on_invalid="ignore")
        bad = values.notna().to_numpy() & shapely.is_missing(geoms)
        for pos in np.flatnonzero(bad):
            geoms[pos] = _lenient_geojson(values.iloc[pos])
            if geoms[pos] is not None:
                bad[pos] = False
                problems.append(Problem(f"{table}.{gfield}", frame["_row"].iloc[pos],
                                        "anneau de polygone non fermé : fermé en reliant le "
                                        "dernier point au premier.", "warning"))
        crs = "EPSG:4326" if _looks_geographic(geoms) else CRS
    for pos in np.flatnonzero(bad):
        problems.append(Problem(f"{table}.{gfield}", frame["_row"].iloc[pos],
                                f"géométrie illisible « {shown(values.iloc[pos])} » : "
                                "GeoJSON (ou « lon, lat ») attendu.", "error"))
    keep = ~bad
    frame, geoms = frame.loc[keep].reset_index(drop=True), geoms[keep]
    infinite = implausible(geoms, lambert93=False)
    for pos in np.flatnonzero(infinite):
        problems.append(Problem(f"{table}.{gfield}", frame["_row"].iloc[pos], "coordonnées non "
                                "finies ou démesurées : corrigez la géométrie.", "error"))
    frame, geoms = frame.loc[~infinite].reset_index(drop=True), geoms[~infinite]
    gdf = gpd.GeoDataFrame(frame, geometry=list(geoms), crs=crs)
    if crs != CRS:
        gdf = gdf.to_crs(CRS)
        if _fields(table)[gfield].type != "geopoint":
            problems.append(Problem(f"{table}.{gfield}", None, "coordonnées en degrés (WGS84) "
                                    "reprojetées en Lambert-93 (le standard attend du "
                                    "Lambert-93).", "warning"))
    return _wrong_geometries(table, gdf, problems, "")


def unusable_values(tables: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Values nothing can mean, as errors naming table, row and field.

    A number that is not finite (``inf``, ``1e999``), a NUL character in a text, a geometry
    that is not a surface in a ``geomsurf`` field.

    Examples
    --------
    >>> t = pd.DataFrame({"_row": ["ligne 2"], "terr_id": ["T\\x001"], "terr_m2_prix": ["1e999"]})
    >>> [(p.where, p.row) for p in unusable_values({"terrain-eco": t})]
    [('terrain-eco.terr_id', 'ligne 2'), ('terrain-eco.terr_m2_prix', 'ligne 2')]
    """
    out: list[Problem] = []
    for table, frame in tables.items():
        rows = (frame["_row"] if "_row" in frame.columns
                else pd.Series([f"ligne {i + 1}" for i in range(len(frame))], index=frame.index))
        for f in schema_fields(table):
            if f.name not in frame.columns:
                continue
            values = frame[f.name]
            text = values.astype(object).where(values.notna(), None)
            nul = text.map(lambda v: isinstance(v, str) and "\x00" in v).to_numpy(dtype=bool)
            for pos in np.flatnonzero(nul):
                out.append(Problem(f"{table}.{f.name}", rows.iloc[pos], "caractère NUL dans la "
                                   f"valeur « {shown(text.iloc[pos].replace(chr(0), '␀'))} » : "
                                   "supprimez-le (le fichier est peut-être abîmé)."))
            if f.type == "number":
                num = pd.to_numeric(text.where(~nul, None), errors="coerce").to_numpy(float)
                for pos in np.flatnonzero(np.isinf(num)):
                    out.append(Problem(f"{table}.{f.name}", rows.iloc[pos], f"« "
                                       f"{shown(text.iloc[pos])} » n'est pas un nombre fini : "
                                       "indiquez une valeur réelle."))
        gfield = GEOMETRY_FIELDS[table]
        if (isinstance(frame, gpd.GeoDataFrame) and gfield.endswith("geomsurf")
                and frame.geometry.name in frame.columns):
            geoms = frame.geometry.to_numpy()
            types = shapely.get_type_id(geoms)
            wrong = ~shapely.is_missing(geoms) & ~np.isin(types, SURFACE_TYPES)
            for pos in np.flatnonzero(wrong):
                out.append(Problem(f"{table}.{gfield}", rows.iloc[pos], f"géométrie de type "
                                   f"{geoms[pos].geom_type} : le standard attend un polygone "
                                   "(Polygon ou MultiPolygon)."))
    return out


def read_cnig_gpkg(path: str | os.PathLike) -> tuple[dict[str, gpd.GeoDataFrame],
                                                       list[Problem]]:
    """Read a GeoPackage with the template's layers into CNIG tables (see :func:`read_cnig_csv`).

    Layers absent from the file are left out; at least one of the four must be present.
    """
    path = Path(path)
    tables, problems = _read_gpkg(path)
    problems += unusable_values(tables)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CnigError(errors, source=str(path))
    return tables, problems


def _read_gpkg(path: Path) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    if not path.exists():
        raise CnigError([Problem(path.name, None, f"fichier introuvable ({path}) : vérifiez "
                                 "le chemin.")])
    try:
        with quiet_reading(path.name, []):
            present = {str(r[0]) for r in pyogrio.list_layers(path)}
    except Exception as exc:
        raise CnigError([Problem(path.name, None, f"GeoPackage illisible "
                                 f"({shown(exc, 200)}).")]) from None
    tables, problems = {}, []
    extensions: dict[str, list] = {}
    for row in read_extensions(path):          # what foncier's export keeps beside the template
        extensions.setdefault(row[0], []).append(row[1:])
    for table in TABLES:
        layer = GPKG_LAYERS[table]
        if layer not in present:
            continue
        found: list[Problem] = []
        try:
            with quiet_reading(f"{path.name}: {layer}", found):
                raw = to_lambert93(pyogrio.read_dataframe(path, layer=layer), where=layer,
                                   problems=found)
        except Exception as exc:             # a damaged file: GDAL's own words, located
            problems.append(Problem(f"{path.name}: {layer}", None, f"couche illisible "
                                    f"({shown(exc, 200)}) : le GeoPackage est peut-être abîmé."))
            continue
        problems += [p if p.severity != "info" else Problem(p.where, p.row, p.message,
                                                            "warning") for p in found]
        if raw is None:
            continue
        frame = pd.DataFrame({"_row": [f"entité {i + 1}" for i in range(len(raw))]})
        by_column = {c.lower(): c for c in raw.columns}
        gfield = GEOMETRY_FIELDS[table]
        for f in schema_fields(table):
            src = by_column.get(f.column)
            if f.name == gfield:
                if f.type == "geopoint":
                    frame[f.name] = _fmt_geopoint(raw.geometry).to_numpy()
                else:
                    frame[f.name] = None
            elif src is None:
                frame[f.name] = None
            else:
                frame[f.name] = _text_series(raw[src]).to_numpy()
        _apply_extensions(table, frame, extensions.get(layer, []))
        gdf = gpd.GeoDataFrame(frame, geometry=raw.geometry.to_numpy(), crs=CRS)
        tables[table] = _wrong_geometries(table, gdf, problems, " ou CRS mal déclaré")
    if not tables and not problems:
        problems.append(Problem(path.name, None, "aucune couche du standard (site_eco, "
                                "terrain_eco, pole_eco, etablissement) dans ce GeoPackage."))
    return tables, problems


def _apply_extensions(table: str, frame: pd.DataFrame, rows: list) -> None:
    """Put the ``foncier_extensions`` values (id, column, value) into a table read (in place)."""
    if not rows:
        return
    names = {f.column: f.name for f in schema_fields(table)}
    key = names[KEYS[table].lower()]
    where = {v: i for i, v in enumerate(frame[key].tolist()) if v is not None}
    for ident, column, value in rows:
        if ident in where and column in names:
            frame.loc[frame.index[where[ident]], names[column]] = value


def _paths(sources) -> list[Path]:
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    paths: list[Path] = []
    for s in sources:
        p = Path(s)
        paths.extend(sorted(p.rglob("*.csv")) if p.is_dir() else [p])
    if not paths:
        raise CnigError("aucun fichier CNIG donné : un GeoPackage, des fichiers CSV "
                        "(site-eco, terrain-eco...) ou un dossier qui en contient.")
    return paths


def _located(name: str, p: Problem) -> Problem:
    """``p`` with its file name in front of its location (never twice)."""
    where = p.where if p.where == name or p.where.startswith(f"{name}:") else f"{name}: {p.where}"
    return Problem(where, p.row, p.message, p.severity)


def collect_cnig(sources, *, repair: bool = False
                 ) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """Read CNIG files and return the tables and every problem, errors included (never raised).

    A value split by an unquoted ``;`` is reported as an error (unless ``repair``) but its row
    is kept, repaired, so that its other fields can still be checked. Errors are located with
    their file's name in front.
    """
    tables: dict[str, gpd.GeoDataFrame] = {}
    problems: list[Problem] = []
    for p in _paths(sources):
        try:
            if p.suffix.lower() == ".gpkg":
                got, more = _read_gpkg(p)
            else:
                table, frame, more = _read_csv(p, repair, keep_split=True)
                got = {table: frame}
        except CnigError as exc:
            problems.extend(_located(p.name, e) for e in exc.problems)
            continue
        more += unusable_values(got)
        for table, frame in got.items():
            if table in tables:
                more.append(Problem(p.name, None, f"table {table} donnée deux fois."))
            tables[table] = frame
        problems.extend(_located(p.name, e) if e.severity == "error" else e for e in more)
    return tables, problems


def read_cnig(sources: str | os.PathLike | Iterable[str | os.PathLike], *, repair: bool = False
              ) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """Read CNIG tables from a GeoPackage, CSV files, or a folder of CSV files.

    Every file's errors are collected before raising :class:`~foncier.errors.CnigError`.

    Examples
    --------
    >>> tables, notes = read_cnig([])                # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    CnigError: aucun fichier CNIG donné
    """
    tables, problems = collect_cnig(sources, repair=repair)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CnigError(errors)
    return tables, problems
