"""The main window on the sample inventory (gui.mainwindow), offscreen with pytest-qt."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from builders import make_layers
from foncier_gui.mainwindow import MainWindow
from foncier_gui.table import COLUMNS
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer

import foncier
import foncier.wording
from foncier.analysis.assembly import assemble
from foncier.wording import STATUS_LABELS

STATUS_COL = [k for k, _ in COLUMNS].index("status")
PLOT_COL = [k for k, _ in COLUMNS].index("plot_id")
TIMEOUT = 30_000


@pytest.fixture
def window(qtbot, sample_inventory):
    brief = foncier.read_brief(next(p for p in foncier.sample_brief_paths()
                                    if p.stem == "logistique"))
    win = MainWindow(brief=brief, delay_ms=50)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.viewUpdated, timeout=TIMEOUT):
        win.set_inventory(sample_inventory)
    return win


def shown_statuses(win) -> list[tuple[str, str]]:
    m = win.model
    return [(m.data(m.index(r, PLOT_COL)), m.data(m.index(r, STATUS_COL)))
            for r in range(m.rowCount())]


def library_table(inventory, brief):
    """The library's ranked table: with the assemblies when the brief allows them."""
    result = foncier.match(inventory, brief)
    return assemble(result) if brief.allow_assembly else result.table


def library_statuses(inventory, brief) -> list[tuple[str, str]]:
    table = library_table(inventory, brief)
    return [(pid, STATUS_LABELS[s]) for pid, s in zip(table.plot_id, table.status, strict=True)]


def test_window_opens_on_the_sample_with_the_library_ranking(window, sample_inventory):
    brief = window.filters.brief()
    assert brief.allow_assembly                       # the logistics brief allows assembly
    n_assemblies = len(window.current.assemblies)
    assert n_assemblies == 9                          # as `foncier match` on this brief
    assert window.model.rowCount() == len(sample_inventory.plots) + n_assemblies
    assert shown_statuses(window) == library_statuses(sample_inventory, brief)
    counts = window.current.result.counts
    assert f"{counts['match']}</b> compatible" in window.counts_label.text()
    assert "<b>9</b> assemblages de terrains voisins" in window.counts_label.text()
    assert window.busy.isHidden()
    menus = {a.text(): [x.text() for x in a.menu().actions() if x.text()]
             for a in window.menuBar().actions()}
    assert menus["&Fichier"] == ["Ouvrir un inventaire…", "Inventaires récents",
                                 "Ouvrir un cahier des charges…", "Cahiers des charges récents",
                                 "Enregistrer le cahier des charges",
                                 "Enregistrer le cahier des charges sous…",
                                 "Exporter le tableau…", "Exporter le PDF investisseur…",
                                 "Quitter"]
    assert "Zoom sur les résultats" in menus["&Affichage"]
    assert "Zoom sur la sélection" in menus["&Affichage"]


def test_filter_changes_follow_the_library(window, qtbot, sample_inventory):
    f = window.filters.fields
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        f["motorway_max_km"].editor.setValue(20.0)
    brief = window.filters.brief()
    assert brief.motorway_max_km == 20.0
    assert window.current.result.brief == brief
    assert shown_statuses(window) == library_statuses(sample_inventory, brief)

    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        f["accepted_zones"].check.setChecked(False)
    brief = window.filters.brief()
    assert brief.accepted_zones is None
    assert shown_statuses(window) == library_statuses(sample_inventory, brief)

    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        f["excluded_constraints"].check.setChecked(True)
        window.filters.selector_list("excluded_constraints").set_checked("flood", True)
    brief = window.filters.brief()
    assert brief.excluded_constraints == ("flood",)
    assert shown_statuses(window) == library_statuses(sample_inventory, brief)
    # The map paints the same statuses.
    expected = foncier.match(sample_inventory, brief).status
    codes = np.array(["match", "to_check", "no_match"], dtype=object)[
        window.scene.plot_layer.code]
    assert (codes == expected).all()


def test_two_quick_filter_changes_show_only_the_last_result(window, qtbot):
    seen = []
    window.viewUpdated.connect(lambda v: seen.append(v.result.brief))
    f = window.filters.fields
    f["power_mw"].check.setChecked(True)
    f["power_mw"].editor.setValue(3.0)
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        f["power_mw"].editor.setValue(7.0)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=TIMEOUT)
    assert [b.power_mw for b in seen] == [7.0]
    assert window.current.result.brief.power_mw == 7.0


def test_a_stale_result_never_replaces_a_newer_one(window, qtbot):
    runner = window.runner
    seen = []
    runner.resultReady.connect(lambda v: seen.append(v))
    base = window.filters.brief()
    first = runner.request(base.replace(min_area_ha=1.0), immediate=True)
    last = runner.request(base.replace(min_area_ha=2.0), immediate=True)
    assert last == first + 1
    qtbot.waitUntil(lambda: bool(seen) and not runner.busy, timeout=TIMEOUT)
    assert [v.generation for v in seen] == [last]
    assert seen[0].result.brief.min_area_ha == 2.0


def click_plot(window, qtbot, position):
    scene = window.scene
    window.map.fit_rect(scene.plot_rect([position]), margin=2.0)
    scene_pt = QPointF(window.index.cx[position], window.index.cy[position])
    view_pt = window.map.mapFromScene(scene_pt)
    with qtbot.waitSignal(window.selectionChanged, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(window.map.viewport(), Qt.MouseButton.LeftButton, pos=view_pt)
    return blocker.args[0]


def test_clicking_a_plot_selects_its_row_and_explains_it(window, qtbot):
    result = window.current.result
    position = int(result.order[3])
    pid = window.index.plot_ids[position]
    assert click_plot(window, qtbot, position) == position
    row = window.table.selectionModel().currentIndex().row()
    assert window.model.data(window.model.index(row, PLOT_COL)) == pid
    table = library_table(window.index.inventory, window.filters.brief())
    assert row == table["plot_id"].tolist().index(pid)
    shown = window.detail.verdict_rows()
    order = {"fail": 0, "unknown": 1, "pass": 2}     # fails first, then unknowns, then passes
    verdicts = sorted(result.explain(pid), key=lambda v: order[v.outcome])
    assert [(r[0], r[1], r[4]) for r in shown] == [(v.label, v.outcome, v.reason)
                                                   for v in verdicts]
    assert pid in window.detail.title.text()
    attrs = {window.detail.attributes.topLevelItem(i).text(0):
             window.detail.attributes.topLevelItem(i).text(1)
             for i in range(window.detail.attributes.topLevelItemCount())}
    assert attrs["Identifiant"] == pid
    assert not window.scene.selection_item.path().isEmpty()


def test_a_selection_is_announced_once_and_survives_sorting_and_new_results(window, qtbot):
    """Map, table and detail update each other without loops: the table's selection is set
    under a signal blocker, so it does not come back as a second selection (or a recentring)."""
    seen = []
    window.selectionChanged.connect(seen.append)
    position = int(window.current.result.order[7])
    pid = window.index.plot_ids[position]
    assert click_plot(window, qtbot, position) == position
    assert seen == [position]
    centre = window.map.mapToScene(window.map.viewport().rect().center())
    window.table.sortByColumn(PLOT_COL, Qt.SortOrder.DescendingOrder)
    qtbot.wait(0)
    row = window.table.currentIndex().row()
    assert window.model.data(window.model.index(row, PLOT_COL)) == pid
    assert window.map.mapToScene(window.map.viewport().rect().center()) == centre
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        window.filters.fields["min_area_ha"].editor.setValue(1.0)
    row = window.table.currentIndex().row()
    assert window.model.data(window.model.index(row, PLOT_COL)) == pid
    assert window.selected == position and window.detail.position == position
    assert seen == [position]                       # announced once, never echoed back


def test_opening_a_brief_asks_for_one_match(window, qtbot, tmp_path):
    """Filling the filter panel from a brief file fires no change per widget: one request."""
    path = tmp_path / "projet.toml"
    brief = window.filters.brief().replace(name="Autre projet", min_area_ha=2.0, power_mw=4.0)
    foncier.write_brief(brief, path)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=TIMEOUT)
    before = window.runner.generation
    with qtbot.assertNotEmitted(window.filters.briefChanged), \
            qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT) as blocker:
        assert window.open_brief(path)
    assert window.runner.generation == before + 1
    assert blocker.args[0].result.brief == brief


def test_the_constraints_a_plot_touches_are_listed_with_their_overlap(window, qtbot,
                                                                     sample_inventory):
    geo = sample_inventory.geometry
    position = int(geo.pair_plot[np.argmax(geo.pair_area)])
    click_plot(window, qtbot, position)
    touched = geo.constraints_of(position)
    tree = window.detail.constraints
    assert tree.topLevelItemCount() == len(touched)
    first = sample_inventory.constraints.iloc[int(touched.loc[0, "constraint"])]
    assert str(first["name"]) == tree.topLevelItem(0).text(1)
    shown_m2 = float(tree.topLevelItem(0).text(2).replace("\u202f", "").replace(" m²", "")
                     .replace(",", "."))
    assert shown_m2 == pytest.approx(touched.loc[0, "overlap_m2"], abs=0.5)


def test_choosing_a_row_centres_the_map_on_the_plot(window, qtbot):
    window.map.fit_rect(window.scene.plot_layer.boundingRect())
    with qtbot.waitSignal(window.selectionChanged, timeout=TIMEOUT) as blocker:
        window.table.selectRow(5)
    position = blocker.args[0]
    assert position == window.model.position_of_row(5)
    assert window.detail.position == position
    centre = window.map.mapToScene(window.map.viewport().rect().center())
    target = window.scene.plot_rect([position]).center()
    tolerance = 3 * window.map.metres_per_pixel()
    assert abs(centre.x() - target.x()) < tolerance
    assert abs(centre.y() - target.y()) < tolerance


def test_a_click_beside_the_plots_selects_nothing(window, qtbot):
    rect = window.scene.plot_layer.boundingRect()
    window.map.fit_rect(rect)
    outside = window.map.mapFromScene(QPointF(rect.left() - rect.width() * 0.02, rect.top()))
    with qtbot.waitSignal(window.map.plotClicked, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(window.map.viewport(), Qt.MouseButton.LeftButton, pos=outside)
    assert blocker.args[0] == -1
    assert window.selected is None


def test_drag_pans_and_wheel_zooms_around_the_cursor(window, qtbot):
    view = window.map
    view.fit_rect(window.scene.plot_layer.boundingRect())
    before = view.mapToScene(view.viewport().rect().center())
    start = view.viewport().rect().center()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start + QPointF(60, 0).toPoint())
    qtbot.mouseMove(view.viewport(), start + QPointF(120, 0).toPoint())
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                       pos=start + QPointF(120, 0).toPoint())
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() < before.x()                 # content followed the mouse to the right
    assert window.selected is None                # a drag is not a click
    scale = view.transform().m11()
    window.actions["zoom_in"].trigger()
    assert view.transform().m11() == pytest.approx(scale * 1.5)


def test_zoom_actions_show_results_and_selection(window, qtbot):
    view = window.map
    window.actions["zoom_all"].trigger()
    overview = view.metres_per_pixel()
    window.actions["zoom_results"].trigger()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    matches = np.flatnonzero(window.current.code == 0)
    assert visible.contains(window.scene.plot_rect(matches))
    window.select_plot(int(matches[0]))
    window.actions["zoom_selection"].trigger()
    assert view.metres_per_pixel() < overview / 10
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.plot_rect([int(matches[0])]))


def test_cursor_coordinates_are_lambert93(window, qtbot):
    pt = window.map.mapFromScene(QPointF(450_000, -6_900_000))
    qtbot.mouseMove(window.map.viewport(), pt)
    text = window.coords_label.text().replace("\u202f", "")
    x = float(text.split("X ")[1].split(" m")[0])
    y = float(text.split("Y ")[1].split(" m")[0])
    tol = 2 * window.map.metres_per_pixel()
    assert abs(x - 450_000) <= tol and abs(y - 6_900_000) <= tol


def test_layers_switch_on_and_off(window):
    item = window.layer_list.item_for("communes")
    assert window.scene.layers["communes"][0].isVisible()
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not window.scene.layers["communes"][0].isVisible()
    key = "constraint:flood:interdiction"
    item = window.layer_list.item_for(key)
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not window.scene.layers[key][0].isVisible()
    item.setCheckState(0, Qt.CheckState.Checked)
    assert window.scene.layers[key][0].isVisible()


def test_a_saved_brief_reopens_identically(window, qtbot, tmp_path):
    f = window.filters.fields
    f["power_mw"].check.setChecked(True)
    f["power_mw"].editor.setValue(8.5)
    f["excluded_constraints"].check.setChecked(True)
    window.filters.selector_list("excluded_constraints").set_checked("wetland", True)
    window.filters.weights["port"].check.setChecked(True)
    brief = window.filters.brief()
    path = tmp_path / "projet.toml"
    assert window.save_brief(path)
    assert foncier.read_brief(path) == brief
    window.filters.set_brief(foncier.Brief(name="Autre"))
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        assert window.open_brief(path)
    assert window.filters.brief() == brief
    assert window.current.result.brief == brief


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_export_the_table_and_read_it_back(window, tmp_path, suffix):
    path = tmp_path / f"résultats{suffix}"
    assert window.export_table(path)
    expected = assemble(window.current.result)            # as `foncier match --out`
    assert (expected["assembly"] != "").sum() == 9
    status = expected["status"].tolist()
    if suffix == ".csv":
        back = pd.read_csv(path)
    elif suffix == ".xlsx":
        back = pd.read_excel(path)
        status = [STATUS_LABELS[s] for s in status]       # workbooks speak French
    else:
        back = pyogrio.read_dataframe(path, layer="results")    # beside it: layer_styles
        assert back.crs.to_epsg() == 2154
        assert len(back.geometry) == len(expected)
        back = back.drop(columns="geometry")
    assert list(back.columns) == [c for c in expected.columns if c != "geometry"]
    assert back["plot_id"].tolist() == expected["plot_id"].tolist()
    assert back["status"].tolist() == status


def test_export_pdf(window, tmp_path):
    path = tmp_path / "investisseur.pdf"
    assert window.export_pdf(path, top=5)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and b"/Count 6" in data    # summary + 5 site sheets


def test_a_bad_geopackage_shows_the_library_message_and_the_app_stays_usable(
        window, qtbot, tmp_path, sample_inventory):
    bad = tmp_path / "cassé.gpkg"
    bad.write_text("ceci n'est pas un GeoPackage", encoding="utf-8")
    with pytest.raises(foncier.InventoryError) as exc:
        foncier.open_inventory(bad)
    with qtbot.waitSignal(window.errorShown, timeout=TIMEOUT) as blocker:
        window.open_inventory(bad)
        assert not window.filters.isEnabled()                 # while it opens
        assert not window.actions["export_table"].isEnabled()
    # French first, the library's message (with GDAL's words) behind « Détails ».
    text = window.error_box.text()
    assert blocker.args[0] == text
    assert text == ("Impossible d'ouvrir l'inventaire « cassé.gpkg » : ce fichier n'est pas un "
                    "GeoPackage lisible (format non reconnu) : donnez un inventaire GeoPackage "
                    "(.gpkg) ou une URL postgresql://.")
    assert "DRIVER" not in text and str(bad) not in text
    assert window.error_box.detailedText() == str(exc.value)
    assert window.error_box.isVisible()
    assert window.index.inventory is sample_inventory
    assert window.filters.isEnabled() and window.actions["export_table"].isEnabled()
    assert window.busy.isHidden()
    window.error_box.close()
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        window.filters.fields["max_price_eur_m2"].editor.setValue(25.0)
    assert shown_statuses(window) == library_statuses(sample_inventory, window.filters.brief())


def test_a_geopackage_without_plots_is_refused(window, qtbot, tmp_path, sample_inventory):
    path = tmp_path / "sans_terrains.gpkg"
    pyogrio.write_dataframe(sample_inventory.sites, path, layer="sites")
    with pytest.raises(foncier.InventoryError, match="plots") as exc:
        foncier.open_inventory(path)
    with qtbot.waitSignal(window.errorShown, timeout=TIMEOUT):
        window.open_inventory(path)
    assert window.error_box.text().startswith("Impossible d'ouvrir l'inventaire "
                                              "« sans_terrains.gpkg » : 3 problèmes")
    assert window.error_box.detailedText() == str(exc.value)
    assert window.model.rowCount() == len(sample_inventory.plots) + window.current.n_assemblies
    assert window.index.inventory is sample_inventory


def test_a_bad_brief_shows_the_library_message_and_the_app_stays_usable(
        window, qtbot, tmp_path, sample_inventory):
    bad = tmp_path / "projet.toml"
    bad.write_text('name = "X"\n[land]\nmin_area_ha = -4\nsurface = 3\n', encoding="utf-8")
    with pytest.raises(foncier.BriefError) as exc:
        foncier.read_brief(bad)
    before = window.filters.brief()
    with qtbot.waitSignal(window.errorShown) as blocker:
        assert not window.open_brief(bad)
    text = window.error_box.text()
    assert blocker.args[0] == text
    assert "Surface nette minimale : -4 est négatif" in text     # the form's label
    assert "land.min_area_ha" not in text
    assert "surface" in text                                     # an unknown key stays named
    assert window.error_box.detailedText() == str(exc.value)
    assert window.filters.brief() == before
    window.error_box.close()
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        window.filters.fields["min_area_ha"].editor.setValue(2.0)
    assert shown_statuses(window) == library_statuses(sample_inventory, window.filters.brief())


def test_screenshot_of_the_main_window_is_not_blank(window, qtbot, tmp_path):
    window.select_plot(int(window.current.result.order[0]))
    window.zoom_to_selection()
    image = window.grab().toImage()
    path = tmp_path / "fenetre.png"
    assert image.save(str(path))
    assert path.stat().st_size > 20_000
    small = image.scaled(200, 130)
    pixels = np.array([[small.pixel(x, y) & 0xFFFFFF for x in range(small.width())]
                       for y in range(small.height())])
    assert len(np.unique(pixels)) > 50                      # many distinct colours
    gray = ((pixels >> 16) & 255) + ((pixels >> 8) & 255) + (pixels & 255)
    assert gray.std() > 20                                  # not a flat image


def test_closing_waits_for_the_worker_and_drops_its_result(window, qtbot):
    seen = []
    window.runner.resultReady.connect(seen.append)
    window.runner.request(window.filters.brief().replace(min_area_ha=1.0), immediate=True)
    window.close()
    assert window.runner.wait(0)            # nothing left running once the window closed
    qtbot.waitUntil(lambda: not window.runner._running, timeout=TIMEOUT)
    assert seen == []


def assembly_rows(window) -> list[int]:
    m = window.model
    return [r for r in range(m.rowCount()) if m.position_of_row(r) >= window.index.n]


def test_assemblies_are_ranked_among_the_plots_as_the_library_ranks_them(window,
                                                                         sample_inventory):
    table = library_table(sample_inventory, window.filters.brief())
    expected = table[table["assembly"] != ""]
    rows = assembly_rows(window)
    m = window.model
    col = {k: i for i, (k, _) in enumerate(COLUMNS)}
    shown = [(r + 1, m.data(m.index(r, PLOT_COL)), m.data(m.index(r, STATUS_COL)),
              m.data(m.index(r, col["score"])), m.data(m.index(r, col["net_area_ha"])))
             for r in rows]
    assert shown == [(rank, pid, STATUS_LABELS[s], foncier.wording.fmt_number(score, 1),
                      foncier.wording.fmt_number(net, 2))
                     for rank, pid, s, score, net in zip(
                         expected["rank"], expected["plot_id"], expected["status"],
                         expected["score"], expected["net_area_ha"], strict=True)]
    for r in rows:
        assert m.data(m.index(r, col["zone"])).startswith("Assemblage — ")
        assert m.data(m.index(r, PLOT_COL), Qt.ItemDataRole.DecorationRole) is not None
        assert "+" in m.data(m.index(r, PLOT_COL))
        assert m.data(m.index(r, col["reasons"])) == (
            expected.set_index("plot_id").loc[m.data(m.index(r, PLOT_COL)), "reasons"] or "—")
    single = next(r for r in range(m.rowCount()) if r not in rows)
    assert m.data(m.index(single, PLOT_COL), Qt.ItemDataRole.DecorationRole) is None


def test_selecting_an_assembly_outlines_its_members_and_shows_its_verdicts(window, qtbot):
    view = window.current
    row = assembly_rows(window)[0]
    with qtbot.waitSignal(window.selectionChanged, timeout=TIMEOUT) as blocker:
        window.table.selectRow(row)
    position = blocker.args[0]
    assert position >= window.index.n and view.is_assembly(position)
    frame_row = view.assembly_row(position)
    ids = frame_row["assembly"].split("|")
    members = [window.index.position(p) for p in ids]
    # Map: the members are outlined, and the map is centred on them.
    outline = window.scene.selection_item.path().boundingRect()
    assert outline == window.scene.plot_rect(members)
    centre = window.map.mapToScene(window.map.viewport().rect().center())
    assert abs(centre.x() - outline.center().x()) < 3 * window.map.metres_per_pixel()
    # Detail: members and the assembly's own verdicts (the combined plot's outcomes).
    assert window.detail.member_ids() == ids
    title = window.detail.title.text()
    assert f"Assemblage de {len(ids)} terrains voisins" in title
    assert " + ".join(ids) in title
    for reason in frame_row["reasons"].split(" ; "):
        if reason:
            assert reason in title
    shown = window.detail.verdict_rows()
    order = {"fail": 0, "unknown": 1, "pass": 2}
    criteria = sorted(view.result.criteria, key=lambda c: order[frame_row[c]])
    assert [r[0] for r in shown] == [foncier.core.criteria.LABELS[c] for c in criteria]
    assert [r[1] for r in shown] == [frame_row[c] for c in criteria]
    area = shown[criteria.index("area")]
    assert area[1] == "pass"                         # together they reach the minimum area
    assert area[2].startswith(foncier.wording.fmt_number(frame_row["net_area_ha"], 2))
    # Under each criterion, every member's own verdict (each member alone is too small).
    under = window.detail.member_verdicts(foncier.core.criteria.LABELS["area"])
    assert len(under) == len(ids)
    for text, pid in zip(under, ids, strict=True):
        assert text.startswith(f"{pid} : Surface nette")
        assert "demandés" in text
    assert window.detail.constraints.topLevelItemCount() == len(ids)


def test_the_selected_assembly_stays_selected_after_a_filter_change(window, qtbot):
    row = assembly_rows(window)[0]
    window.table.selectRow(row)
    pid = window.current.assembly_row(window.selected)["plot_id"]
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        window.filters.fields["motorway_max_km"].editor.setValue(6.0)
    assert window.current.position_of_assembly(pid) == window.selected
    current = window.table.selectionModel().currentIndex().row()
    assert window.model.data(window.model.index(current, PLOT_COL)) == pid
    assert pid.replace("+", " + ") in window.detail.title.text()
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        window.filters.fields["allow_assembly"].check.setChecked(False)
    assert window.selected is None                       # no assemblies any more
    assert window.model.rowCount() == window.index.n
    assert "assemblage" not in window.counts_label.text()
    assert window.scene.selection_item.path().isEmpty()


def test_zoomed_out_plots_are_painted_in_their_status_colour(window, qtbot):
    from foncier_gui.style import STATUS_COLORS

    for key in window.scene.layers:                       # nothing drawn over the plots
        window.scene.set_layer_visible(key, key == "plots")
    window.zoom_all()
    view = window.map
    assert window.index.typical_size_m / view.metres_per_pixel() < 3      # points, not polygons
    position = int(np.flatnonzero(window.current.code == 0)[0])

    def colours_around_the_plot():
        image = view.viewport().grab().toImage()
        at = view.mapFromScene(QPointF(window.index.cx[position], window.index.cy[position]))
        return {image.pixelColor(at.x() + dx, at.y() + dy).name()
                for dx in (-1, 0, 1) for dy in (-1, 0, 1)}

    assert STATUS_COLORS[0].name() in colours_around_the_plot()
    assert STATUS_COLORS[0].name() in colours_around_the_plot()      # repainted from the cache
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        window.filters.fields["min_area_ha"].editor.setValue(29.0)
    assert window.current.code[position] == 2
    shown = colours_around_the_plot()
    assert STATUS_COLORS[2].name() in shown and STATUS_COLORS[0].name() not in shown


# -- opening an inventory off the GUI thread ----------------------------------------------------

def test_opening_the_sample_in_the_background_fills_the_map_and_table(qtbot, sample_inventory):
    brief = foncier.read_brief(next(p for p in foncier.sample_brief_paths()
                                    if p.stem == "logistique"))
    win = MainWindow(brief=brief, delay_ms=50)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.opener.geometryReady, timeout=TIMEOUT) as geometry:
        with qtbot.waitSignal(win.inventoryShown, timeout=TIMEOUT) as shown:
            win.open_inventory(foncier.sample_inventory_path())
            # The call returns at once: nothing read yet, the window says it is opening.
            assert win.index is None
            assert win.statusBar().currentMessage() == "Ouverture de normandie.gpkg…"
            assert win.busy.isVisible() and win.busy_label.text() == "Ouverture en cours…"
            assert not win.filters.isEnabled()
            assert not win.actions["open_brief"].isEnabled()
            assert not win.actions["export_pdf"].isEnabled()
            assert win.actions["open_inventory"].isEnabled()
    index = shown.args[0]
    assert win.index is index and win.scene.index is index
    assert win.filters.isEnabled() and win.actions["export_pdf"].isEnabled()
    assert win.statusBar().currentMessage() == "Inventaire ouvert : normandie.gpkg"
    assert win.windowTitle().endswith(" — normandie.gpkg — Foncier")
    assert geometry.args[0] is index                    # precomputed by the opening worker
    assert index.groups == sample_inventory.geometry.groups
    assert win.layer_list.item_for("constraint:flood:interdiction") is not None
    assert win.filters.selector_list("excluded_constraints").count() > 0
    qtbot.waitUntil(lambda: win.current is not None, timeout=TIMEOUT)
    assert win.current.result.inventory is index.inventory
    assert shown_statuses(win) == library_statuses(sample_inventory, brief)
    expected = foncier.match(sample_inventory, brief).status
    codes = np.array(["match", "to_check", "no_match"], dtype=object)[win.scene.plot_layer.code]
    assert (codes == expected).all()
    qtbot.waitUntil(lambda: win.busy.isHidden(), timeout=TIMEOUT)
    win.close()


def test_the_gui_thread_processes_events_while_an_inventory_opens(window, qtbot):
    previous = window.index
    seen = []                                   # (opening, shown index, map repainted) per tick

    def tick():
        if window.opener.busy:
            window.map.viewport().repaint()     # the old map still paints meanwhile
        seen.append((window.opener.busy, window.index))

    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(tick)
    timer.start()
    with qtbot.waitSignal(window.inventoryShown, timeout=TIMEOUT):
        window.open_inventory(foncier.sample_inventory_path())
    timer.stop()
    during = [idx for busy, idx in seen if busy]
    assert during, "no timer tick while the inventory was being opened"
    assert all(idx is previous for idx in during)          # the old inventory stays shown
    assert window.index is not previous
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        pass


def test_a_geopackage_without_crs_keeps_the_previous_inventory(window, qtbot, tmp_path,
                                                               sample_inventory):
    path = tmp_path / "sans_crs.gpkg"
    for name, layer in sample_inventory.layers().items():
        if name == "plots":
            layer = layer.drop(columns="area_ha").set_crs(None, allow_override=True)
            with pytest.warns(UserWarning, match="crs"):      # pyogrio's, on writing
                pyogrio.write_dataframe(layer, path, layer=name)
        else:
            pyogrio.write_dataframe(layer, path, layer=name)
    with pytest.raises(foncier.InventoryError, match="plots: aucun système de coordonnées"):
        foncier.open_inventory(path)
    before = shown_statuses(window)
    with qtbot.waitSignal(window.errorShown, timeout=TIMEOUT) as blocker:
        window.open_inventory(path)
    assert "plots: aucun système de coordonnées" in blocker.args[0]
    assert window.error_box.text() == blocker.args[0]
    assert window.index.inventory is sample_inventory
    assert shown_statuses(window) == before
    assert "sans_crs.gpkg" not in window.windowTitle()


def test_quick_opens_show_only_the_last_inventory(window, qtbot, tmp_path):
    small = tmp_path / "petit.gpkg"
    foncier.write_inventory(foncier.inventory_from_layers(make_layers(plots=[
        {"plot_id": "A1", "geometry": shapely.box(0, 0, 300, 300)},
        {"plot_id": "A2", "geometry": shapely.box(400, 0, 700, 300)},
    ])), small)
    bad = tmp_path / "cassé.gpkg"
    bad.write_text("pas un GeoPackage", encoding="utf-8")
    shown, errors = [], []
    window.inventoryShown.connect(shown.append)
    window.errorShown.connect(errors.append)
    window.open_inventory(foncier.sample_inventory_path())
    window.open_inventory(bad)
    last = window.open_inventory(small)
    assert last == window.opener.generation
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT):
        pass
    qtbot.waitUntil(lambda: not window.opener.busy and not window.runner.busy, timeout=TIMEOUT)
    assert window.opener.wait(TIMEOUT)              # the superseded jobs have ended...
    qtbot.wait(0)                                   # ... and anything they sent is delivered
    assert [idx.plot_ids.tolist() for idx in shown] == [["A1", "A2"]]
    assert errors == []
    assert window.index is shown[0]
    assert window.model.rowCount() == 2
    assert sorted(shown_statuses(window)) == sorted(
        library_statuses(shown[0].inventory, window.filters.brief()))
    assert window.windowTitle().endswith(" — petit.gpkg — Foncier")


class _PaintCounter(QObject):
    """Counts the paint events a widget receives (seen before the widget paints)."""

    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_the_first_match_waits_for_the_maps_first_frame(qtbot):
    """The plot geometry and the first match would slow the first frame down: they start once
    the new map is painted (a hidden map does not wait)."""
    win = MainWindow(delay_ms=10)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    win.show()
    qtbot.waitExposed(win)
    paints = _PaintCounter(win.map.viewport())
    at_start = []
    win.runner.started.connect(lambda _: at_start.append(paints.count))
    shown_at = []
    win.inventoryShown.connect(lambda _: shown_at.append(paints.count))
    with qtbot.waitSignal(win.opener.geometryReady, timeout=TIMEOUT):
        win.open_inventory(foncier.sample_inventory_path())
    qtbot.waitUntil(lambda: win.current is not None, timeout=TIMEOUT)
    assert len(at_start) == 1 and at_start[0] > shown_at[0]     # a frame came in between
    win.close()

    hidden = MainWindow(delay_ms=10)
    qtbot.addWidget(hidden, before_close_func=lambda w: w.doc.stack.setClean())
    started = []
    hidden.runner.started.connect(started.append)
    with qtbot.waitSignal(hidden.inventoryShown, timeout=TIMEOUT):
        hidden.open_inventory(foncier.sample_inventory_path())
    assert len(started) == 1                                    # at once
    qtbot.waitUntil(lambda: hidden.current is not None, timeout=TIMEOUT)
    hidden.close()


def test_the_map_announces_its_painted_frames(window, qtbot):
    with qtbot.waitSignal(window.map.framePainted, timeout=TIMEOUT):
        window.map.viewport().update()
