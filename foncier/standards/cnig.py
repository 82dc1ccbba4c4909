"""The CNIG "Sites Économiques" standard v2024-10: read, validate and write it.

The standard has four tables, POLE-ECO > SITE-ECO > TERRAIN-ECO <> ETABLISSEMENT, published as
Table Schemas (shipped in ``foncier/standards/cnig_sites_economiques/``) and as an official
GeoPackage template (layers ``pole_eco``, ``site_eco``, ``terrain_eco``, ``etablissement``).

- :func:`read_cnig` reads CSV files (``;``-separated UTF-8, GeoJSON geometries in Lambert-93,
  booleans ``oui``/``non``) or a GeoPackage with the template's layers into *CNIG tables*:
  GeoDataFrames whose columns are the standard's fields, as text exactly as the CSV spells them.
- :func:`validate_tables` checks them against the Table Schemas, including the enumerations the
  JSON keeps beside ``constraints`` (so generic validators skip them): every violation names its
  table, row and field.
- :func:`layers_from_tables` maps them onto foncier's inventory (DESIGN.md); every standard field
  foncier has no column for is kept as an extra column prefixed ``cnig_``; POLE-ECO and
  ETABLISSEMENT are kept as layers ``cnig_pole_eco`` and ``cnig_etablissement``.
- :func:`tables_from_inventory` goes back, computing ``site_uf_nbre``, ``site_uf_vacant_nbre``,
  ``site_taux_vacance`` and ``site_surf_comm_dispo`` from the plots, and :func:`write_cnig_csv` /
  :func:`write_cnig_gpkg` write the standard's files.

The official ``site-eco/exemple-valide.csv`` holds an unquoted ``;`` inside a value
(``entrepôts;logistique`` for ``entrepôts, logistique``): the two halves land in two fields. It is
reported as an error naming the line; with ``repair=True`` the halves are joined back into the
first field and the field the second half overwrote (whose value is lost) is set to ``inconnu``
(or left empty when ``inconnu`` is not one of its values), with a warning.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.geometry

from foncier.core.schema import CRS
from foncier.errors import InventoryError, OutputError, Problem

__all__ = [
    "TABLES",
    "CnigError",
    "Field",
    "schema_fields",
    "read_cnig",
    "read_cnig_csv",
    "read_cnig_gpkg",
    "validate_tables",
    "validate_cnig",
    "layers_from_tables",
    "tables_from_inventory",
    "write_cnig_csv",
    "write_cnig_gpkg",
    "import_cnig",
    "export_cnig",
    "EXTRA_LAYERS",
]

STANDARD_DIR = Path(__file__).parent / "cnig_sites_economiques"
TABLES = ("pole-eco", "site-eco", "terrain-eco", "etablissement")
GPKG_LAYERS = {t: t.replace("-", "_") for t in TABLES}
#: The field each table's geometry lives in (GeoJSON text in CSV, the layer geometry in GPKG).
GEOMETRY_FIELDS = {"pole-eco": "pole_geompoint", "site-eco": "site_geomsurf",
                   "terrain-eco": "terr_geomsurf", "etablissement": "etab_geompoint"}
KEYS = {"pole-eco": "pole_id", "site-eco": "site_id", "terrain-eco": "terr_id",
        "etablissement": "SIRET"}
#: Inventory layers holding the two tables foncier has no layer for.
EXTRA_LAYERS = {"pole-eco": "cnig_pole_eco", "etablissement": "cnig_etablissement"}
PREFIX = "cnig_"
MISSING = frozenset({"", "NA", "NaN", "N/A"})

SITE_MAP = {"site_id": "site_id", "site_nom": "name", "site_epci_siren": "epci_siren",
            "site_epci_nom": "epci_name", "site_comm_insee": "commune_insee",
            "site_vocadomi": "vocation"}
PLOT_MAP = {"terr_id": "plot_id", "site_id": "site_id", "terr_refcad": "cadastral_refs",
            "terr_stade_comm": "sales_stage", "terr_etat_occup": "occupancy",
            "terr_stade_amngt": "servicing_stage", "terr_maitrise_fonc": "land_control",
            "terr_cle_en_main": "turnkey", "terr_m2_prix": "price_eur_m2",
            "terr_surf_brute": "declared_area_ha"}
#: Site networks of the standard that foncier keeps per plot.
NETWORKS = {"reseau_gaz": "gas", "reseau_fibre_optique": "fiber",
            "reseau_fret_ferroviaire": "rail_siding"}
#: Site fields computed from the plots on export.
COMPUTED = ("site_uf_nbre", "site_uf_vacant_nbre", "site_taux_vacance", "site_surf_comm_dispo")
VACANT = ("vacant", "friche")
FOR_SALE = ("en vente", "en vente avec contraintes")


class CnigError(InventoryError):
    """A CNIG file cannot be read or written: every problem names its table, row and field."""


@dataclass(frozen=True)
class Field:
    """One field of a CNIG Table Schema."""

    name: str
    type: str
    format: str | None
    required: bool
    enum: tuple[str, ...] | None
    pattern: str | None

    @property
    def column(self) -> str:
        """Its column name in the GeoPackage template (``ban-id`` -> ``ban_id``, lower case)."""
        return self.name.lower().replace("-", "_")


@functools.cache
def schema_fields(table: str) -> tuple[Field, ...]:
    """The fields of a table's Table Schema, with the enumerations found beside ``constraints``.

    Examples
    --------
    >>> f = {f.name: f for f in schema_fields("site-eco")}["site_vocadomi"]
    >>> f.required, "entrepôts, logistique" in f.enum
    (True, True)
    """
    if table not in TABLES:
        raise ValueError(f"table CNIG inconnue : {table} ({', '.join(TABLES)})")
    spec = json.loads((STANDARD_DIR / f"{table}.json").read_text(encoding="utf-8"))
    out = []
    for f in spec["fields"]:
        cons = f.get("constraints", {})
        enum = cons.get("enum", f.get("enum"))
        out.append(Field(f["name"], f.get("type", "string"), f.get("format"),
                         bool(cons.get("required", False)), tuple(enum) if enum else None,
                         cons.get("pattern")))
    return tuple(out)


@functools.cache
def _template() -> dict:
    return json.loads((STANDARD_DIR / "gpkg_template.json").read_text(encoding="utf-8"))


def _names(table: str) -> list[str]:
    return [f.name for f in schema_fields(table)]


def _fields(table: str) -> dict[str, Field]:
    return {f.name: f for f in schema_fields(table)}


# --------------------------------------------------------------------------------------------
# Text <-> values


def _fmt_number(v) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    v = float(v)
    return str(int(v)) if v.is_integer() else format(v, ".12g")


def _text(v) -> str | None:
    """Canonical CNIG text of a value read from a GeoPackage or an inventory."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return "oui" if v else "non"
    if isinstance(v, int | float | np.integer | np.floating):
        return _fmt_number(v)
    if isinstance(v, pd.Timestamp | dt.date):
        return v.strftime("%Y-%m-%d")
    s = str(v)
    return None if s in MISSING else s


def _text_series(series: pd.Series) -> pd.Series:
    return pd.Series([_text(v) for v in series.to_numpy(dtype=object)], index=series.index,
                     dtype=object)


def _looks_geographic(geoms: np.ndarray) -> bool:
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return False
    x0, y0, x1, y1 = shapely.total_bounds(present)
    return -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90


def _lenient_geojson(text: str):
    """A GeoJSON geometry GEOS refuses (an unclosed ring), read with shapely.geometry.shape."""
    try:
        geom = shapely.geometry.shape(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
        return None
    return None if geom.is_empty else geom


def _parse_geopoint(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Frictionless ``geopoint`` (``"lon, lat"``) to points; returns (geoms, bad mask)."""
    coords = np.full((len(values), 2), np.nan)
    for i, v in enumerate(values.to_numpy(dtype=object)):
        parts = v.split(",") if isinstance(v, str) else []
        if len(parts) == 2:
            coords[i] = pd.to_numeric(pd.Series(parts).str.strip(), errors="coerce")
    ok = ~np.isnan(coords).any(axis=1)
    geoms = np.full(len(values), None, dtype=object)
    geoms[ok] = shapely.points(coords[ok])
    return geoms, values.notna().to_numpy() & ~ok


def _fmt_geopoint(geoms: gpd.GeoSeries) -> pd.Series:
    pts = geoms.representative_point().to_crs("EPSG:4326")
    out = [None if p is None or p.is_empty else f"{p.x:.6f}, {p.y:.6f}" for p in pts]
    return pd.Series(out, index=geoms.index, dtype=object)


# --------------------------------------------------------------------------------------------
# Reading


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
        Unknown table, not UTF-8, a line whose number of values is wrong, a value split by an
        unquoted ``;`` (unless ``repair``), an unreadable geometry.
    """
    path = Path(path)
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CnigError(f"fichier introuvable : {path}. Vérifiez le chemin.") from None
    except UnicodeDecodeError as exc:
        raise CnigError([Problem(path.name, None, f"le fichier n'est pas en UTF-8 (octet "
                                 f"{exc.start}) : réenregistrez-le en UTF-8, comme le demande "
                                 "le standard.")], source=src) from None
    reader = csv.reader(io.StringIO(text), delimiter=";")
    records: list[tuple[int, list[str]]] = []
    header = next(reader, None)
    for row in reader:
        if row:
            records.append((reader.line_num, row))
    table = _table_of(header or [])
    if table is None:
        raise CnigError([Problem(path.name, None, "en-tête non reconnu : ce n'est ni un fichier "
                                 "site-eco, terrain-eco, pole-eco ni etablissement du standard "
                                 "CNIG Sites Économiques (séparateur « ; » attendu).")], source=src)
    fields = _fields(table)
    problems: list[Problem] = []
    unknown = [c for c in header if c not in fields]
    if unknown:
        problems.append(Problem(table, None, f"colonnes hors standard ignorées : "
                                f"{', '.join(unknown)}.", "warning"))
    cols = [fields.get(c) or Field(c, "string", None, False, None, None) for c in header]
    n = len(header)
    rows, labels = [], []
    for line, row in records:
        i = _split_value(cols, row)
        if i is not None:
            where = f"{table}.{cols[i].name}"
            said = (f"« {row[i]} » et « {row[i + 1]} » sont les deux moitiés de la valeur "
                    f"« {row[i]}, {row[i + 1]} » coupée par un « ; » non protégé")
            if not repair:
                problems.append(Problem(where, f"ligne {line}", f"{said} (le champ "
                                        f"{cols[i + 1].name} a reçu la seconde moitié) : "
                                        "entourez la valeur de guillemets dans le fichier, ou "
                                        "relancez avec --repair.", "error"))
                continue
            row = _repair_split(cols, row, i, n)
            problems.append(Problem(where, f"ligne {line}", f"{said} : réparée ; "
                                    f"{cols[i + 1].name} = « {row[i + 1]} » (valeur perdue, "
                                    "à compléter).", "warning"))
        if len(row) != n:
            problems.append(Problem(table, f"ligne {line}", f"{len(row)} valeurs pour {n} "
                                    "colonnes : un « ; » non protégé par des guillemets dans une "
                                    "valeur, ou un champ manquant ; corrigez la ligne.", "error"))
            continue
        rows.append(row)
        labels.append(f"ligne {line}")
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.where(~frame.isin(MISSING), None)
    for name in _names(table):
        if name not in frame.columns:
            frame[name] = None
    frame = frame[_names(table)]
    frame.insert(0, "_row", labels)
    gdf = _with_geometry(table, frame, problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CnigError(errors, source=src)
    return table, gdf, problems


def _with_geometry(table: str, frame: pd.DataFrame, problems: list[Problem]
                   ) -> gpd.GeoDataFrame:
    gfield = GEOMETRY_FIELDS[table]
    values = frame[gfield]
    if _fields(table)[gfield].type == "geopoint":
        geoms, bad = _parse_geopoint(values)
        crs = "EPSG:4326"
    else:
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
                                f"géométrie illisible « {str(values.iloc[pos])[:60]} » : "
                                "GeoJSON (ou « lon, lat ») attendu.", "error"))
    gdf = gpd.GeoDataFrame(frame, geometry=list(geoms), crs=crs)
    if crs != CRS:
        gdf = gdf.to_crs(CRS)
        if _fields(table)[gfield].type != "geopoint":
            problems.append(Problem(f"{table}.{gfield}", None, "coordonnées en degrés (WGS84) "
                                    "reprojetées en Lambert-93 (le standard attend du "
                                    "Lambert-93).", "warning"))
    return gdf


def read_cnig_gpkg(path: str | os.PathLike) -> tuple[dict[str, gpd.GeoDataFrame],
                                                       list[Problem]]:
    """Read a GeoPackage with the template's layers into CNIG tables (see :func:`read_cnig_csv`).

    Layers absent from the file are left out; at least one of the four must be present.
    """
    path = Path(path)
    try:
        present = {str(r[0]) for r in pyogrio.list_layers(path)}
    except Exception as exc:
        raise CnigError(f"{path}: GeoPackage illisible ({exc}).") from None
    tables, problems = {}, []
    for table in TABLES:
        layer = GPKG_LAYERS[table]
        if layer not in present:
            continue
        raw = pyogrio.read_dataframe(path, layer=layer)
        if raw.crs is None:
            problems.append(Problem(layer, None, "aucun système de coordonnées : déclarez "
                                    "EPSG:2154 (dans QGIS, « Définir la projection de la "
                                    "couche »)."))
            continue
        if not raw.crs.equals(CRS):
            raw = raw.to_crs(CRS)
            problems.append(Problem(layer, None, f"reprojetée de {raw.crs} vers Lambert-93.",
                                    "warning"))
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
        tables[table] = gpd.GeoDataFrame(frame, geometry=raw.geometry.to_numpy(), crs=CRS)
    if not tables and not problems:
        problems.append(Problem(path.name, None, "aucune couche du standard (site_eco, "
                                "terrain_eco, pole_eco, etablissement) dans ce GeoPackage."))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CnigError(errors, source=str(path))
    return tables, problems


def read_cnig(sources: str | os.PathLike | Iterable[str | os.PathLike], *, repair: bool = False
              ) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """Read CNIG tables from a GeoPackage, CSV files, or a folder of CSV files.

    Every file's errors are collected before raising :class:`CnigError`.

    Examples
    --------
    >>> tables, notes = read_cnig([])                # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    CnigError: aucun fichier CNIG donné
    """
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    paths: list[Path] = []
    for s in sources:
        p = Path(s)
        paths.extend(sorted(p.rglob("*.csv")) if p.is_dir() else [p])
    if not paths:
        raise CnigError("aucun fichier CNIG donné : un GeoPackage ou des fichiers CSV "
                        "(site-eco, terrain-eco...).")
    tables: dict[str, gpd.GeoDataFrame] = {}
    notes: list[Problem] = []
    errors: list[Problem] = []
    for p in paths:
        try:
            if p.suffix.lower() == ".gpkg":
                got, more = read_cnig_gpkg(p)
            else:
                table, frame, more = read_cnig_csv(p, repair=repair)
                got = {table: frame}
        except CnigError as exc:
            errors.extend(Problem(f"{p.name}: {e.where}", e.row, e.message) for e in exc.problems)
            continue
        for table, frame in got.items():
            if table in tables:
                errors.append(Problem(p.name, None, f"table {table} donnée deux fois."))
            tables[table] = frame
        notes.extend(more)
    if errors:
        raise CnigError(errors)
    return tables, notes


# --------------------------------------------------------------------------------------------
# Validation


def _check_field(table: str, f: Field, values: pd.Series, rows: pd.Series) -> list[Problem]:
    where = f"{table}.{f.name}"
    present = values.notna()
    out: list[Problem] = []

    text = values.astype(object).where(present, None)

    def report(mask, why):
        for pos in np.flatnonzero(np.asarray(mask)):
            v = text.iloc[pos]
            shown = "" if v is None else f" « {str(v)[:60]} »"
            out.append(Problem(where, rows.iloc[pos], f"{why}{shown}"))

    if f.required:
        report(~present, "champ obligatoire vide : renseignez-le.")
    if f.type == "number":
        num = pd.to_numeric(text, errors="coerce")
        report(present & num.isna(), "nombre attendu (point décimal), reçu")
    elif f.type == "date":
        fmt = "%Y" if f.format == "%Y" else "%Y-%m-%d"
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        shown = "AAAA" if fmt == "%Y" else "AAAA-MM-JJ"
        report(present & parsed.isna(), f"date au format {shown} attendue, reçu")
    elif f.type == "geopoint":
        _, bad = _parse_geopoint(text)
        report(bad, "point « longitude, latitude » attendu, reçu")
    if f.enum:
        report(present & ~text.isin(f.enum), "valeur hors de la liste du standard ("
               + " | ".join(f.enum) + "), reçu")
    if f.pattern:
        ok = text[present].astype(str).str.fullmatch(f.pattern)
        report(present & ~ok.reindex(text.index, fill_value=True).astype(bool),
               "format invalide (motif du standard), reçu")
    if f.format == "email":
        ok = text[present].astype(str).str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+")
        report(present & ~ok.reindex(text.index, fill_value=True).astype(bool),
               "adresse électronique invalide")
    return out


def validate_tables(tables: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Every violation of the Table Schemas, with its table, row and field.

    Checks required fields, numbers, dates, geopoints, enumerations (also those beside
    ``constraints``), patterns, e-mails, unique keys and the links between tables
    (``site_id`` of a terrain, ``pole_id`` of a site when POLE-ECO is given).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"terr_id": ["T1"], "terr_etat_occup": ["libre"]})
    >>> [p for p in validate_tables({"terrain-eco": t}) if p.where.endswith("occup")][0].row
    'ligne 1'
    """
    problems: list[Problem] = []
    for table, frame in tables.items():
        rows = (frame["_row"] if "_row" in frame.columns
                else pd.Series([f"ligne {i + 1}" for i in range(len(frame))], index=frame.index))
        key = KEYS[table]
        for f in schema_fields(table):
            if f.name == GEOMETRY_FIELDS[table] and isinstance(frame, gpd.GeoDataFrame):
                geoms = frame.geometry.to_numpy()
                empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
                for pos in np.flatnonzero(empty & f.required):
                    problems.append(Problem(f"{table}.{f.name}", rows.iloc[pos],
                                            "géométrie obligatoire absente."))
                if f.type != "geopoint" or f.name not in frame.columns:
                    continue
            if f.name not in frame.columns:
                if f.required:
                    problems.append(Problem(f"{table}.{f.name}", None, "colonne obligatoire "
                                            "absente : ajoutez-la."))
                continue
            problems.extend(_check_field(table, f, frame[f.name], rows))
        if key in frame.columns:
            ids = frame[key]
            for pos in np.flatnonzero((ids.notna() & ids.duplicated(keep="first")).to_numpy()):
                problems.append(Problem(f"{table}.{key}", rows.iloc[pos], f"identifiant "
                                        f"« {ids.iloc[pos]} » en double : rendez-le unique."))
    links = (("terrain-eco", "site_id", "site-eco", "site_id"),
             ("site-eco", "pole_id", "pole-eco", "pole_id"))
    for child, col, parent, pcol in links:
        if child in tables and parent in tables and col in tables[child].columns:
            known = set(tables[parent][pcol].dropna())
            frame = tables[child]
            bad = frame[col].notna() & ~frame[col].isin(known)
            for pos in np.flatnonzero(bad.to_numpy()):
                problems.append(Problem(f"{child}.{col}", frame["_row"].iloc[pos]
                                        if "_row" in frame.columns else f"ligne {pos + 1}",
                                        f"« {frame[col].iloc[pos]} » absent de la table {parent}."))
    return problems


def validate_cnig(sources, *, repair: bool = False) -> list[Problem]:
    """Read CNIG files and list every violation of the standard (never raises for a violation).

    Reading errors (a broken line, an unreadable geometry) are listed too.
    """
    try:
        tables, notes = read_cnig(sources, repair=repair)
    except CnigError as exc:
        return list(exc.problems)
    return notes + validate_tables(tables)


# --------------------------------------------------------------------------------------------
# CNIG tables <-> inventory layers


def _typed(table: str, frame: pd.DataFrame, name: str) -> pd.Series:
    if _fields(table)[name].type == "number":
        return pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame[name].astype(object)


def _oui_non(values: pd.Series) -> pd.Series:
    mapped = values.map({"oui": True, "non": False})
    return pd.Series(pd.array(mapped.tolist(), dtype="boolean"), index=values.index)


def _extras(table: str, frame: pd.DataFrame, mapped: Iterable[str]) -> dict[str, pd.Series]:
    skip = set(mapped) | {GEOMETRY_FIELDS[table]}
    return {PREFIX + f.column: _typed(table, frame, f.name).to_numpy()
            for f in schema_fields(table) if f.name not in skip}


def layers_from_tables(tables: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Map CNIG tables onto inventory layers (``sites``, ``plots`` and ``cnig_*`` layers).

    Mapped fields (DESIGN.md): site_nom -> name, site_epci_siren/_nom -> epci_siren/epci_name,
    site_comm_insee -> commune_insee, site_vocadomi -> vocation; terr_id -> plot_id, terr_refcad
    -> cadastral_refs, terr_stade_comm -> sales_stage, terr_etat_occup -> occupancy,
    terr_stade_amngt -> servicing_stage, terr_maitrise_fonc -> land_control, terr_cle_en_main ->
    turnkey, terr_m2_prix -> price_eur_m2, terr_surf_brute (ha) -> declared_area_ha. The site's
    reseau_gaz / reseau_fibre_optique / reseau_fret_ferroviaire give each plot's gas / fiber /
    rail_siding; a plot whose occupancy is ``friche`` is a brownfield. Everything else the
    standard holds is kept in ``cnig_<field>`` columns; what it lacks stays null (unknown).
    """
    empty_site = pd.DataFrame({n: [] for n in _names("site-eco")}, dtype=object)
    empty_terr = pd.DataFrame({n: [] for n in _names("terrain-eco")}, dtype=object)
    site = tables.get("site-eco")
    terr = tables.get("terrain-eco")
    site = site if site is not None else gpd.GeoDataFrame(empty_site, geometry=[], crs=CRS)
    terr = terr if terr is not None else gpd.GeoDataFrame(empty_terr, geometry=[], crs=CRS)

    sites = {col: site[f].astype(object).to_numpy() for f, col in SITE_MAP.items()}
    sites.update(_extras("site-eco", site, SITE_MAP))
    out = {"sites": gpd.GeoDataFrame(sites, geometry=site.geometry.to_numpy(), crs=CRS)}

    plots = {col: terr[f].astype(object).to_numpy() for f, col in PLOT_MAP.items()}
    plots["turnkey"] = _oui_non(terr["terr_cle_en_main"]).to_numpy()
    plots["price_eur_m2"] = _typed("terrain-eco", terr, "terr_m2_prix").to_numpy()
    plots["declared_area_ha"] = _typed("terrain-eco", terr, "terr_surf_brute").to_numpy()
    nets = site.set_index("site_id")[list(NETWORKS)] if len(site) else None
    for cnig_col, col in NETWORKS.items():
        per_site = (terr["site_id"].map(nets[cnig_col]) if nets is not None
                    else pd.Series([None] * len(terr), index=terr.index))
        plots[col] = _oui_non(per_site).to_numpy()
    occ = terr["terr_etat_occup"]
    plots["brownfield"] = pd.array([True if v == "friche" else None for v in occ],
                                   dtype="boolean")
    plots.update(_extras("terrain-eco", terr, PLOT_MAP))
    out["plots"] = gpd.GeoDataFrame(plots, geometry=terr.geometry.to_numpy(), crs=CRS)

    for table, layer in EXTRA_LAYERS.items():
        frame = tables.get(table)
        if frame is None:
            continue
        cols = {f.column: _typed(table, frame, f.name).to_numpy() for f in schema_fields(table)
                if f.name != GEOMETRY_FIELDS[table] or f.type == "geopoint"}
        out[layer] = gpd.GeoDataFrame(cols, geometry=frame.geometry.to_numpy(), crs=CRS)
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _fill(values: pd.Series, default) -> pd.Series:
    default = default if isinstance(default, pd.Series) else pd.Series(default,
                                                                       index=values.index)
    return values.where(values.notna(), default)


def _site_figures(plots: pd.DataFrame) -> pd.DataFrame:
    """Per site: number of plots, vacant ones, vacancy rate (%), area for sale (ha)."""
    area = _fill(pd.to_numeric(_column(plots, "declared_area_ha"), errors="coerce"),
                 plots["area_ha"])
    frame = pd.DataFrame({
        "site_id": plots["site_id"],
        "n": 1,
        "vacant": _column(plots, "occupancy").isin(VACANT).astype(int),
        "sale": area.where(_column(plots, "sales_stage").isin(FOR_SALE), 0.0),
    })
    g = frame.dropna(subset=["site_id"]).groupby("site_id")
    out = pd.DataFrame({"site_uf_nbre": g["n"].sum(), "site_uf_vacant_nbre": g["vacant"].sum()})
    out["site_taux_vacance"] = (out["site_uf_vacant_nbre"] / out["site_uf_nbre"] * 100).round(1)
    out["site_surf_comm_dispo"] = g["sale"].sum().round(2)
    return out


def _networks_from_plots(plots: pd.DataFrame, col: str) -> pd.Series:
    v = _column(plots, col)
    known = pd.DataFrame({"site_id": plots["site_id"], "yes": v.eq(True).fillna(False),
                          "known": v.notna()})
    g = known.dropna(subset=["site_id"]).groupby("site_id")
    any_yes, all_known = g["yes"].any(), g["known"].all()
    return pd.Series(np.where(any_yes, "oui", np.where(all_known, "non", None)),
                     index=any_yes.index, dtype=object)


def tables_from_inventory(inventory, extra: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                          today: dt.date | None = None) -> dict[str, gpd.GeoDataFrame]:
    """CNIG tables (text, as the CSV spells it) from an inventory and its ``cnig_*`` layers.

    Standard fields come from the mapped foncier columns, then from the ``cnig_*`` columns. The
    four figures ``site_uf_nbre``, ``site_uf_vacant_nbre`` (occupancy ``vacant`` or ``friche``),
    ``site_taux_vacance`` (vacant ÷ total × 100) and ``site_surf_comm_dispo`` (ha of the plots
    ``en vente`` or ``en vente avec contraintes``, declared area else geometry area) are computed
    from the plots of each site that has plots. Required fields foncier cannot know are filled
    with the standard's own « inconnu » (enumerations), the geometry's area (surfaces), the
    commune's name from the ``communes`` layer, and today's date (identification and update
    dates) when empty. Plots outside every activity zone (no ``site_id``, e.g. brownfields) are
    left out: the standard ties each terrain to a site.
    """
    today = (today or dt.date.today()).isoformat()
    extra = dict(extra or {})
    sites = inventory.sites
    plots = inventory.plots[inventory.plots["site_id"].notna()].reset_index(drop=True)
    out: dict[str, gpd.GeoDataFrame] = {}

    def build(table, frame, mapping, defaults):
        cols = {}
        for f in schema_fields(table):
            src = mapping.get(f.name)
            if f.name == GEOMETRY_FIELDS[table]:
                continue
            values = _column(frame, src) if src else _column(frame, PREFIX + f.column)
            values = _text_series(values)
            if f.name in defaults:
                values = _fill(values, defaults[f.name])
            cols[f.name] = values.to_numpy(dtype=object)
        key = cols[KEYS[table]]
        cols["_row"] = [k if k is not None else f"ligne {i + 2}" for i, k in enumerate(key)]
        return gpd.GeoDataFrame(cols, geometry=frame.geometry.to_numpy(), crs=CRS)

    figures = _site_figures(plots)
    sid = sites["site_id"]
    site_area = pd.Series((sites.geometry.area / 10_000).round(2).to_numpy(), index=sites.index)
    useful = sid.map(plots.groupby("site_id")["area_ha"].sum().round(2))
    names = {}
    if inventory.communes is not None and len(inventory.communes):
        names = dict(zip(inventory.communes["insee"], inventory.communes["name"], strict=False))
    site_defaults = {
        "site_type": "inconnu", "site_etat": "inconnu", "site_moa_type": "inconnu",
        "site_surf_brute": site_area.map(_fmt_number),
        "site_surf_utile": _fill(useful, site_area).map(_fmt_number),
        "site_identif_date": today, "site_actu_date": today,
        "site_comm_nom": _column(sites, "commune_insee").map(names),
        "site_geompoint": _fmt_geopoint(sites.geometry),
    }
    for cnig_col, col in NETWORKS.items():
        site_defaults[cnig_col] = sid.map(_networks_from_plots(plots, col))
    site = build("site-eco", sites, SITE_MAP, site_defaults)
    has = sid.isin(figures.index).to_numpy()
    for name in COMPUTED:
        computed = sid.map(figures[name]).map(_fmt_number).to_numpy(dtype=object)
        site[name] = np.where(has, computed, site[name].to_numpy(dtype=object))
    out["site-eco"] = site

    terr_area = _fill(pd.to_numeric(_column(plots, "declared_area_ha"), errors="coerce"),
                      plots["area_ha"].round(2))
    terr_defaults = {
        "terr_surf_brute": terr_area.map(_fmt_number),
        "terr_identif_date": today, "terr_actu_date": today,
        "terr_maitrise_fonc": "inconnu", "terr_stade_amngt": "inconnu",
        "terr_stade_comm": "inconnu", "terr_etat_occup": "inconnu", "terr_usage": "inconnu",
    }
    out["terrain-eco"] = build("terrain-eco", plots, PLOT_MAP, terr_defaults)
    for table, layer in EXTRA_LAYERS.items():
        frame = extra.get(layer)
        if frame is None:
            continue
        cols = {f.name: _text_series(_column(frame, f.column)).to_numpy(dtype=object)
                for f in schema_fields(table) if f.name != GEOMETRY_FIELDS[table]
                or f.type == "geopoint"}
        out[table] = gpd.GeoDataFrame(cols, geometry=frame.geometry.to_numpy(), crs=CRS)
    return out


# --------------------------------------------------------------------------------------------
# Writing


def _csv_frame(table: str, frame: gpd.GeoDataFrame) -> pd.DataFrame:
    out = pd.DataFrame({n: frame[n] if n in frame.columns else None for n in _names(table)
                        if n != GEOMETRY_FIELDS[table] or _fields(table)[n].type == "geopoint"},
                       index=frame.index)
    gfield = GEOMETRY_FIELDS[table]
    if _fields(table)[gfield].type != "geopoint":
        geoms = frame.geometry.to_numpy()
        text = shapely.to_geojson(geoms)
        out[gfield] = np.where(shapely.is_missing(geoms), None, text)
    return out[_names(table)]


def write_cnig_csv(tables: Mapping[str, gpd.GeoDataFrame], folder: str | os.PathLike
                   ) -> list[Path]:
    """Write CNIG tables as ``<table>.csv`` files (``;``, UTF-8, GeoJSON in Lambert-93).

    Each file is written atomically.
    """
    from foncier.io.store import atomic_write

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        if table not in tables:
            continue
        final = folder / f"{table}.csv"
        with atomic_write(final) as tmp:
            _csv_frame(table, tables[table]).to_csv(tmp, sep=";", index=False,
                                                    encoding="utf-8", quoting=csv.QUOTE_MINIMAL,
                                                    lineterminator="\n")
        written.append(final)
    return written


def _gpkg_frame(table: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    spec = _template()[GPKG_LAYERS[table]]
    fields = {f.column: f for f in schema_fields(table)}
    cols: dict[str, object] = {}
    order = [name for name, _ in spec["fields"]]
    order += [f.column for f in schema_fields(table)
              if f.column not in order and f.name != GEOMETRY_FIELDS[table]]
    kinds = dict(spec["fields"])
    for col in order:
        f = fields[col]
        values = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame))
        if f.type == "number":
            num = pd.to_numeric(values, errors="coerce").astype("float64")
            integral = bool((num.dropna() % 1 == 0).all())
            cols[col] = (num.astype("Int32") if kinds.get(col) == "int32" and integral
                         else num).to_numpy()
        else:
            cols[col] = values.astype(object).to_numpy()
    geoms = frame.geometry
    if spec["geometry_type"].startswith("Multi"):
        geoms = gpd.GeoSeries(_to_multi(geoms.to_numpy()), crs=CRS)
    return gpd.GeoDataFrame(cols, geometry=geoms.to_numpy(), crs=CRS)


def _to_multi(geoms: np.ndarray) -> np.ndarray:
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    single = np.isin(types, (0, 3))
    for kind, multi in ((0, shapely.multipoints), (3, shapely.multipolygons)):
        pick = single & (types == kind)
        if pick.any():
            out[pick] = [multi([g]) for g in geoms[pick]]
    return out


def write_cnig_gpkg(tables: Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike) -> Path:
    """Write CNIG tables as a GeoPackage with the template's layers, columns and types.

    Every layer of the template is written (empty when the table is absent), in EPSG:2154, with
    the template's column order and geometry type; standard fields the template lacks
    (``site_geompoint``, ``terr_url_cartofriches``) are appended. Numbers the template declares
    as integers stay integers unless a value has decimals (the template's ``terr_m2_prix`` is an
    integer, which would truncate a price of 5.35 €/m²): then the column is real.
    """
    from foncier.io.store import atomic_write

    with atomic_write(path) as tmp:
        for table in TABLES:
            frame = tables.get(table)
            if frame is None:
                frame = gpd.GeoDataFrame({n: [] for n in _names(table)}, geometry=[], crs=CRS)
            gdf = _gpkg_frame(table, frame)
            gtype = _template()[GPKG_LAYERS[table]]["geometry_type"]
            types = set(gdf.geometry.dropna().geom_type)
            if gtype == "Polygon" and "MultiPolygon" in types:
                gtype = "MultiPolygon"
            pyogrio.write_dataframe(gdf, tmp, layer=GPKG_LAYERS[table], driver="GPKG",
                                    geometry_type=gtype, promote_to_multi=False)
    return Path(path)


# --------------------------------------------------------------------------------------------
# Whole operations


def import_cnig(sources, target: str | os.PathLike, *, repair: bool = False):
    """Import CNIG files (GeoPackage or CSV) into a new foncier inventory at ``target``.

    Returns the :class:`~foncier.core.inventory.Inventory` and the non-fatal problems (violations of
    the standard, repairs), which are reported but do not stop the import. Raises
    :class:`CnigError` when a file cannot be read, and
    :class:`~foncier.errors.InventoryError` when the result is not a usable inventory (a terrain
    whose site is missing...); nothing is written then.
    """
    from foncier.core.inventory import _display, inventory_from_layers, write_inventory

    tables, notes = read_cnig(sources, repair=repair)
    problems = notes + validate_tables(tables)
    layers = layers_from_tables(tables)
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
    """
    from foncier.core.inventory import Inventory, open_inventory
    from foncier.io.store import read_layers

    if csv_dir is None and gpkg is None:
        raise OutputError("indiquez où écrire : un dossier de CSV (--csv) et/ou un "
                          "GeoPackage (--gpkg).")
    if gpkg is not None and Path(gpkg).suffix.lower() != ".gpkg":
        raise OutputError(f"{gpkg}: le GeoPackage doit finir par .gpkg.")
    inv = source if isinstance(source, Inventory) else open_inventory(source)
    where = inv.location or inv.source
    extra = read_layers(where, tuple(EXTRA_LAYERS.values())) if where else {}
    tables = tables_from_inventory(inv, extra, today=today)
    problems = validate_tables(tables)
    if problems and not force:
        raise CnigError(problems + [Problem("export", None, "rien n'a été écrit : corrigez "
                                            "l'inventaire, ou forcez l'export (--force).")],
                        source=inv.source)
    if csv_dir is not None:
        write_cnig_csv(tables, csv_dir)
    if gpkg is not None:
        write_cnig_gpkg(tables, gpkg)
    return problems

