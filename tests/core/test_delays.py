"""Time to start works: the delay table, the start criterion, the [delays] brief table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match
from foncier.core.brief import brief_from_dict, brief_to_toml, read_brief
from foncier.core.delays import DEFAULT_DELAYS, DELAY_TABLE, add_months, delays_for
from foncier.errors import BriefError

ON = dt.date(2026, 1, 1)
PLOT = shapely.box(0, 0, 200, 100)
ARCH = {"constraint_id": "A", "kind": "archaeology", "geometry": shapely.box(150, 0, 300, 100)}


def start_of(brief_kwargs, plot=None, constraints=(), on=ON):
    """(outcome, measured, reason) of the start criterion for a single plot."""
    layers = make_layers([{"plot_id": "P", "geometry": PLOT, "turnkey": False,
                           "available_from": "2026-03-01", **(plot or {})}],
                         constraints=constraints)
    brief = Brief(name="t", start_works_by=dt.date(2027, 6, 30), **brief_kwargs)
    res = match(inventory_from_layers(layers), brief, on=on)
    (v,) = [v for v in res.explain("P") if v.criterion == "start"]
    return v.outcome, v.measured, v.reason


def test_default_table_has_a_source_for_every_duration():
    assert DEFAULT_DELAYS == {"declaration": 0.0, "enregistrement": 5.0, "autorisation": 17.0,
                              "building_permit": 3.0, "archaeology": 4.0,
                              "wildlife_survey": 12.0}
    assert all(step.source and step.label for step in DELAY_TABLE)
    assert "R.423-23" in dict((s.key, s.source) for s in DELAY_TABLE)["building_permit"]


def test_enregistrement_breakdown():
    outcome, measured, reason = start_of({"icpe": "enregistrement"})
    assert (outcome, measured) == ("pass", dt.date(2026, 11, 1))
    assert reason == ("Disponible le 01/03/2026 + enregistrement ICPE ~5 mois + permis ~3 mois : "
                      "travaux vers le 01/11/2026, avant le 30/06/2027 demandé.")


def test_no_icpe_and_declaration_need_the_permit_only():
    assert start_of({})[1] == dt.date(2026, 6, 1)
    outcome, measured, reason = start_of({"icpe": "declaration"})
    assert measured == dt.date(2026, 6, 1)
    assert "déclaration" not in reason           # no instruction time: not in the breakdown


def test_autorisation_with_archaeology_without_turnkey():
    outcome, measured, reason = start_of({"icpe": "autorisation"}, constraints=[ARCH])
    assert (outcome, measured) == ("fail", dt.date(2029, 3, 1))      # 12 + 17 + 4 + 3 months
    assert reason == ("Disponible le 01/03/2026 + inventaire faune-flore sur 4 saisons ~12 mois "
                      "+ autorisation environnementale ~17 mois + diagnostic archéologique "
                      "~4 mois + permis ~3 mois : travaux vers le 01/03/2029, après le "
                      "30/06/2027 demandé.")


def test_turnkey_skips_the_survey_and_the_diagnostic():
    outcome, measured, reason = start_of({"icpe": "seveso_seuil_haut"}, {"turnkey": True},
                                         constraints=[ARCH])
    assert (outcome, measured) == ("fail", dt.date(2027, 11, 1))     # 17 + 3 months
    assert "diagnostic" not in reason and "faune" not in reason
    assert reason.endswith("(clé en main : études préalables déjà faites), après le 30/06/2027 "
                           "demandé.")


def test_turnkey_unknown_is_not_turnkey():
    assert start_of({"icpe": "autorisation"}, {"turnkey": None})[1] == dt.date(2028, 11, 1)


def test_archaeology_needs_more_than_the_overlap_tolerance():
    touching = {**ARCH, "geometry": shapely.box(199.5, 0, 300, 1)}    # 0.5 m²
    assert start_of({"icpe": "enregistrement"}, constraints=[touching])[1] == dt.date(2026, 11, 1)
    assert start_of({"icpe": "enregistrement"}, constraints=[ARCH])[1] == dt.date(2027, 3, 1)


def test_counts_from_the_match_day_when_already_available():
    outcome, measured, reason = start_of({}, {"available_from": "2020-05-01"},
                                         on=dt.date(2026, 2, 15))
    assert measured == dt.date(2026, 5, 15)
    assert reason.startswith("Disponible le 15/02/2026 + permis ~3 mois")


def test_unknown_without_available_from():
    outcome, measured, reason = start_of({"icpe": "enregistrement"}, {"available_from": None})
    assert (outcome, measured) == ("unknown", None)
    assert reason == "Date de disponibilité non renseignée : début des travaux inconnu."


def test_delays_table_overrides_defaults():
    brief = Brief(name="t", icpe="autorisation", delays={"autorisation": 9,
                                                         "wildlife_survey": 0})
    assert delays_for(brief)["autorisation"] == 9.0
    outcome, measured, reason = start_of({"icpe": "autorisation",
                                          "delays": {"autorisation": 9, "wildlife_survey": 0}})
    assert measured == dt.date(2027, 3, 1)                             # 9 + 3 months
    assert "autorisation environnementale ~9 mois" in reason and "faune" not in reason


def test_fractional_months_and_month_ends():
    d = np.array(["2026-01-31", "2026-03-01", "NaT"], dtype="datetime64[D]")
    out = add_months(d, np.array([1.0, 0.5, 3.0]))
    assert out.astype(str).tolist() == ["2026-02-28", "2026-03-16", "NaT"]


def test_start_works_by_and_delays_read_from_toml(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text('name = "Usine"\n[land]\nstart_works_by = 2028-01-31\n'
                    '[delays]\nbuilding_permit = 4\narchaeology = 2.5\n', encoding="utf-8")
    brief = read_brief(path)
    assert brief.start_works_by == dt.date(2028, 1, 31)
    assert brief.delay_map == {"building_permit": 4.0, "archaeology": 2.5}
    again = tmp_path / "again.toml"
    again.write_text(brief_to_toml(brief), encoding="utf-8")
    assert read_brief(again) == brief


def test_bad_delays_are_all_reported():
    with pytest.raises(BriefError) as err:
        brief_from_dict({"name": "x", "land": {"start_works_by": "demain"},
                         "delays": {"permis": 3, "archaeology": -1, "autorisation": "neuf",
                                    "enregistrement": float("inf")}})
    text = str(err.value)
    assert "land.start_works_by" in text and "AAAA-MM-JJ" in text
    assert "delays.permis" in text and "durée de procédure inconnue" in text
    assert "delays.archaeology" in text and "négatif" in text
    assert "delays.autorisation" in text and "n'est pas un nombre" in text
    assert "delays.enregistrement" in text and "fini" in text


def test_delays_must_be_a_table():
    with pytest.raises(BriefError, match=r"delays.*une table \[delays\] est attendue"):
        brief_from_dict({"name": "x", "delays": 3})
