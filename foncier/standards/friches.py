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
left out. Values nothing can mean (a surface of ``inf`` or larger than France, coordinates that
are not finite or out of range) are refused, naming the line and field; so is a file the reader
cannot parse consistently (a row with more or fewer values than the header, an unclosed quote,
an empty file).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "friches.csv"
>>> _ = path.write_text("site_id;geompoint;unite_fonciere_surface\\n"
...                     "F1;POINT (-1.45 48.97);10000\\nF2;POINT (-1.4 48.9);inf\\n",
...                     encoding="utf-8")
>>> plots_from_friches(read_friches(path))        # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
FricheError: unite_fonciere_surface[ligne 3]: « inf » n'est pas une surface possible
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.crs import to_lambert93
from foncier.core.missing import missing_mask
from foncier.core.schema import CRS
from foncier.errors import FricheError, Problem
from foncier.standards.checks import csv_records, implausible, shown

__all__ = ["read_friches", "plots_from_friches", "import_friches", "FricheError"]

MISSING = ["", "NA", "NaN", "N/A"]
REQUIRED = ("site_id", "geompoint", "unite_fonciere_surface")
PREFIX = "friche_"
#: Largest possible surface of a friche, in m² (more than metropolitan France's 5.5 × 10¹¹).
MAX_SURFACE_M2 = 1e12


def _text_of(path: Path) -> str:
    if path.is_dir():
        raise FricheError([Problem(path.name, None, "c'est un dossier : donnez le fichier CSV "
                                   "des friches.")])
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FricheError([Problem(path.name, None, f"fichier introuvable ({path}) : vérifiez "
                                   "le chemin.")]) from None
    except UnicodeDecodeError:
        raise FricheError([Problem(path.name, None, "le fichier n'est pas en UTF-8 : "
                                   "réenregistrez-le en UTF-8.")]) from None


def _csv_rows(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and every (line, values) row; an unparsable file is refused naming the line."""
    header, rows = csv_records(text, name, FricheError)
    if not header:
        raise FricheError([Problem(name, None, "fichier vide : ce n'est pas un fichier du "
                                   "standard CNIG Friches.")])
    return header, rows


def read_friches(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CNIG Friches CSV as text (missing values as None), with a ``_row`` line label.

    Raises
    ------
    FricheError
        Not a file, not UTF-8, empty, a required column missing or given twice, a row whose
        number of values differs from the header's, an unclosed quote: every problem names
        its line.
    """
    path = Path(path)
    header, rows = _csv_rows(_text_of(path), path.name)
    problems = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(Problem(path.name, None, f"colonnes {', '.join(missing)} absentes : "
                                "ce n'est pas un fichier du standard CNIG Friches (séparateur "
                                "« ; »)."))
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        problems.append(Problem(path.name, "ligne 1", f"colonne(s) {', '.join(map(shown, twice))} "
                                "en double dans l'en-tête : gardez-en une seule."))
    n = len(header)
    for line, row in rows:
        if len(row) != n:
            problems.append(Problem(path.name, f"ligne {line}", f"{len(row)} valeurs pour {n} "
                                    "colonnes : un « ; » non protégé par des guillemets, ou un "
                                    "champ en trop ou manquant ; corrigez la ligne."))
    if problems:
        raise FricheError(problems)
    frame = pd.DataFrame([r for _, r in rows], columns=header, dtype=object)
    frame = frame.where(~frame.isin(MISSING), None)
    frame.insert(0, "_row", [f"ligne {line}" for line, _ in rows])
    return frame


def _wkt(values: pd.Series) -> np.ndarray:
    """The WKT values parsed (None where unreadable); ``1e999`` gives an infinite coordinate,
    refused afterwards by :func:`_impossible`, not a raw overflow warning."""
    text = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
    with np.errstate(all="ignore"):
        return shapely.from_wkt(text, on_invalid="ignore")


def _to_lambert(geoms: np.ndarray) -> np.ndarray:
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return geoms
    x0, y0, x1, y1 = shapely.total_bounds(present)
    if -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90:    # WGS84, as Cartofriches exports
        frame = gpd.GeoDataFrame(geometry=list(geoms), crs="EPSG:4326")
        return to_lambert93(frame, where="friches", problems=[]).geometry.to_numpy()
    return geoms


def _impossible(frame: pd.DataFrame, surface: np.ndarray, geoms: dict[str, np.ndarray],
                source: str) -> list[Problem]:
    """Surfaces and coordinates nothing can mean, naming line and field."""
    out = []
    raw = frame["unite_fonciere_surface"]
    with np.errstate(invalid="ignore"):
        wrong = np.isinf(surface) | (surface < 0) | (surface > MAX_SURFACE_M2)
    for pos in np.flatnonzero(wrong):
        out.append(Problem(f"{source}.unite_fonciere_surface", frame["_row"].iloc[pos],
                           f"« {shown(raw.iloc[pos])} » n'est pas une surface possible : "
                           "nombre de m² fini, positif et inférieur à la surface de la France "
                           "attendu."))
    for field, values in geoms.items():
        for pos in np.flatnonzero(implausible(values, lambert93=False)):
            out.append(Problem(f"{source}.{field}", frame["_row"].iloc[pos], "coordonnées non "
                               f"finies ou démesurées « {shown(frame[field].iloc[pos])} » : "
                               "corrigez la géométrie (WKT en WGS84)."))
    return out


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
    bad_surface = ~missing_mask(frame["unite_fonciere_surface"]) & missing_mask(surface)
    raw = {"geompoint": _wkt(frame["geompoint"])}
    if "geomsurf" in frame.columns:
        raw["geomsurf"] = _wkt(frame["geomsurf"])
    impossible = _impossible(frame, surface, raw, source)
    if impossible:
        raise FricheError(impossible)
    polys = _to_lambert(raw.get("geomsurf", np.full(len(frame), None, dtype=object)))
    points = _to_lambert(raw["geompoint"])
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
                                f"surface « {shown(frame['unite_fonciere_surface'].iloc[pos])} » : "
                                "nombre de m² attendu.", "warning"))
    for pos in np.flatnonzero(~has_poly & ~can_buffer):
        problems.append(Problem(source, frame["_row"].iloc[pos], f"friche {shown(ids.iloc[pos])} "
                                "ni polygone (geomsurf) ni point avec surface "
                                "(geompoint, unite_fonciere_surface) : ignorée.", "warning"))
    for pos in np.flatnonzero(missing_mask(ids)):
        problems.append(Problem(f"{source}.site_id", frame["_row"].iloc[pos],
                                "identifiant vide : friche ignorée.", "warning"))
    keep = (has_poly | can_buffer) & ~missing_mask(ids)
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
    return "?" if missing_mask([v])[0] else f"{v:.0f}"


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
        problems.append(Problem(Path(path).name, shown(pid), "friche en double dans le fichier : "
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
