"""The PostGIS edit conflict, against the real server (``FONCIER_TEST_PG``; else skipped)."""

from __future__ import annotations

import os
import secrets

import pytest
from builders import make_layers
from legal_helpers import plots_rows

from foncier.core.inventory import open_inventory, write_inventory
from foncier.errors import EditConflictError
from foncier.legal.edit import edit_plot, read_history


@pytest.fixture
def pg_inv():
    url = os.environ.get("FONCIER_TEST_PG")
    if not url:
        pytest.skip("no PostGIS server: set FONCIER_TEST_PG=postgresql://user:pass@host/db")
    import psycopg

    schema = f"legal_{secrets.token_hex(4)}"
    write_inventory(make_layers(plots_rows()), url, schema=schema)
    yield url, schema
    with psycopg.connect(url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_second_save_of_the_same_plot_is_refused_with_the_other_values(pg_inv):
    url, schema = pg_inv
    read_by_alice = read_by_bob = {"price_eur_m2": 20.0, "sales_stage": "en vente"}
    edit_plot(url, "P1", {"price_eur_m2": 30, "sales_stage": "réservé par option de réservation"},
              user="Alice", expected=read_by_alice, schema=schema)
    with pytest.raises(EditConflictError, match=r"(?s)quelqu'un d'autre a enregistré ce terrain"
                       r".*Alice.*price_eur_m2 : 30 \(vous aviez lu : 20\).*sales_stage : "
                       r"réservé par option de réservation \(vous aviez lu : en vente\)"):
        edit_plot(url, "P1", {"price_eur_m2": 25}, user="Bob", expected=read_by_bob,
                  schema=schema)
    plots = open_inventory(url, schema=schema).plots.set_index("plot_id")
    assert plots.loc["P1", "price_eur_m2"] == 30.0
    hist = read_history(url, schema=schema)
    assert hist["changed_by"].tolist() == ["Alice", "Alice"]
    assert hist["column_name"].tolist() == ["price_eur_m2", "sales_stage"]


def test_edit_in_postgis_sets_updated_on_and_keeps_other_schemas(pg_inv):
    url, schema = pg_inv
    edit_plot(url, "P2", {"unoccupied_since": "2023-01-01"}, user="Alice", schema=schema)
    plots = open_inventory(url, schema=schema).plots.set_index("plot_id")
    assert str(plots.loc["P2", "unoccupied_since"])[:10] == "2023-01-01"
    assert plots.loc["P2", "updated_on"] is not None
