"""Weight stability: exact intervals, checked by hand and against a brute-force scan."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match
from foncier.analysis.stability import (
    rank_interval,
    rank_intervals,
    stability_sentence,
    weight_stability,
)


def brute_rank(base, comp, total, w, id_rank, i):
    s = (base + w * comp) / (total + w)
    ahead = (s > s[i]) | ((s == s[i]) & (id_rank < id_rank[i]))
    ahead[i] = False
    return 1 + int(ahead.sum())


def random_case(rng):
    m = int(rng.integers(2, 12))
    base = rng.uniform(0, 3, m)
    comp = rng.uniform(0, 1, m)
    if m > 3 and rng.random() < 0.5:                 # exact ties: identical plots
        base[1], comp[1] = base[0], comp[0]
    return base, comp, float(rng.uniform(0.5, 3)), float(rng.uniform(0.05, 4)), \
        rng.permutation(m)


@pytest.mark.parametrize("seed", range(40))
def test_intervals_match_a_brute_force_scan(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        base, comp, total, w0, id_rank = random_case(rng)
        for i in range(len(base)):
            rank, low, high = rank_interval(base, comp, total, w0, id_rank, i)
            assert rank == brute_rank(base, comp, total, w0, id_rank, i)
            assert low <= w0 <= high
            top = high if math.isfinite(high) else max(low, w0) * 10 + 100
            inside = np.linspace(low, top, 202)[1:-1]
            assert all(brute_rank(base, comp, total, w, id_rank, i) == rank for w in inside)
            if math.isfinite(high):
                w = high + 1e-7 * (1 + high)
                assert brute_rank(base, comp, total, w, id_rank, i) != rank
            if low > 0:
                w = low - 1e-7 * (1 + low)
                assert brute_rank(base, comp, total, w, id_rank, i) != rank


def test_compensating_crossings_keep_the_rank():
    # Plot 0 is second; at w = 1 plot 1 falls behind it while plot 2 passes ahead: still second.
    base = np.array([1.0, 2.0, 0.0])       # scores (A + w c) / (1 + w)
    comp = np.array([1.0, 0.0, 2.0])
    # At w = 1 all three tie: plot_id ranks 1 before 0 before 2 keep plot 0 second there too.
    rank, low, high = rank_interval(base, comp, 1.0, 0.5, np.array([1, 0, 2]), 0)
    assert (rank, low, high) == (2, 0.0, math.inf)
    # With plot 0 first in plot_id order it wins the tie: its rank changes at w = 1 exactly.
    assert rank_interval(base, comp, 1.0, 0.5, np.arange(3), 0) == (2, 0.0, 1.0)


def three_plots():
    plots = [
        {"plot_id": "A", "geometry": shapely.box(0, 0, 100, 100), "price_eur_m2": 20.0},
        {"plot_id": "B", "geometry": shapely.box(0, 100_000, 100, 100_100), "price_eur_m2": 10.0},
        {"plot_id": "C", "geometry": shapely.box(0, 200_000, 100, 200_100), "price_eur_m2": 30.0},
        {"plot_id": "X", "geometry": shapely.box(0, 300_000, 100, 300_100), "price_eur_m2": 50.0},
    ]
    # Motorway interchange west of every plot: A 5 km, B 8 km, C 1 km.
    infra = [{"infra_id": "M1", "kind": "motorway_interchange",
              "geometry": shapely.Point(-5000, 50)},
             {"infra_id": "M2", "kind": "motorway_interchange",
              "geometry": shapely.Point(-8000, 100_050)},
             {"infra_id": "M3", "kind": "motorway_interchange",
              "geometry": shapely.Point(-1000, 200_050)}]
    inv = inventory_from_layers(make_layers(plots, infrastructure=infra))
    brief = Brief(name="t", max_price_eur_m2=40, motorway_max_km=10,
                  weights={"price": 1, "motorway": 1, "timing": 0})
    return inv, brief


def test_hand_computed_intervals():
    # price components A .5, B .75, C .25; motorway A .5, B .2, C .9 (X fails the price).
    inv, brief = three_plots()
    res = match(inv, brief, on=dt.date(2026, 1, 1))
    assert res.table["plot_id"].tolist()[:3] == ["C", "A", "B"]
    st = weight_stability(res).set_index(["plot_id", "weight"])
    assert set(st.index.get_level_values(0)) == {"A", "B", "C"}
    expected = {("C", "price"): (1, 0, 1.4), ("A", "price"): (2, 0, 1.2),
                ("B", "price"): (3, 0, 1.2), ("C", "motorway"): (1, 0.5 / 0.7, math.inf),
                ("A", "motorway"): (2, 0.25 / 0.3, math.inf),
                ("B", "motorway"): (3, 0.25 / 0.3, math.inf)}
    for key, (rank, low, high) in expected.items():
        row = st.loc[key]
        assert row["rank"] == rank
        assert row["low"] == pytest.approx(low)
        assert row["high"] == pytest.approx(high)
        assert row["current"] == 1.0
    assert st.loc[("C", "price"), ["top3_low", "top3_high"]].tolist() == pytest.approx([0, 1.2])
    assert st.loc[("A", "motorway"), "top3_low"] == pytest.approx(0.25 / 0.3)
    # The matcher agrees on either side of a bound (scores well apart there).
    moved = match(inv, brief.replace(weights=(("price", 1.3), ("motorway", 1.0),
                                              ("timing", 0.0))), on=dt.date(2026, 1, 1))
    assert moved.table["plot_id"].tolist()[:3] == ["C", "B", "A"]


def test_no_weight_in_use_gives_an_empty_table():
    inv, _ = three_plots()
    res = match(inv, Brief(name="t", weights={"price": 0, "timing": 0}))
    st = weight_stability(res)
    assert st.empty and "top3_high" in st.columns


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("price", 0.4, 3.1), "classement stable tant que le poids du prix reste entre 0,4 et 3,1"),
        (("price", 0.43, 3.17), "classement stable tant que le poids du prix reste entre 0,5 et "
                                "3,1"),
        (("port", 0.4, math.inf), "classement stable tant que le poids du port reste au-delà de "
                                  "0,4"),
        (("area", 0.0, 1.25), "classement stable tant que le poids de la surface reste en deçà "
                              "de 1,2"),
        (("timing", 0.0, math.inf), "classement stable quel que soit le poids du délai de "
                                    "disponibilité"),
    ],
)
def test_sentences(args, sentence):
    assert stability_sentence(*args) == sentence


def priced_case():
    """40 plots with random prices, power and motorway distances, and a brief weighing them."""
    rng = np.random.default_rng(7)
    plots = [{"plot_id": f"P{k:02d}", "geometry": shapely.box(0, 50_000 * k, 100, 50_000 * k + 100),
              "price_eur_m2": float(rng.uniform(5, 40)), "power_mw": float(rng.uniform(5, 30))}
             for k in range(40)]
    infra = [{"infra_id": f"M{k}", "kind": "motorway_interchange",
              "geometry": shapely.Point(-float(rng.uniform(500, 20_000)), 50_000 * k + 50)}
             for k in range(40)]
    inv = inventory_from_layers(make_layers(plots, infrastructure=infra))
    brief = Brief(name="t", max_price_eur_m2=40, motorway_max_km=20, power_mw=5,
                  weights={"price": 2, "timing": 0})
    return inv, brief


def test_weight_stability_equals_the_unfiltered_computation():
    # The candidate filter of weight_stability must not change any interval.
    from foncier.core.criteria import net_area_ha
    from foncier.core.scoring import score_components, score_weights

    inv, brief = priced_case()
    res = match(inv, brief, on=dt.date(2026, 1, 1))
    st = weight_stability(res)
    comps = score_components(inv.plots, inv.geometry, brief, net_area_ha(inv.geometry, brief))
    weights = score_weights(brief)
    acc = sum(weights[k] * c for k, c in comps.items())
    ids = np.argsort(np.argsort(inv.plots["plot_id"].to_numpy(dtype=str)))
    assert len(st) == 30 and set(st["weight"]) == {"price", "motorway", "power"}
    for row in st.itertuples():
        i = int(np.flatnonzero(inv.plots["plot_id"].to_numpy() == row.plot_id)[0])
        w = weights[row.weight]
        expected = rank_interval(acc - w * comps[row.weight], comps[row.weight],
                                 sum(weights.values()) - w, w, ids, i)
        assert (row.rank, row.low, row.high) == expected


def test_components_kept_by_the_match_are_its_own_and_read_by_the_stability():
    from foncier.core.criteria import net_area_ha
    from foncier.core.scoring import score_components

    inv, brief = priced_case()
    on = dt.date(2026, 1, 1)
    kept, plain = match(inv, brief, on=on, keep_components=True), match(inv, brief, on=on)
    assert plain.components is None
    comps = score_components(inv.plots, inv.geometry, brief, net_area_ha(inv.geometry, brief),
                             on=on)
    assert list(kept.components) == list(comps) == ["price", "motorway", "power"]
    for name, values in comps.items():
        np.testing.assert_array_equal(kept.components[name], values)
    np.testing.assert_array_equal(kept.score, plain.score)
    np.testing.assert_array_equal(kept.order, plain.order)
    pd.testing.assert_frame_equal(weight_stability(kept), weight_stability(plain))
    # The kept components are the ones the stability reads: other prices, other intervals.
    kept.components["price"] = 1.0 - kept.components["price"]
    assert not weight_stability(kept).equals(weight_stability(plain))


def integer_case(rng):
    """Small integers: many exact ties and crossings, some at the current weight itself."""
    m = int(rng.integers(1, 14))
    base = rng.integers(0, 4, m).astype(float)
    comp = rng.integers(0, 3, m).astype(float)
    return base, comp, float(rng.integers(1, 4)), float(rng.choice([0.0, 0.5, 1.0, 2.0])), \
        rng.permutation(m)


@pytest.mark.parametrize("seed", range(40))
def test_vectorized_intervals_equal_the_one_plot_computation(seed):
    rng = np.random.default_rng(seed)
    for case in range(20):
        base, comp, total, w0, id_rank = (random_case if case % 2 else integer_case)(rng)
        heads = rng.permutation(len(base))[:int(rng.integers(1, len(base) + 1))]
        expected = [rank_interval(base, comp, total, w0, id_rank, int(i)) for i in heads]
        for sweeps in (0, 1, 8):   # all sorted, nearest point then sorted, nearest points only
            rank, low, high = rank_intervals(base, comp, w0, id_rank, heads, sweeps=sweeps)
            assert list(zip(rank.tolist(), low.tolist(), high.tolist(), strict=True)) == expected
