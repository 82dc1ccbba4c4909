"""Validate inventory layers and normalize them to the data contract.

:func:`check_layers` collects every problem of a set of layers (missing layer or column, no CRS,
duplicate, null or blank ids, values not of their column's type, invalid / empty / non-polygon
geometries or NaN coordinates, unknown site ids, values outside the CNIG enumerations, a declared
area more than 10 % off) and returns them all at once, with the layers normalized (types coerced,
CRS Lambert-93, invalid geometries repaired). A value not of its column's type (``"gratuit"`` as
a price, ``"maybe"`` as a boolean) is never read as 0 or False: it is reported and becomes null.

:func:`restore_stored_values` puts back into layers read from a GeoPackage the values that GDAL
silently turned into numbers (SQLite lets a REAL column hold text, which GDAL reads as 0).

Examples
--------
>>> import geopandas as gpd, shapely
>>> plots = gpd.GeoDataFrame({"plot_id": ["P1"], "price_eur_m2": ["gratuit"]},
...                          geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:2154")
>>> layers, problems = check_layers({"plots": plots}, require_all=False)
>>> print([p for p in problems if p.severity == "error"][-1])
plots[P1]: price_eur_m2 = « gratuit » n'est pas un nombre : corrigez ou videz la valeur.
>>> layers["plots"]["price_eur_m2"].isna().tolist()
[True]
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from foncier.core.crs import to_lambert93
from foncier.core.missing import is_missing, missing_mask, text_objects
from foncier.core.schema import (
    CONSTRAINT_LEVELS,
    CRS,
    ENUMS,
    GEOMETRY_TYPES,
    ID_COLUMNS,
    LAYERS,
    REQUIRED_LAYERS,
)
from foncier.errors import Problem

if TYPE_CHECKING:  # at run time, imported by the functions that need it
    import geopandas as gpd

__all__ = ["check_layers", "restore_stored_values", "FATAL"]

log = logging.getLogger(__name__)

#: Problems that make an inventory unusable for matching (the others are reported by ``validate``).
FATAL = "error"

_TRUE = {"true", "1", "oui", "yes", "vrai", "t", "y", "o"}
_FALSE = {"false", "0", "non", "no", "faux", "f", "n"}
_POLY_TYPES = {"Polygon", "MultiPolygon"}
_MAX_LISTED = 20
#: Enumerations whose unknown values make the inventory unusable (the others are warnings).
_FATAL_ENUMS = {("constraints", "kind"), ("infrastructure", "kind")}
#: Longest value echoed in a message (longer ones are cut with « … »).
_SHOWN_CHARS = 60


def _cut(text: str) -> str:
    """``text`` cut to about 60 characters, ending with « … » when cut."""
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 1] + "…"


def _shown(value: Any) -> str:
    """A cell's value for a message, in « », cut to about 60 characters."""
    return f"« {_cut(str(value))} »"


def _ids(frame: pd.DataFrame, layer: str) -> pd.Series:
    """Each row's id as text (None when null or blank), or ``#1``, ``#2``... without id column."""
    col = ID_COLUMNS[layer]
    if col in frame.columns:
        column = frame[col]
        text = column.astype(object).astype(str).to_numpy(dtype=object)
        missing = missing_mask(column)
        text[missing] = ""
        # Blank: empty or only whitespace, that is ``str.strip() == ""``, without a Python call
        # per row.
        blank = missing | (text == "") | np.fromiter(map(str.isspace, text), dtype=bool,
                                                     count=len(text))
        text[blank] = None
        return pd.Series(text, index=frame.index, dtype=object)
    return pd.Series([f"#{i + 1}" for i in range(len(frame))], index=frame.index, dtype=object)


def _row_label(ids: pd.Series, pos: int) -> str:
    value = ids.iloc[pos]
    return _cut(str(value)) if value is not None else f"ligne {pos + 1}"


def _coerce_text(series: pd.Series) -> pd.Series:
    """A text column: every known value as ``str`` (``12.0`` -> ``"12"``), null as None."""
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
            series.dtype):
        values = text_objects(series)       # one str per distinct value when they are few
        if values is not None:
            return pd.Series(values, index=series.index, dtype=object)
        return series.astype(object).where(series.notna(), None)
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # Text already (a database's or a spreadsheet's column): only its missing values made
        # None, at once, not value by value (nine text columns of 100,000 rows: 0.04 s instead
        # of 0.28 s).
        values = values.copy()
        values[pd.isna(values)] = None
        return pd.Series(values, index=series.index, dtype=object)

    def conv(v):
        if is_missing(v):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return pd.Series([conv(v) for v in values], index=series.index, dtype=object)


def _coerce_real(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A numeric column as float64, and which known values were not numbers (now NaN)."""
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = values.isna().to_numpy() & ~missing_mask(series)
    return values, bad


def _coerce_bool(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A boolean column as pandas ``boolean``, and which known values were not booleans (now NA).

    Accepted: booleans, 0 and 1, and the words of ``_TRUE`` / ``_FALSE`` (any case).
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        known = ~np.isnan(values)
        bad = known & (values != 0) & (values != 1)
        out = pd.array(values == 1, dtype="boolean")
        out[~known | bad] = pd.NA
        return pd.Series(out, index=series.index), bad
    # Each distinct value is read once (a column holds a handful among many rows).
    raw = series.to_numpy(dtype=object)
    missing = missing_mask(series)
    codes, uniques = pd.factorize(np.where(missing, None, raw), use_na_sentinel=True)
    read = [_read_bool(v) for v in uniques]
    flags = np.array([r is True for r in read] + [False])
    known = np.array([r is not None for r in read] + [False])
    is_bad = np.array([r is None for r in read] + [False])
    values = pd.array(flags[codes], dtype="boolean")
    values[~known[codes]] = pd.NA
    return pd.Series(values, index=series.index), is_bad[codes] & ~missing


def _read_bool(value: Any) -> bool | None:
    """One known value as a boolean, or None when it is not one."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    return None


def _coerce_date(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A date column as ``datetime64[s]`` (day precision), and which known values were not dates."""
    values = pd.to_datetime(series, errors="coerce", format="mixed")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    values = values.dt.normalize().astype("datetime64[s]")
    bad = values.isna().to_numpy() & ~missing_mask(series)
    return values, bad


#: Column type -> (coercion, what the message says is expected).
_COERCERS = {
    "real": (_coerce_real, "un nombre"),
    "bool": (_coerce_bool, "un booléen (vrai/faux, oui/non)"),
    "date": (_coerce_date, "une date AAAA-MM-JJ"),
}


def check_layers(
    layers: Mapping[str, gpd.GeoDataFrame], *, repair: bool = True, require_all: bool = True,
    consume: bool = False,
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
    consume : bool, default False
        Take each layer out of ``layers`` (a dict) as it is checked, so that a caller that has
        just read them, and keeps no other reference, lets each go once its normalized copy is
        made (at 1,000,000 plots the plots as read hold 300 MB of text beside their copy).

    Returns
    -------
    layers : dict of str to GeoDataFrame
        Normalized copies in Lambert-93, with typed columns; missing optional columns are added
        as nulls (unknown). Layers with fatal problems are returned as they could be normalized.
    problems : list of Problem
        Every problem found; ``severity == "error"`` ones make the inventory unusable.
    """
    import geopandas as gpd

    problems: list[Problem] = []
    out: dict[str, gpd.GeoDataFrame] = {}

    if not consume:
        layers = dict(layers)
    for name in REQUIRED_LAYERS:
        if name not in layers and not require_all and name in ("constraints", "infrastructure"):
            spec = LAYERS[name]
            layers[name] = gpd.GeoDataFrame({c: [] for c in spec}, geometry=[], crs=CRS)
        elif name not in layers:
            problems.append(Problem(name, None, f"couche « {name} » absente : ajoutez-la (voir "
                                    "DESIGN.md : couches sites, plots, constraints, "
                                    "infrastructure)."))
    for name in [n for n in layers if n in LAYERS]:
        out[name] = _check_layer(name, layers.pop(name) if consume else layers[name], problems,
                                 repair=repair)

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
    """Check and normalize one layer, step by step (each step appends its problems)."""
    frame = _with_geometry(name, frame, problems)
    frame = _in_lambert93(name, frame, problems)
    id_present = ID_COLUMNS[name] in frame.columns
    frame = _coerce_columns(name, frame, _ids(frame, name), problems)
    ids = _ids(frame, name)
    if id_present:
        _check_ids(name, frame, ids, problems)
    _check_enumerations(name, frame, ids, problems)
    frame = _check_geometries(name, frame, ids, problems, repair=repair)
    return _ordered(name, frame)


def _with_geometry(name: str, frame: gpd.GeoDataFrame, problems: list[Problem]
                   ) -> gpd.GeoDataFrame:
    """A copy of the layer with an active geometry column named ``geometry``.

    A table without geometry is reported and given empty geometries, so the other checks run.
    """
    import geopandas as gpd

    geometry = None
    if isinstance(frame, gpd.GeoDataFrame):
        try:
            geometry = frame.geometry
        except AttributeError:  # a GeoDataFrame whose geometry column is not set
            geometry = None
    if geometry is None:
        problems.append(Problem(name, None, "couche sans géométrie : chaque entité doit avoir "
                                "une géométrie."))
        crs = frame.crs if isinstance(frame, gpd.GeoDataFrame) else CRS
        data = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
        return gpd.GeoDataFrame(data, geometry=[None] * len(frame), crs=crs or CRS)
    frame = frame.copy()
    return frame.rename_geometry("geometry") if geometry.name != "geometry" else frame


def _in_lambert93(name: str, frame: gpd.GeoDataFrame, problems: list[Problem]
                  ) -> gpd.GeoDataFrame:
    """The layer in Lambert-93 (:func:`~foncier.core.crs.to_lambert93`); without CRS, refused.

    A layer without CRS is kept as it is (its other problems are still collected); the message
    says how to declare a GeoDataFrame's CRS, the way layers reach this function.
    """
    found: list[Problem] = []
    out = to_lambert93(frame, where=name, problems=found)
    if out is None:
        problems.append(Problem(name, None, "aucun système de coordonnées (CRS) : déclarez-le "
                                "(par exemple `gdf.set_crs('EPSG:2154')` ou, dans QGIS, "
                                "« Définir la projection de la couche »), puis réessayez."))
        return frame
    problems.extend(found)
    return out


def _coerce_columns(name: str, frame: gpd.GeoDataFrame, ids: pd.Series,
                    problems: list[Problem]) -> gpd.GeoDataFrame:
    """Every column of the contract, typed; a value not of its column's type becomes null.

    Such a value is never read as 0 or False: it is reported (row, column, value, expected
    type). A missing optional column is added as nulls (unknown) with a warning.
    """
    for col, (kind, required) in LAYERS[name].items():
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
        coerce, what = _COERCERS[kind]
        frame[col], bad = coerce(series)
        for pos in np.flatnonzero(bad)[:_MAX_LISTED]:
            problems.append(Problem(name, _row_label(ids, pos), f"{col} = "
                                    f"{_shown(series.iloc[pos])} n'est pas {what} : corrigez ou "
                                    "videz la valeur."))
        if kind == "real":
            _check_quantities(name, col, frame, series, ids, problems)
    return frame


def _check_quantities(name: str, col: str, frame: gpd.GeoDataFrame, raw: pd.Series,
                      ids: pd.Series, problems: list[Problem]) -> None:
    """A numeric column holds finite, non-negative quantities (an infinite one becomes null)."""
    values = frame[col].to_numpy(dtype="float64")
    infinite = np.isinf(values)
    for pos in np.flatnonzero(infinite)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), f"{col} = {_shown(raw.iloc[pos])} "
                                "n'est pas un nombre fini : corrigez ou videz la valeur."))
    if infinite.any():
        frame[col] = np.where(infinite, np.nan, values)
    for pos in np.flatnonzero(values < 0)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), f"{col} = {raw.iloc[pos]} "
                                "est négatif : une quantité est positive ou nulle."))


def _check_ids(name: str, frame: gpd.GeoDataFrame, labels: pd.Series,
               problems: list[Problem]) -> None:
    """Ids are present (not null, not blank text: ``labels``, from :func:`_ids`, is None
    there) and unique."""
    id_col = ID_COLUMNS[name]
    ids = frame[id_col]
    blank = labels.isna().to_numpy()
    for pos in np.flatnonzero(blank)[:_MAX_LISTED]:
        problems.append(Problem(name, f"ligne {pos + 1}", f"{id_col} vide : chaque entité "
                                "doit avoir un identifiant unique."))
    dup = ids[~blank & ids.duplicated(keep=False).to_numpy()]
    counts = dup.value_counts(sort=False)       # one pass, not one scan per repeated id
    for value in dict.fromkeys(dup):
        count = int(counts[value])
        problems.append(Problem(name, value, f"{id_col} « {value} » en double ({count} "
                                "entités) : rendez chaque identifiant unique."))


def _check_enumerations(name: str, frame: gpd.GeoDataFrame, ids: pd.Series,
                        problems: list[Problem]) -> None:
    """Values of enumerated columns are CNIG values (an unknown constraint kind is an error)."""
    for (layer, col), allowed in ENUMS.items():
        if layer != name or col not in frame.columns:
            continue
        values = frame[col]
        bad = values.notna() & ~values.isin(allowed)
        sev = "error" if (layer, col) in _FATAL_ENUMS else "warning"
        shown = ", ".join(allowed[:12]) + (" ..." if len(allowed) > 12 else "")
        for pos in np.flatnonzero(bad.to_numpy())[:_MAX_LISTED]:
            problems.append(Problem(name, _row_label(ids, pos), f"{col} = "
                                    f"{_shown(values.iloc[pos])} n'est pas une valeur admise "
                                    f"({shown}).", sev))
    if name == "constraints" and "level" in frame.columns:
        lv = frame["level"]
        planned = frame["kind"].isin(("flood", "pprt"))
        bad = planned & lv.notna() & ~lv.isin(CONSTRAINT_LEVELS)
        for pos in np.flatnonzero(bad.to_numpy())[:_MAX_LISTED]:
            problems.append(Problem(name, _row_label(ids, pos), f"level = {_shown(lv.iloc[pos])} "
                                    ": pour flood et pprt, le niveau est « interdiction » ou "
                                    "« prescriptions ».", "warning"))


def _check_geometries(name: str, frame: gpd.GeoDataFrame, ids: pd.Series,
                      problems: list[Problem], *, repair: bool) -> gpd.GeoDataFrame:
    """Geometries are present, with finite coordinates, valid (or repaired) and of the right type.

    A geometry with a NaN or infinite coordinate is reported and dropped (GEOS cannot test it).
    """
    import geopandas as gpd

    geoms = frame.geometry.to_numpy().copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for pos in np.flatnonzero(missing)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), "géométrie vide ou absente : "
                                "dessinez l'entité."))
    non_finite = ~missing & ~_finite_coordinates(geoms)
    for pos in np.flatnonzero(non_finite)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), "coordonnées non finies (NaN ou "
                                "infinies) dans la géométrie : corrigez le tracé."))
    geoms[non_finite] = None
    present = ~missing & ~non_finite
    geoms = _repair_invalid(name, geoms, present, ids, problems, repair=repair)
    _check_geometry_types(name, geoms, present, ids, problems)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    if name == "plots":
        frame["area_ha"] = shapely.area(geoms) / 10_000.0
    return frame


def _finite_coordinates(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: whether every x and y coordinate is finite (no NaN, no infinity)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    out = np.ones(len(geoms), dtype=bool)
    out[index[~np.isfinite(coords).all(axis=1)]] = False
    return out


def _is_valid(geoms: np.ndarray) -> np.ndarray:
    """``shapely.is_valid``, on two threads for a large layer (GEOS releases the interpreter's
    lock: 0.16 -> 0.09 s for 126,000 geometries on 2 cores)."""
    import os

    if len(geoms) < _THREADED_FROM or (os.cpu_count() or 1) < 2:
        return shapely.is_valid(geoms)
    from foncier.io.threads import started

    half = len(geoms) // 2
    second = started(shapely.is_valid, geoms[half:], name="foncier-valid")
    return np.concatenate([shapely.is_valid(geoms[:half]), second.result()])


#: Geometries from which :func:`_is_valid` uses two threads.
_THREADED_FROM = 20_000


def _repair_invalid(name: str, geoms: np.ndarray, present: np.ndarray, ids: pd.Series,
                    problems: list[Problem], *, repair: bool) -> np.ndarray:
    """Invalid geometries reported (warnings) and, with ``repair``, fixed by ``make_valid``."""
    invalid = present & ~_is_valid(geoms)
    if not invalid.any():
        return geoms
    reasons = shapely.is_valid_reason(geoms[invalid])
    if repair:
        fixed = shapely.make_valid(geoms[invalid])
        if GEOMETRY_TYPES[name] == "polygon":
            fixed = _polygonal_part(fixed)
        geoms[invalid] = fixed
    verb = "réparée (make_valid)" if repair else "à corriger"
    for pos, why in zip(np.flatnonzero(invalid)[:_MAX_LISTED], reasons, strict=False):
        problems.append(Problem(name, _row_label(ids, pos), f"géométrie invalide ({why}), "
                                f"{verb} : vérifiez le tracé.", "warning"))
    return geoms


def _check_geometry_types(name: str, geoms: np.ndarray, present: np.ndarray, ids: pd.Series,
                          problems: list[Problem]) -> None:
    """Polygon layers hold (Multi)Polygons, the infrastructure layer Points."""
    types = shapely.get_type_id(geoms)
    if GEOMETRY_TYPES[name] == "polygon":
        wrong = present & ~np.isin(types, (3, 6))
        expected = "Polygon ou MultiPolygon"
    else:
        wrong = present & (types != 0)
        expected = "Point"
    for pos in np.flatnonzero(wrong)[:_MAX_LISTED]:
        problems.append(Problem(name, _row_label(ids, pos), f"géométrie de type "
                                f"{geoms[pos].geom_type}, {expected} attendu : redessinez "
                                "l'entité."))


def _ordered(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Contract columns first (then ``area_ha`` for plots, other columns, the geometry)."""
    keep = list(LAYERS[name]) + (["area_ha"] if name == "plots" else [])
    extra = [c for c in frame.columns if c not in keep and c != "geometry"]
    return frame[keep + extra + ["geometry"]].reset_index(drop=True)


#: SQLite declared types that GDAL reads as numbers (``BOOLEAN`` as a boolean).
_NUMERIC_DECLARED = ("INT", "REAL", "FLOA", "DOUB", "BOOL", "NUMERIC", "DECIMAL")


def restore_stored_values(path: str | Path, layers: dict[str, gpd.GeoDataFrame], *,
                          off_type: set[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Put back the stored values GDAL turned into numbers, so that :func:`check_layers` sees them.

    SQLite lets a REAL or BOOLEAN column of a GeoPackage hold text (``"gratuit"``, ``"maybe"``);
    GDAL reads such text as 0 (False). Each numeric or boolean column of the contract is searched
    for values of another storage type (text or blob; for booleans, numbers other than 0 and 1),
    and the stored value replaces the one read, in a copy of its layer. Rows are matched by the
    table's feature id, in the order GDAL reads them.

    Parameters
    ----------
    path : path
        The GeoPackage the layers were read from.
    layers : dict of str to GeoDataFrame
        The layers as :func:`foncier.io.store.read_layers` returned them.
    off_type : set of str, optional
        The layers :func:`off_type_layers` found holding such values, when it was run already
        (beside the read: it is a scan of the whole file); by default it is run now.

    Returns
    -------
    dict of str to GeoDataFrame
        The same layers, those with restored values copied. When the file cannot be read with
        SQLite (it was read by GDAL, so this is rare), the layers are returned unchanged.
    """
    if off_type is None:
        off_type = off_type_layers(path, list(layers))
    if not off_type:
        return layers
    con = _connect(path)
    if con is None:
        return layers
    out = dict(layers)
    try:
        for name in off_type:
            if name in layers:
                out[name] = _restore_layer(con, name, layers[name])
    except sqlite3.Error as exc:
        log.info("%s : valeurs stockées non vérifiées (%s)", path, exc)
        return layers
    finally:
        con.close()
    return out


def off_type_layers(path: str | Path, names) -> set[str]:
    """The layers of a GeoPackage whose numeric or boolean columns of the contract hold a value
    of another storage type (see :func:`restore_stored_values`): one scan of each table.

    SQLite runs the scan without the interpreter's lock, so it can run on a thread beside GDAL's
    read of the same file. Unreadable with SQLite: an empty set.
    """
    con = _connect(path)
    if con is None:
        return set()
    try:
        return {name for name in names if name in LAYERS and _has_off_type(con, name)}
    except sqlite3.Error as exc:
        log.info("%s : valeurs stockées non vérifiées (%s)", path, exc)
        return set()
    finally:
        con.close()


def _connect(path: str | Path) -> sqlite3.Connection | None:
    try:
        return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, ValueError, OSError):
        return None


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _off_type_wheres(con: sqlite3.Connection, name: str) -> tuple[dict[str, str], str]:
    """Per numeric or boolean column of the contract the table declares as a number, the SQL
    condition of an off-type value; and the table's primary key."""
    info = con.execute(f"PRAGMA table_info({_quoted(name)})").fetchall()
    declared = {row[1]: str(row[2] or "").upper() for row in info}
    pk = next((row[1] for row in info if row[5] == 1), "rowid")
    wheres = {}
    for col, (kind, _) in LAYERS[name].items():
        decl = declared.get(col, "")
        if kind not in ("real", "bool") or not any(t in decl for t in _NUMERIC_DECLARED):
            continue
        c = _quoted(col)
        where = f"typeof({c}) IN ('text', 'blob')"
        if kind == "bool":
            where += f" OR (typeof({c}) IN ('integer', 'real') AND {c} NOT IN (0, 1))"
        wheres[col] = where
    return wheres, pk


def _has_off_type(con: sqlite3.Connection, name: str) -> bool:
    """Whether any column of the table holds an off-type value (almost never): one scan."""
    wheres, _ = _off_type_wheres(con, name)
    return bool(wheres) and con.execute(
        f"SELECT 1 FROM {_quoted(name)} WHERE "
        + " OR ".join(f"({w})" for w in wheres.values()) + " LIMIT 1").fetchone() is not None


def _restore_layer(con: sqlite3.Connection, name: str, frame: gpd.GeoDataFrame
                   ) -> gpd.GeoDataFrame:
    """One layer with its off-type stored values put back (see :func:`restore_stored_values`)."""
    wheres, pk = _off_type_wheres(con, name)
    table, key = _quoted(name), _quoted(pk)
    positions: dict[int, int] | None = None
    for col, where in wheres.items():
        if col not in frame.columns:
            continue
        c = _quoted(col)
        rows = con.execute(f"SELECT {key}, {c} FROM {table} WHERE {where}").fetchall()
        if not rows:
            continue
        if positions is None:
            fids = [r[0] for r in con.execute(f"SELECT {key} FROM {table} ORDER BY {key}")]
            if len(fids) != len(frame):
                return frame
            positions = {fid: i for i, fid in enumerate(fids)}
            frame = frame.copy()
        values = frame[col].astype(object).to_numpy(copy=True)
        for fid, raw in rows:
            values[positions[fid]] = raw
        frame[col] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal part of repaired geometries (a bow-tie becomes two triangles)."""
    out = geoms.copy()
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in _POLY_TYPES]
            out[i] = shapely.union_all(parts) if parts else g
    return out
