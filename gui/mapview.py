"""The map: a native QGraphicsView of plots, zones, constraints, infrastructure and communes.

Plots are not one item each: :class:`PlotLayer` paints pre-built painter paths, one per status and
map tile, rebuilt with numpy only when statuses change, and draws small squares instead of
polygons when plots are smaller than a few pixels (level of detail), rasterised with numpy into one
image that is kept until the view or the statuses change. The other layers are static: two
:class:`~gui.maplayers.LayerGroup` (under and over the plots) paint them with level of detail
and spatial tiles into a cached image (see :mod:`gui.maplayers`). Picking a plot uses the model's
STRtree. Scene coordinates are Lambert-93 with the northing negated, so north is up.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> import foncier
>>> from foncier_gui.model import plot_index_from_source, view_from_match
>>> index = plot_index_from_source(None)           # the bundled sample inventory
>>> view = view_from_match(index, foncier.Brief(name="Atelier", min_area_ha=1), generation=1)
>>> scene = MapScene(index)
>>> "plots" in scene.layers, "constraint:flood:interdiction" in scene.layers
(True, True)
>>> scene.plot_layer.set_status(view.code)          # fill the plots by status
>>> view_widget = MapView()
>>> view_widget.setScene(scene)
>>> view_widget.fit_rect(scene.plot_rect([0]))
>>> view_widget.metres_per_pixel() < 10                 # zoomed on one plot
True
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from foncier.wording import scale_label

from .geom import (
    l93_from_scene,
    path_from_arrays,
    path_from_rings,
)
from .maplayers import BAND_TOLERANCES_M, InfraLayer, LayerGroup, PolygonLayer
from .model import NO_STATUS, PlotIndex
from .style import (
    ASSEMBLY_COLOR,
    BACKGROUND_COLOR,
    COMMUNE_FILL,
    COMMUNE_PEN,
    INFRA_COLORS,
    INK_COLOR,
    SELECTION_COLOR,
    SITE_PEN,
    STATUS_COLORS,
    constraint_color,
)

__all__ = ["PlotLayer", "MapView", "MapScene"]

_TILES = 24          # tiles per side of the plot grid used for culling
_POINT_LOD_PX = 3.0  # below this size on screen, plots are drawn as points


class PlotLayer(QGraphicsItem):
    """All plots of an inventory, filled by status, painted from batched paths."""

    def __init__(self, index: PlotIndex):
        super().__init__()
        self.index = index
        self.code = np.full(index.n, NO_STATUS, dtype=np.int8)
        self._bounds = self._compute_bounds()
        rings = index.rings
        if index.n:
            w = max(self._bounds.width(), 1.0)
            h = max(self._bounds.height(), 1.0)
            tx = np.clip(((index.cx - self._bounds.left()) / w * _TILES).astype(int), 0,
                         _TILES - 1)
            ty = np.clip(((index.cy - self._bounds.top()) / h * _TILES).astype(int), 0,
                         _TILES - 1)
            self._tile = tx + ty * _TILES
        else:
            self._tile = np.zeros(0, dtype=np.int64)
        self._vertex_plot = rings.owner[rings.ring]
        self._batches: list[tuple[int, QRectF, QPainterPath]] = []
        self._points: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._version = 0
        self._raster_key: tuple | None = None
        self._raster: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.rebuild()

    def _compute_bounds(self) -> QRectF:
        r = self.index.rings
        if not len(r.x):
            return QRectF()
        return QRectF(QPointF(r.x.min(), r.y.min()), QPointF(r.x.max(), r.y.max()))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_status(self, code: np.ndarray) -> None:
        """New statuses (one code per plot): rebuild the batched paths and repaint."""
        self.code = np.asarray(code, dtype=np.int8)
        self.rebuild()
        self.update()

    def rebuild(self) -> None:
        """Group vertices by (status, tile) and build one path and one point set per group."""
        idx = self.index
        self._batches = []
        self._version += 1
        if not idx.n:
            return
        key_plot = self.code.astype(np.int64) * (_TILES * _TILES) + self._tile
        rings = idx.rings
        vkey = key_plot[self._vertex_plot]
        vorder = np.argsort(vkey, kind="stable")
        vkeys_sorted = vkey[vorder]
        porder = np.argsort(key_plot, kind="stable")
        keys, vstart = np.unique(vkeys_sorted, return_index=True)
        vend = np.append(vstart[1:], len(vkeys_sorted))
        x, y, st = rings.x[vorder], rings.y[vorder], rings.starts[vorder]
        for k, a, b in zip(keys.tolist(), vstart.tolist(), vend.tolist(), strict=True):
            path = path_from_arrays(x[a:b], y[a:b], st[a:b])
            self._batches.append((k // (_TILES * _TILES), path.boundingRect(), path))
        # Draw no_match first, then to_check, then match on top.
        self._batches.sort(key=lambda b: -b[0])
        codes = self.code[porder]
        cx, cy = idx.cx[porder], idx.cy[porder]
        self._points = []
        for code in (NO_STATUS, 2, 1, 0):
            sel = codes == code
            if sel.any():
                self._points.append((code, cx[sel], cy[sel]))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        exposed = option.exposedRect
        size_px = self.index.typical_size_m * lod
        if size_px < _POINT_LOD_PX:
            self._paint_points(painter, exposed)
            return
        outline = size_px > 12
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, outline)
        for status, rect, path in self._batches:
            if not rect.intersects(exposed) and not exposed.contains(rect):
                continue
            color = STATUS_COLORS[status]
            if outline:
                pen = QPen(color.darker(150), 1.0)
                pen.setCosmetic(True)
                painter.setPen(pen)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(color))
            painter.drawPath(path)
        painter.restore()

    def _paint_points(self, painter: QPainter, exposed: QRectF) -> None:
        """Zoomed out: each plot a small square of its status colour, rasterised with numpy
        into one image (no per-point drawing), kept while the view and the statuses stay."""
        t = painter.worldTransform()
        device = t.mapRect(exposed).toAlignedRect()
        key = (t.m11(), t.m22(), t.dx(), t.dy(), device.x(), device.y(), device.width(),
               device.height(), self._version)
        if self._raster_key != key:
            self._raster = self._points_image(t, device)
            self._raster_key = key
        painter.save()
        painter.resetTransform()
        painter.drawImage(device.topLeft(), self._raster)
        painter.restore()

    def _points_image(self, t, device) -> QImage:
        w, h = max(device.width(), 1), max(device.height(), 1)
        pixels = np.zeros((h, w), dtype=np.uint32)            # transparent ARGB
        for code, cx, cy in self._points:
            r = 1 if code >= 2 else 2                          # squares of 3 or 5 pixels
            ix = np.rint(cx * t.m11() + t.dx()).astype(np.int64) - device.x() + r
            iy = np.rint(cy * t.m22() + t.dy()).astype(np.int64) - device.y() + r
            keep = (ix >= 0) & (ix < w + 2 * r) & (iy >= 0) & (iy < h + 2 * r)
            if not keep.any():
                continue
            occupied = np.zeros((h + 2 * r, w + 2 * r), dtype=bool)
            occupied[iy[keep], ix[keep]] = True
            square = _dilate(occupied, r)[r:r + h, r:r + w]
            pixels[square] = STATUS_COLORS[code].rgba()
        image = QImage(pixels.data, w, h, QImage.Format.Format_ARGB32_Premultiplied)
        return image.copy()                    # own the pixels (the array is freed)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Grow each True cell into a (2r + 1)-sided square (separable: rows, then columns)."""
    out = mask.copy()
    for k in range(1, r + 1):
        out[:, k:] |= mask[:, :-k]
        out[:, :-k] |= mask[:, k:]
    rows = out.copy()
    for k in range(1, r + 1):
        out[k:, :] |= rows[:-k, :]
        out[:-k, :] |= rows[k:, :]
    return out


class MapScene(QGraphicsScene):
    """The map's layers for one inventory."""

    def __init__(self, index: PlotIndex, parent=None):
        super().__init__(parent)
        self.index = index
        inv = index.inventory
        self.setBackgroundBrush(BACKGROUND_COLOR)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)   # a few big items
        self.layers: dict[str, list[QGraphicsItem]] = {}
        self.background = LayerGroup()      # under the plots: communes, activity zones
        self.overlay = LayerGroup()         # over the plots: constraints, infrastructure
        self.background.setZValue(0)
        self.overlay.setZValue(20)
        self.addItem(self.background)
        self.addItem(self.overlay)
        if inv.communes is not None and len(inv.communes):
            self._add("communes", self.background, 0, PolygonLayer(
                inv.communes.geometry.to_numpy(), COMMUNE_PEN, COMMUNE_FILL))
        self.plot_layer = PlotLayer(index)
        self.plot_layer.setZValue(10)
        self.addItem(self.plot_layer)
        self.layers["plots"] = [self.plot_layer]
        self._add("sites", self.background, 5,
                  PolygonLayer(inv.sites.geometry.to_numpy(), SITE_PEN, None))
        cons = inv.constraints
        kinds = cons["kind"].to_numpy(dtype=object)
        levels = cons["level"].map(lambda v: v if isinstance(v, str) else "").to_numpy(dtype=object)
        geoms = cons.geometry.to_numpy()
        for kind, level in index.groups:
            mask = (kinds == kind) & (levels == (level or ""))
            color = constraint_color(kind, level)
            fill = QColor(color)
            fill.setAlpha(80)
            self._add(f"constraint:{kind}:{level or ''}", self.overlay, 0,
                      PolygonLayer(geoms[mask], QPen(color.darker(130), 1.0), fill))
        infra = inv.infrastructure
        for kind in INFRA_COLORS:
            sel = infra[infra["kind"] == kind]
            if not len(sel):
                continue
            names = sel["name"].fillna(kind).astype(str).tolist() if "name" in sel else \
                [kind] * len(sel)
            pts = sel.geometry.to_numpy()
            self._add(f"infra:{kind}", self.overlay, 10,
                      InfraLayer(kind, shapely.get_x(pts), -shapely.get_y(pts), names))
        self.selection_item = QGraphicsPathItem()
        pen = QPen(SELECTION_COLOR, 3.0)
        pen.setCosmetic(True)
        self.selection_item.setPen(pen)
        sel_fill = QColor(SELECTION_COLOR)
        sel_fill.setAlpha(60)
        self.selection_item.setBrush(sel_fill)
        self.selection_item.setZValue(40)
        self.addItem(self.selection_item)
        rect = self.itemsBoundingRect()
        pad = max(rect.width(), rect.height())
        self.setSceneRect(rect.adjusted(-pad, -pad, pad, pad))

    def _add(self, key: str, group: LayerGroup, z: float, layer) -> None:
        group.add_layer(layer, z)
        self.layers[key] = [layer]

    def prepare_next_band(self) -> bool:
        """Build one band of detail not built yet (shown layers first, coarse bands first);
        False when every band is built. Called in idle time by the view."""
        polygons = [items[0] for items in self.layers.values()
                    if isinstance(items[0], PolygonLayer)]
        polygons.sort(key=lambda layer: not layer.isVisible())
        for layer in polygons:
            for band in reversed(range(len(BAND_TOLERANCES_M))):
                if layer.prepare_band(band):
                    return True
        return False

    def infra_name_at(self, point: QPointF, tolerance: float) -> str | None:
        """The name of the shown infrastructure feature nearest a scene point, within
        ``tolerance`` scene units (metres)."""
        hits = [hit for items in self.layers.values() for layer in items
                if isinstance(layer, InfraLayer) and layer.isVisible()
                and (hit := layer.name_at(point, tolerance)) is not None]
        return min(hits)[1] if hits else None

    def set_layer_visible(self, key: str, visible: bool) -> None:
        for item in self.layers.get(key, []):
            item.setVisible(visible)

    def set_selected(self, positions) -> None:
        """Highlight a plot, or the members of an assembly (a list of positions, outlined in
        the assembly colour); None clears the highlight."""
        if positions is None:
            self.selection_item.setPath(QPainterPath())
            return
        several = np.ndim(positions) > 0 and len(positions) > 1
        mask = np.zeros(self.index.n, dtype=bool)
        mask[np.atleast_1d(np.asarray(positions, dtype=np.int64))] = True
        color = ASSEMBLY_COLOR if several else SELECTION_COLOR
        pen = QPen(color, 3.0)
        pen.setCosmetic(True)
        fill = QColor(color)
        fill.setAlpha(70)
        self.selection_item.setPen(pen)
        self.selection_item.setBrush(fill)
        self.selection_item.setPath(path_from_rings(self.index.rings, mask))

    def plot_rect(self, positions) -> QRectF:
        """Scene rectangle around some plots."""
        positions = np.asarray(positions, dtype=np.int64)
        if not len(positions):
            return QRectF()
        mask = np.zeros(self.index.n, dtype=bool)
        mask[positions] = True
        return path_from_rings(self.index.rings, mask).boundingRect()


class MapView(QGraphicsView):
    """The map canvas: wheel zoom around the cursor, drag to pan, click to pick, scale bar.

    Signals
    -------
    plotClicked(int)
        The position of the plot clicked, or -1 when the click hit no plot.
    cursorMoved(float, float)
        The cursor's Lambert-93 easting and northing.
    """

    plotClicked = Signal(int)
    cursorMoved = Signal(float, float)

    CLICK_SLOP_PX = 4
    PICK_TOLERANCE_PX = 4

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setMouseTracking(True)
        self.setMinimumSize(300, 200)
        self._fit_target: QRectF | None = None
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragged = False
        self._prepare = QTimer(self)         # bands of detail built ahead, in idle time
        self._prepare.setInterval(25)
        self._prepare.timeout.connect(self._prepare_next_band)

    def setScene(self, scene) -> None:
        super().setScene(scene)
        if isinstance(scene, MapScene):
            self._prepare.start()

    def _prepare_next_band(self) -> None:
        scene = self.scene()
        if not isinstance(scene, MapScene) or not scene.prepare_next_band():
            self._prepare.stop()

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:      # the infrastructure feature's name
            scene = self.scene()
            name = None
            if isinstance(scene, MapScene):
                name = scene.infra_name_at(self.mapToScene(event.pos()),
                                           InfraLayer.SIZE * self.metres_per_pixel())
            if name:
                QToolTip.showText(event.globalPos(), name, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    # -- navigation ------------------------------------------------------------------------
    def fit_rect(self, rect: QRectF, *, margin: float = 0.08) -> None:
        """Show a scene rectangle (grown by a fraction), keeping the aspect ratio."""
        if rect.isNull() or not rect.isValid():
            return
        w, h = max(rect.width(), 50.0), max(rect.height(), 50.0)
        c = rect.center()
        grown = QRectF(c.x() - w * (0.5 + margin), c.y() - h * (0.5 + margin),
                       w * (1 + 2 * margin), h * (1 + 2 * margin))
        self.fitInView(grown, Qt.AspectRatioMode.KeepAspectRatio)
        self._fit_target = grown

    def centre_on(self, point: QPointF) -> None:
        """Centre the map on a scene point, keeping the zoom."""
        self._fit_target = None
        self.centerOn(point)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit_target is not None:   # keep showing what was asked until the user moves
            self.fitInView(self._fit_target, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom_by(self, factor: float) -> None:
        self._fit_target = None
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(anchor)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self._fit_target = None
            factor = 1.25 ** steps
            self.scale(factor, factor)   # anchored under the mouse
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._last = event.position()
            self._dragged = False
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        x, y = l93_from_scene(self.mapToScene(pos.toPoint()))
        self.cursorMoved.emit(x, y)
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = pos - self._last
            if (pos - self._press).manhattanLength() > self.CLICK_SLOP_PX:
                self._dragged = True
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._dragged:
                self._fit_target = None
                self.pan_by(delta.x(), delta.y())
            self._last = pos
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            if not self._dragged:
                self._pick(event.position())
            self._press = None
            self._dragged = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the map by a number of pixels (the content follows the mouse)."""
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(dx))
        v.setValue(v.value() - round(dy))

    def _pick(self, pos: QPointF) -> None:
        scene = self.scene()
        if not isinstance(scene, MapScene):
            return
        x, y = l93_from_scene(self.mapToScene(pos.toPoint()))
        tol = self.PICK_TOLERANCE_PX * self.metres_per_pixel()
        hit = scene.index.pick(x, y, tolerance_m=tol)
        self.plotClicked.emit(-1 if hit is None else hit)

    # -- scale bar ------------------------------------------------------------------------
    def metres_per_pixel(self) -> float:
        m11 = self.transform().m11()
        return 1.0 / m11 if m11 else 1.0

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        mpp = self.metres_per_pixel()
        target = 120 * mpp
        if not math.isfinite(target) or target <= 0:
            return
        exp = 10 ** math.floor(math.log10(target))
        nice = max(m for m in (1, 2, 5, 10) if m * exp <= target) * exp
        length_px = nice / mpp
        label = scale_label(nice)
        painter.save()
        painter.resetTransform()
        vp = self.viewport().rect()
        x0, y0 = 16, vp.height() - 18
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(QRectF(x0 - 6, y0 - 22, length_px + 12, 30), QColor(255, 255, 255, 200))
        pen = QPen(INK_COLOR, 2)
        painter.setPen(pen)
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + length_px, y0))
        painter.drawLine(QPointF(x0, y0 - 5), QPointF(x0, y0 + 3))
        painter.drawLine(QPointF(x0 + length_px, y0 - 5), QPointF(x0 + length_px, y0 + 3))
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.drawText(QRectF(x0, y0 - 20, length_px, 14), Qt.AlignmentFlag.AlignCenter, label)
        painter.drawText(QRectF(vp.width() - 40, 8, 30, 18), Qt.AlignmentFlag.AlignCenter, "N ↑")
        painter.restore()
