"""The one Lambert-93 helper: every layer that enters foncier goes through :func:`to_lambert93`.

Data in another CRS is reprojected (and the reprojection logged and reported as an ``info``
problem); data with no CRS is refused with a message that says how to declare it. Areas and
distances are then always computed in metres.

Examples
--------
>>> import geopandas as gpd, shapely
>>> wgs = gpd.GeoDataFrame(geometry=[shapely.Point(-1.0, 49.0)], crs="EPSG:4326")
>>> problems = []
>>> l93 = to_lambert93(wgs, where="plots", problems=problems)
>>> l93.crs.to_epsg(), problems[0].severity
(2154, 'info')
>>> to_lambert93(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]), where="plots",
...              problems=problems) is None
True
>>> "aucun système de coordonnées" in problems[-1].message
True
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from foncier.core.schema import CRS
from foncier.errors import Problem

if TYPE_CHECKING:  # at run time, imported by the functions that need it
    import geopandas as gpd

__all__ = ["CRS", "to_lambert93", "NO_CRS_HINT"]

log = logging.getLogger("foncier")

#: How to declare a missing CRS, for every message that refuses such data.
NO_CRS_HINT = ("déclarez-le (paramètre `crs`, par exemple « EPSG:2154 » pour du Lambert-93 ou "
               "« EPSG:4326 » pour du GPS ; dans QGIS, « Définir la projection de la couche »), "
               "puis réessayez.")


def to_lambert93(frame: gpd.GeoDataFrame, *, where: str, problems: list[Problem],
                 declared: str | None = None) -> gpd.GeoDataFrame | None:
    """``frame`` in EPSG:2154, or ``None`` (with an error in ``problems``) when it has no CRS.

    Parameters
    ----------
    frame : GeoDataFrame
        The layer as read.
    where : str
        The layer or file named in the problems.
    problems : list of Problem
        Receives an ``info`` problem when the layer is reprojected, an error when it has no CRS.
    declared : str, optional
        A CRS to assume when the data has none (e.g. ``"EPSG:2154"``).
    """
    if frame.crs is None:
        if declared is None:
            problems.append(Problem(where, None, "aucun système de coordonnées (CRS) : "
                                    + NO_CRS_HINT))
            return None
        frame = frame.set_crs(declared)
    if frame.crs.equals(CRS):
        return frame
    src = frame.crs.to_string()
    out = frame.to_crs(CRS)
    log.info("couche %s reprojetée de %s vers %s", where, src, CRS)
    problems.append(Problem(where, None, f"reprojetée de {src} vers {CRS} (Lambert-93).", "info"))
    return out
