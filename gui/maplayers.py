"""Static map layers that stay fast at any zoom: level of detail, spatial tiles, one cached image.

A layer of 20,000 irregular polygons drawn as one painter path costs its every vertex at every
repaint, and 2,000 symbols drawn one item each cost a Python call per symbol. Here:

- :class:`PolygonLayer` keeps, per *band* of scale, its polygons simplified to within about one
  pixel at that scale (polygons smaller than that become one-pixel dots), split into a grid of
  painter paths so that only the tiles in view are drawn. Bands are built once, lazily or ahead in
  idle time (:meth:`PolygonLayer.prepare_band`).
- :class:`InfraLayer` stamps one pre-rendered symbol image at each visible point, positions
  computed with numpy; points closer than a symbol are grouped into one symbol with their count
  (so infrastructure never buries the map when zoomed out).
- :class:`LayerGroup` paints its visible layers into one image covering the view plus a margin and
  reuses it while the scale and the visible layers stay and the view stays inside the margin:
  repaints for a new selection or new statuses, and small pans, only copy it.

Only the plots change with a match; they are not in a group (see ``gui.mapview.PlotLayer``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from foncier.palette import INK_HEX

from .geom import path_from_arrays, polygon_from_xy
from .rings import ring_data_from_geometries
from .style import draw_infra_symbol

__all__ = ["BAND_TOLERANCES_M", "band_for_scale", "simplified_geometries", "PathTiles",
           "tiles_from_geometries", "dots_from_points", "Band", "band_from_geometries",
           "PolygonLayer", "InfraLayer", "LayerGroup"]

#: Simplification tolerance of each level-of-detail band, in metres (band 0: the geometries as
#: they are). A band is drawn at scales of at least its tolerance per pixel: never off by more
#: than a pixel.
BAND_TOLERANCES_M = (0.0, 4.0, 16.0, 64.0, 256.0, 1024.0)
_GRID = 16             # tiles per side of a layer's extent
_COARSE_GRID = 4       # ... in the bands of 64 m and coarser
_AA_MIN_PX = 40        # antialiased outlines only for polygons at least this wide on screen


def band_for_scale(metres_per_pixel: float, tolerances=BAND_TOLERANCES_M) -> int:
    """The coarsest band whose tolerance is at most one pixel at this scale.

    Examples
    --------
    >>> band_for_scale(1.0), band_for_scale(20.0), band_for_scale(400.0), band_for_scale(5000.0)
    (0, 2, 4, 5)
    """
    return max(i for i, tol in enumerate(tolerances) if tol <= metres_per_pixel)


def simplified_geometries(geoms, tolerance: float) -> np.ndarray:
    """Polygons simplified to within ``tolerance`` metres, vectorized; those that would vanish
    become their bounding box.

    Examples
    --------
    >>> import shapely
    >>> circle = shapely.Point(0, 0).buffer(1000, quad_segs=16)
    >>> thin = shapely.Polygon([(0, 0), (300, 0), (300, 1), (0, 1)]).buffer(1, quad_segs=8)
    >>> out = simplified_geometries([circle, thin], 50.0)
    >>> [int(n) for n in shapely.get_num_coordinates(out)]
    [17, 5]
    """
    geoms = np.asarray(geoms, dtype=object)
    if tolerance <= 0 or not len(geoms):
        return geoms
    simple = shapely.simplify(geoms, tolerance, preserve_topology=False)
    lost = shapely.is_empty(simple) | (shapely.area(simple) == 0)
    if lost.any():
        simple[lost] = shapely.envelope(geoms[lost])
    return simple


@dataclass(frozen=True)
class PathTiles:
    """Qt shapes (painter paths, or point sets) of a layer, one per tile of a grid, with their
    extents.

    Attributes
    ----------
    shapes : list of QPainterPath or QPolygonF
    extents : ndarray of float, shape (n, 4)
        Each shape's (left, top, right, bottom) in scene coordinates.
    vertices : int
        Vertices (or points) over all the shapes.
    """

    shapes: list
    extents: np.ndarray
    vertices: int

    def visible(self, rect: QRectF) -> list:
        """The shapes whose extent meets a scene rectangle."""
        e = self.extents
        hit = ((e[:, 0] <= rect.right()) & (e[:, 2] >= rect.left())
               & (e[:, 1] <= rect.bottom()) & (e[:, 3] >= rect.top()))
        return [self.shapes[i] for i in np.flatnonzero(hit)]


_NO_TILES = PathTiles(shapes=[], extents=np.zeros((0, 4)), vertices=0)


def _tiles(cx: np.ndarray, cy: np.ndarray, grid: int):
    """Order items by grid cell of (cx, cy): the order and each cell's [start, end) in it."""
    cell = _cells(cx, grid) + _cells(cy, grid) * grid
    order = np.argsort(cell, kind="stable")
    _, start = np.unique(cell[order], return_index=True)
    end = np.append(start[1:], len(order))
    return order, zip(start.tolist(), end.tolist(), strict=True)


def _cells(v: np.ndarray, grid: int) -> np.ndarray:
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    span = max(hi - lo, 1e-9)
    return np.clip(((v - lo) / span * grid).astype(np.int64), 0, grid - 1)


def tiles_from_geometries(geoms, *, grid: int = _GRID) -> PathTiles:
    """Split (multi)polygons into a ``grid`` × ``grid`` set of paths by the centre of their
    bounding box (a polygon lies whole in one path; the path's extent covers it).

    Examples
    --------
    >>> import shapely
    >>> tiles = tiles_from_geometries([shapely.box(0, 0, 1, 1), shapely.box(99, 99, 100, 100)])
    >>> len(tiles.shapes), tiles.vertices
    (2, 10)
    """
    geoms = np.asarray(geoms, dtype=object)
    rings = ring_data_from_geometries(geoms)
    if not len(rings.x):
        return _NO_TILES
    bounds = shapely.bounds(geoms)
    owner = rings.owner[rings.ring]
    order, cells = _tiles(((bounds[:, 0] + bounds[:, 2]) / 2)[owner],
                          ((bounds[:, 1] + bounds[:, 3]) / 2)[owner], grid)
    x, y, st = rings.x[order], rings.y[order], rings.starts[order]
    shapes, extents = [], []
    for a, b in cells:
        shapes.append(path_from_arrays(x[a:b], y[a:b], st[a:b]))
        extents.append((x[a:b].min(), y[a:b].min(), x[a:b].max(), y[a:b].max()))
    return PathTiles(shapes=shapes, extents=np.array(extents, dtype=float), vertices=len(x))


def dots_from_points(x: np.ndarray, y: np.ndarray, *, grid: int = _GRID) -> PathTiles:
    """Scene points as a ``grid`` × ``grid`` set of point sets (for ``QPainter.drawPoints``).

    Examples
    --------
    >>> import numpy as np
    >>> dots = dots_from_points(np.array([0.0, 1.0, 500.0]), np.array([0.0, 0.0, -500.0]))
    >>> len(dots.shapes), dots.vertices
    (2, 3)
    """
    if not len(x):
        return _NO_TILES
    order, cells = _tiles(x, y, grid)
    x, y = x[order], y[order]
    shapes, extents = [], []
    for a, b in cells:
        shapes.append(polygon_from_xy(x[a:b], y[a:b]))
        extents.append((x[a:b].min(), y[a:b].min(), x[a:b].max(), y[a:b].max()))
    return PathTiles(shapes=shapes, extents=np.array(extents, dtype=float), vertices=len(x))


@dataclass(frozen=True)
class Band:
    """A layer at one level of detail: its polygons, simplified, and as dots those smaller than
    the tolerance (under a pixel wherever the band is drawn)."""

    polygons: PathTiles
    dots: PathTiles


def band_from_geometries(geoms, tolerance: float, *, grid: int = _GRID) -> Band:
    """Build one band of detail of a polygon layer.

    Examples
    --------
    >>> import shapely
    >>> band = band_from_geometries([shapely.box(0, 0, 1000, 1000), shapely.box(5000, 0, 5010, 10)],
    ...                             64.0)
    >>> band.polygons.vertices, band.dots.vertices
    (5, 1)
    """
    geoms = np.asarray(geoms, dtype=object)
    if tolerance <= 0 or not len(geoms):
        return Band(polygons=tiles_from_geometries(geoms, grid=grid), dots=_NO_TILES)
    b = shapely.bounds(geoms)
    small = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) < tolerance
    return Band(
        polygons=tiles_from_geometries(simplified_geometries(geoms[~small], tolerance),
                                       grid=grid),
        dots=dots_from_points((b[small, 0] + b[small, 2]) / 2, -(b[small, 1] + b[small, 3]) / 2,
                              grid=grid))


class _GroupMember(QGraphicsItem):
    """A layer painted by its :class:`LayerGroup` (its own paint draws nothing)."""

    def __init__(self):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def paint(self, painter, option, widget=None) -> None:   # drawn by the group
        pass

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemVisibleHasChanged:
            group = self.parentItem()
            if group is not None:
                group.update()
        return super().itemChange(change, value)

    def draw(self, painter: QPainter, rect: QRectF, metres_per_pixel: float) -> None:
        raise NotImplementedError


class PolygonLayer(_GroupMember):
    """The polygons of one layer, drawn from the band of detail that matches the scale and only
    from the tiles in view; antialiased only when its polygons are large on screen."""

    def __init__(self, geoms, pen: QPen, fill: QColor | None):
        super().__init__()
        self.geoms = np.asarray(geoms, dtype=object)
        self.pen = QPen(pen)
        self.pen.setCosmetic(True)
        self.brush = QBrush(fill) if fill is not None else QBrush(Qt.BrushStyle.NoBrush)
        self.typical_size = (float(np.sqrt(np.median(shapely.area(self.geoms))))
                             if len(self.geoms) else 1.0)
        self._bands: dict[int, Band] = {}
        if len(self.geoms):
            x0, y0, x1, y1 = shapely.total_bounds(self.geoms)
            self._bounds = QRectF(QPointF(x0, -y1), QPointF(x1, -y0))
        else:
            self._bounds = QRectF()

    def boundingRect(self) -> QRectF:
        return self._bounds

    @property
    def bands_built(self) -> list[int]:
        """The bands of detail built so far."""
        return sorted(self._bands)

    def band(self, index: int) -> Band:
        """One band of detail, built on first use."""
        band = self._bands.get(index)
        if band is None:
            tolerance = BAND_TOLERANCES_M[index]
            # zoomed out, every tile is in view: fewer, larger paths (fewer draw calls)
            grid = _GRID if tolerance < 64 else _COARSE_GRID
            band = band_from_geometries(self.geoms, tolerance, grid=grid)
            self._bands[index] = band
        return band

    def prepare_band(self, index: int) -> bool:
        """Build a band ahead of use; False when it was already built."""
        if index in self._bands:
            return False
        self.band(index)
        return True

    def draw(self, painter: QPainter, rect: QRectF, metres_per_pixel: float) -> None:
        band = self.band(band_for_scale(metres_per_pixel))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing,
                              self.typical_size / metres_per_pixel > _AA_MIN_PX)
        painter.setPen(self.pen)
        painter.setBrush(self.brush)
        for path in band.polygons.visible(rect):
            painter.drawPath(path)
        for points in band.dots.visible(rect):   # polygons under a pixel: one pixel each
            painter.drawPoints(points)


class InfraLayer(_GroupMember):
    """Infrastructure points of one kind, each a fixed-size symbol whatever the zoom."""

    SIZE = 9.0
    #: Features whose symbols fall in the same cell of this many pixels are drawn as one.
    CLUSTER_PX = 26
    #: Zoomed out beyond this many metres per pixel (region scale), the symbols are reduced
    #: (:attr:`SMALL_SIZE`, grouped on :attr:`SMALL_CLUSTER_PX`, no count), so that the plots'
    #: marks stay readable; beyond :attr:`HIDDEN_MPP` they are not drawn.
    REDUCED_MPP = 120.0
    HIDDEN_MPP = 2000.0
    SMALL_SIZE = 5.0
    SMALL_CLUSTER_PX = 14

    def __init__(self, kind: str, x: np.ndarray, y: np.ndarray, names: list[str]):
        super().__init__()
        self.kind = kind
        self.x = np.asarray(x, dtype=float)            # scene coordinates (y negated)
        self.y = np.asarray(y, dtype=float)
        self.names = list(names)
        self._symbols: dict[tuple[float, float], QImage] = {}
        self._badges: dict[tuple[int, float], QImage] = {}
        if len(self.x):
            self._bounds = QRectF(QPointF(self.x.min(), self.y.min()),
                                  QPointF(self.x.max(), self.y.max()))
        else:
            self._bounds = QRectF()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def symbol(self, dpr: float = 1.0, size: float | None = None) -> QImage:
        """The symbol (half width ``size``, :attr:`SIZE` by default), rendered once per size and
        device pixel ratio."""
        size = self.SIZE if size is None else size
        image = self._symbols.get((size, dpr))
        if image is None:
            side = math.ceil(2 * (size + 2))
            image = QImage(QSize(side, side) * dpr, QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(dpr)
            image.fill(0)
            p = QPainter(image)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            draw_infra_symbol(p, self.kind, QPointF(side / 2, side / 2), size)
            p.end()
            self._symbols[(size, dpr)] = image
        return image

    def device_positions(self, t: QTransform, area: QRect, *, size: float | None = None,
                         cluster_px: float | None = None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-left device pixels of the symbols that show in a device area, and how many
        features each stands for: features closer than a symbol's width are grouped into one
        symbol (on a grid of :attr:`CLUSTER_PX` pixels), drawn with their count, so that
        infrastructure never buries the map when zoomed out. ``size`` and ``cluster_px`` default
        to :attr:`SIZE` and :attr:`CLUSTER_PX`."""
        size = self.SIZE if size is None else size
        cluster = self.CLUSTER_PX if cluster_px is None else cluster_px
        half = math.ceil(size + 2)
        px = self.x * t.m11() + self.y * t.m21() + t.dx()
        py = self.x * t.m12() + self.y * t.m22() + t.dy()
        keep = ((px > area.left() - half) & (px <= area.right() + half)
                & (py > area.top() - half) & (py <= area.bottom() + half))
        px, py = px[keep], py[keep]
        if not len(px):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        cell = np.stack([np.floor(px / cluster), np.floor(py / cluster)])
        _, first, inverse, counts = np.unique(cell, axis=1, return_index=True,
                                              return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        cx = np.bincount(inverse, weights=px) / counts       # a group sits at its centroid
        cy = np.bincount(inverse, weights=py) / counts
        order = np.argsort(first)
        ix = np.rint(cx[order]).astype(np.int64) - half
        iy = np.rint(cy[order]).astype(np.int64) - half
        return ix, iy, counts[order]

    def count_badge(self, count: int, dpr: float = 1.0) -> QImage:
        """A small dark disc with a group's count, rendered once per count."""
        key = (count, dpr)
        image = self._badges.get(key)
        if image is None:
            text = str(count) if count < 100 else "99+"
            w = 8 + 6 * len(text)
            image = QImage(QSize(w, 14) * dpr, QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(dpr)
            image.fill(0)
            p = QPainter(image)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor("white"), 1.0))
            p.setBrush(QColor(INK_HEX))
            p.drawRoundedRect(QRectF(0.5, 0.5, w - 1, 13), 6.5, 6.5)
            font = p.font()
            font.setPixelSize(10)
            font.setBold(True)
            p.setFont(font)
            p.drawText(QRectF(0, 0, w, 14), Qt.AlignmentFlag.AlignCenter, text)
            p.end()
            self._badges[key] = image
        return image

    def draw(self, painter: QPainter, rect: QRectF, metres_per_pixel: float) -> None:
        if metres_per_pixel > self.HIDDEN_MPP:
            return
        reduced = metres_per_pixel > self.REDUCED_MPP
        size = self.SMALL_SIZE if reduced else self.SIZE
        t = painter.worldTransform()
        device = painter.device()
        dpr = device.devicePixelRatio()
        area = QRect(0, 0, round(device.width() / dpr), round(device.height() / dpr))
        ix, iy, counts = self.device_positions(
            t, area, size=size, cluster_px=self.SMALL_CLUSTER_PX if reduced else None)
        image = self.symbol(dpr, size)
        side = image.deviceIndependentSize().width()
        painter.resetTransform()
        for a, b, n in zip(ix.tolist(), iy.tolist(), counts.tolist(), strict=True):
            painter.drawImage(a, b, image)
            if n > 1 and not reduced:
                painter.drawImage(round(a + side * 0.6), b - 4, self.count_badge(n, dpr))
        painter.setWorldTransform(t)

    def name_at(self, point: QPointF, tolerance: float) -> tuple[float, str] | None:
        """(distance, name) of the nearest point within ``tolerance`` scene units, else None."""
        if not len(self.x):
            return None
        d = np.hypot(self.x - point.x(), self.y - point.y())
        i = int(np.argmin(d))
        return (float(d[i]), self.names[i]) if d[i] <= tolerance else None


@dataclass(frozen=True)
class _Cache:
    key: tuple
    image: QImage
    origin: QPointF         # the scene point at the image's top-left pixel


class LayerGroup(QGraphicsItem):
    """Layers painted together into one image, reused until the scale, the device pixel ratio or
    the visible layers change, or the view leaves the rendered margin.

    Attributes
    ----------
    renders : int
        How many times the image was rendered (it is copied at every other repaint).
    """

    MARGIN_PX = 128

    def __init__(self):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._cache: _Cache | None = None
        self.renders = 0

    def add_layer(self, layer: _GroupMember, z: float) -> None:
        self.prepareGeometryChange()
        layer.setZValue(z)
        layer.setParentItem(self)

    def boundingRect(self) -> QRectF:
        """The layers' extent grown by its size (at least 1 km), so that fixed-size symbols at
        its edge are painted too."""
        if not self.childItems():
            return QRectF()
        r = self.childrenBoundingRect()
        pad = max(r.width(), r.height(), 1000.0)
        return r.adjusted(-pad, -pad, pad, pad)

    def visible_layers(self) -> list[_GroupMember]:
        """The layers shown, in drawing order."""
        return [c for c in self.childItems() if c.isVisible()]

    def invalidate(self) -> None:
        """Forget the image (the next repaint renders the layers again)."""
        self._cache = None
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        layers = self.visible_layers()
        if not layers:
            return
        t = painter.worldTransform()
        dpr = painter.device().devicePixelRatio()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), dpr, tuple(id(c) for c in layers))
        needed = self._needed(t, option.exposedRect, 0)
        if needed.isEmpty():
            return
        at = self._reusable(key, t, needed)
        if at is None:
            self._cache = self._render(t, self._needed(t, option.exposedRect, self.MARGIN_PX),
                                       layers, key, dpr)
            at = t.map(self._cache.origin).toPoint()
        painter.save()
        painter.resetTransform()
        painter.drawImage(at, self._cache.image)
        painter.restore()

    def _needed(self, t: QTransform, exposed: QRectF, margin: int) -> QRect:
        """The device pixels to draw: the exposed area grown by a margin, within the layers'
        extent grown by the symbols' half size."""
        data = t.mapRect(self.childrenBoundingRect()).toAlignedRect()
        s = math.ceil(InfraLayer.SIZE + 2)
        return (t.mapRect(exposed).toAlignedRect().adjusted(-margin, -margin, margin, margin)
                .intersected(data.adjusted(-s, -s, s, s)))

    def _reusable(self, key: tuple, t: QTransform, needed: QRect) -> QPoint | None:
        """Where to copy the cached image, if it holds this view (same scale and layers, the
        needed pixels inside it, aligned on whole pixels)."""
        c = self._cache
        if c is None or c.key != key:
            return None
        p = t.map(c.origin)
        if abs(p.x() - round(p.x())) > 1e-3 or abs(p.y() - round(p.y())) > 1e-3:
            return None
        at = p.toPoint()
        return at if QRect(at, c.image.deviceIndependentSize().toSize()).contains(needed) else None

    def _render(self, t: QTransform, device: QRect, layers: list[_GroupMember], key: tuple,
                dpr: float) -> _Cache:
        image = QImage(device.size() * dpr, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(dpr)
        image.fill(0)
        inverse, _ = t.inverted()
        scene_rect = inverse.mapRect(QRectF(device))
        mpp = 1.0 / math.sqrt(abs(t.determinant()))
        p = QPainter(image)
        for layer in layers:
            p.setWorldTransform(t * QTransform.fromTranslate(-device.x(), -device.y()))
            layer.draw(p, scene_rect, mpp)
        p.end()
        self.renders += 1
        return _Cache(key=key, image=image, origin=inverse.map(QPointF(device.topLeft())))
