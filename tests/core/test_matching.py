"""Statuses, ranking, score and explanations of a match."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match


def plots_inventory(rows):
    return inventory_from_layers(make_layers(
        [{"plot_id": f"P{i}", "geometry": shapely.box(1000 * i, 0, 1000 * i + 200, 100), **r}
         for i, r in enumerate(rows)],
        infrastructure=[{"infra_id": "M", "kind": "motorway_interchange",
                         "geometry": shapely.Point(0, 0)}]))


def test_status_rules():
    inv = plots_inventory([
        {},                                   # everything known and good -> match
        {"price_eur_m2": None},               # one unknown -> to_check
        {"price_eur_m2": 99.0},               # one fail -> no_match
        {"price_eur_m2": 99.0, "gas": None},  # fail and unknown -> no_match
    ])
    res = match(inv, Brief(name="t", max_price_eur_m2=30, gas=True))
    status = dict(zip(inv.plots.plot_id, res.status, strict=True))
    assert status == {"P0": "match", "P1": "to_check", "P2": "no_match", "P3": "no_match"}
    assert res.counts == {"match": 1, "to_check": 1, "no_match": 2}


def test_ranking_by_status_then_score():
    inv = plots_inventory([
        {"price_eur_m2": 99.0},                        # no_match
        {"price_eur_m2": 25.0, "gas": None},           # to_check
        {"price_eur_m2": 28.0},                        # match, dearer
        {"price_eur_m2": 10.0},                        # match, cheaper
    ])
    res = match(inv, Brief(name="t", max_price_eur_m2=30, gas=True))
    assert res.table.plot_id.tolist() == ["P3", "P2", "P1", "P0"]
    assert res.table["rank"].tolist() == [1, 2, 3, 4]
    assert res.table.status.tolist() == ["match", "match", "to_check", "no_match"]


def test_table_columns_follow_design():
    inv = plots_inventory([{}])
    brief = Brief(name="t", min_area_ha=1, max_price_eur_m2=30, fiber=True, motorway_max_km=5,
                  icpe="declaration")
    cols = match(inv, brief).table.columns.tolist()
    assert cols == ["rank", "plot_id", "site_id", "status", "score", "area_ha", "net_area_ha",
                    "availability", "area", "price", "icpe", "fiber", "motorway", "reasons",
                    "completeness", "relax",
                    "geometry"]


def test_rows_without_geometry_are_the_table_rows_without_it():
    import pandas as pd

    inv = plots_inventory([{"price_eur_m2": 99.0}, {}, {"gas": None}])
    res = match(inv, Brief(name="t", max_price_eur_m2=30, gas=True))
    plain = res.rows(res.order, geometry=False)
    assert type(plain) is pd.DataFrame and "geometry" not in plain.columns
    full = res.rows(res.order)
    pd.testing.assert_frame_equal(plain, pd.DataFrame(full.drop(columns="geometry")))


def test_reasons_hold_fails_and_unknowns_only():
    inv = plots_inventory([{"price_eur_m2": 99.0, "gas": None}, {}])
    res = match(inv, Brief(name="t", max_price_eur_m2=30, gas=True))
    row = res.table.set_index("plot_id")
    assert row.loc["P0", "reasons"] == ("Prix 99 €/m² > 30 €/m² maximum. ; "
                                        "Desserte gaz non renseignée.")
    assert row.loc["P1", "reasons"] == ""


def test_score_prefers_cheaper_closer_sooner_and_nearer_area():
    on = dt.date(2026, 1, 1)
    base = {"available_from": "2026-01-01"}
    inv = plots_inventory([{**base, "price_eur_m2": 10.0}, {**base, "price_eur_m2": 20.0}])
    s = match(inv, Brief(name="t"), on=on).score
    assert s[0] > s[1]
    inv = plots_inventory([{"available_from": "2026-01-01"}, {"available_from": "2027-06-01"}])
    s = match(inv, Brief(name="t"), on=on).score
    assert s[0] > s[1]
    # closer to the interchange at (0, 0): P0 is nearer than P1
    inv = plots_inventory([base, base])
    s = match(inv, Brief(name="t", motorway_max_km=10, weights={"price": 0, "timing": 0}),
              on=on).score
    assert s[0] > s[1] and 0 <= s[1] <= s[0] <= 100
    # area nearer the request (2 ha asked): a 2 ha plot beats a 6 ha one
    layers = make_layers([
        {"plot_id": "A", "geometry": shapely.box(0, 0, 200, 100)},
        {"plot_id": "B", "geometry": shapely.box(1000, 0, 1600, 100)},
    ])
    res = match(inventory_from_layers(layers), Brief(name="t", min_area_ha=2), on=on)
    assert res.table.plot_id.tolist() == ["A", "B"]


def test_weights_change_the_ranking():
    on = dt.date(2026, 1, 1)
    inv = plots_inventory([
        {"price_eur_m2": 40.0, "available_from": "2026-01-01"},   # dear, now
        {"price_eur_m2": 10.0, "available_from": "2028-01-01"},   # cheap, later
    ])
    by_price = match(inv, Brief(name="t", weights={"price": 5, "timing": 1}), on=on)
    by_time = match(inv, Brief(name="t", weights={"price": 1, "timing": 5}), on=on)
    assert by_price.table.plot_id.tolist() == ["P1", "P0"]
    assert by_time.table.plot_id.tolist() == ["P0", "P1"]
    none = match(inv, Brief(name="t", weights={"price": 0, "timing": 0}), on=on)
    assert np.all(none.score == 0)


def test_explain_gives_measured_required_and_reason(tiny_inventory):
    res = match(tiny_inventory, Brief(name="t", min_area_ha=5, excluded_constraints=["flood"],
                                      rail_freight_max_km=1.5))
    by = {v.criterion: v for v in res.explain("P2")}
    assert by["area"].outcome == "fail"
    assert by["area"].measured == 2.5 and by["area"].required == "≥ 5 ha"
    assert by["area"].label == "Surface"
    assert by["rail_freight"].outcome == "pass"
    assert by["rail_freight"].measured == 1.4
    assert by["rail_freight"].reason == ("Gare de fret le plus proche à 1,4 km à vol d'oiseau "
                                         "≤ 1,5 km maximum.")


def test_sample_briefs_give_every_status(sample_inventory):
    from foncier import read_brief, sample_brief_paths

    seen = set()
    for path in sample_brief_paths():
        res = match(sample_inventory, read_brief(path))
        seen |= {s for s, n in res.counts.items() if n}
        assert res.table["rank"].tolist() == list(range(1, len(sample_inventory.plots) + 1))
    assert seen == {"match", "to_check", "no_match"}


def test_area_weight_without_area_asked_is_ignored():
    inv = plots_inventory([{"price_eur_m2": 10.0}, {"price_eur_m2": 20.0}])
    res = match(inv, Brief(name="t", weights={"area": 3, "price": 1}))
    assert res.table.plot_id.tolist() == ["P0", "P1"]


def test_ties_are_broken_by_plot_id():
    inv = plots_inventory([{}, {}, {}])
    res = match(inv, Brief(name="t", weights={"price": 0, "timing": 0}))
    assert res.table.plot_id.tolist() == ["P0", "P1", "P2"]


def test_reasons_written_once_per_distinct_key_equal_plot_by_plot(sample_inventory):
    from foncier import read_brief, sample_brief_paths

    positions = np.arange(len(sample_inventory.plots))
    for path in sample_brief_paths():
        res = match(sample_inventory, read_brief(path))
        for c in res.criteria.values():
            assert c.reason_key is not None
            one_by_one = [c.write_reason(int(p), int(c.outcome[p])) for p in positions]
            assert c.reasons(positions).tolist() == one_by_one


def test_reason_keys_are_made_for_the_plots_asked(sample_inventory):
    """A criterion's reason key is made for the positions asked (a block of rows), never held
    for the whole inventory: the key of any subset, in any order, is the subset of the whole
    inventory's key, and a block's reasons are those of the same plots written one by one."""
    from foncier import read_brief, sample_brief_paths

    every = np.arange(len(sample_inventory.plots))
    some = np.random.default_rng(7).permutation(every)[:150]
    for path in sample_brief_paths():
        res = match(sample_inventory, read_brief(path))
        for c in res.criteria.values():
            assert callable(c.reason_key)
            whole = np.asarray(c.reason_key(every)).reshape(len(every), -1)
            part = np.asarray(c.reason_key(some)).reshape(len(some), -1)
            np.testing.assert_array_equal(part, whole[some])
            one_by_one = [c.write_reason(int(p), int(c.outcome[p])) for p in some]
            assert c.reasons(some).tolist() == one_by_one


@pytest.mark.parametrize("few", [None, 0, 10**9])
def test_joined_reasons_equal_the_row_by_row_join(sample_inventory, few, monkeypatch):
    """The vectorized join (Arrow) gives, row by row, the fails' and unknowns' reasons in
    criterion order joined by `` ; ``, and an empty text for a row that passes everything:
    whether neighbouring criteria merge their combinations of reasons as usual (``None``: the
    sample is too small), never (0) or always."""
    from foncier import read_brief, sample_brief_paths
    from foncier.core import matching
    from foncier.core.criteria import FAIL, UNKNOWN
    from foncier.core.matching import join_reasons

    if few is not None:
        monkeypatch.setattr(matching, "_MERGE_FROM", 0)
        monkeypatch.setattr(matching, "_FEW_COMBINATIONS", few)
        monkeypatch.setattr(matching, "_FEW_SHARE", 10**12)
    for path in sample_brief_paths():
        res = match(sample_inventory, read_brief(path))
        order = res.order[::-1]                      # any order of positions, not only 0..n
        expected = [" ; ".join(c.write_reason(int(p), int(c.outcome[p]))
                               for c in res.criteria.values()
                               if c.outcome[p] in (FAIL, UNKNOWN)) for p in order]
        assert join_reasons(res.criteria, order).tolist() == expected
        assert res.table["reasons"].tolist() == expected[::-1]
        assert "" in expected or res.counts["match"] == 0
        assert res.table["plot_id"].tolist() == res.inventory.plots["plot_id"].to_numpy(
            dtype=object)[res.order].tolist()
        assert str(res.table["reasons"].dtype) == str(res.table["plot_id"].dtype)
