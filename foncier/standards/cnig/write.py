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

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from foncier.core.schema import CRS
from foncier.standards.cnig.schema import (
    GEOMETRY_FIELDS,
    GPKG_LAYERS,
    TABLES,
    _fields,
    _names,
    _template,
    schema_fields,
)

__all__ = ["write_cnig_csv", "write_cnig_gpkg"]


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


