"""DESIGN.md's verdict table: every criterion's pass, fail and unknown, and its limits."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match

PLOT = shapely.box(0, 0, 200, 100)  # 2 ha


def verdict(criterion, brief_kwargs, plot=None, constraints=(), infrastructure=()):
    """The (outcome, reason) of one criterion for a single plot ``P``."""
    layers = make_layers([{"plot_id": "P", "geometry": PLOT, **(plot or {})}],
                         constraints=constraints, infrastructure=infrastructure)
    result = match(inventory_from_layers(layers), Brief(name="test", **brief_kwargs))
    (v,) = [v for v in result.explain("P") if v.criterion == criterion]
    return v.outcome, v.reason


# --- availability: pass, fail of either side, unknown, and fail wins over unknown -------------

@pytest.mark.parametrize(
    ("sales", "occupancy", "expected", "reason"),
    [
        ("en vente", "inoccupé", "pass", "Disponible"),
        ("en vente avec contraintes", "occupation transitoire", "pass", "Disponible"),
        ("en vente", "vacant", "pass", "Disponible"),
        ("en vente", "friche", "pass", "Disponible"),
        ("vendu, commercialisation achevée", "inoccupé", "fail", "vendu"),
        ("réservé par option de réservation", "inoccupé", "fail", "réservé"),
        ("réservé par une délibération de l'EPCI", "vacant", "fail", "réservé"),
        ("non commercialisable", "inoccupé", "fail", "non commercialisable"),
        ("en vente", "occupé", "fail", "terrain « occupé »"),
        ("vendu, commercialisation achevée", None, "fail", "vendu"),
        (None, "occupé", "fail", "occupé"),
        ("inconnu", "occupé", "fail", "occupé"),
        (None, "inoccupé", "unknown", "commercialisation non renseigné"),
        ("en vente", None, "unknown", "occupation non renseignée"),
        ("inconnu", "inoccupé", "unknown", "« inconnu »"),
        ("en vente", "inconnu", "unknown", "occupation « inconnu »"),
        ("non commercialisé", "inoccupé", "unknown", "« non commercialisé »"),
        ("autre", "autre", "unknown", "à vérifier"),
    ],
)
def test_availability(sales, occupancy, expected, reason):
    outcome, text = verdict("availability", {}, {"sales_stage": sales, "occupancy": occupancy})
    assert outcome == expected
    assert reason in text


def test_availability_is_always_asked():
    outcome, _ = verdict("availability", {})
    assert outcome == "pass"


# --- area: min, max, equal limits; never unknown -----------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"min_area_ha": 2.0}, "pass"),          # equal to the minimum passes
        ({"min_area_ha": 2.01}, "fail"),
        ({"max_area_ha": 2.0}, "pass"),          # equal to the maximum passes
        ({"max_area_ha": 1.99}, "fail"),
        ({"min_area_ha": 1, "max_area_ha": 3}, "pass"),
    ],
)
def test_area_limits(kwargs, expected):
    assert verdict("area", kwargs)[0] == expected


def test_area_reason_is_french_with_figures():
    outcome, reason = verdict("area", {"min_area_ha": 5})
    assert outcome == "fail"
    assert reason == "Surface nette 2 ha < 5 ha demandés."


def test_area_uses_net_area_after_excluded_constraints():
    flood = {"constraint_id": "F", "kind": "flood", "level": "prescriptions",
             "geometry": shapely.box(0, 0, 100, 100)}
    assert verdict("area", {"min_area_ha": 1.5}, constraints=[flood])[0] == "pass"
    outcome, reason = verdict("area", {"min_area_ha": 1.5, "excluded_constraints": ["flood"]},
                              constraints=[flood])
    assert outcome == "fail"
    assert "Surface nette 1 ha (brute 2 ha, moins les contraintes exclues)" in reason


# --- threshold criteria: pass (incl. equal), fail, unknown on null ----------------------------

@pytest.mark.parametrize(
    ("criterion", "key", "column", "limit", "good", "equal", "bad", "missing"),
    [
        ("price", "max_price_eur_m2", "price_eur_m2", 35.0, 20.0, 35.0, 35.5,
         "Prix non renseigné"),
        ("height", "building_height_m", "max_height_m", 18.0, 25.0, 18.0, 12.0,
         "Hauteur maximale autorisée non renseignée"),
        ("power", "power_mw", "power_mw", 12.0, 20.0, 12.0, 8.0,
         "Puissance électrique disponible non renseignée"),
        ("water", "water_m3_day", "water_m3_day", 300.0, 500.0, 300.0, 299.0,
         "Capacité en eau non renseignée"),
    ],
)
def test_threshold_criteria(criterion, key, column, limit, good, equal, bad, missing):
    ask = {key: limit}
    assert verdict(criterion, ask, {column: good})[0] == "pass"
    assert verdict(criterion, ask, {column: equal})[0] == "pass"
    outcome, reason = verdict(criterion, ask, {column: bad})
    assert outcome == "fail"
    assert reason.endswith(("demandés.", "maximum."))
    assert verdict(criterion, ask, {column: None}) == ("unknown", missing + ".")


def test_price_reason():
    assert verdict("price", {"max_price_eur_m2": 30}, {"price_eur_m2": 42.5})[1] == \
        "Prix 42,50 €/m² > 30 €/m² maximum."


def test_timing():
    ask = {"available_by": "2027-06-30"}
    assert verdict("timing", ask, {"available_from": "2027-06-30"})[0] == "pass"
    assert verdict("timing", ask, {"available_from": "2026-01-01"})[0] == "pass"
    outcome, reason = verdict("timing", ask, {"available_from": "2027-07-01"})
    assert outcome == "fail"
    assert reason == "Disponible le 01/07/2027, après le 30/06/2027 demandé."
    assert verdict("timing", ask, {"available_from": None})[0] == "unknown"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("UX", "pass"), ("uxa", "pass"), ("1AUx", "pass"), ("1AUXb", "pass"), ("A", "fail"),
     ("2AUx", "fail"), ("XU", "fail"), (None, "unknown")],
)
def test_zoning_prefix_any_case(zone, expected):
    assert verdict("zoning", {"accepted_zones": ["UX", "1aux"]}, {"plu_zone": zone})[0] == expected


@pytest.mark.parametrize(
    ("criterion", "kwargs", "column"),
    [
        ("turnkey", {"turnkey": True}, "turnkey"),
        ("gas", {"gas": True}, "gas"),
        ("fiber", {"fiber": True}, "fiber"),
        ("rail_siding", {"rail_siding": True}, "rail_siding"),
    ],
)
def test_flags(criterion, kwargs, column):
    assert verdict(criterion, kwargs, {column: True})[0] == "pass"
    assert verdict(criterion, kwargs, {column: False})[0] == "fail"
    assert verdict(criterion, kwargs, {column: None})[0] == "unknown"


@pytest.mark.parametrize("key", ["turnkey", "gas", "fiber", "rail_siding"])
def test_flag_false_is_not_asked(key):
    layers = make_layers([{"plot_id": "P", "geometry": PLOT}])
    result = match(inventory_from_layers(layers), Brief(name="t", **{key: False}))
    assert key not in result.table.columns


def test_brownfield_required_and_excluded():
    assert verdict("brownfield", {"brownfield": "required"}, {"brownfield": True})[0] == "pass"
    assert verdict("brownfield", {"brownfield": "required"}, {"brownfield": False})[0] == "fail"
    assert verdict("brownfield", {"brownfield": "required"}, {"brownfield": None})[0] == "unknown"
    assert verdict("brownfield", {"brownfield": "excluded"}, {"brownfield": False})[0] == "pass"
    assert verdict("brownfield", {"brownfield": "excluded"}, {"brownfield": True})[0] == "fail"
    assert verdict("brownfield", {"brownfield": "excluded"}, {"brownfield": None})[0] == "unknown"
    layers = make_layers([{"plot_id": "P", "geometry": PLOT}])
    result = match(inventory_from_layers(layers), Brief(name="t", brownfield="accepted"))
    assert "brownfield" not in result.table.columns


@pytest.mark.parametrize(
    ("plot_regime", "expected"),
    [("enregistrement", "pass"), ("autorisation", "pass"), ("seveso_seuil_haut", "pass"),
     ("declaration", "fail"), ("none", "fail"), (None, "unknown")],
)
def test_icpe_rank(plot_regime, expected):
    assert verdict("icpe", {"icpe": "enregistrement"}, {"icpe_max": plot_regime})[0] == expected


def test_icpe_ranks_each_plot_of_an_inventory_by_its_own_regime():
    """Regimes repeated among plots, and missing ones: each plot gets its own verdict (the
    distinct regimes are ranked once, then spread to the plots)."""
    regimes = ["declaration", None, "enregistrement", "declaration", "seveso_seuil_haut", None,
               "none", "enregistrement"]
    layers = make_layers([{"plot_id": f"P{i}", "geometry": shapely.box(300 * i, 0,
                                                                        300 * i + 200, 100),
                           "icpe_max": r} for i, r in enumerate(regimes)])
    order = ["none", "declaration", "enregistrement", "autorisation", "seveso_seuil_bas",
             "seveso_seuil_haut"]
    inventory = inventory_from_layers(layers)
    for asked in ("declaration", "enregistrement", "seveso_seuil_haut"):
        result = match(inventory, Brief(name="t", icpe=asked))
        got = {pid: v.outcome for pid in result.table["plot_id"] for v in result.explain(pid)
               if v.criterion == "icpe"}
        assert got == {f"P{i}": "unknown" if r is None else
                       "pass" if order.index(r) >= order.index(asked) else "fail"
                       for i, r in enumerate(regimes)}, asked


def test_icpe_seveso_order():
    ask = {"icpe": "seveso_seuil_haut"}
    assert verdict("icpe", ask, {"icpe_max": "seveso_seuil_bas"})[0] == "fail"
    assert verdict("icpe", ask, {"icpe_max": "seveso_seuil_haut"})[0] == "pass"


# --- forbidden constraints: 1 m² tolerance, kind and kind:level selectors ---------------------

def _flood(level, box):
    return {"constraint_id": f"F-{level}-{box}", "kind": "flood", "level": level,
            "geometry": shapely.box(*box)}


def test_forbidden_tolerance_of_one_square_metre():
    ask = {"forbidden_constraints": ["flood"]}
    # 1 m² overlap (x 199..200, y 0..1) is tolerated; 2 m² is not.
    assert verdict("forbidden_constraints", ask,
                   constraints=[_flood("prescriptions", (199, 0, 300, 1))])[0] == "pass"
    outcome, reason = verdict("forbidden_constraints", ask,
                              constraints=[_flood("prescriptions", (198, 0, 300, 1))])
    assert outcome == "fail"
    assert reason == "Touche une contrainte interdite : Inondation (PPRI) (2 m²)."


def test_forbidden_touching_only_passes():
    ask = {"forbidden_constraints": ["flood"]}
    assert verdict("forbidden_constraints", ask,
                   constraints=[_flood("interdiction", (200, 0, 400, 100))])[0] == "pass"


def test_forbidden_kind_level_selector():
    cons = [_flood("prescriptions", (0, 0, 100, 100))]
    assert verdict("forbidden_constraints", {"forbidden_constraints": ["flood:interdiction"]},
                   constraints=cons)[0] == "pass"
    assert verdict("forbidden_constraints", {"forbidden_constraints": ["flood:prescriptions"]},
                   constraints=cons)[0] == "fail"
    assert verdict("forbidden_constraints", {"forbidden_constraints": ["flood"]},
                   constraints=cons)[0] == "fail"


def test_forbidden_tolerance_is_per_constraint():
    # Two slivers of 1 m² each from two constraints: each is within the tolerance.
    cons = [_flood("interdiction", (199, 0, 300, 1)), _flood("prescriptions", (199, 99, 300, 100))]
    assert verdict("forbidden_constraints", {"forbidden_constraints": ["flood"]},
                   constraints=cons)[0] == "pass"


# --- housing distance --------------------------------------------------------------------------

def _housing(box):
    return {"constraint_id": "H", "kind": "housing", "level": None,
            "geometry": shapely.box(*box)}


def test_housing_distance():
    cons = [_housing((400, 0, 500, 100))]            # 200 m east of the plot
    assert verdict("housing", {"min_housing_distance_m": 200}, constraints=cons)[0] == "pass"
    outcome, reason = verdict("housing", {"min_housing_distance_m": 250}, constraints=cons)
    assert outcome == "fail"
    assert reason == "Habitations à 200 m à vol d'oiseau < 250 m demandés."
    outcome, reason = verdict("housing", {"min_housing_distance_m": 250})
    assert outcome == "unknown"
    assert "Aucune zone d'habitat" in reason


# --- access distances --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("criterion", "key", "kind", "label"),
    [
        ("motorway", "motorway_max_km", "motorway_interchange", "Échangeur autoroutier"),
        ("rail_freight", "rail_freight_max_km", "rail_freight", "Gare de fret"),
        ("port", "port_max_km", "port", "Port"),
    ],
)
def test_access_distances(criterion, key, kind, label):
    infra = [{"infra_id": "I", "kind": kind, "geometry": shapely.Point(200, 5100)}]  # 5 km north
    assert verdict(criterion, {key: 5.0}, infrastructure=infra)[0] == "pass"
    outcome, reason = verdict(criterion, {key: 4.9}, infrastructure=infra)
    assert outcome == "fail"
    assert reason == (f"{label} le plus proche à 5 km à vol d'oiseau > 4,9 km maximum.")
    other = [{"infra_id": "I", "kind": "airport", "geometry": shapely.Point(0, 0)}]
    outcome, reason = verdict(criterion, {key: 5.0}, infrastructure=other)
    assert outcome == "unknown"
    assert "dans l'inventaire" in reason


def test_access_takes_the_nearest_of_the_kind():
    infra = [{"infra_id": "far", "kind": "port", "geometry": shapely.Point(200, 50_100)},
             {"infra_id": "near", "kind": "port", "geometry": shapely.Point(200, 3_100)},
             {"infra_id": "other", "kind": "airport", "geometry": shapely.Point(100, 100)}]
    assert verdict("port", {"port_max_km": 3.0}, infrastructure=infra)[0] == "pass"
    assert verdict("port", {"port_max_km": 2.9}, infrastructure=infra)[0] == "fail"


def test_all_reasons_are_french_and_mention_straight_line_for_distances(tiny_inventory):
    brief = Brief(name="t", motorway_max_km=1, rail_freight_max_km=1, min_housing_distance_m=5)
    result = match(tiny_inventory, brief)
    for pid in result.table.plot_id:
        for v in result.explain(pid):
            if v.criterion in ("motorway", "rail_freight", "housing"):
                assert "vol d'oiseau" in v.reason
    assert np.all(result.table.reasons.str.len() > 0)


def test_equal_limits_pass_despite_float_noise():
    # 0.1 + 0.2 style noise: a net area of 3 x 0.1 ha built from geometry, asked 0.3 ha.
    plot = shapely.box(0, 0, 100, 30)                       # 0.3 ha
    flood = {"constraint_id": "F", "kind": "flood", "level": None,
             "geometry": shapely.box(0, 20, 100, 30)}        # 0.1 ha cut
    outcome, _ = verdict("area", {"min_area_ha": 0.2, "excluded_constraints": ["flood"]},
                         {"geometry": plot}, constraints=[flood])
    assert outcome == "pass"
    infra = [{"infra_id": "I", "kind": "port", "geometry": shapely.Point(200 + 300, 50)}]
    assert verdict("port", {"port_max_km": 0.3}, infrastructure=infra)[0] == "pass"
    assert verdict("port", {"port_max_km": 0.2999}, infrastructure=infra)[0] == "fail"


@pytest.mark.parametrize(
    ("sales", "occupancy", "expected"),
    [("En vente", "Inoccupé", "pass"), ("réservé par une délibération de l’EPCI", "vacant", "fail"),
     (" en  vente ", "OCCUPÉ", "fail")],
)
def test_availability_reads_enumerations_leniently(sales, occupancy, expected):
    assert verdict("availability", {}, {"sales_stage": sales, "occupancy": occupancy})[0] == \
        expected


# --- reasons written many at a time: the same texts as one by one ----------------------------

def _many_plots_layers(n=150):
    """``n`` plots of growing size in a row, two forbidden kinds (both over some plots, none over
    most) and an excluded one over parts of them: overlaps from none to hundreds of thousands of
    m², net areas below, within and above the asked range, gross and net areas that differ."""
    plots = [{"plot_id": f"P{i:03d}", "geometry": shapely.box(i * 1000, 0, i * 1000 + 50 + 7 * i,
                                                                 40 + 30 * i)}
             for i in range(n)]
    cons = [{"constraint_id": "S", "kind": "seveso", "level": None,
             "geometry": shapely.box(0, 0, n * 400, 900)},
            {"constraint_id": "N", "kind": "natura2000", "level": None,
             "geometry": shapely.box(n * 350, 0, n * 450, 3000)},
            {"constraint_id": "F", "kind": "flood", "level": "interdiction",
             "geometry": shapely.box(n * 200, 10, n * 800, 2000)}]
    return make_layers(plots, constraints=cons)


@pytest.mark.parametrize("brief_kwargs", [
    {"min_area_ha": 0.5, "max_area_ha": 20, "excluded_constraints": ["flood"],
     "forbidden_constraints": ["seveso", "natura2000"]},
    {"min_area_ha": 3, "forbidden_constraints": ["natura2000"]},
    {"max_area_ha": 1.25, "excluded_constraints": ["flood:interdiction"],
     "forbidden_constraints": ["seveso"]},
])
def test_reasons_written_many_at_a_time_equal_the_one_by_one_reasons(brief_kwargs):
    from foncier.core.criteria import FAIL, PASS

    result = match(inventory_from_layers(_many_plots_layers()), Brief(name="t", **brief_kwargs))
    vectorized = [c for c in result.criteria.values() if c.write_reasons is not None]
    assert {c.name for c in vectorized} == {"area", "forbidden_constraints"}
    for c in vectorized:
        positions = np.arange(len(c.outcome))[::-1]            # any order of positions
        codes = c.outcome[positions]
        assert {PASS, FAIL} <= set(codes.tolist())
        many = c.write_reasons(positions, codes)
        assert many.dtype == object
        assert many.tolist() == [c.write_reason(int(p), int(k))
                                 for p, k in zip(positions, codes, strict=True)]
    forbidden = result.criteria["forbidden_constraints"].reasons(np.arange(150)).tolist()
    assert any("\u202f" in text for text in forbidden)             # thousands of m² grouped
    assert any("Seveso (" in t and ", Natura 2000 (" in t for t in forbidden) or \
        len(brief_kwargs["forbidden_constraints"]) == 1


def test_area_reasons_of_plots_of_equal_rounded_areas_say_the_gross_area_when_it_differs():
    """Two plots whose net and gross areas round alike (2,00 ha), one of them touched by 10 m²
    of an excluded constraint: its reason says the gross area, the other's does not, however
    many such plots share one written reason."""
    plots = [{"plot_id": f"P{i:02d}", "geometry": shapely.box(i * 1000, 0, i * 1000 + 200, 100)}
             for i in range(80)]
    cons = [{"constraint_id": f"F{i}", "kind": "flood", "level": "interdiction",
             "geometry": shapely.box(i * 1000, 0, i * 1000 + 1, 10)} for i in range(1, 80, 2)]
    result = match(inventory_from_layers(make_layers(plots, constraints=cons)),
                   Brief(name="t", min_area_ha=1, excluded_constraints=["flood"]))
    area = result.criteria["area"]
    reasons = area.reasons(np.arange(80)).tolist()
    assert reasons == [area.write_reason(i, int(area.outcome[i])) for i in range(80)]
    assert reasons[0] == "Surface nette 2 ha, conforme à la demande (≥ 1 ha)."
    assert reasons[1] == ("Surface nette 2 ha (brute 2 ha, moins les contraintes exclues), "
                          "conforme à la demande (≥ 1 ha).")


def test_zone_values_are_said_alike_one_by_one_and_a_block_at_a_time():
    """Reasons of values held from the zone (``from_zone``) are the same whether written plot by
    plot or for a block of plots sharing reason keys (64 plots or more)."""
    from foncier.core.criteria import ZONE_NOTE

    plots = [{"plot_id": f"P{i:03d}", "geometry": shapely.box(i * 300, 0, i * 300 + 200, 100),
              "gas": i % 3 != 0, "power_mw": float(i % 7),
              "from_zone": "gas|power_mw" if i % 2 else None} for i in range(120)]
    res = match(inventory_from_layers(make_layers(plots)),
                Brief(name="test", gas=True, power_mw=3))
    positions = np.arange(120)
    for name in ("gas", "power"):
        c = res.criteria[name]
        one_by_one = [c.write_reason(int(p), int(c.outcome[p])) for p in positions]
        assert c.reasons(positions).tolist() == one_by_one
        assert sum(ZONE_NOTE in text for text in one_by_one) == 60
