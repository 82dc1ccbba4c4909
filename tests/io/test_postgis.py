"""The PostGIS store, on a real PostgreSQL + PostGIS server.

The server's URL comes from ``FONCIER_TEST_PG`` (``.ci/postgis.sh`` starts one and prints it) or
from the libpq ``PG*`` variables; without a reachable server every test here is skipped with the
reason. Each test works in its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pandas as pd
import pytest
import shapely
from builders import make_layers

import foncier
from foncier import open_inventory, write_inventory
from foncier.cli import main
from foncier.errors import InventoryError, OutputError
from foncier.io.postgis import list_layers, read_layers, write_layers

psycopg = pytest.importorskip("psycopg")


def _base_url() -> str | None:
    url = os.environ.get("FONCIER_TEST_PG")
    if url:
        return url
    if os.environ.get("PGHOST") or os.environ.get("PGSERVICE") or os.environ.get("PGDATABASE"):
        return "postgresql://"
    return None


@pytest.fixture(scope="module")
def server():
    url = _base_url()
    reason = ("no PostGIS server: set FONCIER_TEST_PG=postgresql://user:pass@host:port/db "
              "(run .ci/postgis.sh as root to start one) or the PG* variables")
    if url is None:
        pytest.skip(reason)
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_extension WHERE extname='postgis'").fetchone():
                pytest.skip(f"{reason} (the database has no postgis extension)")
    except psycopg.OperationalError as exc:
        pytest.skip(f"{reason} ({str(exc).strip().splitlines()[0]})")
    return url


@pytest.fixture
def pg(server):
    """A URL whose search_path is a fresh schema (then public, where PostGIS lives)."""
    schema = f"test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server else "?"
    yield f"{server}{sep}options={quote(f'-csearch_path={schema},public')}"
    with psycopg.connect(server) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_sample_inventory_gives_the_same_matches_as_the_geopackage(pg, sample_inventory):
    write_inventory(sample_inventory, pg)
    assert set(list_layers(pg)) == {"sites", "plots", "constraints", "infrastructure",
                                    "communes"}
    back = open_inventory(pg)
    for name, layer in sample_inventory.layers().items():
        other = back.layers()[name]
        assert list(other.columns) == list(layer.columns), name
        assert other.drop(columns="geometry").equals(layer.drop(columns="geometry")), name
        assert shapely.equals_exact(other.geometry.to_numpy(), layer.geometry.to_numpy(),
                                    0).all(), name
    for path in foncier.sample_brief_paths():
        brief = foncier.read_brief(path)
        a, b = foncier.match(sample_inventory, brief), foncier.match(back, brief)
        assert a.table.drop(columns="geometry").equals(b.table.drop(columns="geometry")), path
    assert foncier.validate_inventory(pg) == foncier.validate_inventory(sample_inventory)


def test_columns_keep_their_types(pg, tiny_layers):
    write_inventory(tiny_layers, pg)
    with psycopg.connect(pg) as conn:
        types = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'plots'").fetchall())
        srid = conn.execute("SELECT Find_SRID(current_schema()::text, 'plots', 'geometry')"
                            ).fetchone()[0]
    assert (types["plot_id"], types["price_eur_m2"], types["turnkey"],
            types["available_from"]) == ("text", "double precision", "boolean", "date")
    assert srid == 2154
    plots = read_layers(pg, ["plots"])["plots"]
    assert str(plots["turnkey"].dtype) == "boolean"
    assert plots["available_from"].iloc[0] == pd.Timestamp("2026-01-01")


def test_failing_write_leaves_the_database_as_it_was(pg, tiny_layers):
    write_inventory(tiny_layers, pg)
    before = open_inventory(pg)
    changed = make_layers(plots=[{"plot_id": "NEW", "geometry": shapely.box(0, 0, 10, 10)}])
    changed["plots"]["available_from"] = "pas une date"      # fails after sites was rewritten
    with pytest.raises(OutputError, match="couche « plots ».*transaction annulée, la base est "
                                          "inchangée"):
        write_layers({"sites": changed["sites"], "plots": changed["plots"]}, pg)
    after = open_inventory(pg)
    for name in ("sites", "plots", "constraints"):
        assert after.layers()[name].drop(columns="geometry").equals(
            before.layers()[name].drop(columns="geometry")), name
    assert list(after.plots["plot_id"]) == ["P1", "P2", "P3"]


def test_credentials_from_pg_variables_and_hidden_in_messages(pg, monkeypatch, tiny_layers):
    write_inventory(tiny_layers, pg)
    parsed = psycopg.conninfo.conninfo_to_dict(pg)
    if "password" not in parsed:
        pytest.skip("the test URL has no password to move into PGPASSWORD")
    monkeypatch.setenv("PGPASSWORD", parsed["password"])
    no_password = pg.replace(f":{quote(parsed['password'])}@", "@", 1)
    assert no_password != pg
    assert len(open_inventory(no_password).plots) == 3
    wrong = pg.replace(f":{quote(parsed['password'])}@", ":mauvais-secret@", 1)
    monkeypatch.delenv("PGPASSWORD")
    with pytest.raises(InventoryError, match="connexion impossible") as info:
        open_inventory(wrong)
    assert "mauvais-secret" not in str(info.value) and ":***@" in str(info.value)


def test_cli_commands_accept_a_postgresql_url(pg, tmp_path, capsys):
    from pathlib import Path

    data = Path(__file__).parents[1] / "data"
    assert main(["import-cnig", str(data / "cnig"), "--out", pg, "--repair"]) == 0
    out = capsys.readouterr().out
    password = psycopg.conninfo.conninfo_to_dict(pg).get("password")
    assert "importés dans postgresql://" in out and f":{password}@" not in out
    assert main(["validate", pg]) == 1          # the official example's declared area is off
    assert "surface déclarée 9.90 ha" in capsys.readouterr().out
    assert main(["import-friches", str(data / "friches" / "friches_normandie.csv"),
                 "--into", pg]) == 0
    assert main(["export-cnig", pg, "--csv", str(tmp_path / "csv"), "--force"]) == 0
    capsys.readouterr()
    inv = open_inventory(pg)
    assert len(inv.plots) == 228 and inv.plots["brownfield"].sum() == 227
    assert set(list_layers(pg)) >= {"cnig_pole_eco", "cnig_etablissement"}   # kept
    assert (tmp_path / "csv" / "etablissement.csv").exists()
