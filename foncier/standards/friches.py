"""Brownfields from the CNIG "Friches" standard (Cartofriches exports).

:func:`plots_from_friches` turns a CNIG Friches CSV (``;``-separated UTF-8, ``geompoint`` /
``geomsurf`` as WKT in WGS84, surfaces in m², ``NA`` for missing values) into brownfield plots:

- ``plot_id`` is the friche's ``site_id`` (kept as is, so a second import updates the plots);
- ``brownfield`` is true, ``occupancy`` is ``friche``, ``cadastral_refs`` is
  ``unite_fonciere_refcad`` and ``declared_area_ha`` is ``unite_fonciere_surface`` / 10 000;
- the geometry is ``geomsurf`` when present; otherwise the ``geompoint`` buffered to a disc of the
  unit's surface (``unite_fonciere_surface``), and the column ``friche_geometrie`` says so
  (``disque de N m² autour du point``, or ``polygone`` for a drawn outline);
- ``site_id`` is the activity zone that contains the friche, if any (null otherwise);
- every field of the standard is kept in a ``friche_<field>`` column.

A friche with neither polygon nor (point and surface) cannot become a plot: it is reported and
left out.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.schema import CRS
from foncier.errors import InventoryError, Problem

__all__ = ["read_friches", "plots_from_friches", "import_friches", "FricheError"]

MISSING = ["", "NA", "NaN", "N/A"]
REQUIRED = ("site_id", "geompoint", "unite_fonciere_surface")
PREFIX = "friche_"


class FricheError(InventoryError):
    """A CNIG Friches file cannot be read: every problem names its row and field."""


def read_friches(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CNIG Friches CSV as text (missing values as None), with a ``_row`` line label."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    except FileNotFoundError:
        raise FricheError(f"fichier introuvable : {path}. Vérifiez le chemin.") from None
    except UnicodeDecodeError:
        raise FricheError(f"{path}: le fichier n'est pas en UTF-8 : réenregistrez-le en "
                          "UTF-8.") from None
    except pd.errors.ParserError as exc:
        raise FricheError(f"{path}: CSV illisible ({exc}) ; séparateur « ; » attendu.") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise FricheError(f"{path}: colonnes {', '.join(missing)} absentes : ce n'est pas un "
                          "fichier du standard CNIG Friches (séparateur « ; »).")
    frame = frame.astype(object)
    frame = frame.where(~frame.isin(MISSING) & frame.notna(), None)
    frame.insert(0, "_row", [f"ligne {i + 2}" for i in range(len(frame))])
    return frame


def _wkt(values: pd.Series) -> np.ndarray:
    text = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
    return shapely.from_wkt(text, on_invalid="ignore")


def _to_lambert(geoms: np.ndarray) -> np.ndarray:
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return geoms
    x0, y0, x1, y1 = shapely.total_bounds(present)
    if -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90:    # WGS84, as Cartofriches exports
        return gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(CRS).to_numpy()
    return geoms


def plots_from_friches(frame: pd.DataFrame, *, source: str = "friches"
                       ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Brownfield plots from a friches table (see the module's documentation).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"_row": ["ligne 2"], "site_id": ["50419_27068"],
    ...                   "geompoint": ["POINT (-1.45 48.97)"], "geomsurf": [None],
    ...                   "unite_fonciere_surface": ["10000"], "unite_fonciere_refcad": [None]})
    >>> plots, problems = plots_from_friches(f)
    >>> round(float(plots.geometry.area.iloc[0])), plots.loc[0, "friche_geometrie"]
    (10000, 'disque de 10000 m² autour du point')
    """
    problems: list[Problem] = []
    surface = pd.to_numeric(frame["unite_fonciere_surface"], errors="coerce").to_numpy(float)
    bad_surface = frame["unite_fonciere_surface"].notna().to_numpy() & np.isnan(surface)
    polys = _to_lambert(_wkt(frame["geomsurf"] if "geomsurf" in frame.columns
                             else pd.Series([None] * len(frame), dtype=object)))
    points = _to_lambert(_wkt(frame["geompoint"]))
    has_poly = ~shapely.is_missing(polys) & np.isin(shapely.get_type_id(polys), (3, 6))
    can_buffer = ~has_poly & ~shapely.is_missing(points) & (surface > 0)
    radius = np.sqrt(np.where(can_buffer, surface, 0) / np.pi)
    # A 64-segment disc has ~0.16 % less area than the circle: scale the radius to keep the area.
    radius *= np.sqrt(np.pi / (32 * np.sin(2 * np.pi / 64)))
    discs = shapely.buffer(points, radius, quad_segs=16)
    geoms = np.where(has_poly, polys, np.where(can_buffer, discs, None))
    note = np.where(has_poly, "polygone",
                    [f"disque de {_fmt_m2(s)} m² autour du point" for s in surface])
    ids = frame["site_id"]
    for pos in np.flatnonzero(bad_surface):
        problems.append(Problem(f"{source}.unite_fonciere_surface", frame["_row"].iloc[pos],
                                f"surface « {frame['unite_fonciere_surface'].iloc[pos]} » : "
                                "nombre de m² attendu.", "warning"))
    for pos in np.flatnonzero(~has_poly & ~can_buffer):
        problems.append(Problem(source, frame["_row"].iloc[pos], f"friche {ids.iloc[pos]} "
                                "ni polygone (geomsurf) ni point avec surface "
                                "(geompoint, unite_fonciere_surface) : ignorée.", "warning"))
    for pos in np.flatnonzero(ids.isna().to_numpy()):
        problems.append(Problem(f"{source}.site_id", frame["_row"].iloc[pos],
                                "identifiant vide : friche ignorée.", "warning"))
    keep = (has_poly | can_buffer) & ids.notna().to_numpy()
    extras = {PREFIX + c: frame[c].to_numpy(dtype=object) for c in frame.columns
              if c not in ("_row",)}
    plots = gpd.GeoDataFrame({
        "plot_id": ids.to_numpy(dtype=object),
        "site_id": None,
        "cadastral_refs": (frame["unite_fonciere_refcad"].to_numpy(dtype=object)
                           if "unite_fonciere_refcad" in frame.columns else None),
        "occupancy": "friche",
        "brownfield": True,
        "declared_area_ha": surface / 10_000.0,
        "friche_geometrie": note,
        **extras,
    }, geometry=list(geoms), crs=CRS)
    return plots.loc[keep].reset_index(drop=True), problems


def _fmt_m2(v: float) -> str:
    return "?" if np.isnan(v) else f"{v:.0f}"


def _zone_of(plots: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> np.ndarray:
    """The site containing each plot's representative point (None outside every zone)."""
    out = np.full(len(plots), None, dtype=object)
    if len(sites) == 0 or len(plots) == 0:
        return out
    pts = shapely.point_on_surface(plots.geometry.to_numpy())
    pi, si = shapely.STRtree(sites.geometry.to_numpy()).query(pts, predicate="within")
    out[pi] = sites["site_id"].to_numpy(dtype=object)[si]
    return out


def import_friches(path: str | os.PathLike, target: str | os.PathLike):
    """Add the friches of a CNIG Friches CSV to an inventory as brownfield plots.

    Friches whose id is already a plot of the inventory replace it (a new import updates them).

    Returns
    -------
    added, replaced : int
    problems : list of Problem
        The friches left out, and surfaces that could not be read.
    """
    from foncier.core.inventory import open_inventory
    from foncier.standards.public_layers import update_inventory

    frame = read_friches(path)
    new, problems = plots_from_friches(frame, source=Path(path).name)
    dup = new["plot_id"].duplicated()
    for pid in new.loc[dup, "plot_id"]:
        problems.append(Problem(Path(path).name, pid, "friche en double dans le fichier : "
                                "seule la première est gardée.", "warning"))
    new = new.loc[~dup]
    inv = open_inventory(target)
    new["site_id"] = _zone_of(new, inv.sites)
    old = inv.plots.drop(columns="area_ha")
    replaced = old["plot_id"].isin(set(new["plot_id"]))
    merged = pd.concat([old.loc[~replaced], new], ignore_index=True)
    plots = gpd.GeoDataFrame(merged, geometry="geometry", crs=CRS)
    update_inventory(target, {"plots": plots})
    return len(new) - int(replaced.sum()), int(replaced.sum()), problems
