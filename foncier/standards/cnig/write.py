"""Write CNIG tables: ``<table>.csv`` files, or a GeoPackage with the official template's layers.

Examples
--------
>>> import tempfile, pathlib, shapely
>>> site = gpd.GeoDataFrame({"site_id": ["S1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=CRS)
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_cnig_csv({"site-eco": site}, folder)]
['site-eco.csv']
>>> (folder / "site-eco.csv").read_text(encoding="utf-8").splitlines()[0].split(";")[0]
'site_id'
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from foncier.core.schema import CRS
from foncier.errors import FoncierWarning
from foncier.standards.cnig.schema import (
    GEOMETRY_FIELDS,
    GPKG_LAYERS,
    KEYS,
    STANDARD_DIR,
    TABLES,
    _fields,
    _fmt_number,
    _names,
    _template,
    _text,
    schema_fields,
)

__all__ = ["write_cnig_csv", "write_cnig_gpkg", "read_extensions", "template_columns",
           "TEMPLATE_GPKG", "EXTENSIONS_TABLE"]


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

    The files are written together (:func:`~foncier.io.atomic.atomic_files`): the folder ends
    with all the new files, or, on an error, all its old ones. Fields are quoted as RFC 4180
    asks (separator, quote, CR or LF inside); values are written as they are (no formula guard:
    these files are exchanged between programs, and a guard would change the values).
    """
    from foncier.io.atomic import atomic_files

    names = csv_names(tables)
    with atomic_files(folder, names) as tmp:
        write_csv_into(tables, tmp)
    return [Path(folder) / name for name in names]


def csv_names(tables: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    """The CSV files :func:`write_cnig_csv` writes for these tables."""
    return [f"{table}.csv" for table in TABLES if table in tables]


def write_csv_into(tables: Mapping[str, gpd.GeoDataFrame], paths: Mapping[str, Path]) -> None:
    """Write each table to its path among ``paths`` (keyed by :func:`csv_names`), in place."""
    from foncier.io.results import write_csv

    for table in TABLES:
        if table in tables:
            write_csv(_csv_frame(table, tables[table]), paths[f"{table}.csv"], sep=";",
                      guard=False)


#: The official GeoPackage template (from the CNIG's repository), copied for every export.
TEMPLATE_GPKG = STANDARD_DIR / "sites_economiques_template.gpkg"
#: The side table holding what the template has no column for (one row per value).
EXTENSIONS_TABLE = "foncier_extensions"


@functools.cache
def template_columns(layer: str) -> tuple[tuple[str, str], ...]:
    """A template layer's attribute columns and their declared types (``TEXT(20)``,
    ``MEDIUMINT``...), read from the template itself (``fid`` and ``geom`` left out).

    Examples
    --------
    >>> dict(template_columns("pole_eco"))["pole_nb_site"], template_columns("site_eco")[0]
    ('MEDIUMINT', ('site_id', 'TEXT(20)'))
    """
    con = sqlite3.connect(f"file:{TEMPLATE_GPKG}?mode=ro", uri=True)
    try:
        rows = con.execute(f'PRAGMA table_info("{layer}")').fetchall()
    finally:
        con.close()
    return tuple((name, decl) for _, name, decl, *_ in rows if name not in ("fid", "geom"))


def _text_width(decl: str) -> int | None:
    """The width of a ``TEXT(n)`` column (None for plain ``TEXT``)."""
    return int(decl[5:-1]) if decl.startswith("TEXT(") else None


def _gpkg_frame(table: str, frame: gpd.GeoDataFrame, cut: list[str]
                ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A table as the template's layer (its columns and types only), and its extensions: the
    standard's fields the template lacks, exact values an integer column would round, and whole
    texts longer than their ``TEXT(n)`` column (cut there; ``cut`` collects those columns)."""
    layer = GPKG_LAYERS[table]
    fields = {f.column: f for f in schema_fields(table)}
    key = fields[KEYS[table].lower()].name
    ids = (frame[key] if key in frame.columns else pd.Series([None] * len(frame)))
    ids = ids.astype(object).to_numpy()
    cols: dict[str, object] = {}
    extra: list[pd.DataFrame] = []
    columns = dict(template_columns(layer))
    for col, decl in columns.items():
        f = fields[col]
        values = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame))
        values = values.reset_index(drop=True)
        if decl in INTEGER_TYPES:
            num = pd.to_numeric(values, errors="coerce").astype("float64")
            rounded = num.round()
            inexact = (num != rounded) & num.notna()
            if inexact.any():
                extra.append(_extension_rows(layer, ids[inexact.to_numpy()], col,
                                             num[inexact].map(_fmt_number)))
            cols[col] = rounded.astype("Int64")
        elif decl in ("REAL", "DOUBLE", "FLOAT"):
            cols[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            text = pd.Series([_text(v) for v in values.to_numpy(dtype=object)], dtype=object)
            width = _text_width(decl)
            if width is not None:
                long = text.map(lambda v, w=width: isinstance(v, str) and len(v) > w)
                if long.any():
                    extra.append(_extension_rows(layer, ids[long.to_numpy()], col, text[long]))
                    cut.append(f"{layer}.{col} ({int(long.sum())}, {width} caractères au plus)")
                    text[long] = text[long].str.slice(0, width)
            cols[col] = text
    for f in schema_fields(table):
        if f.column in columns or f.name == GEOMETRY_FIELDS[table] or f.name not in frame:
            continue
        values = pd.Series([_text(v) for v in frame[f.name].to_numpy(dtype=object)])
        keep = values.notna().to_numpy()
        if keep.any():
            extra.append(_extension_rows(layer, ids[keep], f.column, values[keep]))
    geoms = frame.geometry
    if _template()[layer]["geometry_type"].startswith("Multi"):
        geoms = gpd.GeoSeries(_to_multi(geoms.to_numpy()), crs=CRS)
    out = gpd.GeoDataFrame(pd.DataFrame(cols), geometry=geoms.to_numpy(), crs=CRS)
    extensions = (pd.concat(extra, ignore_index=True) if extra
                  else pd.DataFrame(columns=list(_EXTENSION_COLUMNS)))
    return out, extensions


INTEGER_TYPES = ("MEDIUMINT", "INTEGER", "INT", "SMALLINT", "TINYINT")
_EXTENSION_COLUMNS = ("layer", "id", "field", "value")


def _extension_rows(layer: str, ids, field: str, values: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"layer": layer, "id": list(ids), "field": field,
                         "value": values.astype(object).to_numpy()})


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
    """Write CNIG tables into a copy of the official GeoPackage template.

    The file is the template itself (GeoPackage 1.2: its four layers, their columns and
    declared types, ``TEXT(n)`` and ``MEDIUMINT`` included, and its QGIS ``layer_styles``) with
    the tables' rows appended, in EPSG:2154; absent tables leave their layer empty. Nothing is
    added to the template's layers: the standard's fields the template lacks
    (``site_geompoint``, ``terr_url_cartofriches``) and the exact value of a number an integer
    column rounds (the template's ``terr_m2_prix`` is an integer: 5.35 €/m² is written 5) go to
    the ``foncier_extensions`` side table (``layer``, ``id``, ``field``, ``value``), which
    :func:`read_extensions` reads back. A text longer than its ``TEXT(n)`` column (the
    standard's own example phone number ``03 89 45 16 78`` for ``etab_contact_tel TEXT(10)``) is
    cut to the width, its whole value kept in the side table, with a :class:`FoncierWarning`.

    Examples
    --------
    >>> import tempfile, pathlib, shapely, pyogrio
    >>> plot = gpd.GeoDataFrame({"terr_id": ["T1"], "site_id": ["S1"], "terr_m2_prix": [5.35]},
    ...                         geometry=[shapely.box(0, 0, 10, 10)], crs=CRS)
    >>> out = write_cnig_gpkg({"terrain-eco": plot}, pathlib.Path(tempfile.mkdtemp()) / "c.gpkg")
    >>> pyogrio.read_dataframe(out, layer="terrain_eco")["terr_m2_prix"].tolist()
    [5]
    >>> read_extensions(out)
    [('terrain_eco', 'T1', 'terr_m2_prix', '5.35')]
    """
    from foncier.io.store import atomic_write, write_gpkg_layer

    with atomic_write(path) as tmp:
        shutil.copyfile(TEMPLATE_GPKG, tmp)
        extensions, cut = [], []
        for table in TABLES:
            frame = tables.get(table)
            if frame is None or not len(frame):
                continue
            gdf, extra = _gpkg_frame(table, frame, cut)
            extensions.append(extra)
            pyogrio.write_dataframe(gdf, tmp, layer=GPKG_LAYERS[table], driver="GPKG",
                                    append=True, promote_to_multi=False)
        ext = pd.concat(extensions, ignore_index=True) if extensions else None
        if ext is not None and len(ext):
            write_gpkg_layer(ext, tmp, EXTENSIONS_TABLE, layer_options={
                "DESCRIPTION": "Champs du standard absents du modèle et valeurs exactes "
                               "(foncier)"})
    if cut:
        warnings.warn(f"{Path(path).name} : textes plus longs que les colonnes du modèle CNIG, "
                      f"coupés à leur largeur : {', '.join(cut)} ; les valeurs entières sont "
                      f"dans la table {EXTENSIONS_TABLE}.", FoncierWarning, stacklevel=2)
    return Path(path)


def read_extensions(path: str | os.PathLike) -> list[tuple[str, str, str, str]]:
    """The rows of a GeoPackage's ``foncier_extensions`` table (none when it has none):
    ``(layer, id, field, value)``."""
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        have = con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                           (EXTENSIONS_TABLE,)).fetchone()
        if not have:
            return []
        return [tuple(r) for r in con.execute(
            f'SELECT layer, id, field, value FROM "{EXTENSIONS_TABLE}" ORDER BY fid')]
    finally:
        con.close()
