"""Decision support in the window, driven with real clicks: the near misses and the funnel tabs,
the time-to-start section of the detail panel, the « Détails » button of an error, the layout
restored from the settings and a 1366×768 window where nothing that matters is cut."""

from __future__ import annotations

import pytest
from foncier_gui.detail import START_HEADING, start_breakdown
from foncier_gui.mainwindow import MainWindow
from foncier_gui.table import COLUMNS
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox, QTextEdit

import foncier
from foncier.analysis.decision import funnel, near_misses

TIMEOUT = 30_000
KEYS = [k for k, _ in COLUMNS]


def logistics_brief() -> foncier.Brief:
    return foncier.read_brief(next(p for p in foncier.sample_brief_paths()
                                   if p.stem == "logistique"))


def open_window(qtbot, inventory, brief, size=(1400, 900)) -> MainWindow:
    win = MainWindow(brief=brief, delay_ms=50)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.viewUpdated, timeout=TIMEOUT):
        win.set_inventory(inventory)
    return win


@pytest.fixture
def window(qtbot, sample_inventory):
    return open_window(qtbot, sample_inventory, logistics_brief())


def click_tab(qtbot, tabs, index: int) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def test_the_near_misses_tab_lists_the_library_near_misses_and_a_click_selects_one(
        window, qtbot, sample_inventory):
    expected = near_misses(foncier.match(sample_inventory, window.filters.brief()))
    assert len(expected) == 50
    tabs = window.results_tabs
    assert tabs.tabText(1) == "Presque compatibles (50)"
    click_tab(qtbot, tabs, 1)
    near = window.near_table
    rows = near.rows()
    assert [r[1] for r in rows] == expected["plot_id"].tolist()          # in rank order
    assert [r[3] for r in rows] == expected["sentence"].tolist()
    assert rows[0][0] == str(int(expected["rank"].iloc[0]))
    # A real click on the third near miss selects that plot everywhere.
    item = near.topLevelItem(2)
    pid = str(expected["plot_id"].iloc[2])
    with qtbot.waitSignal(window.selectionChanged, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(near.viewport(), Qt.MouseButton.LeftButton,
                         pos=near.visualItemRect(item).center())
    position = window.index.position(pid)
    assert blocker.args == [position]
    assert window.selected == position
    row = window.table.selectionModel().currentIndex().row()
    assert window.model.data(window.model.index(row, KEYS.index("plot_id"))) == pid
    extra = dict(window.detail.extra_rows())
    assert extra["Presque compatible"].endswith(f"{expected['sentence'].iloc[2]}.")
    assert [r[1] for r in window.detail.verdict_rows()].count("fail") == 1
    # Selecting another plot from the map or the table moves the mark in the list too.
    window.select_plot(window.index.position(str(expected["plot_id"].iloc[0])))
    assert near.currentItem() is near.topLevelItem(0)
    window.select_plot(int(window.current.result.order[0]))                # a compatible one
    assert near.currentItem() is None


def test_the_funnel_tab_gives_the_library_funnel_in_elimination_order(window, qtbot,
                                                                       sample_inventory):
    result = foncier.match(sample_inventory, window.filters.brief())
    expected = funnel(result)
    click_tab(qtbot, window.results_tabs, 2)
    assert window.results_tabs.tabText(2) == "Entonnoir"
    rows = window.funnel_table.rows()
    assert [r[0] for r in rows] == expected["label"].tolist()
    assert [r[1:4] for r in rows] == [(str(a), str(b), str(c)) for a, b, c in zip(
        expected["fails"], expected["only_fail"], expected["unknown"], strict=True)]
    eliminated = [int(r[4].replace("\u202f", "").replace(" ", "")) for r in rows]
    remaining = [int(r[5].replace("\u202f", "").replace(" ", "")) for r in rows]
    assert eliminated[0] == int(expected["fails"].iloc[0])   # the first step removes its fails
    assert sum(eliminated) + remaining[-1] == len(sample_inventory.plots)
    counts = result.counts
    assert remaining[-1] == counts["match"] + counts["to_check"]        # no fail left


def test_with_nothing_compatible_the_funnel_link_opens_the_funnel(qtbot, sample_inventory):
    win = open_window(qtbot, sample_inventory, foncier.Brief(name="Géant", min_area_ha=500))
    text = win.counts_label.text()
    assert "Aucun terrain compatible : le critère « Surface » élimine le plus" in text
    assert "<a href='funnel'>Voir l'entonnoir</a>" in text
    win.counts_label.linkActivated.emit("funnel")          # what a click on the link sends
    assert win.results_tabs.currentWidget() is win.funnel_table
    assert win.funnel_table.rows()[0][:2] == ("Surface", "329")


def test_the_time_to_start_breakdown_has_its_own_section(qtbot, sample_inventory):
    brief = foncier.Brief(name="Usine", min_area_ha=2, icpe="enregistrement",
                          start_works_by="2028-06-30")
    win = open_window(qtbot, sample_inventory, brief)
    position = int(win.current.result.order[0])
    win.select_plot(position)
    pid = str(win.index.plot_ids[position])
    start = next(v for v in win.current.result.explain(pid) if v.criterion == "start")
    extra = dict(win.detail.extra_rows())
    text = extra[START_HEADING]
    assert text == start_breakdown(start.reason)
    lines = text.split("\n")
    assert lines[0].startswith("Disponible le ")
    assert any(line.startswith("+ enregistrement ICPE ~") for line in lines)
    assert lines[-1].startswith("= travaux vers le ")
    assert lines[-1].endswith(" le 30/06/2028 demandé.")
    assert START_HEADING in win.detail.verdicts.toPlainText()
    # Without a start date asked, no such section.
    win.filters.fields["start_works_by"].check.click()
    qtbot.waitUntil(lambda: win.current.result.brief.start_works_by is None, timeout=TIMEOUT)
    win.select_plot(position)
    assert START_HEADING not in dict(win.detail.extra_rows())


def test_the_details_button_of_an_error_shows_the_library_message(window, qtbot, tmp_path):
    bad = tmp_path / "projet.toml"
    bad.write_text('name = "X"\n[land]\nmin_area_ha = -4\n', encoding="utf-8")
    with pytest.raises(foncier.BriefError) as exc:
        foncier.read_brief(bad)
    with qtbot.waitSignal(window.errorShown):
        window.open_brief(bad)
    box = window.error_box
    details = [b for b in box.buttons()
               if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole]
    assert [b.text() for b in details] == ["Détails…"]
    shown = box.findChild(QTextEdit)
    assert shown is not None and not shown.isVisible()
    qtbot.mouseClick(details[0], Qt.MouseButton.LeftButton)
    assert shown.isVisible()
    assert shown.toPlainText() == str(exc.value)
    assert "land.min_area_ha" in shown.toPlainText()           # the technical key, here only
    assert details[0].text() == "Masquer les détails…"
    qtbot.mouseClick(details[0], Qt.MouseButton.LeftButton)
    assert not shown.isVisible()
    assert details[0].text() == "Détails…"
    box.close()


def test_the_window_layout_is_restored_from_the_settings(qtbot, sample_inventory):
    first = MainWindow(delay_ms=50)
    qtbot.addWidget(first, before_close_func=lambda w: w.doc.stack.setClean())
    screen = first.screen().availableGeometry()
    # A size the screen holds (the offscreen screen is small), not the fitted default.
    width, height = max(first.minimumSizeHint().width(), 700), min(700, screen.height() - 60)
    first.resize(width, height)
    first.show()
    qtbot.waitExposed(first)
    assert (first.width(), first.height()) == (width, height)
    first.splitter.setSizes([330, 200, 300])
    first.centre_splitter.setSizes([250, 350])
    sizes, centre = first.splitter.sizes(), first.centre_splitter.sizes()
    assert first.close()                                     # saves the layout
    again = MainWindow(delay_ms=50)
    qtbot.addWidget(again, before_close_func=lambda w: w.doc.stack.setClean())
    again.show()
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == (width, height)
    assert again.splitter.sizes() == sizes
    assert again.centre_splitter.sizes() == centre


def test_at_1366_by_768_the_filters_score_and_fiabilite_are_in_view(qtbot, sample_inventory):
    win = open_window(qtbot, sample_inventory, logistics_brief(), size=(1366, 768))
    win._proportional_sizes(win.width())
    qtbot.wait(50)
    filters = win.filters
    assert filters.widget().width() <= filters.viewport().width()     # nothing cut on the right
    icpe = filters.fields["icpe"].editor
    right = icpe.mapTo(filters.viewport(), QPoint(icpe.width(), 0)).x()
    assert right <= filters.viewport().width()
    assert icpe.currentText() == "enregistrement"
    for f in filters.fields.values():          # a label elided on screen has it in its tooltip
        assert f.check.text() in f.check.toolTip()
    table = win.table
    header = table.horizontalHeader()
    for key in ("rank", "plot_id", "status", "reasons", "score", "completeness"):
        col = KEYS.index(key)
        assert header.sectionViewportPosition(col) + header.sectionSize(col) \
            <= table.viewport().width(), key
    assert table.columnWidth(KEYS.index("reasons")) >= 170
