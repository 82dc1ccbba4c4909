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

    Polygons without holes (most plots) are read with one :func:`shapely.get_coordinates` call
(no shapely object per ring); the others through :func:`shapely.get_parts` and
:func:`shapely.get_rings`, then merged back in the input's order.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> rd = ring_data_from_geometries(np.array([shapely.box(0, 0, 1, 1)]))
    >>> len(rd.x), int(rd.starts.sum()), float(rd.y.min())
    (5, 1, -1.0)
    """
    geoms = np.asarray(geoms, dtype=object)
    simple = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    if simple.all():
        coords = shapely.get_coordinates(geoms)
        counts = shapely.get_num_coordinates(geoms)
        ring = np.repeat(np.arange(len(geoms), dtype=np.int64), counts)
        return _ring_data(coords, ring, np.arange(len(geoms), dtype=np.int64))
    if not simple.any():
        return _ring_data(*_split_rings(geoms))
    coords, ring, owner = _split_rings(geoms[~simple])
    return _ring_data(*_merge_simple(geoms, simple, coords, ring, owner))


def _ring_data(coords: np.ndarray, ring: np.ndarray, owner: np.ndarray) -> RingData:
    starts = np.ones(len(ring), dtype=bool)
    if len(ring):
        starts[1:] = ring[1:] != ring[:-1]
    return RingData(x=coords[:, 0].copy(), y=-coords[:, 1], ring=ring, owner=owner,
                    starts=starts)


def _split_rings(geoms: np.ndarray):
    """(coordinates, ring of each vertex, geometry of each ring) of any geometries, through
    their parts and rings."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    owner = part_owner[ring_part] if len(ring_part) else np.zeros(0, dtype=np.int64)
    return coords, ring, owner


def _merge_simple(geoms: np.ndarray, simple: np.ndarray, coords, ring, owner):
    """The rings of every geometry: the simple polygons' (one ring each, read in one call)
    with the others' (``coords, ring, owner`` of ``geoms[~simple]``), in the input's order."""
    simple_at = np.flatnonzero(simple)
    other_at = np.flatnonzero(~simple)
    s_coords = shapely.get_coordinates(geoms[simple_at])
    s_owner = np.repeat(simple_at, shapely.get_num_coordinates(geoms[simple_at]))
    o_owner = other_at[owner[ring]] if len(ring) else np.zeros(0, dtype=np.int64)
    # A ring label unique across both: the simple ones' after the others'.
    o_label = ring
    s_label = len(owner) + np.repeat(np.arange(len(simple_at), dtype=np.int64),
                                     shapely.get_num_coordinates(geoms[simple_at]))
    v_owner = np.concatenate([o_owner, s_owner])
    order = np.argsort(v_owner, kind="stable")
    label = np.concatenate([o_label, s_label])[order]
    all_coords = np.concatenate([coords.reshape(-1, 2), s_coords])[order]
    new = np.ones(len(label), dtype=bool)
    new[1:] = label[1:] != label[:-1]
    ring_out = np.cumsum(new) - 1
    return all_coords, ring_out, v_owner[order][new]
