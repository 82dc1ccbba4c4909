"""The edit form: real key/mouse events, validation, undo, history, conflict, next update."""

from __future__ import annotations

import datetime as dt

import pytest
from foncier_gui.editforms import EditForm, next_update_text
from legal_helpers import stored_inventory
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from foncier.legal.adoption import adopt
from foncier.legal.edit import edit_plot, read_history, read_row


@pytest.fixture
def inv(tmp_path):
    return stored_inventory(tmp_path / "inv.gpkg")


def _save(qtbot, form, signal):
    button = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    with qtbot.waitSignal(signal, timeout=10_000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def _type(qtbot, editor, text, commit):
    """Click ``editor``, replace its text by ``text`` with key presses, commit with ``commit``."""
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)   # select all
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, commit)


def _undo_keys(qtbot, form, redo=False):
    focus = form.focusWidget()
    with qtbot.waitSignal(form.undo_stack.indexChanged, timeout=5_000):
        if redo:
            qtbot.keyClick(focus, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                           | Qt.KeyboardModifier.ShiftModifier)
        else:
            qtbot.keyClick(focus, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_typed_values_saved_with_history_and_undo(qtbot, inv):
    form = EditForm(inv, "plots", "P1", user="Alice")
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitExposed(form)
    qtbot.waitUntil(lambda: form.isActiveWindow())
    price = form.widgets["price_eur_m2"]
    assert price.suffix() == " €/m²"
    _type(qtbot, price.lineEdit(), "35", Qt.Key.Key_Return)   # Entrée: one command, no save
    assert form.undo_stack.count() == 1 and form.value("price_eur_m2") == 35.0
    assert read_row(inv, "plots", "P1")["price_eur_m2"] == 20.0 and read_history(inv).empty
    plu = form.widgets["plu_zone"]
    _type(qtbot, plu, "1AUX", Qt.Key.Key_Tab)                 # the focus leaves: one command
    assert not plu.hasFocus()
    assert form.undo_stack.count() == 2 and form.value("plu_zone") == "1AUX"
    _undo_keys(qtbot, form)                                    # Ctrl+Z: the zone back
    assert form.value("plu_zone") == read_row(inv, "plots", "P1")["plu_zone"]
    assert form.value("price_eur_m2") == 35.0
    _undo_keys(qtbot, form)                                    # Ctrl+Z: the price back
    assert form.value("price_eur_m2") == 20.0 and price.text() == "20,00 €/m²"
    _undo_keys(qtbot, form, redo=True)                         # Ctrl+Maj+Z: 35 again
    assert form.value("price_eur_m2") == 35.0
    combo = form.widgets["occupancy"]
    combo.setFocus()
    combo.setCurrentIndex(combo.findData("friche"))
    assert form.undo_stack.count() == 2                        # the undone zone is dropped
    form.undo_action.trigger()                                 # occupancy back
    assert form.value("occupancy") == "vacant" and form.value("price_eur_m2") == 35.0
    result = _save(qtbot, form, form.saved)
    assert result.changes == [("price_eur_m2", 20.0, 35.0)]
    history = read_history(inv)
    assert history[["column_name", "new_value", "changed_by"]].values.tolist() == [
        ["price_eur_m2", "35", "Alice"]]
    assert read_row(inv, "plots", "P1")["updated_on"] == dt.date.today()
    assert "1 valeur(s) enregistrée(s) par Alice" in form.message.text()


def test_ctrl_z_in_a_field_undoes_its_uncommitted_value(qtbot, inv):
    form = EditForm(inv, "plots", "P1", user="Alice")
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: form.isActiveWindow())
    price = form.widgets["price_eur_m2"]
    qtbot.mouseClick(price.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(price.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(price.lineEdit(), "41")                   # typed, not committed
    assert form.undo_stack.count() == 0
    _undo_keys(qtbot, form)
    assert form.undo_stack.count() == 1 and form.undo_stack.index() == 0
    assert form.value("price_eur_m2") == 20.0


def test_refused_value_framed_in_its_field(qtbot, inv):
    form = EditForm(inv, "plots", "P1", user="Alice")
    qtbot.addWidget(form)
    form.show()
    area = form.widgets["declared_area_ha"]
    area.setValue(-0.5)
    form._changed("declared_area_ha")
    text = _save(qtbot, form, form.failed)
    assert "Surface déclarée (ha) : -0,5 est négatif" in text
    assert form.refused_fields == ["declared_area_ha"]
    assert "est négatif" in area.toolTip() and "border" in area.styleSheet()
    area.setValue(1.5)
    form._changed("declared_area_ha")
    _save(qtbot, form, form.saved)
    assert form.refused_fields == [] and area.toolTip() == "" and area.styleSheet() == ""


def test_refused_value_and_conflict_shown(qtbot, inv):
    form = EditForm(inv, "plots", "P1", user="Alice")
    qtbot.addWidget(form)
    form.show()
    form.widgets["plu_zone"].setText("AUX")
    form._changed("plu_zone")
    edit_plot(inv, "P1", {"plu_zone": "AU"}, user="Bob")        # Bob saves in between
    text = _save(qtbot, form, form.failed)
    assert "quelqu'un d'autre a enregistré ce terrain" in text
    assert "plu_zone : AU" in text and "Bob" in form.message.text()
    assert read_row(inv, "plots", "P1")["plu_zone"] == "AU"


def test_next_update_text(inv):
    assert next_update_text(inv) == "Inventaire légal pas encore adopté"
    adopt(inv, dt.date(2026, 6, 1))
    assert next_update_text(inv, today=dt.date(2027, 1, 1)) == \
        "Prochaine mise à jour légale : 1er juin 2032"
