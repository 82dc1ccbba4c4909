"""The map canvas driven by real input events: wheel and trackpad zoom around the cursor within
a bounded range, drag pans, a click selects; the opening view frames the zones; the legend on the
map follows the layers shown."""

from __future__ import annotations

import numpy as np
import pytest
from foncier_gui.maplegend import legend_entries
from foncier_gui.mapview import MapScene, MapView
from foncier_gui.model import plot_index_from_source, view_from_match
from foncier_gui.style import STATUS_COLORS
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel

import foncier


@pytest.fixture
def view(qtbot):
    index = plot_index_from_source(None)
    scene = MapScene(index)
    scene.plot_layer.set_status(
        view_from_match(index, foncier.Brief(name="Atelier", min_area_ha=1), generation=1).code)
    widget = MapView()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.setScene(scene)
    widget.show()
    widget.fit_rect(scene.home_rect(), margin=0.03)
    return widget


def wheel(view, pos: QPoint, *, angle: int = 0, pixels: int = 0) -> None:
    """A real wheel event on the viewport (a mouse notch is 120, a trackpad gives pixels)."""
    event = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)),
                        QPoint(0, pixels), QPoint(0, angle), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def scene_at(view, pos: QPoint) -> QPointF:
    inverse, _ = view.viewportTransform().inverted()
    return inverse.map(QPointF(pos))


def plots_in_view(view) -> int:
    scene = view.scene()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    idx = scene.index
    return int(((idx.cx >= visible.left()) & (idx.cx <= visible.right())
                & (idx.cy >= visible.top()) & (idx.cy <= visible.bottom())).sum())


def test_opening_view_frames_the_zones_and_their_plots(view):
    scene = view.scene()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.home_rect())
    assert plots_in_view(view) == scene.index.n
    zones = scene.layers["sites"][0].boundingRect().united(scene.plot_layer.boundingRect())
    assert scene.home_rect() == zones


@pytest.mark.parametrize("angle, pixels", [(120, 0), (0, 40), (-120, 0), (0, -40)])
def test_a_wheel_notch_or_trackpad_zooms_keeping_the_point_under_the_cursor(view, angle,
                                                                           pixels):
    scene = view.scene()
    target = int(np.argmax(scene.index.cx))              # a plot off the view's centre
    cursor = view.mapFromScene(QPointF(scene.index.cx[target], scene.index.cy[target]))
    before_point, before_mpp = scene_at(view, cursor), view.metres_per_pixel()
    wheel(view, cursor, angle=angle, pixels=pixels)
    after_mpp = view.metres_per_pixel()
    assert (after_mpp < before_mpp) == (angle > 0 or pixels > 0)
    assert after_mpp != pytest.approx(before_mpp)
    after_point = scene_at(view, cursor)
    assert abs(after_point.x() - before_point.x()) <= after_mpp       # within a pixel
    assert abs(after_point.y() - before_point.y()) <= after_mpp
    assert view.mapFromScene(QPointF(scene.index.cx[target], scene.index.cy[target])) \
        == pytest.approx(cursor, abs=1) or plots_in_view(view) > 0


def test_many_notches_in_then_out_come_back_and_the_zoom_is_bounded(view):
    cursor = view.viewport().rect().center() + QPoint(150, -80)
    start = scene_at(view, cursor)
    for _ in range(80):
        wheel(view, cursor, angle=120)
    near, far = view.zoom_range()
    assert view.metres_per_pixel() == pytest.approx(near)
    for _ in range(160):
        wheel(view, cursor, angle=-120)
    assert view.metres_per_pixel() == pytest.approx(far)
    assert plots_in_view(view) == view.scene().index.n            # never lost
    back = scene_at(view, cursor)
    assert abs(back.x() - start.x()) <= 2 * far and abs(back.y() - start.y()) <= 2 * far


def test_drag_pans_with_the_mouse_and_a_click_selects(view, qtbot):
    vp = view.viewport()
    start = vp.rect().center()
    before = scene_at(view, start)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for dx in (20, 60, 100):
        qtbot.mouseMove(vp, start + QPoint(dx, 30))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start + QPoint(100, 30))
    after = scene_at(view, start + QPoint(100, 30))
    mpp = view.metres_per_pixel()
    assert abs(after.x() - before.x()) <= 2 * mpp and abs(after.y() - before.y()) <= 2 * mpp
    scene = view.scene()
    view.fit_rect(scene.plot_rect([0]), margin=1.0)
    at = view.mapFromScene(QPointF(scene.index.cx[0], scene.index.cy[0]))
    with qtbot.waitSignal(view.plotClicked, timeout=2000) as blocker:
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=at)
    assert blocker.args == [0]


def test_the_legend_on_the_map_lists_what_is_shown_and_can_be_hidden(view):
    legend = view.legend
    assert legend.isVisible()
    assert {"Compatible", "À vérifier", "Incompatible", "Échangeur autoroutier", "Port",
            "Commune"} <= set(legend.texts)
    view.scene().set_layer_visible("infra:port", False)
    assert "Port" not in legend.texts
    assert legend.geometry().right() <= view.viewport().width()
    legend.close_button.click()
    assert not legend.isVisible() and not view.legend_action.isChecked()
    view.legend_action.trigger()
    assert legend.isVisible()


def test_the_land_background_is_the_region_communes(view):
    communes = view.scene().index.inventory.communes
    assert len(communes) > 2000                      # the whole region, not the territories
    land = view.scene().layers["communes"][0].boundingRect()
    assert land.contains(view.scene().home_rect())


def test_the_legend_is_filled_and_compact_on_the_opening_view(view, qtbot):
    QApplication.processEvents()
    legend = view.legend
    image = view.viewport().grab().toImage()
    box = legend.geometry()
    dark = sum(image.pixelColor(x, y).lightness() < 100
               for x in range(box.left() + 2, box.right() - 2, 2)
               for y in range(box.top() + 2, box.bottom() - 2, 2))
    assert dark > 100                                        # text and symbols, not a blank box
    labels = [w for w in legend.findChildren(QLabel) if w.text() in legend.texts]
    assert {w.text() for w in labels} == set(legend.texts)
    assert all(w.isVisible() and w.width() >= w.sizeHint().width() for w in labels)  # not cut
    assert not legend.scroll.verticalScrollBar().isVisible()
    kinds = {k.split(":")[1] for k in view.scene().layers if k.startswith("constraint:")}
    rows = dict(legend_entries(view.scene()))["Contraintes"]
    assert len(rows) == len(kinds) < sum(k.startswith("constraint:") for k in view.scene().layers)
    area = legend.width() * legend.height()
    assert area < 0.15 * view.viewport().width() * view.viewport().height()


def test_a_short_map_scrolls_the_legend_and_it_can_be_folded(view, qtbot):
    legend = view.legend
    full = legend.height()
    view.resize(1400, 300)
    QApplication.processEvents()
    assert legend.height() < full and legend.geometry().bottom() < view.viewport().height()
    assert legend.scroll.verticalScrollBar().isVisible()
    legend.collapse_button.click()
    assert legend.height() < 40 and not legend.scroll.isVisible()
    legend.collapse_button.click()
    assert legend.scroll.isVisible()


def test_the_opening_view_keeps_the_zones_clear_of_the_legend(view):
    home = view.mapFromScene(view.scene().home_rect()).boundingRect()
    assert view.viewport().rect().contains(home)
    assert not home.intersects(view.legend.geometry())


def test_status_marks_show_above_infrastructure_at_region_scale(view):
    view.set_legend_visible(False)
    view.zoom_by(1 / 4)                                    # region scale: plots are marks
    scene = view.scene()
    assert scene.index.typical_size_m / view.metres_per_pixel() < 5
    image = view.viewport().grab().toImage()
    code = scene.plot_layer.code
    colours = {STATUS_COLORS[0].name(), STATUS_COLORS[0].darker(170).name()}
    on_mark = [image.pixelColor(view.mapFromScene(QPointF(scene.index.cx[i],
                                                          scene.index.cy[i]))).name() in colours
               for i in np.flatnonzero(code == 0)]
    assert all(on_mark)
    infra = [items[0] for key, items in scene.layers.items() if key.startswith("infra:")]
    assert infra and all(layer.isVisible() for layer in infra)


def test_zoom_to_results_frames_the_compatible_and_to_check_plots(view):
    scene = view.scene()
    code = scene.plot_layer.code
    results = np.flatnonzero((code == 0) | (code == 1))
    assert 0 < len(results) < scene.index.n
    rect = scene.results_rect(code)
    assert rect == scene.plot_rect(results)
    assert not rect.contains(scene.plot_rect(np.arange(scene.index.n)))
    view.set_legend_visible(False)
    view.zoom_to_results(code)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(rect)
    # a margin of 10 % each side along the side that binds, no more
    assert 1.15 < min(shown.width() / rect.width(), shown.height() / rect.height()) < 1.25
    view.zoom_to_results(np.full(scene.index.n, 2))          # none: the opening view
    assert view.mapToScene(view.viewport().rect()).boundingRect().contains(scene.home_rect())


def test_a_small_map_starts_with_the_legend_folded_until_the_user_unfolds_it(view):
    legend = view.legend
    view.resize(480, 320)
    QApplication.processEvents()
    assert legend.collapsed and legend.height() < 40
    legend.collapse_button.click()
    view.resize(470, 310)
    QApplication.processEvents()
    assert not legend.collapsed                  # the user's choice stands
