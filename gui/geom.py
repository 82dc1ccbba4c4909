"""Shapely geometries to Qt painter paths, vectorized.

A map of 100,000 plots cannot afford one Python call per vertex or per polygon. Qt reads a
:class:`QPainterPath` or a :class:`QPolygonF` from its binary :class:`QDataStream` form, so the
element arrays are laid out with numpy and handed over in one call (the technique of pyqtgraph's
``arrayToQPath``).

Scene coordinates are Lambert-93 with the northing negated (``y_scene = -northing``): Qt's y axis
points down, the map's north points up.

Only QtGui is used here (no widgets), so the PDF writer can run with a bare QGuiApplication.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, QPointF, QRectF
from PySide6.QtGui import QPainterPath, QPolygonF

__all__ = ["RingData", "ring_data_from_geometries", "path_from_rings", "path_from_geometries",
           "polygon_from_xy", "path_from_arrays", "scene_point", "l93_from_scene",
           "scene_rect_from_bounds"]

_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
MOVE_TO, LINE_TO = 0, 1


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


def _read(data: bytes, target):
    """Fill a Qt value from its big-endian QDataStream form (the byte array must outlive it)."""
    raw = QByteArray(data)
    stream = QDataStream(raw, QIODevice.OpenModeFlag.ReadOnly)
    stream >> target
    return target


def path_from_arrays(x: np.ndarray, y: np.ndarray, starts: np.ndarray) -> QPainterPath:
    n = len(x)
    if n == 0:
        return QPainterPath()
    buf = np.empty(n, dtype=_ELEMENT)
    buf["type"] = np.where(starts, MOVE_TO, LINE_TO)
    buf["x"] = x
    buf["y"] = y
    data = (np.array([n], dtype=">i4").tobytes() + buf.tobytes()
            + np.array([0, 0], dtype=">i4").tobytes())      # cStart, fill rule (odd-even)
    return _read(data, QPainterPath())


def path_from_rings(rings: RingData, mask: np.ndarray | None = None) -> QPainterPath:
    """One painter path of the rings of the geometries selected by ``mask`` (all by default)."""
    if mask is None:
        return path_from_arrays(rings.x, rings.y, rings.starts)
    v = rings.vertex_mask(mask)
    return path_from_arrays(rings.x[v], rings.y[v], rings.starts[v])


def path_from_geometries(geoms) -> QPainterPath:
    """One painter path of (multi)polygons, in scene coordinates (odd-even fill keeps holes).

    Examples
    --------
    >>> import shapely
    >>> p = path_from_geometries([shapely.box(0, 0, 10, 5)])
    >>> p.boundingRect().getRect()
    (0.0, -5.0, 10.0, 5.0)
    """
    return path_from_rings(ring_data_from_geometries(np.asarray(geoms, dtype=object)))


def polygon_from_xy(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    """A QPolygonF of points (scene coordinates), built in one call."""
    n = len(x)
    pts = np.empty((n, 2), dtype=">f8")
    pts[:, 0] = x
    pts[:, 1] = y
    return _read(np.array([n], dtype=">u4").tobytes() + pts.tobytes(), QPolygonF())


def scene_point(x: float, y: float) -> QPointF:
    """Scene point of a Lambert-93 coordinate."""
    return QPointF(float(x), -float(y))


def l93_from_scene(p: QPointF) -> tuple[float, float]:
    """Lambert-93 (easting, northing) of a scene point."""
    return p.x(), -p.y()


def scene_rect_from_bounds(bounds, *, margin: float = 0.0) -> QRectF:
    """Scene rectangle of Lambert-93 bounds ``(xmin, ymin, xmax, ymax)``, grown by a fraction."""
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    w, h = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    dx, dy = w * margin, h * margin
    return QRectF(xmin - dx, -ymax - dy, w + 2 * dx, h + 2 * dy)
