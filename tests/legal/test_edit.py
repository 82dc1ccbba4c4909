"""Edits in place: validation as ``foncier validate``, history rows, updated_on, atomicity."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest
from legal_helpers import stored_inventory

from foncier.core.inventory import open_inventory
from foncier.errors import EditConflictError, InventoryError
from foncier.legal.edit import edit_plot, edit_site, read_history


@pytest.fixture
def inv(tmp_path):
    return stored_inventory(tmp_path / "inv.gpkg")


def test_edit_plot_saves_in_place_with_history(inv):
    result = edit_plot(inv, "P1", {"price_eur_m2": "35", "turnkey": "non"}, user="Alice",
                       today=dt.date(2026, 3, 2))
    assert [(c, o, n) for c, o, n in result.changes] == [("price_eur_m2", 20.0, 35.0),
                                                         ("turnkey", True, False)]
    plots = open_inventory(inv).plots.set_index("plot_id")
    assert plots.loc["P1", "price_eur_m2"] == 35.0
    assert not plots.loc["P1", "turnkey"]
    assert pd.Timestamp(plots.loc["P1", "updated_on"]) == pd.Timestamp(2026, 3, 2)
    assert plots.loc["P2", "price_eur_m2"] == 20.0
    hist = read_history(inv)
    assert hist[["layer", "row_id", "column_name", "old_value", "new_value", "changed_by"]
                ].values.tolist() == [["plots", "P1", "price_eur_m2", "20", "35", "Alice"],
                                      ["plots", "P1", "turnkey", "true", "false", "Alice"]]
    assert hist["changed_at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()


def test_edit_records_the_system_user_by_default(inv):
    import getpass

    edit_plot(inv, "P2", {"plu_zone": "1AUX"})
    assert read_history(inv)["changed_by"].tolist() == [getpass.getuser()]


def test_unchanged_value_records_nothing(inv):
    result = edit_plot(inv, "P1", {"price_eur_m2": 20})
    assert result.changes == [] and read_history(inv).empty


def test_edit_refuses_what_validate_refuses_and_changes_nothing(inv):
    before = inv.read_bytes()
    with pytest.raises(InventoryError, match=r"(?s)plots\[P1\]: price_eur_m2 = « gratuit » "
                       r"n'est pas un nombre.*available_from = « demain » n'est pas une date"):
        edit_plot(inv, "P1", {"price_eur_m2": "gratuit", "available_from": "demain"})
    with pytest.raises(InventoryError, match="colonne « area_ha » non modifiable"):
        edit_plot(inv, "P1", {"area_ha": 3})
    with pytest.raises(InventoryError, match="« P9 » est introuvable dans la couche plots"):
        edit_plot(inv, "P9", {"price_eur_m2": 3})
    assert inv.read_bytes() == before


def test_edit_warns_like_validate_on_enumerations(inv):
    result = edit_plot(inv, "P1", {"sales_stage": "bradé"})
    assert "sales_stage" in str(result.warnings[0]) and "bradé" in str(result.warnings[0])


def test_edit_site_sets_updated_on(inv):
    edit_site(inv, "Z1", {"vocation": "industrielle"}, user="Bob", today=dt.date(2026, 1, 5))
    sites = open_inventory(inv).sites
    assert sites.loc[0, "vocation"] == "industrielle"
    assert pd.Timestamp(sites.loc[0, "updated_on"]) == pd.Timestamp(2026, 1, 5)
    assert read_history(inv)["layer"].tolist() == ["sites"]


def test_stale_values_refused_on_geopackage_too(inv):
    edit_plot(inv, "P1", {"price_eur_m2": 30}, user="Alice", expected={"price_eur_m2": 20})
    with pytest.raises(EditConflictError, match=r"(?s)quelqu'un d'autre a enregistré ce terrain"
                       r".*Alice.*price_eur_m2 : 30 \(vous aviez lu : 20\)") as info:
        edit_plot(inv, "P1", {"price_eur_m2": 25}, user="Bob", expected={"price_eur_m2": 20})
    assert info.value.current == {"price_eur_m2": 30.0}
    assert open_inventory(inv).plots.set_index("plot_id").loc["P1", "price_eur_m2"] == 30.0


def test_history_table_is_a_registered_geopackage_table(inv):
    edit_plot(inv, "P1", {"price_eur_m2": 30})
    with sqlite3.connect(inv) as con:
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    assert kinds["history"] == "attributes" and kinds["plots"] == "features"
