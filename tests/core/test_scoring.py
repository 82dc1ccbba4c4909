"""The score: 0 to 100, monotone in what the brief weights, weights from [weights]."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers
from foncier.core.criteria import net_area_ha
from foncier.core.scoring import score_plots, score_weights

ON = dt.date(2026, 1, 1)


def scores(rows, brief, infrastructure=()):
    inv = inventory_from_layers(make_layers(
        [{"plot_id": f"P{i}", "geometry": r.pop("geometry", shapely.box(0, 1000 * i, 100,
                                                                         1000 * i + 100)), **r}
         for i, r in enumerate(rows)], infrastructure=infrastructure))
    geo = inv.geometry
    return score_plots(inv.plots, geo, brief, net_area_ha(geo, brief), on=ON)


def test_default_weights_follow_what_is_asked():
    assert score_weights(Brief(name="t")) == {
        "area": 0.0, "price": 1.0, "timing": 1.0, "motorway": 0.0, "rail_freight": 0.0,
        "port": 0.0, "power": 0.0, "water": 0.0}
    w = score_weights(Brief(name="t", min_area_ha=2, port_max_km=30, power_mw=5,
                            weights={"price": 3, "timing": 0}))
    assert (w["area"], w["port"], w["power"], w["price"], w["timing"]) == (1, 1, 1, 3, 0)


def test_scores_stay_between_0_and_100():
    rows = [{"price_eur_m2": p, "available_from": d} for p, d in
            [(0.0, "2020-01-01"), (500.0, "2040-01-01"), (None, None), (30.0, "2026-06-01")]]
    s = scores(rows, Brief(name="t", max_price_eur_m2=35, available_by=dt.date(2027, 1, 1)))
    assert np.all((s >= 0) & (s <= 100))
    assert s[0] == 100.0          # free and available now
    assert s[2] == 0.0            # unknown price and date score 0


@pytest.mark.parametrize("cheaper", [5.0, 10.0, 19.9])
def test_cheaper_scores_higher(cheaper):
    s = scores([{"price_eur_m2": cheaper}, {"price_eur_m2": 20.0}],
               Brief(name="t", weights={"timing": 0}))
    assert s[0] > s[1]


def test_sooner_scores_higher():
    s = scores([{"available_from": "2026-03-01"}, {"available_from": "2026-09-01"}],
               Brief(name="t", weights={"price": 0}))
    assert s[0] > s[1]


def test_closer_scores_higher_and_area_nearer_the_request():
    infra = [{"infra_id": "M", "kind": "motorway_interchange", "geometry": shapely.Point(0, 0)}]
    s = scores([{}, {}], Brief(name="t", motorway_max_km=10, weights={"price": 0, "timing": 0}),
               infrastructure=infra)
    assert s[0] > s[1] > 0
    rows = [{"geometry": shapely.box(0, 0, 200, 100)},       # 2 ha, as asked
            {"geometry": shapely.box(0, 500, 300, 600)},     # 3 ha
            {"geometry": shapely.box(0, 900, 100, 1000)}]    # 1 ha
    s = scores(rows, Brief(name="t", min_area_ha=2, weights={"price": 0, "timing": 0}))
    assert s[0] == 100.0 and s[0] > s[1] and s[0] > s[2]


def test_more_power_headroom_scores_higher():
    s = scores([{"power_mw": 20.0}, {"power_mw": 10.0}, {"power_mw": 40.0}],
               Brief(name="t", power_mw=10, weights={"price": 0, "timing": 0}))
    assert s.tolist() == [100.0, 50.0, 100.0]


def test_score_from_components_is_score_plots():
    from foncier.core.scoring import score_components, score_from_components

    inv = inventory_from_layers(make_layers(
        [{"plot_id": f"P{k}", "geometry": shapely.box(0, 1000 * k, 100 + 50 * k, 1000 * k + 100),
          "price_eur_m2": 10.0 + k} for k in range(5)]))
    brief = Brief(name="t", min_area_ha=2, max_price_eur_m2=20)
    net = net_area_ha(inv.geometry, brief)
    on = dt.date(2026, 1, 1)
    comps = score_components(inv.plots, inv.geometry, brief, net, on=on)
    np.testing.assert_array_equal(score_from_components(comps, score_weights(brief), 5),
                                  score_plots(inv.plots, inv.geometry, brief, net, on=on))
    assert score_from_components({}, {"area": 0.0}, 3).tolist() == [0.0, 0.0, 0.0]
