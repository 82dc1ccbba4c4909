"""Decision support: completeness, relax values, near misses and the funnel on tiny inventories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match
from foncier.analysis.decision import completeness, funnel, near_misses, relax
from foncier.core import decision
from foncier.core.criteria import CRITERIA, FAIL, Criterion

ON = dt.date(2026, 1, 1)
PLOT = shapely.box(0, 0, 200, 100)  # 2 ha


def run(plots, brief_kwargs, constraints=(), infrastructure=()):
    layers = make_layers(plots, constraints=constraints, infrastructure=infrastructure)
    return match(inventory_from_layers(layers), Brief(name="t", **brief_kwargs), on=ON)


def relax_of(brief_kwargs, plot=None, constraints=(), infrastructure=(), geometry=PLOT):
    res = run([{"plot_id": "P", "geometry": geometry, **(plot or {})}], brief_kwargs,
              constraints, infrastructure)
    return res.status[0], relax(res)[0]


def point_east(metres, kind, ident="I"):
    """Infrastructure ``metres`` east of PLOT's right edge."""
    return {"infra_id": ident, "kind": kind, "geometry": shapely.Point(200 + metres, 50)}


@pytest.mark.parametrize(
    ("brief", "plot", "expected"),
    [
        ({"min_area_ha": 3}, {}, "area=2"),
        ({"max_area_ha": 1.5}, {}, "area=2"),
        ({"max_price_eur_m2": 35}, {"price_eur_m2": 38.5}, "price=38.5"),
        ({"max_price_eur_m2": 35}, {"price_eur_m2": 40.0}, "price=40"),
        ({"available_by": dt.date(2026, 12, 31)}, {"available_from": "2027-03-01"},
         "timing=2027-03-01"),
        ({"building_height_m": 18}, {"max_height_m": 12.3456}, "height=12.346"),
        ({"power_mw": 10}, {"power_mw": 7.25}, "power=7.25"),
        ({"water_m3_day": 300}, {"water_m3_day": 120.0}, "water=120"),
        ({"start_works_by": dt.date(2026, 5, 31)},
         {"available_from": "2026-03-01", "turnkey": False}, "start=2026-06-01"),
    ],
)
def test_relax_value_is_the_plots_own_measure(brief, plot, expected):
    assert relax_of(brief, plot) == ("no_match", expected)


def test_relax_area_is_the_net_area():
    flood = {"constraint_id": "F", "kind": "flood", "level": "prescriptions",
             "geometry": shapely.box(0, 0, 50, 100)}                    # 0.5 ha off
    assert relax_of({"min_area_ha": 3, "excluded_constraints": ["flood"]},
                    constraints=[flood]) == ("no_match", "area=1.5")


def test_relax_distances_in_brief_units():
    infra = [point_east(12_310.4, "motorway_interchange", "M"),
             point_east(30_000, "rail_freight", "R"), point_east(70_500, "port", "O")]
    housing = {"constraint_id": "H", "kind": "housing", "geometry": shapely.box(350, 0, 400, 100)}
    status, text = relax_of({"motorway_max_km": 10, "rail_freight_max_km": 25, "port_max_km": 60,
                             "min_housing_distance_m": 200}, constraints=[housing],
                            infrastructure=infra)
    assert status == "no_match"
    assert text == "housing=150; motorway=12.31; rail_freight=30; port=70.5"


@pytest.mark.parametrize(
    ("brief", "plot", "expected"),
    [
        ({}, {"sales_stage": "vendu, commercialisation achevée"}, "availability"),
        ({"accepted_zones": ["UX"]}, {"plu_zone": "UA"}, "zoning"),
        ({"turnkey": True}, {"turnkey": False}, "turnkey"),
        ({"brownfield": "required"}, {"brownfield": False}, "brownfield"),
        ({"icpe": "autorisation"}, {"icpe_max": "declaration"}, "icpe"),
        ({"gas": True}, {"gas": False}, "gas"),
        ({"fiber": True}, {"fiber": False}, "fiber"),
        ({"rail_siding": True}, {"rail_siding": False}, "rail_siding"),
    ],
)
def test_relax_bare_criteria(brief, plot, expected):
    assert relax_of(brief, plot) == ("no_match", expected)


def test_relax_items_follow_the_verdict_table():
    seveso = {"constraint_id": "S", "kind": "seveso", "geometry": shapely.box(0, 0, 100, 100)}
    status, text = relax_of(
        {"motorway_max_km": 10, "forbidden_constraints": ["seveso"], "max_price_eur_m2": 35},
        {"price_eur_m2": 38.5}, constraints=[seveso],
        infrastructure=[point_east(12_310.4, "motorway_interchange")])
    assert (status, text) == ("no_match", "price=38.5; forbidden_constraints; motorway=12.31")


def test_relax_is_empty_unless_no_match():
    res = run([{"plot_id": "A", "geometry": PLOT},
               {"plot_id": "B", "geometry": shapely.box(0, 500, 200, 600), "price_eur_m2": None},
               {"plot_id": "C", "geometry": shapely.box(0, 1000, 200, 1100),
                "price_eur_m2": 50.0}], {"max_price_eur_m2": 35})
    assert list(res.status) == ["match", "to_check", "no_match"]
    assert list(relax(res)) == ["", "", "price=50"]


def test_completeness_counts_availability_and_unknowns():
    res = run([{"plot_id": "A", "geometry": PLOT},
               {"plot_id": "B", "geometry": shapely.box(0, 500, 200, 600), "price_eur_m2": None},
               {"plot_id": "C", "geometry": shapely.box(0, 1000, 200, 1100), "price_eur_m2": None,
                "power_mw": None, "occupancy": None}],
              {"max_price_eur_m2": 35, "power_mw": 5})
    assert list(completeness(res)) == [1.0, 0.667, 0.0]


def test_funnel_counts_fails_and_only_fails():
    res = run([{"plot_id": "A", "geometry": PLOT, "price_eur_m2": 50.0},
               {"plot_id": "B", "geometry": shapely.box(0, 500, 200, 600), "price_eur_m2": 50.0,
                "gas": False},
               {"plot_id": "C", "geometry": shapely.box(0, 1000, 200, 1100), "gas": None},
               {"plot_id": "D", "geometry": shapely.box(0, 1500, 200, 1600)}],
              {"max_price_eur_m2": 35, "gas": True, "fiber": True})
    f = funnel(res)
    assert f["criterion"].tolist() == ["price", "gas", "availability", "fiber"]
    assert f["fails"].tolist() == [2, 1, 0, 0]
    assert f["only_fail"].tolist() == [1, 0, 0, 0]
    assert f["unknown"].tolist() == [0, 1, 0, 0]
    assert f["label"].tolist()[:2] == ["Prix", "Gaz"]


def test_near_misses_are_single_fails_in_rank_order_with_sentences():
    infra = [{"infra_id": "M", "kind": "motorway_interchange",
              "geometry": shapely.Point(200 + 12_310.4, 3050)}]
    res = run([{"plot_id": "A", "geometry": shapely.box(0, 0, 820, 100)},
               {"plot_id": "B", "geometry": shapely.box(0, 1000, 820, 1100),
                "price_eur_m2": 38.5, "gas": False},
               {"plot_id": "C", "geometry": shapely.box(0, 2000, 900, 2100),
                "available_from": "2027-03-01"},
               {"plot_id": "D", "geometry": shapely.box(0, 3000, 200, 3100)},
               {"plot_id": "E", "geometry": shapely.box(0, 4000, 900, 4100),
                "available_from": "2026-02-01"}],
              {"min_area_ha": 8.5, "max_price_eur_m2": 35, "gas": True, "motorway_max_km": 1000,
               "available_by": dt.date(2026, 12, 31)}, infrastructure=infra)
    nm = near_misses(res)
    assert set(nm["plot_id"]) == {"A", "C", "D"}
    assert (np.diff(nm["rank"]) > 0).all()
    by_plot = nm.set_index("plot_id")
    assert by_plot.loc["A", "relax"] == "area=8.2"
    assert by_plot.loc["A", "sentence"] == "passerait avec une surface minimale de 8,20 ha"
    assert by_plot.loc["C", "sentence"] == "passerait avec une disponibilité au 01/03/2027"
    assert by_plot.loc["D", "criterion"] == "area"
    assert by_plot.loc["D", "value"] == "2"


@pytest.mark.parametrize(
    ("brief", "plot", "infra", "sentence"),
    [
        ({"max_price_eur_m2": 35}, {"price_eur_m2": 38.5}, None,
         "passerait avec un prix maximal de 38,50 €/m²"),
        ({"max_area_ha": 1}, {}, None, "passerait avec une surface maximale de 2 ha"),
        ({"motorway_max_km": 10}, {}, point_east(12_310.4, "motorway_interchange"),
         "passerait avec un échangeur autoroutier à 12,4 km au plus (à vol d'oiseau)"),
        ({"power_mw": 10}, {"power_mw": 7.29}, None,
         "passerait avec un besoin en puissance de 7,2 MW"),
        ({"power_mw": 10}, {"power_mw": 0.0}, None,       # a minimum of nothing: no criterion
         "passerait sans le critère « Puissance électrique » (aucune puissance disponible)"),
        ({"water_m3_day": 300}, {"water_m3_day": 0.0}, None,
         "passerait sans le critère « Eau » (aucune eau disponible)"),
        ({"gas": True}, {"gas": False}, None, "passerait sans le critère « Gaz »"),
        ({"start_works_by": dt.date(2026, 5, 31)}, {"available_from": "2026-03-01"}, None,
         "passerait avec un début des travaux au 01/06/2026"),
    ],
)
def test_near_miss_sentences_round_towards_a_true_statement(brief, plot, infra, sentence):
    res = run([{"plot_id": "P", "geometry": PLOT, **plot}], brief,
              infrastructure=[infra] if infra else ())
    assert near_misses(res)["sentence"].tolist() == [sentence]


@pytest.mark.parametrize(
    ("housing", "sentence"),
    [
        (shapely.box(320.6, 0, 400, 100),       # 120.6 m east: the floor keeps it true
         "passerait avec une distance aux habitations de 120 m au moins (à vol d'oiseau)"),
        (shapely.box(150, 0, 400, 100),         # over the plot: « 0 m au moins » asks nothing
         "passerait sans le critère « Distance aux habitations » (le terrain touche une zone "
         "d'habitat)"),
    ],
)
def test_near_miss_housing_sentence(housing, sentence):
    res = run([{"plot_id": "P", "geometry": PLOT}], {"min_housing_distance_m": 500},
              constraints=[{"constraint_id": "H", "kind": "housing", "geometry": housing}])
    assert near_misses(res)["sentence"].tolist() == [sentence]


# The vectorized relax column against a plain per-row implementation of DESIGN's rule.

def reference_value(kind, value):
    """DESIGN's relax value, one plot at a time."""
    if kind == "date":
        return str(np.datetime64(value, "D"))
    q = int(np.rint(np.float64(value) * 1000.0).astype(np.int64))
    whole, frac = divmod(abs(q), 1000)
    text = str(whole) + (f".{frac:03d}".rstrip("0") if frac else "")
    return ("-" if q < 0 else "") + text


def reference_relax(criteria, status_code, positions):
    out = []
    for p in positions:
        items = []
        if status_code[p] == 2:
            for name, c in criteria.items():
                if c.outcome[p] == FAIL:
                    kind = decision.RELAXABLE.get(name)
                    items.append(name if kind is None
                                 else f"{name}={reference_value(kind, c.measured[p])}")
        out.append("; ".join(items))
    return out


def random_measures(rng, kind, n):
    if kind == "date":
        return (np.datetime64("2020-01-01") + rng.integers(0, 4000, n)).astype("datetime64[s]")
    style = rng.integers(0, 5)
    if style == 0:    # few distinct values
        return rng.choice([0.0, 0.5, 2.0, 38.5, 12.3456, 1e5], n)
    if style == 1:    # halves of thousandths, negatives, zero
        return np.round(rng.uniform(-50, 50, n), 4) + rng.choice([0, 0.0005], n)
    if style == 2:    # huge values (written by the general path)
        return rng.choice([1e15, 123456789012345.678, 0.001], n)
    return rng.exponential(rng.choice([0.01, 1.0, 1000.0]), n)


def random_criteria(rng, n):
    names = [c for c in CRITERIA if rng.random() < 0.5] or ["price"]
    criteria = {}
    for name in names:
        kind = decision.RELAXABLE.get(name)
        measured = (np.full(n, None, dtype=object) if kind is None
                    else random_measures(rng, kind, n))
        outcome = rng.choice(np.array([0, 1, 2], np.int8), n, p=rng.dirichlet([1, 1, 1]))
        criteria[name] = Criterion(name, outcome, measured, None, lambda i, c: "")
    return criteria


@pytest.mark.parametrize("seed", range(60))
def test_relax_equals_the_plain_per_row_rule(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.choice([1, 3, 17, 200, 3000]))
    criteria = random_criteria(rng, n)
    status_code = rng.choice(np.array([0, 1, 2]), n, p=[0.2, 0.2, 0.6])
    positions = (np.arange(n) if seed % 3 else rng.integers(0, n, int(rng.integers(0, 2 * n))))
    got = decision.relax_of(criteria, status_code, positions)
    assert got.dtype == object
    assert got.tolist() == reference_relax(criteria, status_code, positions)
    cells = decision.relax_arrow(criteria, status_code, positions)   # what a CSV is made of
    assert str(cells.type) == "large_string" and cells.null_count == 0
    assert cells.to_pylist() == got.tolist()


def test_relax_every_plot_through_match_equals_the_plain_rule():
    rng = np.random.default_rng(7)
    plots = [{"plot_id": f"P{i:03d}",
              "geometry": shapely.box(0, 300 * i, 100 + 10 * i, 300 * i + 100),
              "price_eur_m2": float(rng.choice([12.0, 38.5, 40.25, 61.0005])),
              "power_mw": float(rng.uniform(0, 20)), "water_m3_day": float(rng.integers(0, 900)),
              "available_from": str(np.datetime64("2025-06-01") + int(rng.integers(0, 900))),
              "max_height_m": float(rng.choice([8.0, 12.3456, 30.0])),
              "gas": bool(rng.random() < 0.5)} for i in range(40)]
    res = run(plots, {"min_area_ha": 1.5, "max_price_eur_m2": 35, "power_mw": 10,
                      "water_m3_day": 400, "available_by": dt.date(2026, 6, 30),
                      "building_height_m": 15, "gas": True})
    positions = np.arange(len(res.status))
    assert (res.status == "no_match").sum() > 20
    assert relax(res).tolist() == reference_relax(res.criteria, res.status_code, positions)
    assert res.table["relax"].tolist() == reference_relax(res.criteria, res.status_code,
                                                          res.order)


def test_relax_writes_values_too_large_for_the_integer_writer():
    """A price of 9.2e15 EUR/m² (found by the corrupted-GeoPackage fuzzing) is written whole,
    with no RuntimeWarning from a float-to-int cast."""
    import shapely
    from builders import make_layers

    import foncier

    layers = make_layers([
        {"plot_id": "P1", "geometry": shapely.box(0, 0, 200, 100),
         "price_eur_m2": 9223372036854776.0},
        {"plot_id": "P2", "geometry": shapely.box(300, 0, 500, 100), "price_eur_m2": 38.5},
    ])
    res = foncier.match(foncier.inventory_from_layers(layers),
                        foncier.Brief(name="x", max_price_eur_m2=30))
    relax = dict(zip(res.table.plot_id, res.table.relax, strict=True))
    assert relax == {"P1": "price=9223372036854776", "P2": "price=38.5"}
