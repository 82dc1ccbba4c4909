"""Plot assembly on hand-built plots of 100 m x 100 m (1 ha) unless said otherwise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from builders import make_layers

import foncier
from foncier.analysis.assembly import assemble, find_assemblies

ON = dt.date(2026, 1, 1)


def _inventory(plots, sites=None):
    return foncier.inventory_from_layers(make_layers(plots=plots, sites=sites))


def _square(pid, x, y=0, size=100, **attrs):
    return {"plot_id": pid, "geometry": shapely.box(x, y, x + size, y + size), **attrs}


def _brief(**kw):
    base = {"name": "Assemblage", "allow_assembly": True}
    return foncier.Brief(**{**base, **kw})


def _assemblies(inv, brief, **kw):
    return find_assemblies(foncier.match(inv, brief, on=ON), on=ON, **kw)


def test_chain_of_three_small_plots_reaches_the_area():
    inv = _inventory([_square("A", 0), _square("B", 100), _square("C", 200)])
    found = _assemblies(inv, _brief(min_area_ha=3))
    assert found["assembly"].tolist() == ["A|B|C"]
    row = found.iloc[0]
    assert row["plot_id"] == "A+B+C"
    assert row["status"] == "match"
    assert row["net_area_ha"] == pytest.approx(3.0)
    assert row["n_plots"] == 3
    assert row["area"] == "pass"
    assert shapely.area(row["geometry"]) == pytest.approx(30_000)


def test_assemblies_are_ranked_with_the_plots():
    inv = _inventory([_square("A", 0), _square("B", 100), _square("C", 200),
                      _square("D", 1000, size=200)])            # D: 4 ha alone
    result = foncier.match(inv, _brief(min_area_ha=3), on=ON)
    table = assemble(result, on=ON)
    assert list(table.columns) == [*result.table.columns, "assembly"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    top = table[table["status"] == "match"]
    assert set(top["plot_id"]) == {"D", "A+B+C"}
    assert table.set_index("plot_id").loc["D", "assembly"] == ""
    assert table.set_index("plot_id").loc["A+B+C", "assembly"] == "A|B|C"
    assert (table.iloc[2:]["status"] == "no_match").all()


def test_a_gap_larger_than_allowed_is_not_bridged():
    plots = [_square("A", 0), _square("B", 120)]               # 20 m apart
    inv = _inventory(plots)
    assert _assemblies(inv, _brief(min_area_ha=2)).empty
    assert _assemblies(inv, _brief(min_area_ha=2, assembly_max_gap_m=10)).empty
    found = _assemblies(inv, _brief(min_area_ha=2, assembly_max_gap_m=25))
    assert found["assembly"].tolist() == ["A|B"]


def test_a_failing_middle_plot_breaks_the_chain():
    plots = [_square("A", 0), _square("B", 100, occupancy="occupé"), _square("C", 200)]
    inv = _inventory(plots)
    assert _assemblies(inv, _brief(min_area_ha=2)).empty
    ok = _inventory([_square("A", 0), _square("B", 100), _square("C", 200)])
    assert _assemblies(ok, _brief(min_area_ha=2))["assembly"].tolist() == ["A|B", "B|C"]


def test_plots_of_different_sites_are_never_combined():
    sites = [{"site_id": "Z1", "geometry": shapely.box(0, 0, 100, 100)},
             {"site_id": "Z2", "geometry": shapely.box(100, 0, 200, 100)}]
    plots = [_square("A", 0, site_id="Z1"), _square("B", 100, site_id="Z2"),
             _square("C", 300, site_id=None), _square("D", 400, site_id=None)]
    inv = _inventory(plots, sites=sites)
    assert _assemblies(inv, _brief(min_area_ha=2)).empty


def test_fewest_plots_then_least_surplus():
    # A (1 ha) touches B (1.5 ha) and C (0.6 ha); B touches C.
    plots = [_square("A", 0),
             {"plot_id": "B", "geometry": shapely.box(100, 0, 250, 100)},
             {"plot_id": "C", "geometry": shapely.box(50, 100, 110, 200)}]
    found = _assemblies(_inventory(plots), _brief(min_area_ha=2))
    assert found["assembly"].tolist() == ["B|C", "A|B"]
    assert found["surplus_ha"].tolist() == pytest.approx([0.1, 0.5])
    assert (found["n_plots"] == 2).all()


def test_max_area_and_max_plots_bound_the_assemblies():
    inv = _inventory([_square(p, 100 * i) for i, p in enumerate("ABCDE")])
    pairs = _assemblies(inv, _brief(min_area_ha=1.5, max_area_ha=2.5))
    assert pairs["assembly"].tolist() == ["A|B", "B|C", "C|D", "D|E"]
    assert _assemblies(inv, _brief(min_area_ha=5))["assembly"].tolist() == ["A|B|C|D|E"]
    assert _assemblies(inv, _brief(min_area_ha=5), max_plots=4).empty


def test_a_plot_large_enough_alone_is_not_padded():
    inv = _inventory([_square("A", 0, size=200), _square("B", 200)])     # 4 ha, 1 ha
    assert _assemblies(inv, _brief(min_area_ha=2)).empty


def test_weakest_values_and_unknowns_are_kept():
    plots = [_square("A", 0, price_eur_m2=20.0, power_mw=12.0),
             _square("B", 100, price_eur_m2=30.0, power_mw=None,
                     available_from="2026-09-01")]
    brief = _brief(min_area_ha=2, max_price_eur_m2=35, power_mw=5,
                   available_by=dt.date(2027, 1, 1))
    row = _assemblies(_inventory(plots), brief).iloc[0]
    assert row["status"] == "to_check"
    assert (row["price"], row["power"], row["timing"]) == ("pass", "unknown", "pass")
    assert row["reasons"] == "Puissance électrique disponible non renseignée."
    cheap = _brief(min_area_ha=2, max_price_eur_m2=25)          # B fails price: no assembly
    assert _assemblies(_inventory(plots), cheap).empty


def test_net_area_is_summed_after_excluded_constraints():
    layers = make_layers(
        plots=[_square("A", 0), _square("B", 100), _square("C", 200)],
        constraints=[{"constraint_id": "W", "kind": "wetland", "level": None,
                      "geometry": shapely.box(0, 0, 50, 100)}])            # 0.5 ha of A
    inv = foncier.inventory_from_layers(layers)
    brief = _brief(min_area_ha=2.4, excluded_constraints=["wetland"])
    found = _assemblies(inv, brief)
    assert found["assembly"].tolist() == ["A|B|C"]
    assert found.iloc[0]["net_area_ha"] == pytest.approx(2.5)
    assert found.iloc[0]["area_ha"] == pytest.approx(3.0)


def test_without_allow_assembly_the_table_is_unchanged():
    inv = _inventory([_square("A", 0), _square("B", 100)])
    result = foncier.match(inv, foncier.Brief(name="x", min_area_ha=2), on=ON)
    assert find_assemblies(result).empty
    table = assemble(result)
    assert table["plot_id"].tolist() == result.table["plot_id"].tolist()
    assert (table["assembly"] == "").all()


def test_score_uses_the_same_rules_as_plots():
    # two identical halves: the assembly scores like the single plot of the same total size
    inv = _inventory([_square("A", 0), _square("B", 100), _square("S", 1000, size=np.sqrt(2e4))])
    brief = _brief(min_area_ha=2)
    result = foncier.match(inv, brief, on=ON)
    found = find_assemblies(result, on=ON)
    single = result.score[result.position("S")]
    assert found.iloc[0]["score"] == pytest.approx(single)


def test_unknown_text_values_read_as_not_given_in_reasons():
    plots = [_square("A", 0), _square("B", 100, occupancy=None, plu_zone=None),
             _square("C", 5000), _square("D", 5100)]       # a second, fully known assembly
    brief = _brief(min_area_ha=2, accepted_zones=["UX"])
    found = _assemblies(_inventory(plots), brief)
    assert found["assembly"].tolist() == ["C|D", "A|B"]
    row = found.iloc[1]
    assert row["status"] == "to_check"
    assert row["reasons"] == ("Disponibilité à vérifier : occupation non renseignée. ; "
                              "Zone PLU non renseignée.")
