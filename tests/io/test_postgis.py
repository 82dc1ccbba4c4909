"""The PostGIS store, on a real PostgreSQL + PostGIS server.

The server's URL comes from ``FONCIER_TEST_PG`` (``.ci/postgis.sh`` starts one and prints it) or
from the libpq ``PG*`` variables; without a reachable server every test here is skipped with the
reason. Each test works in its own schema, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import make_layers

import foncier
from foncier import open_inventory, write_inventory
from foncier.cli import main
from foncier.errors import InventoryError, OutputError
from foncier.io import postgis
from foncier.io.postgis import list_layers, read_layers, with_schema, write_layers

psycopg = pytest.importorskip("psycopg")
sql = pytest.importorskip("psycopg.sql")

LAYER_NAMES = ("sites", "plots", "constraints", "infrastructure")
#: Made by .ci/postgis.sh: PostGIS lives in its schema "gis"; the test role may copy it.
GIS_TEMPLATE = "foncier_template_gis"


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
        # same values; a text column outside the contract may come back as object from
        # PostgreSQL and as pandas' string dtype from a GeoPackage
        pd.testing.assert_frame_equal(other.drop(columns="geometry"),
                                      layer.drop(columns="geometry"), check_dtype=False,
                                      obj=name)
        # The polygon columns are typed MultiPolygon: a Polygon comes back as its one-part multi.
        expected = [shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
                    for g in layer.geometry]
        assert shapely.equals_exact(other.geometry.to_numpy(), expected, 0).all(), name
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


def _raw_table(pg, extra: str = "", extra_values: str = "") -> None:
    """A ``plots`` table made by hand (not by foncier): values of every column type a write
    makes, and texts CSV must quote; ``extra`` adds a column of another type."""
    with psycopg.connect(pg) as conn:
        conn.execute(f"""CREATE TABLE plots (fid bigint PRIMARY KEY, plot_id text, note
            varchar(20), price double precision, water bigint, turnkey boolean, since date,
            cost numeric, floors integer{extra}, geometry geometry(Point, 2154))""")
        conn.execute(f"""INSERT INTO plots VALUES
            (2, 'P2', '', 1.5, 7, NULL, NULL, NULL, NULL{extra_values}, NULL),
            (1, 'P1', 'a,b', 'NaN', NULL, true, '2026-01-31', 12.5, 3{extra_values},
             ST_SetSRID(ST_Point(1, 2), 2154)),
            (3, NULL, E'l1\\nl2 "q"', '-Infinity', -9007199254740993, false, '1900-01-01',
             'NaN', -1{extra_values}, ST_SetSRID(ST_Point(3, 4), 2154))""")


def test_every_column_type_and_quoted_text_read_back_as_written(pg, monkeypatch):
    _raw_table(pg)

    def row_by_row(*args):
        raise AssertionError("these column types are read at once (COPY), not row by row")

    monkeypatch.setattr(postgis, "_fetched_columns", row_by_row)
    plots = read_layers(pg, ["plots"])["plots"]
    assert plots["plot_id"].tolist() == ["P1", "P2", None]           # in fid order
    assert plots["note"].tolist() == ["a,b", "", 'l1\nl2 "q"']      # empty text is not null
    assert plots["price"].tolist()[1:] == [1.5, float("-inf")] and np.isnan(plots["price"][0])
    assert plots["water"].tolist() == [pd.NA, 7, -9007199254740993]
    assert str(plots["water"].dtype) == "Int64" and str(plots["turnkey"].dtype) == "boolean"
    assert plots["turnkey"].tolist() == [True, pd.NA, False]
    assert plots["since"].tolist()[0::2] == [pd.Timestamp("2026-01-31"),
                                             pd.Timestamp("1900-01-01")]
    assert pd.isna(plots["since"][1]) and str(plots["since"].dtype) == "datetime64[s]"
    assert plots["cost"][0] == 12.5 and plots["cost"][1:].isna().all()   # null, NaN
    assert plots["floors"].tolist() == [3, pd.NA, -1]
    assert plots.geometry.isna().tolist() == [False, True, False]
    assert plots.geometry[2].equals(shapely.Point(3, 4)) and plots.crs == "EPSG:2154"


def test_a_column_of_another_type_is_read_row_by_row_alike(pg):
    _raw_table(pg, extra=", seen timestamp", extra_values=", '2026-03-01 10:30'")
    plots = read_layers(pg, ["plots"])["plots"]
    assert plots["note"].tolist() == ["a,b", "", 'l1\nl2 "q"']
    assert plots["water"].tolist() == [pd.NA, 7, -9007199254740993]
    assert plots["seen"].tolist() == [dt.datetime(2026, 3, 1, 10, 30)] * 3


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


# --- Shared inventories: one schema per URL, the others untouched ------------------------------


def _layers(prefix: str) -> dict:
    """A tiny valid inventory whose ids all start with ``prefix``."""
    return make_layers(
        plots=[{"plot_id": f"{prefix}-P{i}", "site_id": f"{prefix}-Z",
                "geometry": shapely.box(i * 300, 0, i * 300 + 200, 100)} for i in range(3)],
        sites=[{"site_id": f"{prefix}-Z", "name": f"ZAE {prefix}",
                "geometry": shapely.box(-10_000, -10_000, 10_000, 10_000)}],
        constraints=[{"constraint_id": f"{prefix}-C", "kind": "flood", "level": "interdiction",
                      "geometry": shapely.box(0, 0, 50, 50)}],
        infrastructure=[{"infra_id": f"{prefix}-M", "kind": "motorway_interchange",
                         "geometry": shapely.Point(0, 5000)}])


def _snapshot(url: str, schema: str) -> dict:
    """Every table of ``schema`` with all its rows (geometries as EWKB hex), for comparisons."""
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = %s ORDER BY 1",
            (schema,)).fetchall()]
        return {t: conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(
            sql.Identifier(schema, t))).fetchall() for t in tables}


def _url(base: str, **params: str) -> str:
    sep = "&" if "?" in base else "?"
    return base + sep + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


@contextmanager
def _public_inventory(server):
    """The test database's ``public`` schema holding an inventory (ids ``PUB-``), then emptied."""
    with psycopg.connect(server) as conn:
        taken = conn.execute("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' "
                             "AND tablename = ANY(%s)", (list(LAYER_NAMES),)).fetchall()
    if taken:
        pytest.skip(f"the schema public of the test database already has {taken}")
    try:
        write_layers(_layers("PUB"), server, schema="public")
        yield
    finally:
        with psycopg.connect(server) as conn:
            for name in ("plots", *LAYER_NAMES):
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                    sql.Identifier("public", name)))


@pytest.fixture
def epci(server):
    """Two fresh schema names (epci_a_..., epci_b_...), created with an inventory each."""
    tag = uuid.uuid4().hex[:8]
    names = (f"epci_a_{tag}", f"epci_b_{tag}")
    with _public_inventory(server):
        write_layers(_layers("A"), server, schema=names[0])
        write_layers(_layers("B"), server, schema=names[1])
        try:
            yield names
        finally:
            with psycopg.connect(server) as conn:
                for name in names:
                    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(name)))


@pytest.mark.parametrize("how", ["schema=", "search_path", "search_path alone", "with_schema"])
def test_a_write_replaces_its_schema_only(server, epci, how):
    a, b = epci
    before = {s: _snapshot(server, s) for s in ("public", b)}
    assert len(before["public"]["plots"]) == 3 and len(before[b]["plots"]) == 3
    new = _layers("NEW")
    if how == "schema=":
        write_inventory(new, server, schema=a)
    elif how == "with_schema":
        write_inventory(new, with_schema(server, a))
    else:        # the bug: search_path=epci2,public dropped public's tables
        path = f"{a},public" if how == "search_path" else a
        write_inventory(new, _url(server, options=f"-csearch_path={path}"))
    assert {s: _snapshot(server, s) for s in ("public", b)} == before
    plots = read_layers(server, ["plots"], schema=a)["plots"]
    assert list(plots["plot_id"]) == ["NEW-P0", "NEW-P1", "NEW-P2"]


def test_a_read_picks_its_schema_only(server, epci):
    a, b = epci
    assert list(open_inventory(server).plots["plot_id"]) == ["PUB-P0", "PUB-P1", "PUB-P2"]
    assert list(open_inventory(server, schema=b).plots["plot_id"]) == ["B-P0", "B-P1", "B-P2"]
    by_path = open_inventory(_url(server, options=f"-csearch_path={a},public"))
    assert list(by_path.sites["site_id"]) == ["A-Z"]
    assert list(by_path.infrastructure["infra_id"]) == ["A-M"]
    assert by_path.location == _url(server, options=f"-csearch_path={a},public")
    # schema= wins over the URL's search_path.
    assert list(open_inventory(by_path.location, schema=b).constraints["constraint_id"]) == ["B-C"]
    assert set(list_layers(server, schema=a)) == set(LAYER_NAMES)


def test_a_missing_schema_is_created_on_write_and_named_on_read(server, epci):
    a, _ = epci
    fresh = f"{a}_nouveau"
    with pytest.raises(InventoryError, match=f"le schéma « {fresh} » n'existe pas dans la base "
                                             f"« [^»]+ » .*« {a} ».*schema="):
        open_inventory(server, schema=fresh)
    try:
        write_inventory(_layers("N"), _url(server, options=f"-csearch_path={fresh}"))
        assert len(open_inventory(server, schema=fresh).plots) == 3
    finally:
        with psycopg.connect(server) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(fresh)))


def test_a_failed_write_leaves_every_schema_and_creates_none(server, epci):
    a, b = epci
    before = {s: _snapshot(server, s) for s in ("public", a, b)}
    bad = _layers("X")
    bad["plots"].loc[2, "plot_id"] = "X-P0"                  # refused by the UNIQUE constraint
    with pytest.raises(OutputError, match=f"schéma « {a} » : écriture de la couche « plots » "
                                          "impossible \\(plot_id « X-P0 » en double.*transaction "
                                          "annulée, la base est inchangée"):
        write_inventory(bad, server, schema=a)
    ghost = f"{a}_jamais"
    with pytest.raises(OutputError, match="site_id « nulle-part » ne correspond à aucun site"):
        orphan = _layers("Y")
        orphan["plots"].loc[0, "site_id"] = "nulle-part"
        write_inventory(orphan, server, schema=ghost)
    assert {s: _snapshot(server, s) for s in ("public", a, b)} == before
    with psycopg.connect(server) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (ghost,)
                            ).fetchone() is None


def test_the_database_enforces_ids_references_and_geometry_types(server, epci):
    a, _ = epci
    with psycopg.connect(server) as conn:
        keys = conn.execute(
            "SELECT c.conrelid::regclass::text, c.contype::text, "
            "array_agg(a.attname::text ORDER BY a.attname) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE n.nspname = %s GROUP BY 1, 2, c.conname", (a,)).fetchall()
        fk = conn.execute(
            "SELECT ccu.table_schema, ccu.table_name, ccu.column_name "
            "FROM information_schema.referential_constraints rc "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = rc.constraint_name "
            "AND k.constraint_schema = rc.constraint_schema "
            "JOIN information_schema.constraint_column_usage ccu "
            "ON ccu.constraint_name = rc.unique_constraint_name "
            "AND ccu.constraint_schema = rc.unique_constraint_schema "
            "WHERE rc.constraint_schema = %s AND k.table_name = 'plots' AND k.column_name = "
            "'site_id'", (a,)).fetchall()
        nullable = conn.execute(
            "SELECT is_nullable FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'plots' AND column_name = 'site_id'", (a,)).fetchone()[0]
        types = conn.execute(
            "SELECT f_table_name::text, type, srid FROM geometry_columns "
            "WHERE f_table_schema = %s ORDER BY 1", (a,)).fetchall()
        gist = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexdef LIKE "
            "'%%USING gist (geometry)%%'", (a,)).fetchone()[0]
    unique = {(t.split(".")[-1], tuple(cols)) for t, kind, cols in keys if kind in "up"}
    for layer, col in (("sites", "site_id"), ("plots", "plot_id"),
                       ("constraints", "constraint_id"), ("infrastructure", "infra_id")):
        assert (layer, (col,)) in unique, layer
    assert fk == [(a, "sites", "site_id")] and nullable == "YES"
    assert types == [("constraints", "MULTIPOLYGON", 2154), ("infrastructure", "POINT", 2154),
                     ("plots", "MULTIPOLYGON", 2154), ("sites", "MULTIPOLYGON", 2154)]
    assert gist == 4
    # The database itself refuses a duplicate id and a plot of an unknown site.
    with psycopg.connect(server) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(sql.SQL("INSERT INTO {} (fid, plot_id) VALUES (99, 'A-P0')").format(
            sql.Identifier(a, "plots")))
    with psycopg.connect(server) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(sql.SQL("INSERT INTO {} (fid, plot_id, site_id) VALUES (99, 'A-P9', 'Z9')"
                             ).format(sql.Identifier(a, "plots")))
    with psycopg.connect(server) as conn:       # a plot outside any zone is allowed
        conn.execute(sql.SQL("INSERT INTO {} (fid, plot_id) VALUES (99, 'A-P9')").format(
            sql.Identifier(a, "plots")))
        conn.rollback()


def test_replacing_sites_alone_keeps_the_plots_reference(server, epci):
    a, _ = epci
    sites = _layers("A")["sites"]
    write_layers({"sites": sites}, server, schema=a)
    assert len(read_layers(server, ["plots"], schema=a)["plots"]) == 3
    before = _snapshot(server, a)
    other = _layers("Q")["sites"]                       # the plots' site A-Z would vanish
    with pytest.raises(OutputError, match="couche « plots ».*site_id « A-Z » ne correspond à "
                                          "aucun site"):
        write_layers({"sites": other}, server, schema=a)
    assert _snapshot(server, a) == before


# --- Other databases: PostGIS in another schema, no PostGIS at all -----------------------------


@contextmanager
def _database(server, template: str):
    """A throwaway database copied from ``template``; its URL, then it is dropped."""
    name = f"foncier_t_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)))
    except psycopg.Error as exc:
        pytest.skip(f"cannot create a test database from {template} (run .ci/postgis.sh as "
                    f"root): {str(exc).strip().splitlines()[0]}")
    info = psycopg.conninfo.conninfo_to_dict(server)
    base = server.split("?")[0]
    url = base[: base.rindex("/") + 1] + name if "/" in base.split("://", 1)[1] else None
    if url is None or info.get("dbname") is None:
        pytest.skip("the test URL does not name its database")
    try:
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def test_postgis_in_another_schema(server):
    with _database(server, GIS_TEMPLATE) as url:
        with psycopg.connect(url) as conn:
            where = conn.execute("SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n "
                                 "ON n.oid = e.extnamespace WHERE extname = 'postgis'").fetchone()
        assert where == ("gis",)
        only = _url(url, options="-csearch_path=epci3")      # was: type geometry does not exist
        write_inventory(_layers("G"), only)
        write_inventory(_layers("H"), url, schema="epci4")
        write_inventory(_layers("P"), url)                   # search_path "$user", public
        assert list(open_inventory(only).plots["plot_id"]) == ["G-P0", "G-P1", "G-P2"]
        assert list(open_inventory(url, schema="epci4").sites["site_id"]) == ["H-Z"]
        assert list(open_inventory(url).sites["site_id"]) == ["P-Z"]
        with psycopg.connect(url) as conn:
            types = conn.execute("SELECT f_table_schema::text, type FROM gis.geometry_columns "
                                 "WHERE f_table_name = 'plots' ORDER BY 1").fetchall()
        assert types == [("epci3", "MULTIPOLYGON"), ("epci4", "MULTIPOLYGON"),
                         ("public", "MULTIPOLYGON")]


def test_a_database_without_postgis_says_what_to_install(server):
    with _database(server, "template0") as url:
        name = url.rsplit("/", 1)[1]
        message = (f"la base « {name} » n'a pas l'extension PostGIS.*[Uu]n superutilisateur doit "
                   f"l'activer dans la base « {name} » : « CREATE EXTENSION postgis; »")
        with pytest.raises(OutputError, match=message) as info:
            write_inventory(_layers("N"), url)
        assert ":***@" in str(info.value) or "@" not in url
        assert "None" not in str(info.value)
        with pytest.raises(InventoryError, match=message):
            open_inventory(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                                ).fetchone() == (0,)


def test_schema_needs_a_database():
    with pytest.raises(InventoryError, match="schema= ne vaut que pour une base PostGIS"):
        open_inventory(None, schema="epci_a")


def test_cli_schema_option_targets_one_schema(server, epci, capsys):
    from pathlib import Path

    a, b = epci
    before = {s: _snapshot(server, s) for s in ("public", b)}
    data = Path(__file__).parents[1] / "data"
    assert main(["import-cnig", str(data / "cnig"), "--out", server, "--schema", a,
                 "--repair"]) == 0
    capsys.readouterr()
    assert {s: _snapshot(server, s) for s in ("public", b)} == before
    assert len(open_inventory(server, schema=a).plots) == 1
    assert main(["validate", server, "--schema", b]) == 0
    assert "inventaire valide" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["validate", "inventaire.gpkg", "--schema", b])
    assert info.value.code == 2
    assert "--schema ne vaut que pour un inventaire en base PostGIS" in capsys.readouterr().err
