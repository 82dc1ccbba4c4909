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


@pytest.mark.xfail(strict=True, reason="offscreen, the value typed in the spin box does not yet "
                   "reach the undo stack (1 command instead of 2): to investigate")
def test_typed_values_saved_with_history_and_undo(qtbot, inv):
    form = EditForm(inv, "plots", "P1", user="Alice")
    qtbot.addWidget(form)
    form.show()
    price = form.widgets["price_eur_m2"]
    assert price.suffix() == " €/m²"
    qtbot.mouseClick(price.lineEdit(), Qt.MouseButton.LeftButton)
    price.lineEdit().selectAll()
    qtbot.keyClicks(price.lineEdit(), "35")
    qtbot.keyClick(price.lineEdit(), Qt.Key.Key_Return)        # editingFinished: one undo command
    combo = form.widgets["occupancy"]
    combo.setFocus()
    combo.setCurrentIndex(combo.findData("friche"))
    assert form.undo_stack.count() == 2
    form.undo_action.trigger()                 # occupancy back
    assert form.value("occupancy") == "vacant" and form.value("price_eur_m2") == 35.0
    result = _save(qtbot, form, form.saved)
    assert result.changes == [("price_eur_m2", 20.0, 35.0)]
    history = read_history(inv)
    assert history[["column_name", "new_value", "changed_by"]].values.tolist() == [
        ["price_eur_m2", "35", "Alice"]]
    assert read_row(inv, "plots", "P1")["updated_on"] == dt.date.today()
    assert "1 valeur(s) enregistrée(s) par Alice" in form.message.text()


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
