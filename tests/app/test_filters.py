"""The filter panel bound to the brief (gui.filters)."""

from __future__ import annotations

import datetime as dt

import pytest
from foncier_gui.errors import brief_message
from foncier_gui.filters import FilterPanel
from PySide6.QtCore import Qt

import foncier


@pytest.fixture
def panel(qtbot, sample_inventory):
    p = FilterPanel()
    p.set_groups(sample_inventory.geometry.groups)
    qtbot.addWidget(p)
    return p


@pytest.mark.parametrize("path", foncier.sample_brief_paths(), ids=lambda p: p.stem)
def test_every_sample_brief_reads_back_identically(panel, path):
    brief = foncier.read_brief(path)
    panel.set_brief(brief)
    assert panel.brief() == brief


def test_a_full_brief_reads_back_identically_with_orders_kept(panel):
    brief = foncier.Brief(
        name="Projet complet", min_area_ha=3.25, max_area_ha=40, max_price_eur_m2=35.5,
        available_by=dt.date(2027, 6, 30), accepted_zones=("1AUX", "UX"), turnkey=True,
        brownfield="excluded", building_height_m=18, allow_assembly=False,
        assembly_max_gap_m=25, icpe="seveso_seuil_bas",
        forbidden_constraints=("seveso", "flood:interdiction"),
        excluded_constraints=("wetland", "flood"), min_housing_distance_m=200, power_mw=12,
        water_m3_day=300, gas=False, fiber=True, motorway_max_km=10, rail_siding=True,
        rail_freight_max_km=25, port_max_km=60, weights=(("motorway", 2.0), ("price", 0.5)))
    panel.set_brief(brief)
    assert panel.brief() == brief


def test_filling_the_panel_fires_no_change(panel, qtbot):
    """set_brief fills the widgets under signal blockers: no brief per widget, no loop back."""
    full = foncier.Brief(
        name="Projet complet", min_area_ha=3.25, max_area_ha=40, turnkey=True,
        brownfield="excluded", icpe="seveso_seuil_bas",
        forbidden_constraints=("seveso", "flood:interdiction"), power_mw=12, gas=False,
        available_by=dt.date(2027, 6, 30), accepted_zones=("UX",),
        weights=(("motorway", 2.0), ("price", 0.5)))
    with qtbot.assertNotEmitted(panel.briefChanged), \
            qtbot.assertNotEmitted(panel.invalidBrief):
        panel.set_brief(full)
        panel.set_brief(foncier.Brief(name="Vide"))       # every criterion switched off
        panel.set_brief(full)
    assert panel.brief() == full
    # The editors follow their checkbox although its signal was blocked.
    assert panel.fields["power_mw"].editor.isEnabled()
    assert not panel.fields["water_m3_day"].editor.isEnabled()
    assert panel.selector_list("forbidden_constraints").selectors() == ("seveso",
                                                                         "flood:interdiction")


def test_selectors_are_offered_from_the_inventory_groups(panel, sample_inventory):
    items = panel.selector_list("forbidden_constraints")
    offered = items.offered()
    for kind, level in sample_inventory.geometry.groups:
        assert (f"{kind}:{level}" if level else kind) in offered
    assert "flood" in offered                                # every level of a kind
    assert "monument:interdiction" not in offered            # no invented levels


def test_a_selector_missing_from_the_inventory_is_kept(qtbot):
    p = FilterPanel()
    qtbot.addWidget(p)
    p.set_groups([("flood", "interdiction")])
    brief = foncier.Brief(name="x", forbidden_constraints=("seveso", "flood:interdiction"))
    p.set_brief(brief)
    assert p.brief() == brief


def test_switching_a_criterion_on_and_off_emits_the_brief(panel, qtbot):
    panel.set_brief(foncier.Brief(name="Atelier"))
    panel.show()
    qtbot.waitExposed(panel)
    field = panel.fields["power_mw"]
    panel.ensureWidgetVisible(field.check)
    with qtbot.waitSignal(panel.briefChanged) as blocker:
        qtbot.mouseClick(field.check, Qt.MouseButton.LeftButton)
    assert field.editor.isEnabled()
    assert blocker.args[0].power_mw == field.editor.value()
    with qtbot.waitSignal(panel.briefChanged) as blocker:
        field.editor.setValue(12.5)
    assert blocker.args[0].power_mw == 12.5
    with qtbot.waitSignal(panel.briefChanged) as blocker:
        qtbot.mouseClick(field.check, Qt.MouseButton.LeftButton)
    assert blocker.args[0].power_mw is None
    assert not field.editor.isEnabled()


def test_ticking_selectors_keeps_their_order(panel, qtbot):
    panel.set_brief(foncier.Brief(name="x"))
    panel.fields["excluded_constraints"].check.setChecked(True)
    lst = panel.selector_list("excluded_constraints")
    lst.set_checked("wetland", True)
    with qtbot.waitSignal(panel.briefChanged) as blocker:
        lst.set_checked("flood:interdiction", True)
    assert blocker.args[0].excluded_constraints == ("wetland", "flood:interdiction")


def test_weights_keep_the_order_they_were_switched_on(panel):
    panel.set_brief(foncier.Brief(name="x"))
    panel.weights["port"].check.setChecked(True)
    panel.weights["area"].check.setChecked(True)
    panel.weights["area"].editor.setValue(3)
    assert panel.brief().weights == (("port", 1.0), ("area", 3.0))


def test_an_invalid_combination_shows_the_library_message(panel, qtbot):
    panel.set_brief(foncier.Brief(name="x", min_area_ha=10, max_area_ha=20))
    with qtbot.waitSignal(panel.invalidBrief) as blocker:
        panel.fields["max_area_ha"].editor.setValue(5)
    with pytest.raises(foncier.BriefError, match="min_area_ha") as exc:
        panel.brief()
    # The form's labels, not the TOML keys.
    assert blocker.args[0] == brief_message(exc.value)
    assert blocker.args[0].startswith("Surface nette minimale : ")
    assert "min_area_ha" not in blocker.args[0]
    assert not panel.error_label.isHidden()
    assert "supérieur" in panel.error_label.text()


def test_numbers_are_shown_and_typed_with_a_decimal_comma(panel, qtbot):
    panel.set_brief(foncier.Brief(name="x", min_area_ha=5, max_price_eur_m2=40,
                                  power_mw=12.5, water_m3_day=300, motorway_max_km=7.5,
                                  building_height_m=18))
    shown = {key: panel.fields[key].editor.text() for key in
             ("min_area_ha", "max_price_eur_m2", "power_mw", "water_m3_day", "motorway_max_km",
              "building_height_m")}
    assert shown == {"min_area_ha": "5,00 ha", "max_price_eur_m2": "40,00 €/m²",
                     "power_mw": "12,5 MW", "water_m3_day": "300 m³/j",
                     "motorway_max_km": "7,5 km", "building_height_m": "18 m"}
    panel.show()
    qtbot.waitExposed(panel)
    editor = panel.fields["power_mw"].editor
    panel.ensureWidgetVisible(editor)
    editor.selectAll()
    # Applied as typed: no Return nor Tab needed.
    with qtbot.waitSignal(panel.briefChanged,
                          check_params_cb=lambda b: b.power_mw == 8.5) as blocker:
        qtbot.keyClicks(editor, "8,5")
    assert blocker.args[0].power_mw == 8.5
    assert editor.text() == "8,5 MW"


def test_a_value_with_more_decimals_than_shown_is_kept_until_edited(panel):
    brief = foncier.Brief(name="x", min_area_ha=3.125, water_m3_day=120.4)
    panel.set_brief(brief)
    assert panel.fields["min_area_ha"].editor.text() == "3,13 ha"
    assert panel.brief() == brief
    panel.fields["water_m3_day"].editor.setValue(150)
    assert panel.brief().water_m3_day == 150.0


def test_every_field_has_a_tooltip_with_its_rule(panel):
    for key, field in {**panel.fields, **panel.weights}.items():
        assert field.check.toolTip(), key
        assert field.editor.toolTip(), key
    tip = panel.fields["forbidden_constraints"].check.toolTip()
    assert "1 m²" in tip
    assert "vol d'oiseau" in panel.fields["motorway_max_km"].check.toolTip()
    assert "Inconnu si le prix" in panel.fields["max_price_eur_m2"].editor.toolTip()


def test_constraint_choices_are_a_drop_down_with_a_summary(panel, qtbot):
    button = panel.selector_list("forbidden_constraints")
    panel.set_brief(foncier.Brief(name="x", forbidden_constraints=("seveso",
                                                                   "flood:interdiction")))
    assert button.summary() == "Seveso, Inondation (PPRI) — zone d'interdiction"
    assert "Seveso, Inondation (PPRI) — zone d'interdiction" in button.toolTip()
    assert button.sizeHint().height() < 50            # one line, not a 4-row list
    with qtbot.waitSignal(panel.briefChanged) as blocker:
        button.set_checked("seveso", False)
    assert blocker.args[0].forbidden_constraints == ("flood:interdiction",)
    assert button.summary() == "Inondation (PPRI) — zone d'interdiction"
    button.set_checked("flood:interdiction", False)
    assert button.summary() == "aucune"


def test_the_start_of_works_and_delays_round_trip(panel, qtbot):
    brief = foncier.Brief(name="Usine", start_works_by=dt.date(2028, 1, 31),
                          delays=(("building_permit", 4.0),))
    panel.set_brief(brief)
    assert panel.brief() == brief
    with qtbot.waitSignal(panel.briefChanged) as blocker:
        panel.fields["start_works_by"].check.setChecked(False)
    assert blocker.args[0].start_works_by is None
    assert blocker.args[0].delays == (("building_permit", 4.0),)   # kept though not shown
