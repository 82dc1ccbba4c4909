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
    QAction,
    QActionGroup,
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

from .basemap import BasemapLayer, BasemapSource, basemap_sources
from .geom import (
    l93_from_scene,
    path_from_arrays,
    path_from_rings,
)
from .maplayers import BAND_TOLERANCES_M, InfraLayer, LayerGroup, PolygonLayer
from .maplegend import MapLegend, legend_entries
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
#: Below this size on screen (pixels), plots are drawn as status marks (squares of a few pixels,
#: over the constraints and the infrastructure) rather than polygons.
_POINT_LOD_PX = 5.0
#: Half side in pixels of the status marks (a square of 2r + 1 pixels, ringed by one darker
#: pixel for the compatible and to-check plots): compatible plots stand out most.
MARK_RADIUS = {0: 3, 1: 2, 2: 1, NO_STATUS: 1}
#: The most of the map the marks of one status may cover before they are drawn smaller.
MARK_COVER_SHARE = 0.12


class PlotLayer(QGraphicsItem):
    """All plots of an inventory, filled by status, painted from batched paths.

    The batched paths (one per status and tile) are built on first use, so a new set of
    statuses costs only a few sorts; zoomed out, the plots are status marks painted by the
    :attr:`marks` item, drawn above every other layer.
    """

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
        # Per (status, tile) group: status, extent, vertex range in _vorder, path once built.
        self._groups: list[list] = []
        self._vorder = np.zeros(0, dtype=np.int64)
        self._points: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._version = 0
        self._raster_key: tuple | None = None
        self._raster: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.marks = PlotMarks(self)
        self.rebuild()

    def _compute_bounds(self) -> QRectF:
        r = self.index.rings
        if not len(r.x):
            return QRectF()
        return QRectF(QPointF(r.x.min(), r.y.min()), QPointF(r.x.max(), r.y.max()))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_status(self, code: np.ndarray) -> None:
        """New statuses (one code per plot): regroup the plots and repaint."""
        self.code = np.asarray(code, dtype=np.int8)
        self.rebuild()
        self.update()
        self.marks.update()

    def rebuild(self) -> None:
        """Group vertices by (status, tile) (the paths are built when first drawn) and the
        plots' centres by status (the marks)."""
        idx = self.index
        self._groups = []
        self._version += 1
        self._raster_key = None
        if not idx.n:
            return
        key_plot = self.code.astype(np.int64) * (_TILES * _TILES) + self._tile
        rings = idx.rings
        vkey = key_plot[self._vertex_plot]
        vorder = np.argsort(vkey, kind="stable")
        vkeys_sorted = vkey[vorder]
        keys, vstart = np.unique(vkeys_sorted, return_index=True)
        x, y = rings.x[vorder], rings.y[vorder]
        left, right = np.minimum.reduceat(x, vstart), np.maximum.reduceat(x, vstart)
        top, bottom = np.minimum.reduceat(y, vstart), np.maximum.reduceat(y, vstart)
        vend = np.append(vstart[1:], len(vkeys_sorted))
        self._vorder = vorder
        for i, k in enumerate(keys.tolist()):
            rect = QRectF(QPointF(left[i], top[i]), QPointF(right[i], bottom[i]))
            self._groups.append([k // (_TILES * _TILES), rect, int(vstart[i]), int(vend[i]),
                                 None])
        # Draw no_match first, then to_check, then match on top.
        self._groups.sort(key=lambda g: -g[0])
        porder = np.argsort(key_plot, kind="stable")
        codes = self.code[porder]
        cx, cy = idx.cx[porder], idx.cy[porder]
        self._points = []
        for code in (NO_STATUS, 2, 1, 0):
            sel = codes == code
            if sel.any():
                self._points.append((code, cx[sel], cy[sel]))

    def _group_path(self, group: list) -> QPainterPath:
        if group[4] is None:
            v = self._vorder[group[2]:group[3]]
            rings = self.index.rings
            group[4] = path_from_arrays(rings.x[v], rings.y[v], rings.starts[v])
        return group[4]

    def marks_shown(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> bool:
        """True when plots are smaller than :data:`_POINT_LOD_PX` pixels (marks, not shapes)."""
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        return self.index.typical_size_m * lod < _POINT_LOD_PX

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self.marks_shown(painter, option):
            return                                  # the marks item draws them
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        exposed = option.exposedRect
        outline = self.index.typical_size_m * lod > 12
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, outline)
        for group in self._groups:
            status, rect = group[0], group[1]
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
            painter.drawPath(self._group_path(group))
        painter.restore()

    def paint_marks(self, painter: QPainter, exposed: QRectF) -> None:
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
        pad = max(MARK_RADIUS.values()) + 1
        for code, cx, cy in self._points:
            r = MARK_RADIUS[code]
            ix = np.rint(cx * t.m11() + t.dx()).astype(np.int64) - device.x()
            iy = np.rint(cy * t.m22() + t.dy()).astype(np.int64) - device.y()
            keep = (ix >= -pad) & (ix < w + pad) & (iy >= -pad) & (iy < h + pad)
            if not keep.any():
                continue
            ix, iy = ix[keep], iy[keep]
            # Dense results: smaller marks, so that they never cover more than a share of
            # the map (the statuses' proportions stay readable).
            while r > 1 and len(ix) * (2 * r + 3) ** 2 > MARK_COVER_SHARE * w * h:
                r -= 1
            # Only the bounding box of the marks is dilated (a few ops on a small array).
            x0, y0 = max(int(ix.min()) - pad, -pad), max(int(iy.min()) - pad, -pad)
            x1, y1 = min(int(ix.max()) + pad + 1, w + pad), min(int(iy.max()) + pad + 1, h + pad)
            occupied = np.zeros((y1 - y0, x1 - x0), dtype=bool)
            occupied[iy - y0, ix - x0] = True
            cx0, cy0 = max(x0, 0), max(y0, 0)
            cx1, cy1 = min(x1, w), min(y1, h)
            window = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
            target = pixels[cy0:cy1, cx0:cx1]
            color = STATUS_COLORS[code]
            if code in (0, 1):                              # ringed by a darker pixel
                target[_dilate(occupied, r + 1)[window]] = color.darker(170).rgba()
            target[_dilate(occupied, r)[window]] = color.rgba()
        image = QImage(pixels.data, w, h, QImage.Format.Format_ARGB32_Premultiplied)
        return image.copy()                    # own the pixels (the array is freed)


class PlotMarks(QGraphicsItem):
    """The plots' status marks when zoomed out, drawn above the constraints and the
    infrastructure (its layer, :class:`PlotLayer`, holds the data)."""

    def __init__(self, layer: PlotLayer):
        super().__init__()
        self.layer = layer
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def boundingRect(self) -> QRectF:
        """The plots' extent grown by 5 % (at least 5 km): marks are a few pixels wide at any
        scale."""
        r = self.layer.boundingRect()
        pad = max(5000.0, 0.05 * max(r.width(), r.height()))
        return r.adjusted(-pad, -pad, pad, pad) if r.isValid() else r

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self.layer.isVisible() and self.layer.marks_shown(painter, option):
            self.layer.paint_marks(painter, option.exposedRect)


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
    """The map's layers for one inventory.

    Signals
    -------
    layersChanged()
        A layer was shown or hidden, or the basemap changed (the legend follows).
    """

    layersChanged = Signal()

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
        self.plot_layer.marks.setZValue(30)            # above constraints and infrastructure
        self.addItem(self.plot_layer.marks)
        self.layers["plots"] = [self.plot_layer, self.plot_layer.marks]
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
        # Room to pan and zoom around the cursor anywhere near the data (the view's scroll
        # range is the scene rectangle: a tight one would pull the map off the cursor).
        rect = self.home_rect()
        if inv.communes is not None and len(inv.communes):
            rect = rect.united(self.layers["communes"][0].boundingRect())
        pad = 10 * max(rect.width(), rect.height(), 10_000.0)
        self.setSceneRect(rect.adjusted(-pad, -pad, pad, pad))

    def home_rect(self) -> QRectF:
        """What the map opens on: the activity zones and their plots (never infrastructure
        or constraints, which reach out to sea and to other regions)."""
        rect = self.plot_layer.boundingRect()
        sites = self.layers["sites"][0].boundingRect()
        if sites.isValid():
            rect = rect.united(sites) if rect.isValid() else sites
        return rect

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
        self.layersChanged.emit()

    basemap: BasemapLayer | None = None

    def set_basemap(self, source: BasemapSource | None, cache_dir=None) -> BasemapLayer | None:
        """Show an online basemap under the layers (None: none, the default). The communes are
        then outlines only. ``cache_dir`` defaults to the user cache folder's ``basemap``."""
        if self.basemap is not None:
            self.removeItem(self.basemap)
            self.basemap = None
        communes = self.layers.get("communes")
        if communes:
            layer = communes[0]
            layer.brush = QBrush(Qt.BrushStyle.NoBrush) if source is not None \
                else QBrush(COMMUNE_FILL)
            self.background.invalidate()
        if source is not None:
            if cache_dir is None:
                from foncier.io.cache import resolve_cache_dir
                cache_dir = resolve_cache_dir() / "basemap"
            self.basemap = BasemapLayer(source, cache_dir, self.sceneRect(), self)
            self.basemap.setZValue(-10)
            self.addItem(self.basemap)
        self.layersChanged.emit()
        return self.basemap

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
        """Scene rectangle around some plots (empty when there are none)."""
        mask = np.zeros(self.index.n, dtype=bool)
        mask[np.asarray(positions, dtype=np.int64)] = True
        return self._rect_of(mask)

    def results_rect(self, code) -> QRectF:
        """Scene rectangle around the results of a match: its compatible and to-check plots
        (``code`` one status code per plot); empty when there are none."""
        code = np.asarray(code)
        return self._rect_of((code == 0) | (code == 1))

    def _rect_of(self, mask: np.ndarray) -> QRectF:
        if not mask.any():
            return QRectF()
        rings = self.index.rings
        v = mask[self.plot_layer._vertex_plot]
        x, y = rings.x[v], rings.y[v]
        return QRectF(QPointF(x.min(), y.min()), QPointF(x.max(), y.max()))


class MapView(QGraphicsView):
    """The map canvas: wheel zoom around the cursor, drag to pan, click to pick, scale bar.

    Signals
    -------
    plotClicked(int)
        The position of the plot clicked, or -1 when the click hit no plot.
    cursorMoved(float, float)
        The cursor's Lambert-93 easting and northing.
    framePainted()
        A frame of an inventory's map (a :class:`MapScene`) was painted into the viewport.
    """

    plotClicked = Signal(int)
    cursorMoved = Signal(float, float)
    framePainted = Signal()
    zoomed = Signal(float)
    statusMessage = Signal(str)

    CLICK_SLOP_PX = 4
    PICK_TOLERANCE_PX = 4
    #: Zoom factor of one wheel notch, and the base raised to a trackpad's pixel delta.
    NOTCH_ZOOM = 1.25
    PIXEL_ZOOM_BASE = 1.0025
    #: Closest zoom (metres per pixel), and the farthest: this many times the whole map.
    MIN_METRES_PER_PIXEL = 0.05
    MAX_METRES_PER_PIXEL = 5000.0
    ZOOM_OUT_LIMIT = 6.0

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
        self.legend = MapLegend(self.viewport())
        self.legend_action = QAction("Légende sur la carte", self)
        self.legend_action.setCheckable(True)
        self.legend_action.setChecked(True)
        self.legend_action.setShortcut("Ctrl+L")
        self.legend_action.toggled.connect(self.set_legend_visible)
        self.legend.closed.connect(lambda: self.legend_action.setChecked(False))
        self.basemap_cache_dir = None          # None: the user cache folder's basemap
        self.basemap_group = QActionGroup(self)
        self.basemap_actions: dict[str | None, QAction] = {}
        for key, label in [(None, "Aucun (hors ligne)")] + [
                (s.key, s.label) for s in basemap_sources()]:
            act = QAction(label, self.basemap_group)
            act.setCheckable(True)
            act.setChecked(key is None)
            act.triggered.connect(lambda _=False, k=key: self.set_basemap(k))
            self.basemap_actions[key] = act

    def map_menu_actions(self) -> list:
        """The map's own actions for a menu: the legend switch, then the basemaps (a QMenu
        « Fond de carte » is made of :attr:`basemap_actions`)."""
        return [self.legend_action] + list(self.basemap_actions.values())

    def set_legend_visible(self, visible: bool) -> None:
        """Show or hide the legend over the map."""
        self.legend.setVisible(visible and isinstance(self.scene(), MapScene))
        if self.legend_action.isChecked() != visible:
            self.legend_action.setChecked(visible)
        self._place_legend()

    def _refresh_legend(self) -> None:
        scene = self.scene()
        if isinstance(scene, MapScene):
            self.legend.set_sections(legend_entries(scene))
        self.legend.setVisible(self.legend_action.isChecked() and isinstance(scene, MapScene))
        self._place_legend()

    def _place_legend(self) -> None:
        vp = self.viewport().rect()
        self.legend.fold_for(vp.width() * vp.height())
        self.legend.set_max_height(min(vp.height() - 80, max(vp.height() // 2, 160)))
        self.legend.move(vp.width() - self.legend.width() - 10, 30)
        if self._fit_target is not None:      # the legend's room changed: frame again
            self._apply_fit()

    def set_basemap(self, key: str | None) -> None:
        """Show an online basemap by key (``plan_ign``, ``ortho``, ``osm``), or none."""
        scene = self.scene()
        if key in self.basemap_actions:
            self.basemap_actions[key].setChecked(True)
        if not isinstance(scene, MapScene):
            return
        source = next((s for s in basemap_sources() if s.key == key), None)
        layer = scene.set_basemap(source, self.basemap_cache_dir)
        if layer is not None:
            layer.fetcher.failed.connect(self.statusMessage)
        self.viewport().update()

    def attribution(self) -> str:
        """The credit line of the basemap shown ('' when none)."""
        scene = self.scene()
        basemap = scene.basemap if isinstance(scene, MapScene) else None
        return basemap.source.attribution if basemap is not None else ""

    def setScene(self, scene) -> None:
        old = self.scene()
        if isinstance(old, MapScene):
            try:
                old.layersChanged.disconnect(self._refresh_legend)
            except (RuntimeError, TypeError):
                pass
        super().setScene(scene)
        if isinstance(scene, MapScene):
            scene.layersChanged.connect(self._refresh_legend)
            self._prepare.start()
        self._refresh_legend()

    def _prepare_next_band(self) -> None:
        scene = self.scene()
        if not isinstance(scene, MapScene) or not scene.prepare_next_band():
            self._prepare.stop()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if isinstance(self.scene(), MapScene):
            self.framePainted.emit()

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.NativeGesture and \
                event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            self.zoom_at(1.0 + event.value(), event.position())     # trackpad pinch
            return True
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
        if rect.isEmpty() and rect.topLeft() == QPointF() and rect.bottomRight() == QPointF():
            return                                          # QRectF(): nothing to show
        w, h = max(rect.width(), 50.0), max(rect.height(), 50.0)
        c = rect.center()
        grown = QRectF(c.x() - w * (0.5 + margin), c.y() - h * (0.5 + margin),
                       w * (1 + 2 * margin), h * (1 + 2 * margin))
        self._fit_target = grown
        self._apply_fit()

    def _apply_fit(self) -> None:
        """Show :attr:`_fit_target` whole and clear of the legend when it is shown: beside it
        or below it, whichever shows the target larger."""
        target = self._fit_target
        vp = self.viewport().rect()
        if target is None or vp.width() <= 0 or vp.height() <= 0:
            return
        # (scale, free width, free height, free area's top) of each placement
        choices = [(min(vp.width() / target.width(), vp.height() / target.height()),
                    vp.width(), vp.height(), 0)]
        if self.legend.isVisible():
            lg = self.legend.geometry()
            beside, below = lg.left() - 10, vp.height() - lg.bottom() - 10
            if beside > vp.width() / 3:
                choices.append((min(beside / target.width(), vp.height() / target.height()),
                                beside, vp.height(), 0))
            if below > vp.height() / 3:
                choices.append((min(vp.width() / target.width(), below / target.height()),
                                vp.width(), below, lg.bottom() + 10))
            choices = choices[1:] or choices
        scale, free_w, free_h, top = max(choices, key=lambda c: c[0])
        c = target.center()
        left = c.x() - free_w / 2 / scale
        up = c.y() - (top + free_h / 2) / scale
        self.fitInView(QRectF(left, up, vp.width() / scale, vp.height() / scale),
                       Qt.AspectRatioMode.KeepAspectRatio)

    def zoom_to_results(self, code=None, *, margin: float = 0.1) -> None:
        """Frame the results of a match, its compatible and to-check plots (``code``: one
        status code per plot), with a margin; the opening view when there are none."""
        scene = self.scene()
        if not isinstance(scene, MapScene):
            return
        if code is not None and np.isin(code, (0, 1)).any():
            self.fit_rect(scene.results_rect(code), margin=margin)
        else:
            self.fit_rect(scene.home_rect(), margin=0.03)

    def centre_on(self, point: QPointF) -> None:
        """Centre the map on a scene point, keeping the zoom."""
        self._fit_target = None
        self.centerOn(point)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_legend()
        if self._fit_target is not None:   # keep showing what was asked until the user moves
            self._apply_fit()

    def zoom_by(self, factor: float) -> None:
        """Zoom by a factor around the centre of the view (within the zoom range)."""
        self.zoom_at(factor, QPointF(self.viewport().rect().center()))

    def zoom_range(self) -> tuple[float, float]:
        """The closest and farthest scales allowed, in metres per pixel: down to
        :attr:`MIN_METRES_PER_PIXEL`, and out to a few times the whole map (never lost)."""
        scene = self.scene()
        far = self.MAX_METRES_PER_PIXEL
        if isinstance(scene, MapScene):
            home = scene.home_rect()
            vp = self.viewport().rect()
            if home.isValid() and vp.width() > 0 and vp.height() > 0:
                fit = max(home.width() / vp.width(), home.height() / vp.height())
                far = min(far, max(fit * self.ZOOM_OUT_LIMIT, 10.0))
        return self.MIN_METRES_PER_PIXEL, far

    def zoom_at(self, factor: float, pos: QPointF) -> None:
        """Zoom by a factor (> 1 closer) keeping the scene point under a viewport position
        under it, within :meth:`zoom_range`."""
        mpp = self.metres_per_pixel()
        near, far = self.zoom_range()
        target = min(max(mpp / factor, near), far)
        factor = mpp / target
        if not math.isfinite(factor) or abs(factor - 1.0) < 1e-9:
            return
        self._fit_target = None
        inverse, _ = self.viewportTransform().inverted()
        anchor = inverse.map(QPointF(pos))
        old = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        self.setTransformationAnchor(old)
        moved = self.viewportTransform().map(anchor) - QPointF(pos)
        self.pan_by(-moved.x(), -moved.y())
        self.zoomed.emit(self.metres_per_pixel())

    def wheelEvent(self, event) -> None:
        """Mouse wheel (angle delta, 120 a notch) or trackpad (pixel delta): zoom around the
        cursor."""
        pixels = event.pixelDelta()
        if not pixels.isNull():
            factor = self.PIXEL_ZOOM_BASE ** pixels.y()
        else:
            factor = self.NOTCH_ZOOM ** (event.angleDelta().y() / 120.0)
        if factor != 1.0:
            self.zoom_at(factor, event.position())
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
        credit = self.attribution()
        if credit:
            width = painter.fontMetrics().horizontalAdvance(credit) + 12
            box = QRectF(vp.width() - width - 4, vp.height() - 20, width, 16)
            painter.fillRect(box, QColor(255, 255, 255, 215))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, credit)
        painter.restore()
