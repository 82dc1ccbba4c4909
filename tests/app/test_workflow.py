"""The brief as a document, driven with real key events: typing, undo, save, close, recent."""

from __future__ import annotations

import pytest
from foncier_gui.mainwindow import MainWindow
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import foncier

TIMEOUT = 30_000


@pytest.fixture
def window(qtbot, sample_inventory):
    win = MainWindow(brief=foncier.Brief(name="Projet Atlas", min_area_ha=5, power_mw=2),
                     delay_ms=50)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.viewUpdated, timeout=TIMEOUT):
        win.set_inventory(sample_inventory)
    return win


def type_power(window, qtbot, text: str, expected: float):
    editor = window.filters.fields["power_mw"].editor
    window.filters.ensureWidgetVisible(editor)
    editor.setFocus()
    editor.selectAll()
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT,
                          check_params_cb=lambda v: v.result.brief.power_mw == expected):
        qtbot.keyClicks(editor, text)


def answer_next_box(button: QMessageBox.StandardButton, seen: list):
    """Answer the next modal question as a user would (from the event loop)."""
    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        box.button(button).click()
    QTimer.singleShot(0, answer)


def test_typing_changes_the_result_and_ctrl_z_undoes(window, qtbot):
    assert window.windowTitle() == "Projet Atlas[*] — normandie.gpkg — Foncier"
    assert not window.isWindowModified()
    type_power(window, qtbot, "8", 8.0)
    assert window.isWindowModified()
    assert window.doc.stack.count() == 1
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT,
                          check_params_cb=lambda v: v.result.brief.power_mw == 2.0):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.filters.fields["power_mw"].editor.value() == 2.0
    assert not window.isWindowModified()
    with qtbot.waitSignal(window.viewUpdated, timeout=TIMEOUT,
                          check_params_cb=lambda v: v.result.brief.power_mw == 8.0):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)


def test_typing_several_digits_is_one_edit(window, qtbot):
    type_power(window, qtbot, "12", 12.0)
    assert window.doc.stack.count() == 1


def test_ctrl_s_asks_once_then_writes_the_brief_file(window, qtbot, tmp_path):
    path = tmp_path / "projet-atlas.toml"
    foncier.write_brief(window.filters.brief(), path)
    assert window.open_brief(path)
    assert window.windowTitle().startswith("Projet Atlas (projet-atlas.toml)[*]")
    type_power(window, qtbot, "9", 9.0)
    assert window.isWindowModified()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert foncier.read_brief(path).power_mw == 9.0          # no dialog: its own file
    assert not window.isWindowModified()
    assert window.recent_files("briefs")[0] == str(path.resolve())


def test_closing_with_changes_asks_and_cancel_keeps_the_window(window, qtbot):
    type_power(window, qtbot, "7", 7.0)
    seen = []
    answer_next_box(QMessageBox.StandardButton.Cancel, seen)
    assert not window.close()
    assert seen == ["Le cahier des charges « Projet Atlas » a été modifié."]
    assert window.isVisible()
    answer_next_box(QMessageBox.StandardButton.Discard, seen)
    assert window.close()
    assert len(seen) == 2


def test_recent_inventories_are_listed(qtbot, tmp_path, sample_inventory):
    import pyogrio  # noqa: F401  (the sample written as a GeoPackage)

    path = tmp_path / "zones.gpkg"
    sample_inventory.plots.to_file(path, layer="plots")
    for name in ("sites", "constraints", "infrastructure"):
        getattr(sample_inventory, name).to_file(path, layer=name)
    win = MainWindow(delay_ms=50)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    with qtbot.waitSignal(win.inventoryShown, timeout=TIMEOUT):
        win.open_inventory(path)
    assert win.recent_files("inventories") == [str(path.resolve())]
    again = MainWindow(delay_ms=50)                          # remembered across windows
    qtbot.addWidget(again, before_close_func=lambda w: w.doc.stack.setClean())
    assert again.recent_files("inventories") == [str(path.resolve())]


def test_file_names_are_proposed_from_the_brief_name():
    from foncier_gui.document import proposed_file_name

    assert proposed_file_name("Projet Atlas", ".pdf", kind="pdf") == "Rapport – Projet Atlas.pdf"
    assert proposed_file_name("Projet Atlas", ".toml") == "projet-atlas.toml"
    assert proposed_file_name("Projet Atlas", ".xlsx", kind="table") == \
        "Résultats – Projet Atlas.xlsx"
