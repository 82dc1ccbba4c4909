"""Validate inventory layers and normalize them to the data contract.

:func:`check_layers` collects every problem of a set of layers (missing layer or column, no CRS,
duplicate or null ids, invalid / empty / non-polygon geometries, unknown site ids, values outside
the CNIG enumerations, a declared area more than 10 % off) and returns them all at once, with the
layers normalized (types coerced, CRS Lambert-93, invalid geometries repaired).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.schema import CRS, ENUMS, GEOMETRY_TYPES, ID_COLUMNS, LAYERS, REQUIRED_LAYERS
from foncier.errors import Problem

__all__ = ["check_layers", "FATAL"]

log = logging.getLogger(__name__)

#: Problems that make an inventory unusable for matching (the others are reported by ``validate``).
FATAL = "error"

_TRUE = {"true", "1", "oui", "yes", "vrai", "t", "y", "o"}
_FALSE = {"false", "0", "non", "no", "faux", "f", "n"}
_POLY_TYPES = {"Polygon", "MultiPolygon"}
_MAX_LISTED = 20


def _ids(frame: pd.DataFrame, layer: str) -> pd.Series:
    col = ID_COLUMNS[layer]
    if col in frame.columns:
        return frame[col].astype(object).where(frame[col].notna(), None).map(
            lambda v: None if v is None else str(v)
        )
    return pd.Series([f"#{i + 1}" for i in range(len(frame))], index=frame.index, dtype=object)


def _row_label(ids: pd.Series, pos: int) -> str:
    value = ids.iloc[pos]
    return str(value) if value is not None else f"ligne {pos + 1}"


def _coerce_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
            series.dtype):
        return series.astype(object).where(series.notna(), None)

    def conv(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return pd.Series([conv(v) for v in series.to_numpy(dtype=object)], index=series.index,
                     dtype=object)


def _coerce_real(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = values.isna().to_numpy() & series.notna().to_numpy()
    return values, bad


def _coerce_bool(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        known = ~np.isnan(values)
        bad = known & (values != 0) & (values != 1)
        out = pd.array(values == 1, dtype="boolean")
        out[~known | bad] = pd.NA
        return pd.Series(out, index=series.index), bad
    raw = series.to_numpy(dtype=object)
    out = np.empty(len(raw), dtype=object)
    bad = np.zeros(len(raw), dtype=bool)
    for i, v in enumerate(raw):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out[i] = None
        elif isinstance(v, bool | np.bool_):
            out[i] = bool(v)
        elif isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
            out[i] = bool(v)
        elif isinstance(v, str) and v.strip().lower() in _TRUE:
            out[i] = True
        elif isinstance(v, str) and v.strip().lower() in _FALSE:
            out[i] = False
        else:
            out[i] = None
            bad[i] = True
    return pd.Series(pd.array(out.tolist(), dtype="boolean"), index=series.index), bad


def _coerce_date(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = pd.to_datetime(series, errors="coerce", format="mixed")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    values = values.dt.normalize().astype("datetime64[s]")
    bad = values.isna().to_numpy() & series.notna().to_numpy()
    return values, bad


def check_layers(
    layers: Mapping[str, gpd.GeoDataFrame], *, repair: bool = True, require_all: bool = True
) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """Check inventory layers against the data contract and normalize them.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The layers as read from a store (``sites``, ``plots``, ``constraints``, ``infrastructure``
        and optionally ``communes``).
    repair : bool, default True
        Repair invalid geometries with :func:`shapely.make_valid` (each repair is reported as a
        warning-level problem).
    require_all : bool, default True
        Report a missing ``constraints`` or ``infrastructure`` layer as an error; when False, a
        missing one is replaced by an empty layer.

    Returns
    -------
    layers : dict of str to GeoDataFrame
        Normalized copies in Lambert-93, with typed columns; missing optional columns are added
        as nulls (unknown). Layers with fatal problems are returned as they could be normalized.
    problems : list of Problem
        Every problem found; ``severity == "error"`` ones make the inventory unusable.
    """
    problems: list[Problem] = []
    out: dict[str, gpd.GeoDataFrame] = {}

    layers = dict(layers)
    for name in REQUIRED_LAYERS:
        if name not in layers and not require_all and name in ("constraints", "infrastructure"):
            spec = LAYERS[name]
            layers[name] = gpd.GeoDataFrame({c: [] for c in spec}, geometry=[], crs=CRS)
        elif name not in layers:
            problems.append(Problem(name, None, f"couche « {name} » absente : ajoutez-la (voir "
                                    "DESIGN.md : couches sites, plots, constraints, "
                                    "infrastructure)."))
    for name, frame in layers.items():
        if name not in LAYERS:
            continue
        out[name] = _check_layer(name, frame, problems, repair=repair)

    if "plots" in out and "sites" in out:
        plots, sites = out["plots"], out["sites"]
        known = set(sites["site_id"].dropna())
        unknown = plots["site_id"].notna() & ~plots["site_id"].isin(known)
        for pid, sid in zip(plots.loc[unknown, "plot_id"], plots.loc[unknown, "site_id"],
                            strict=True):
            problems.append(Problem("plots", pid, f"site_id « {sid} » inconnu dans la couche "
                                    "sites : corrigez-le ou laissez-le vide (terrain hors zone).",
                                    "warning"))
    if "plots" in out:
        plots = out["plots"]
        declared = plots["declared_area_ha"]
        area = plots["area_ha"]
        off = declared.notna() & (area > 0) & ((declared - area).abs() > 0.10 * area)
        for pid, d, a in zip(plots.loc[off, "plot_id"], declared[off], area[off], strict=True):
            problems.append(Problem("plots", pid, f"surface déclarée {d:.2f} ha, surface de la "
                                    f"géométrie {a:.2f} ha (écart > 10 %) : vérifiez la géométrie "
                                    "ou la surface déclarée.", "warning"))
    return out, problems


def _check_layer(name: str, frame: gpd.GeoDataFrame, problems: list[Problem], *,
                 repair: bool) -> gpd.GeoDataFrame:
    spec = LAYERS[name]
    frame = frame.copy()
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        problems.append(Problem(name, None, "couche sans géométrie : chaque entité doit avoir "
                                "une géométrie."))
        frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs=CRS)
    # CRS: refuse none, reproject others.
    if frame.crs is None:
        problems.append(Problem(name, None, "aucun système de coordonnées (CRS) : déclarez-le "
                                "(par exemple `gdf.set_crs('EPSG:2154')` ou, dans QGIS, "
                                "« Définir la projection de la couche »), puis réessayez."))
    elif not frame.crs.equals(CRS):
        src = frame.crs.to_string()
        frame = frame.to_crs(CRS)
        log.info("couche %s reprojetée de %s vers %s", name, src, CRS)
        problems.append(Problem(name, None, f"reprojetée de {src} vers {CRS} (Lambert-93).",
                                "info"))
    frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame

    ids = _ids(frame, name)
    id_missing = ID_COLUMNS[name] not in frame.columns
    for col, (kind, required) in spec.items():
        if col not in frame.columns:
            if required:
                problems.append(Problem(name, None, f"colonne obligatoire « {col} » absente : "
                                        "ajoutez-la."))
            elif not (name == "plots" and col == "declared_area_ha"):
                problems.append(Problem(name, None, f"colonne « {col} » absente : ses valeurs "
                                        "seront lues comme inconnues.", "warning"))
            frame[col] = None
        series = frame[col]
        if kind == "text":
            frame[col] = _coerce_text(series)
            continue
        if kind == "real":
            frame[col], bad = _coerce_real(series)
            what = "un nombre"
        elif kind == "bool":
            frame[col], bad = _coerce_bool(series)
            what = "un booléen (vrai/faux, oui/non)"
        else:
            frame[col], bad = _coerce_date(series)
            what = "une date AAAA-MM-JJ"
        for pos in np.flatnonzero(bad)[:_MAX_LISTED]:
            problems.append(Problem(name, _row_label(ids, pos), f"{col} = « {series.iloc[pos]} » "
                                    f"n'est pas {what} : corrigez ou videz la valeur."))
        if kind == "real":
            neg = np.flatnonzero((frame[col] < 0).to_numpy())
            for pos in neg[:_MAX_LISTED]:
                problems.append(Problem(name, _row_label(ids, pos), f"{col} = {series.iloc[pos]} "
                                        "est négatif : une quantité est positive ou nulle."))

    # Ids: present and unique.
    id_col = ID_COLUMNS[name]
    if not id_missing:
        ids = frame[id_col]
        for pos in np.flatnonzero(ids.isna().to_numpy())[:_MAX_LISTED]:
            problems.append(Problem(name, f"ligne {pos + 1}", f"{id_col} vide : chaque entité "
                                    "doit avoir un identifiant unique."))
        dup = ids[ids.notna() & ids.duplicated(keep=False)]
        for value in dict.fromkeys(dup):
            count = int((ids == value).sum())
            problems.append(Problem(name, value, f"{id_col} « {value} » en double ({count} "
                                    "entités) : rendez chaque identifiant unique."))
    ids = _ids(frame, name)

    # Enumerations.
    for (layer, col), allowed in ENUMS.items():
        if layer != name or col not in frame.columns:
            continue
        values = frame[col]
        bad = values.notna() & ~values.isin(allowed)
        for pos in np.flatnonzero(bad.to_numpy())[:_MAX_LISTED]:
            sev = "error" if (layer, col) in {("constraints", "kind"),
                                               ("infrastructure", "kind")} else "warning"
            shown = ", ".join(allowed[:12]) + (" ..." if len(allowed) > 12 else "")
            problems.append(Problem(name, _row_label(ids, pos), f"{col} = « {values.iloc[pos]} » "
                                    f"n'est pas une valeur admise ({shown}).", sev))
    if name == "constraints" and "level" in frame.columns:
        lv = frame["level"]
        planned = frame["kind"].isin(("flood", "pprt"))
        bad = planned & lv.notna() & ~lv.isin(("interdiction", "prescriptions"))
        for pos in np.flatnonzero(bad.to_numpy())[:_MAX_LISTED]:
            problems.append(Problem(name, _row_label(ids, pos), f"level = « {lv.iloc[pos]} » : "
                                    "pour flood et pprt, le niveau est « interdiction » ou "
                                    "« prescriptions ».", "warning"))

    # Geometries.
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for pos in np.flatnonzero(missing)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), "géométrie vide ou absente : "
                                "dessinez l'entité."))
    family = GEOMETRY_TYPES[name]
    present = ~missing
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        if repair:
            fixed = shapely.make_valid(geoms[invalid])
            if family == "polygon":
                fixed = _polygonal_part(fixed)
            geoms = geoms.copy()
            geoms[invalid] = fixed
            frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
        for pos, why in zip(np.flatnonzero(invalid)[:_MAX_LISTED], reasons, strict=False):
            verb = "réparée (make_valid)" if repair else "à corriger"
            problems.append(Problem(name, _row_label(ids, pos), f"géométrie invalide ({why}), "
                                    f"{verb} : vérifiez le tracé.", "warning"))
    types = shapely.get_type_id(geoms)
    if family == "polygon":
        wrong = present & ~np.isin(types, (3, 6))
        expected = "Polygon ou MultiPolygon"
    else:
        wrong = present & (types != 0)
        expected = "Point"
    for pos in np.flatnonzero(wrong)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), f"géométrie de type "
                                f"{geoms[pos].geom_type}, {expected} attendu : redessinez "
                                "l'entité."))
    if name == "plots":
        frame["area_ha"] = shapely.area(frame.geometry.to_numpy()) / 10_000.0
    keep = [c for c in spec] + (["area_ha"] if name == "plots" else [])
    extra = [c for c in frame.columns if c not in keep and c != "geometry"]
    frame = frame[keep + extra + ["geometry"]]
    return frame.reset_index(drop=True)


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal part of repaired geometries (a bow-tie becomes two triangles)."""
    out = geoms.copy()
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in _POLY_TYPES]
            out[i] = shapely.union_all(parts) if parts else g
    return out
