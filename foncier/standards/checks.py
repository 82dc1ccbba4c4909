"""Checks shared by the standards' readers: plausible coordinates, values shown in messages.

A value echoed in a message is cut to about 60 characters (:func:`shown`); coordinates that are
not finite, or that cannot be Lambert-93 over France, are found by :func:`implausible`.

Examples
--------
>>> import shapely
>>> shown("x" * 100)[-3:], len(shown("x" * 100))
('xx…', 61)
>>> geoms = [shapely.Point(650_000, 6_860_000), shapely.Point(2.35, 48.85),
...          shapely.Point(float("inf"), 0), None]
>>> implausible(geoms, lambert93=True).tolist()
[False, True, True, False]
>>> implausible(geoms, lambert93=False).tolist()
[False, False, True, False]
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["shown", "implausible", "L93_FRANCE", "MAX_SHOWN"]

#: Longest value echoed whole in a message.
MAX_SHOWN = 60
#: (xmin, ymin, xmax, ymax) of Lambert-93 (EPSG:2154) over metropolitan France and Corsica,
#: with a margin: coordinates outside cannot be Lambert-93 of a French site.
L93_FRANCE = (-400_000.0, 5_900_000.0, 1_400_000.0, 7_300_000.0)
#: Largest magnitude of a coordinate in any CRS foncier reads (metres or degrees).
_MAX_COORD = 1e8


def shown(value, limit: int = MAX_SHOWN) -> str:
    """``value`` as text, cut to ``limit`` characters followed by « … » when longer."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def implausible(geoms, *, lambert93: bool) -> np.ndarray:
    """Per geometry: whether one of its coordinates is not finite or out of range.

    Out of range means outside :data:`L93_FRANCE` when ``lambert93``, beyond 10⁸ otherwise.
    Missing geometries are not implausible.
    """
    geoms = np.asarray(geoms, dtype=object)
    bad = np.zeros(len(geoms), dtype=bool)
    if len(geoms) == 0:
        return bad
    coords, index = shapely.get_coordinates(geoms, include_z=True, return_index=True)
    finite = np.isfinite(coords[:, :2]).all(axis=1) & ~np.isinf(coords[:, 2])
    with np.errstate(invalid="ignore"):
        if lambert93:
            x0, y0, x1, y1 = L93_FRANCE
            inside = ((coords[:, 0] >= x0) & (coords[:, 0] <= x1)
                      & (coords[:, 1] >= y0) & (coords[:, 1] <= y1))
        else:
            inside = (np.abs(coords[:, :2]) <= _MAX_COORD).all(axis=1)
    wrong = ~(finite & inside)
    np.logical_or.at(bad, index[wrong], True)
    return bad
