"""Silent corruption in inventories: values not of their column's type, blank ids, NaN coordinates.

A value not of its column's type is never read as 0 or False: validation reports it (layer, row
id, column, value, expected type) and it becomes null. GeoPackages are real files written with
pyogrio and corrupted with sqlite3, where GDAL would otherwise read text as 0.
"""

from __future__ import annotations

import sqlite3
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import make_layers

from foncier import (
    Brief,
    InventoryError,
    inventory_from_layers,
    match,
    open_inventory,
    validate_inventory,
    write_inventory,
)
from foncier.errors import FoncierWarning


def _layers():
    return make_layers([
        {"plot_id": "P1", "geometry": shapely.box(0, 0, 200, 100)},
        {"plot_id": "P2", "geometry": shapely.box(300, 0, 500, 500)},
    ])


def _gpkg(tmp_path, layers=None):
    path = tmp_path / "inv.gpkg"
    write_inventory(layers or _layers(), path)
    return path


def _corrupt(path, sql, *params):
    """Run an UPDATE on the GeoPackage with sqlite3 (stubbing the R-tree triggers' functions)."""
    con = sqlite3.connect(path)
    for fn in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        con.create_function(fn, 1, lambda g: 0)
    con.execute(sql, params)
    con.commit()
    con.close()


def _errors(problems):
    return [str(p) for p in problems if p.severity == "error"]


def test_text_in_a_real_column_is_reported_not_read_as_zero(tmp_path):
    path = _gpkg(tmp_path)
    _corrupt(path, "UPDATE plots SET price_eur_m2 = 'gratuit' WHERE plot_id = 'P1'")
    assert _errors(validate_inventory(path)) == [
        "plots[P1]: price_eur_m2 = « gratuit » n'est pas un nombre : corrigez ou videz la "
        "valeur."]
    with pytest.raises(InventoryError, match=r"inv\.gpkg: plots\[P1\]: price_eur_m2 = "
                                             r"« gratuit » n'est pas un nombre"):
        open_inventory(path)


def test_text_in_a_boolean_column_is_reported_not_read_as_false(tmp_path):
    path = _gpkg(tmp_path)
    _corrupt(path, "UPDATE plots SET gas = 'maybe', fiber = 7 WHERE plot_id = 'P2'")
    assert _errors(validate_inventory(path)) == [
        "plots[P2]: gas = « maybe » n'est pas un booléen (vrai/faux, oui/non) : corrigez ou "
        "videz la valeur.",
        "plots[P2]: fiber = « 7 » n'est pas un booléen (vrai/faux, oui/non) : corrigez ou videz "
        "la valeur."]


def test_boolean_words_stored_as_text_are_read(tmp_path):
    path = _gpkg(tmp_path)
    _corrupt(path, "UPDATE plots SET gas = 'oui', fiber = 'non' WHERE plot_id = 'P1'")
    inv = open_inventory(path)
    assert inv.plots.gas.tolist()[0] is True and inv.plots.fiber.tolist()[0] is False


def test_huge_stored_value_is_cut_in_the_message(tmp_path):
    path = _gpkg(tmp_path)
    _corrupt(path, "UPDATE plots SET power_mw = ? WHERE plot_id = 'P1'", "x" * 10_000)
    (message,) = _errors(validate_inventory(path))
    assert message == ("plots[P1]: power_mw = « " + "x" * 59 + "… » n'est pas un nombre : "
                       "corrigez ou videz la valeur.")


def test_in_memory_text_in_a_real_column_becomes_null():
    layers = _layers()
    layers["plots"]["price_eur_m2"] = ["gratuit", 20.0]
    layers["plots"]["max_height_m"] = [float("inf"), 20.0]
    problems = validate_inventory(layers)
    assert _errors(problems) == [
        "plots[P1]: price_eur_m2 = « gratuit » n'est pas un nombre : corrigez ou videz la "
        "valeur.",
        "plots[P1]: max_height_m = « inf » n'est pas un nombre fini : corrigez ou videz la "
        "valeur."]


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_text_columns_held_as_objects_keep_their_text_and_make_missing_none(missing):
    # As a database or a spreadsheet gives them: Python str and missing values of any kind.
    layers = _layers()
    layers["plots"]["plu_zone"] = pd.Series(["UX", missing], dtype=object)
    layers["plots"]["land_control"] = pd.Series([missing, missing], dtype=object)
    layers["plots"]["cadastral_refs"] = pd.Series([12.0, "AB\ud800"], dtype=object)
    plots = inventory_from_layers(layers).attributes("plots")
    assert plots["plu_zone"].tolist() == ["UX", None]
    assert plots["land_control"].tolist() == [None, None]
    # A whole number read as a float and text Arrow cannot encode: made text one by one.
    assert plots["cadastral_refs"].tolist() == ["12", "AB\ud800"]
    assert {type(v) for v in plots["plu_zone"].tolist()} == {str, type(None)}


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_plot_id_is_an_error_like_a_null_one(blank):
    layers = _layers()
    layers["plots"].loc[1, "plot_id"] = blank
    with pytest.raises(InventoryError, match=r"plots\[ligne 2\]: plot_id vide : chaque entité "
                                             r"doit avoir un identifiant unique"):
        inventory_from_layers(layers)


def test_blank_plot_id_in_a_geopackage(tmp_path):
    path = _gpkg(tmp_path)
    _corrupt(path, "UPDATE plots SET plot_id = '' WHERE plot_id = 'P2'")
    assert _errors(validate_inventory(path)) == [
        "plots[ligne 2]: plot_id vide : chaque entité doit avoir un identifiant unique."]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_coordinates_are_problems_naming_layer_and_row(bad):
    layers = _layers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # shapely warns building NaN rings
        layers["plots"].loc[1, "geometry"] = shapely.Polygon([(0, 0), (bad, 0), (1, 1)])
        layers["infrastructure"] = make_layers(
            [], infrastructure=[{"infra_id": "M1", "kind": "port",
                                 "geometry": shapely.Point(bad, 5)}])["infrastructure"]
    expected = [
        "plots[P2]: coordonnées non finies (NaN ou infinies) dans la géométrie : corrigez le "
        "tracé.",
        "infrastructure[M1]: coordonnées non finies (NaN ou infinies) dans la géométrie : "
        "corrigez le tracé."]
    assert _errors(validate_inventory(layers)) == expected
    with pytest.raises(InventoryError, match=r"2 problèmes"):
        inventory_from_layers(layers)


def test_matching_reads_off_type_values_as_unknown_with_a_warning():
    inv = inventory_from_layers(_layers())
    inv.plots["price_eur_m2"] = ["gratuit", 20.0]          # edited after opening
    inv.plots["gas"] = ["maybe", True]
    brief = Brief(name="x", max_price_eur_m2=30, gas=True)
    with pytest.warns(FoncierWarning) as record:
        result = match(inv, brief)
    messages = [str(w.message) for w in record]
    assert any(m.startswith("plots: 1 valeur(s) de price_eur_m2 ne sont pas un nombre et sont "
                            "lues comme inconnues (P1 : « gratuit »)") for m in messages)
    assert any("de gas ne sont pas un booléen et sont lues comme inconnues (P1 : « maybe »)"
               in m for m in messages)
    table = result.table.set_index("plot_id")
    assert table.loc["P1", "price"] == "unknown" and table.loc["P1", "gas"] == "unknown"
    assert table.loc["P1", "status"] == "to_check" and table.loc["P2", "status"] == "match"
    assert 0 <= table["score"].min() and table["score"].max() <= 100


# --- Property-based: corrupted GeoPackages -----------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_COLUMNS = ["plot_id", "site_id", "price_eur_m2", "power_mw", "gas", "turnkey", "available_from",
            "sales_stage", "max_height_m", "declared_area_ha"]
_STORED = st.one_of(st.none(), st.text(max_size=80), st.integers(-10**18, 10**18), st.floats(),
                    st.binary(max_size=16),
                    st.sampled_from(["gratuit", "maybe", "oui", "non", "", " ", "inf", "nan",
                                     "12,5", "2026-13-45", "1e400", "-1"]))


@pytest.fixture(scope="module")
def clean_gpkg(tmp_path_factory):
    return _gpkg(tmp_path_factory.mktemp("clean")).read_bytes()


@settings(max_examples=max(settings().max_examples // 10, 10))   # slow: a GeoPackage each
@given(st.lists(st.tuples(st.sampled_from(_COLUMNS), st.integers(1, 2), _STORED), min_size=1,
                max_size=4))
def test_corrupted_geopackage_gives_an_inventory_or_an_inventory_error(tmp_path_factory,
                                                                        clean_gpkg, edits):
    path = tmp_path_factory.getbasetemp() / "corrupted.gpkg"
    path.write_bytes(clean_gpkg)
    for col, fid, value in edits:
        _corrupt(path, f'UPDATE plots SET "{col}" = ? WHERE fid = ?', value, fid)
    try:
        problems = validate_inventory(path)
    except InventoryError as exc:      # a layer GDAL cannot read at all (invalid UTF-8 text)
        assert "couche illisible" in str(exc)
        with pytest.raises(InventoryError, match=r"couche illisible"):
            open_inventory(path)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FoncierWarning)
            inv = open_inventory(path)
    except InventoryError as exc:
        assert _errors(problems) and all(p.severity == "error" for p in exc.problems)
        return
    assert not _errors(problems)
    stored = {(col, fid): value for col, fid, value in edits}       # the last edit wins
    for (col, _), value in stored.items():   # a stored non-number was never read as 0 silently
        if col in ("price_eur_m2", "power_mw", "max_height_m") and isinstance(value, str | bytes):
            try:
                float(value)
            except (ValueError, TypeError):
                raise AssertionError(f"{col} = {value!r} accepted") from None
    result = match(inv, Brief(name="x", max_price_eur_m2=30, gas=True, power_mw=1))
    assert result.table["score"].between(0, 100).all()


def test_validity_of_a_large_layer_is_measured_on_two_threads_alike():
    """From 20,000 geometries the validity check runs on two threads: the same flags, in
    order, invalid geometries in both halves and missing ones included."""
    from foncier.core.validation import _THREADED_FROM, _is_valid

    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    geoms = np.array([shapely.box(i, 0, i + 1, 1) for i in range(_THREADED_FROM + 5)],
                     dtype=object)
    geoms[[3, len(geoms) // 2 + 7, len(geoms) - 1]] = bowtie
    geoms[11] = None
    np.testing.assert_array_equal(_is_valid(geoms), shapely.is_valid(geoms))
    assert (~_is_valid(geoms)).sum() == 4


def test_check_layers_consumes_the_layers_it_is_given_when_asked():
    """With ``consume``, each layer leaves the given dict as it is checked (so that layers just
    read are let go once copied); the checked layers and problems are the same."""
    import gc
    import weakref

    from foncier.core.validation import check_layers

    def layers():
        return make_layers([{"plot_id": "P1", "geometry": shapely.box(0, 0, 100, 100)},
                            {"plot_id": "P2", "geometry": shapely.box(200, 0, 300, 100)}])

    kept = layers()
    plain, plain_problems = check_layers(kept)
    assert set(kept) >= {"plots", "sites"}          # left as given
    given = layers()
    read_plots = weakref.ref(given["plots"])
    eaten, problems = check_layers(given, consume=True)
    gc.collect()
    assert not set(given) & {"plots", "sites", "constraints", "infrastructure"}
    assert read_plots() is None                     # the layer as read is gone
    assert problems == plain_problems
    for name, frame in plain.items():
        assert frame.equals(eaten[name]), name
