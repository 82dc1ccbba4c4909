"""Shapely geometries (or their rings, :mod:`gui.rings`) to Qt painter paths, vectorized.

A map of 100,000 plots cannot afford one Python call per vertex or per polygon. Qt reads a
:class:`QPainterPath` or a :class:`QPolygonF` from its binary :class:`QDataStream` form, so the
element arrays are laid out with numpy and handed over in one call (the technique of pyqtgraph's
``arrayToQPath``).

Scene coordinates are Lambert-93 with the northing negated (``y_scene = -northing``): Qt's y axis
points down, the map's north points up.

Only QtGui is used here (no widgets), so the PDF writer can run with a bare QGuiApplication.
The rings themselves (numpy arrays, no Qt) are laid out by :mod:`gui.rings`.

Examples
--------
>>> import numpy as np, shapely
>>> from foncier_gui.rings import ring_data_from_geometries
>>> rings = ring_data_from_geometries(np.array([shapely.box(0, 0, 10, 5),
...                                             shapely.box(20, 0, 30, 5)]))
>>> path_from_rings(rings, np.array([False, True])).boundingRect().getRect()
(20.0, -5.0, 10.0, 5.0)
>>> l93_from_scene(scene_point(652_000, 6_862_000))
(652000.0, 6862000.0)
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, QPointF, QRectF
from PySide6.QtGui import QPainterPath, QPolygonF

from .rings import RingData, ring_data_from_geometries

__all__ = ["path_from_rings", "path_from_geometries", "polygon_from_xy", "path_from_arrays",
           "scene_point", "l93_from_scene", "scene_rect_from_bounds"]

_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
MOVE_TO, LINE_TO = 0, 1


def _read(data: bytes, target):
    """Fill a Qt value from its big-endian QDataStream form (the byte array must outlive it)."""
    raw = QByteArray(data)
    stream = QDataStream(raw, QIODevice.OpenModeFlag.ReadOnly)
    stream >> target
    return target


def path_from_arrays(x: np.ndarray, y: np.ndarray, starts: np.ndarray) -> QPainterPath:
    """One painter path of vertices (scene coordinates), a new subpath where ``starts`` is True.

    Examples
    --------
    >>> import numpy as np
    >>> p = path_from_arrays(np.array([0.0, 4.0, 4.0]), np.array([0.0, 0.0, -3.0]),
    ...                      np.array([True, False, False]))
    >>> p.elementCount(), p.boundingRect().getRect()
    (3, (0.0, -3.0, 4.0, 3.0))
    """
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
