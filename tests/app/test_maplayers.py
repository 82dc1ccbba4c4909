"""Static map layers: level of detail, spatial tiles, cached group image (gui.maplayers)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from foncier_gui.maplayers import (
    BAND_TOLERANCES_M,
    InfraLayer,
    LayerGroup,
    PolygonLayer,
    band_for_scale,
    simplified_geometries,
    tiles_from_geometries,
)
from foncier_gui.mapview import MapScene, MapView
from foncier_gui.model import plot_index_from_inventory
from foncier_gui.style import INFRA_COLORS
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPen, QTransform
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QToolTip

RED, BLUE, BACK = QColor("#ff0000"), QColor("#0000ff"), QColor("#ffffff")


@pytest.mark.parametrize(("mpp", "band"), [(0.5, 0), (3.9, 0), (4.0, 1), (20.0, 2), (70.0, 3),
                                           (400.0, 4), (1024.0, 5), (1e6, 5)])
def test_the_band_drawn_is_the_coarsest_within_a_pixel(mpp, band):
    assert band_for_scale(mpp) == band
    assert BAND_TOLERANCES_M[band] <= mpp


def test_simplified_polygons_stay_within_the_tolerance_with_fewer_vertices():
    circle = shapely.Point(0, 0).buffer(1000, quad_segs=64)
    tiny = shapely.box(5000, 5000, 5010, 5004)
    out = simplified_geometries([circle, tiny], 64.0)
    assert shapely.hausdorff_distance(out[0], circle) <= 64.0
    assert shapely.get_num_coordinates(out[0]) < shapely.get_num_coordinates(circle) / 4
    assert out[1].equals(tiny.envelope)                 # too small to simplify: its box, kept
    assert simplified_geometries([circle], 0.0)[0] is circle


def test_tiles_hold_each_polygon_once_and_only_those_in_view_are_drawn():
    boxes = [shapely.box(x, y, x + 10, y + 10) for x in (0, 5000) for y in (0, 5000)]
    tiles = tiles_from_geometries(boxes, grid=4)
    assert len(tiles.shapes) == 4 and tiles.vertices == 20
    near_origin = QRectF(-20, -30, 40, 40)              # scene y is the negated northing
    shown = tiles.visible(near_origin)
    assert len(shown) == 1 and shown[0].contains(QPointF(5, -5))
    assert tiles.visible(QRectF(2000, -3000, 100, 100)) == []


@pytest.fixture
def map_with_group(qtbot):
    """A view at 10 m/pixel over a group of two opaque squares, red and blue, 1 km each."""
    view = QGraphicsView()
    scene = QGraphicsScene(view)                        # kept alive by the view
    scene.setSceneRect(-100_000, -100_000, 200_000, 200_000)
    group = LayerGroup()
    scene.addItem(group)
    red = PolygonLayer([shapely.box(0, 0, 1000, 1000)], QPen(RED), RED)
    blue = PolygonLayer([shapely.box(2000, 0, 3000, 1000)], QPen(BLUE), BLUE)
    group.add_layer(red, 0)
    group.add_layer(blue, 1)
    view.setScene(scene)
    view.setBackgroundBrush(BACK)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
    view.resize(400, 300)
    qtbot.addWidget(view)
    view.show()
    view.setTransform(QTransform.fromScale(0.1, 0.1))
    view.centerOn(1500, -500)
    return view, group, red, blue


def colour_at(view, x: float, y_north: float) -> str:
    """The colour shown at a Lambert-93 point (repaints the view)."""
    image = view.viewport().grab().toImage()
    at = view.mapFromScene(QPointF(x, -y_north))
    return image.pixelColor(at).name()


def colours_near(view, x: float, y_north: float) -> set[str]:
    """The colours shown at a Lambert-93 point and the 8 pixels around it."""
    image = view.viewport().grab().toImage()
    at = view.mapFromScene(QPointF(x, -y_north))
    return {image.pixelColor(at.x() + dx, at.y() + dy).name()
            for dx in (-1, 0, 1) for dy in (-1, 0, 1)}


def test_the_group_image_is_reused_until_a_layer_is_switched(map_with_group):
    view, group, red, blue = map_with_group
    assert colour_at(view, 500, 500) == RED.name()
    assert colour_at(view, 2500, 500) == BLUE.name()
    renders = group.renders
    assert colour_at(view, 1500, 500) == BACK.name()
    assert group.renders == renders                      # same view: the image is copied
    blue.setVisible(False)
    assert colour_at(view, 2500, 500) == BACK.name()     # switched off: rendered again
    assert group.renders == renders + 1
    blue.setVisible(True)
    assert colour_at(view, 2500, 500) == BLUE.name()
    assert group.renders == renders + 2


def test_a_small_pan_reuses_the_image_in_place_and_a_large_one_or_a_zoom_renders(
        map_with_group):
    view, group, _, _ = map_with_group
    road = PolygonLayer([shapely.box(-50_000, 2000, 50_000, 2100)], QPen(BLUE), BLUE)
    group.add_layer(road, 2)                             # wider than the view and its margin
    colour_at(view, 500, 500)
    renders = group.renders
    h = view.horizontalScrollBar()
    h.setValue(h.value() + 40)                           # within the rendered margin
    assert colour_at(view, 20, 500) == RED.name()        # the edges stay on their place
    assert colour_at(view, -20, 500) == BACK.name()
    assert colour_at(view, 980, 500) == RED.name()
    assert colour_at(view, 1020, 500) == BACK.name()
    assert group.renders == renders
    h.setValue(h.value() - 40 - LayerGroup.MARGIN_PX - 60)   # past the margin
    assert colour_at(view, 500, 500) == RED.name()
    assert group.renders == renders + 1
    view.scale(2.0, 2.0)                                 # a new scale
    assert colour_at(view, 500, 500) == RED.name()
    assert group.renders == renders + 2


def test_each_scale_draws_its_own_band_and_tiny_polygons_still_show(map_with_group):
    view, group, red, _ = map_with_group
    colour_at(view, 500, 500)
    assert red.bands_built == [band_for_scale(10.0)]     # only what was drawn
    speck = PolygonLayer([shapely.box(40_000, 0, 40_020, 20)], QPen(RED), RED)
    group.add_layer(speck, 2)
    view.setTransform(QTransform.fromScale(1 / 500, 1 / 500))   # 500 m per pixel
    view.centerOn(20_000, 0)
    assert RED.name() in colours_near(view, 40_010, 10)  # 20 m wide: still a dot
    assert speck.bands_built == [band_for_scale(500.0)]
    band = speck.band(band_for_scale(500.0))
    assert (band.polygons.vertices, band.dots.vertices) == (0, 1)


def test_close_infrastructure_is_grouped_into_one_symbol_with_its_count(qapp):
    gx, gy = np.meshgrid(np.arange(50) * 2000.0, -np.arange(40) * 2500.0)   # 2,000 points
    x, y = gx.ravel(), gy.ravel()
    layer = InfraLayer("motorway_interchange", x, y, [f"É{i}" for i in range(2000)])
    far = QTransform.fromScale(1 / 200, 1 / 200)          # 200 m per pixel: 500 × 500 px
    ix, iy, counts = layer.device_positions(far, QRect(0, -500, 500, 500))
    assert counts.sum() == 2000 and len(ix) <= (500 // InfraLayer.CLUSTER_PX + 1) ** 2
    near = QTransform.fromScale(1 / 2, 1 / 2)             # 2 m per pixel: no grouping
    ix, iy, counts = layer.device_positions(near, QRect(0, -50_000, 50_000, 50_000))
    assert (counts == 1).all()


def test_infrastructure_symbols_are_stamped_on_their_point(qtbot):
    scene = QGraphicsScene()
    scene.setSceneRect(-10_000, -10_000, 20_000, 20_000)
    group = LayerGroup()
    scene.addItem(group)
    ports = InfraLayer("port", np.array([0.0, 3000.0, 3001.0]), np.array([0.0, 0.0, 0.0]),
                       ["Port A", "Port B", "Port C"])
    group.add_layer(ports, 0)
    view = QGraphicsView(scene)
    view.resize(400, 300)
    qtbot.addWidget(view)
    view.show()
    view.setTransform(QTransform.fromScale(0.1, 0.1))
    view.centerOn(1500, 0)
    image = view.viewport().grab().toImage()

    def port_coloured(at):          # the badge's colour within a few pixels of a point
        return any(image.pixelColor(at.x() + dx, at.y() + dy).name()
                   == INFRA_COLORS["port"].name() for dx in range(-6, 7) for dy in range(-6, 7))

    for x in (0.0, 3000.0):
        assert port_coloured(view.mapFromScene(QPointF(x, 0)))
    assert not port_coloured(view.mapFromScene(QPointF(1500, 0)))
    t = view.viewportTransform()
    ix, _, counts = ports.device_positions(t, view.viewport().rect())
    assert len(ix) == 2                                  # B and C share a pixel: one stamp
    assert sorted(counts.tolist()) == [1, 2]             # ... that says it stands for two
    assert ports.name_at(QPointF(2990, 0), 50.0) == pytest.approx((10.0, "Port B"))
    assert ports.name_at(QPointF(1500, 0), 50.0) is None


def test_infrastructure_names_show_as_tooltips_of_shown_layers(qtbot, tiny_inventory):
    scene = MapScene(plot_index_from_inventory(tiny_inventory))
    assert scene.infra_name_at(QPointF(10, -5100), 50.0) == "Échangeur"
    assert scene.infra_name_at(QPointF(500, -2500), 50.0) is None
    view = MapView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.setScene(scene)
    view.show()
    view.fit_rect(QRectF(-500, -5600, 1000, 1000), margin=0)
    at = view.mapFromScene(QPointF(0, -5100))
    event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    QApplication.sendEvent(view.viewport(), event)
    assert QToolTip.text() == "Échangeur"
    QToolTip.hideText()
    scene.set_layer_visible("infra:motorway_interchange", False)
    assert scene.infra_name_at(QPointF(10, -5100), 50.0) is None
    far = QPoint(2, 2)
    assert scene.infra_name_at(view.mapToScene(far), 9 * view.metres_per_pixel()) is None


def test_bands_are_prepared_ahead_shown_layers_first(qapp, tiny_inventory):
    scene = MapScene(plot_index_from_inventory(tiny_inventory))
    polygons = {k: v[0] for k, v in scene.layers.items() if isinstance(v[0], PolygonLayer)}
    hidden = "constraint:wetland:"
    scene.set_layer_visible(hidden, False)
    shown = [layer for key, layer in polygons.items() if key != hidden]
    for _ in range(len(shown) * len(BAND_TOLERANCES_M)):
        assert scene.prepare_next_band()
    assert all(layer.bands_built == list(range(len(BAND_TOLERANCES_M))) for layer in shown)
    assert polygons[hidden].bands_built == []
    while scene.prepare_next_band():
        pass
    assert polygons[hidden].bands_built == list(range(len(BAND_TOLERANCES_M)))


def test_region_scale_reduces_infrastructure_symbols_and_hides_them_farther(qtbot):
    scene = QGraphicsScene()
    scene.setSceneRect(-2e6, -2e6, 4e6, 4e6)
    group = LayerGroup()
    scene.addItem(group)
    group.add_layer(InfraLayer("port", np.array([0.0]), np.array([0.0]), ["Port A"]), 0)
    view = QGraphicsView(scene)
    view.resize(300, 300)
    qtbot.addWidget(view)
    view.show()

    def inked(mpp):                         # pixels of the port's colour around its point
        view.setTransform(QTransform.fromScale(1 / mpp, 1 / mpp))
        view.centerOn(0, 0)
        image = view.viewport().grab().toImage()
        at = view.mapFromScene(QPointF(0, 0))
        return sum(image.pixelColor(at.x() + dx, at.y() + dy).name()
                   == INFRA_COLORS["port"].name() for dx in range(-12, 13)
                   for dy in range(-12, 13))

    close, region, country = (inked(InfraLayer.REDUCED_MPP / 2), inked(InfraLayer.REDUCED_MPP * 2),
                              inked(InfraLayer.HIDDEN_MPP * 2))
    assert close > region > 0 == country
