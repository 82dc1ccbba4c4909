"""The rings of (multi)polygons as flat numpy arrays, in scene coordinates (no Qt).

The map and the PDF draw many polygons at once; they need every vertex in one array, the ring
each vertex belongs to and the geometry each ring belongs to. :func:`ring_data_from_geometries`
lays them out with shapely's vectorized functions, without one Python call per polygon.
:mod:`gui.geom` turns them into Qt painter paths; :mod:`gui.model` keeps them per inventory,
and neither this module nor the model needs Qt.

Scene coordinates are Lambert-93 with the northing negated (``y_scene = -northing``): Qt's y axis
points down, the map's north points up.

Examples
--------
>>> import numpy as np, shapely
>>> two = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
>>> rings = ring_data_from_geometries(np.array([two, shapely.box(10, 0, 11, 1)]))
>>> rings.owner.tolist()                 # the geometry of each ring
[0, 0, 1]
>>> int(rings.vertex_mask(np.array([False, True])).sum())    # the second one's 5 vertices
5
>>> float(rings.y.min())                 # the northing, negated
-6.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["RingData", "ring_data_from_geometries"]


@dataclass(frozen=True)
class RingData:
    """Every vertex of a set of (multi)polygons, with the geometry each ring belongs to.

    Attributes
    ----------
    x, y : ndarray of float
        Vertex coordinates in scene space (y is the negated northing).
    ring : ndarray of int
        Ring index of each vertex.
    owner : ndarray of int
        For each ring, the position of its geometry in the input array.
    starts : ndarray of bool
        True at the first vertex of each ring.
    """

    x: np.ndarray
    y: np.ndarray
    ring: np.ndarray
    owner: np.ndarray
    starts: np.ndarray

    def vertex_mask(self, geometry_mask: np.ndarray) -> np.ndarray:
        """Vertices of the geometries selected by a boolean mask over the input geometries."""
        return geometry_mask[self.owner][self.ring]


def ring_data_from_geometries(geoms: np.ndarray) -> RingData:
    """Decompose (multi)polygons into rings, vectorized.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> rd = ring_data_from_geometries(np.array([shapely.box(0, 0, 1, 1)]))
    >>> len(rd.x), int(rd.starts.sum()), float(rd.y.min())
    (5, 1, -1.0)
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    starts = np.ones(len(ring), dtype=bool)
    if len(ring):
        starts[1:] = ring[1:] != ring[:-1]
    owner = part_owner[ring_part] if len(ring_part) else np.zeros(0, dtype=np.int64)
    return RingData(x=coords[:, 0].copy(), y=-coords[:, 1], ring=ring, owner=owner,
                    starts=starts)
