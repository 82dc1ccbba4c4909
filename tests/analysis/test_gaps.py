"""Data gaps: unknown verdicts per missing attribute, and what filling each would decide."""

from __future__ import annotations

import datetime as dt

import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match
from foncier.analysis.gaps import gaps, gaps_in_french

ON = dt.date(2026, 1, 1)


def inventory():
    def box(k):
        return shapely.box(0, 1000 * k, 100, 1000 * k + 100)

    plots = [
        {"plot_id": "A", "geometry": box(0), "power_mw": None},
        {"plot_id": "B", "geometry": box(1), "power_mw": None, "water_m3_day": None},
        {"plot_id": "C", "geometry": box(2)},
        {"plot_id": "D", "geometry": box(3), "site_id": "Z2", "price_eur_m2": None},
        {"plot_id": "E", "geometry": box(4), "site_id": None, "power_mw": None,
         "sales_stage": "vendu, commercialisation achevée"},
        {"plot_id": "F", "geometry": box(5), "sales_stage": None},
    ]
    sites = [{"site_id": "Z1", "geometry": shapely.box(-10, -10, 200, 3000)},
             {"site_id": "Z2", "geometry": shapely.box(-10, 2900, 200, 3200)}]
    return inventory_from_layers(make_layers(plots, sites=sites))


BRIEFS = [Brief(name="utilities", power_mw=5, water_m3_day=100),
          Brief(name="price", max_price_eur_m2=35),
          Brief(name="motorway", motorway_max_km=10)]   # the inventory has no interchange


def test_overall_counts_and_ranking():
    g = gaps(inventory(), BRIEFS, on=ON)
    overall = g[g["scope"] == "overall"].set_index("attribute")
    assert overall.index.tolist() == ["infrastructure.motorway_interchange", "sales_stage",
                                      "power_mw", "price_eur_m2", "water_m3_day"]
    counts = overall[["unknown", "decided", "plots"]].to_dict("index")
    assert counts == {
        "infrastructure.motorway_interchange": {"unknown": 6, "decided": 4, "plots": 6},
        "sales_stage": {"unknown": 3, "decided": 2, "plots": 1},      # F, in every brief
        "power_mw": {"unknown": 3, "decided": 1, "plots": 3},         # only A decides
        "price_eur_m2": {"unknown": 1, "decided": 1, "plots": 1},
        "water_m3_day": {"unknown": 1, "decided": 0, "plots": 1},     # B also lacks power
    }
    assert overall.loc["power_mw", "label"] == "Puissance électrique (MW)"


def test_per_zone_counts():
    g = gaps(inventory(), BRIEFS, on=ON)
    zones = g[g["scope"] == "zone"]
    z2 = zones[zones["site_id"] == "Z2"].set_index("attribute")
    assert z2[["unknown", "decided"]].to_dict("index") == {
        "infrastructure.motorway_interchange": {"unknown": 1, "decided": 1},
        "price_eur_m2": {"unknown": 1, "decided": 1}}
    outside = zones[zones["site_id"].isna()].set_index("attribute")
    assert outside[["unknown", "decided"]].to_dict("index") == {
        "infrastructure.motorway_interchange": {"unknown": 1, "decided": 0},
        "power_mw": {"unknown": 1, "decided": 0}}          # E fails its availability
    z1 = zones[zones["site_id"] == "Z1"].set_index("attribute")
    assert z1.loc["power_mw", "unknown"] == 2 and z1.loc["power_mw", "decided"] == 1


def test_match_results_are_reused_and_french_labels():
    inv = inventory()
    g = gaps(inv, [match(inv, b, on=ON) for b in BRIEFS])
    assert g.equals(gaps(inv, BRIEFS, on=ON))
    fr = gaps_in_french(g)
    assert list(fr.columns) == ["Portée", "Zone d'activité", "Attribut", "Donnée manquante",
                                "Verdicts inconnus", "Verdicts tranchés si renseignée",
                                "Terrains concernés"]
    assert set(fr["Portée"]) == {"ensemble", "zone"}
    assert "hors zone" in set(fr["Zone d'activité"])


def test_no_unknown_gives_an_empty_table():
    g = gaps(inventory(), [Brief(name="t", min_area_ha=0.5)], on=ON)
    assert g[g["attribute"] != "sales_stage"].empty
