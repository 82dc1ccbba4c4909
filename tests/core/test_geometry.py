"""Precomputed geometry: overlaps by group, union (not sum) of excluded constraints, distances."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from builders import make_layers

from foncier import Brief, inventory_from_layers, match
from foncier.core.criteria import net_area_ha


def test_groups_and_pairs(tiny_inventory):
    geo = tiny_inventory.geometry.all_overlaps()
    assert geo.groups == [("flood", "interdiction"), ("flood", "prescriptions"),
                          ("wetland", None), ("housing", None)]
    pairs = sorted(zip(geo.pair_plot.tolist(), geo.pair_constraint.tolist(),
                       geo.pair_area.round(3).tolist(), strict=True))
    # P2 x C1 (100x500), P2 x C2 (100x500), P3 x C3 (100x300)
    assert pairs == [(1, 0, 50_000.0), (1, 1, 50_000.0), (2, 2, 30_000.0)]
    assert geo.groups_for(["flood"]) == (0, 1)
    assert geo.groups_for(["flood:prescriptions", "wetland"]) == (1, 2)


def test_net_area_is_the_union_not_the_sum(tiny_inventory):
    """P2 (10 ha) is crossed by two flood zones that overlap: 5 ha + 5 ha, union 7.5 ha."""
    geo = tiny_inventory.geometry
    net = net_area_ha(geo, Brief(name="t", excluded_constraints=["flood"]))
    assert net.round(6).tolist() == [2.0, 2.5, 9.0]            # the sum would leave 0 ha
    net = net_area_ha(geo, Brief(name="t", excluded_constraints=["flood:interdiction"]))
    assert net.round(6).tolist() == [2.0, 5.0, 9.0]
    net = net_area_ha(geo, Brief(name="t", excluded_constraints=["flood", "wetland"]))
    assert net.round(6).tolist() == [2.0, 2.5, 6.0]


def test_union_of_many_overlapping_constraints():
    plot = shapely.box(0, 0, 100, 100)
    cons = [{"constraint_id": f"C{i}", "kind": "wetland", "level": None,
             "geometry": shapely.box(10 * i, 0, 10 * i + 30, 100)} for i in range(5)]
    inv = inventory_from_layers(make_layers([{"plot_id": "P", "geometry": plot}],
                                            constraints=cons))
    # union covers x 0..70: 7,000 m² of 10,000 m²
    assert net_area_ha(inv.geometry, Brief(name="t", excluded_constraints=["wetland"]))[0] == \
        pytest.approx(0.3)


def test_excluded_area_is_cached_per_selection(tiny_inventory):
    geo = tiny_inventory.geometry
    a = geo.excluded_area(geo.groups_for(["flood"]))
    b = geo.excluded_area(geo.groups_for(["flood:prescriptions", "flood:interdiction"]))
    assert a is b
    assert len(geo._excluded_cache) == 1


def test_geometry_is_computed_once_per_inventory(tiny_inventory):
    first = tiny_inventory.geometry
    match(tiny_inventory, Brief(name="a", min_area_ha=1))
    match(tiny_inventory, Brief(name="b", motorway_max_km=3))
    assert tiny_inventory.geometry is first


def test_distances_by_kind(tiny_inventory):
    geo = tiny_inventory.geometry
    assert sorted(geo.distance_m) == ["motorway_interchange", "rail_freight"]
    # P1 box(0,0,200,100) to Point(0, 5100): 5000 m; P3 box(600..900) to Point(1900, 0): 1000 m
    assert geo.distance_m["motorway_interchange"][0] == pytest.approx(5000.0)
    assert geo.distance_m["rail_freight"][2] == pytest.approx(1000.0)
    assert geo.housing_m.tolist() == pytest.approx([900.0, np.hypot(100, 500), np.hypot(400, 700)])


def test_constraints_of_a_plot(tiny_inventory):
    touched = tiny_inventory.geometry.constraints_of(1)
    assert touched.constraint.tolist() == [0, 1]
    assert touched.overlap_m2.tolist() == [50_000.0, 50_000.0]
    assert tiny_inventory.geometry.constraints_of(0).empty


def test_geometry_is_measured_from_the_layers_alone(tiny_inventory):
    from foncier.core.geometry import compute_plot_geometry

    geo = compute_plot_geometry(tiny_inventory.plots, tiny_inventory.constraints,
                                tiny_inventory.infrastructure)
    assert geo.groups == tiny_inventory.geometry.groups
    assert geo.housing_m.tolist() == tiny_inventory.geometry.housing_m.tolist()


def test_criteria_and_matching_share_the_per_inventory_cache(tiny_inventory):
    """What a first brief encodes is reused by the next one through ``PlotGeometry.cached``."""
    geo = tiny_inventory.geometry
    match(tiny_inventory, Brief(name="a", accepted_zones=["UX"]))

    def rebuilt():
        pytest.fail("an encoding was built twice")

    assert geo.cached(("codes", "plu_zone"), rebuilt)[0].shape == (3,)
    # The plots' rank in plot_id order is the geometry's own, measured with it.
    assert sorted(geo.id_rank.tolist()) == [0, 1, 2]


def test_plot_slices_on_two_threads_give_the_single_piece_result(monkeypatch):
    """The precomputation cuts the plots in slices for its threads (the overlaps too, each
    slice with its own prepared copies of the constraints); the result is the same."""
    from foncier.core import geometry

    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 5_000, 60), rng.uniform(0, 5_000, 60)
    plots = [shapely.box(a, b, a + 80, b + 60) for a, b in zip(x, y, strict=True)]
    cons = [shapely.Point(a, b).buffer(150) for a, b in zip(x[::3] + 40, y[::3], strict=True)]
    cons += [shapely.Point(a, b).buffer(60) for a, b in zip(x + 70, y + 50, strict=True)]
    kinds = [("housing", None)] * 10 + [("flood", "interdiction")] * (len(cons) - 10)
    points = [("port", 0, 0), ("port", 5_000, 5_000), ("airport", 2_500, 0)]
    layers = make_layers(
        plots=[{"plot_id": f"P{i}", "geometry": g} for i, g in enumerate(plots)],
        constraints=[{"constraint_id": f"C{i}", "kind": k, "level": lv, "geometry": g}
                     for i, ((k, lv), g) in enumerate(zip(kinds, cons, strict=True))],
        infrastructure=[{"infra_id": f"I{i}", "kind": k, "geometry": shapely.Point(a, b)}
                        for i, (k, a, b) in enumerate(points)])
    frames = (layers["plots"], layers["constraints"], layers["infrastructure"])
    whole = geometry.compute_plot_geometry(*frames)
    flood = whole.groups_for(["flood", "housing"])
    whole_cut = whole.excluded_area(flood)
    monkeypatch.setattr(geometry, "_MIN_SLICE", 7)
    sliced = geometry.compute_plot_geometry(*frames)
    multi = np.bincount(whole.pair_plot[np.isin(whole.pair_group, flood)], minlength=60) > 1
    assert multi.sum() >= 7                       # the unions run in slices too
    assert len(np.unique(whole.pair_plot // 7)) > 2       # the overlaps span several slices
    np.testing.assert_allclose(sliced.excluded_area(flood), whole_cut, rtol=1e-12)
    for name in ("area_m2", "pair_plot", "pair_constraint", "pair_group", "pair_area",
                 "max_overlap", "housing_m"):
        assert np.array_equal(getattr(whole, name), getattr(sliced, name)), name
    assert set(sliced.distance_m) == {"port"}          # airports are measured by nothing
    for kind in whole.distance_m:
        assert np.array_equal(whole.distance_m[kind], sliced.distance_m[kind])
        assert np.array_equal(whole.nearest[kind], sliced.nearest[kind])
    assert len(whole.pair_plot) > 0 and np.isfinite(sliced.housing_m).all()
    # Overlaps in many slices of plots taken from west to east: the same pairs in the same
    # order, the same pieces (kept as WKB).
    monkeypatch.setattr(geometry, "_OVERLAP_ROWS", 5)
    strips = geometry.compute_plot_geometry(*frames)
    for name in ("pair_plot", "pair_constraint", "pair_group", "pair_area", "max_overlap"):
        assert np.array_equal(getattr(whole, name), getattr(strips, name)), name
    assert shapely.equals_exact(strips.pieces(), whole.pieces(), tolerance=0).all()
    np.testing.assert_allclose(strips.excluded_area(flood), whole_cut, rtol=1e-12)


def test_pieces_are_kept_as_wkb_and_decoded_where_asked(tiny_inventory):
    """The overlaps keep their pieces as WKB; ``pieces_at`` decodes the pieces asked for,
    the same geometries as the intersections themselves."""
    from foncier.io.cache import WkbArray

    inv = tiny_inventory
    geo = inv.geometry.all_overlaps()
    assert isinstance(geo.pair_geometry, WkbArray) and len(geo.pair_geometry) == 3
    plots = inv.plots.geometry.to_numpy()[geo.pair_plot]
    cons = inv.constraints.geometry.to_numpy()[geo.pair_constraint]
    expected = shapely.intersection(plots, cons)
    assert shapely.equals(geo.pieces(), expected).all()
    picked = geo.pieces_at(np.array([2, 0]))
    assert shapely.equals(picked, expected[[2, 0]]).all()
    assert np.allclose(shapely.area(picked), geo.pair_area[[2, 0]])


def test_nearest_polygon_search_equals_the_trees_nearest_query():
    """Distances to polygons are found in vectorized steps (a centroid bound, then the
    candidates within the bound plus the plot's reach of its centroid): the same distances as
    GEOS's branch-and-bound nearest query, on concave targets whose centroid lies outside
    them, overlapping ones (distance 0), long thin and L-shaped plots whose centroid is far
    from their edges, and a plot with no geometry."""
    from foncier.core.geometry import _nearest, _Plots, _Targets

    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 20_000, 400), rng.uniform(0, 20_000, 400)
    boxes = [shapely.box(a, b, a + rng.uniform(20, 400), b + rng.uniform(20, 300))
             for a, b in zip(x[:300], y[:300], strict=True)]
    long_ = [shapely.box(a, b, a + 3_000, b + 40) for a, b in zip(x[300:350], y[300:350],
                                                                 strict=True)]
    ell = [shapely.union_all([shapely.box(a, b, a + 2_000, b + 100),
                              shapely.box(a, b, a + 100, b + 2_000)])
           for a, b in zip(x[350:], y[350:], strict=True)]
    plots = np.array(boxes + long_ + ell + [None], dtype=object)
    cx, cy = rng.uniform(0, 20_000, 40), rng.uniform(0, 20_000, 40)
    rings = [shapely.Point(a, b).buffer(900).difference(shapely.Point(a, b).buffer(800))
             .difference(shapely.box(a - 1_000, b, a + 1_000, b + 1_000))     # U shapes
             for a, b in zip(cx[:20], cy[:20], strict=True)]
    blobs = [shapely.Point(a, b).buffer(rng.uniform(50, 600))
             for a, b in zip(cx[20:], cy[20:], strict=True)]
    targets = np.array(rings + blobs, dtype=object)
    assert not shapely.contains(targets[:20], shapely.centroid(targets[:20])).any()

    dist, pos = _nearest(_Plots.of(plots), _Targets.of(targets))

    (src, dst), want = shapely.STRtree(targets).query_nearest(
        plots[:-1], return_distance=True, all_matches=False)
    np.testing.assert_array_equal(dist[src], want)
    assert np.isnan(dist[-1]) and pos[-1] == -1
    np.testing.assert_array_equal(shapely.distance(plots[:-1], targets[pos[:-1]]), dist[:-1])
    assert (dist[:-1] == 0).sum() > 5


def test_nearest_point_search_equals_the_trees_nearest_query():
    """The same for points (the candidates within the bound plus the plot's reach of its
    centroid), on long thin and L-shaped plots whose centroid is far from their edges."""
    from foncier.core.geometry import _nearest, _Plots, _Targets

    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 50_000, 300), rng.uniform(0, 50_000, 300)
    long_ = [shapely.box(a, b, a + 3_000, b + 40) for a, b in zip(x[:100], y[:100], strict=True)]
    ell = [shapely.union_all([shapely.box(a, b, a + 2_000, b + 100),
                              shapely.box(a, b, a + 100, b + 2_000)])
           for a, b in zip(x[100:200], y[100:200], strict=True)]
    small = [shapely.box(a, b, a + 50, b + 50) for a, b in zip(x[200:], y[200:], strict=True)]
    plots = np.array(long_ + ell + small, dtype=object)
    points = shapely.points(rng.uniform(0, 50_000, (25, 2)))

    dist, pos = _nearest(_Plots.of(plots), _Targets.of(points))

    (src, dst), want = shapely.STRtree(points).query_nearest(
        plots, return_distance=True, all_matches=False)
    assert np.array_equal(src, np.arange(len(plots)))
    np.testing.assert_array_equal(dist, want)
    np.testing.assert_array_equal(shapely.distance(plots, points[pos]), dist)


def test_a_plot_inside_an_excluded_constraint_loses_its_area_without_a_union(monkeypatch):
    """Its piece is the plot itself, so the union of its pieces is the plot: the other pieces
    are not unioned (at 1 000 000 plots, half of the plots with several pieces)."""
    from foncier.core import geometry

    plots = [shapely.box(0, 0, 10, 10), shapely.box(100, 0, 110, 10)]
    cons = [("flood", "interdiction", shapely.box(-50, -50, 50, 50)),       # holds plot 0
            ("wetland", None, shapely.box(5, 5, 20, 20)),
            ("flood", "interdiction", shapely.box(95, 0, 105, 10)),         # plot 1: half
            ("wetland", None, shapely.box(107, 0, 120, 10))]
    layers = make_layers(
        plots=[{"plot_id": f"P{i}", "geometry": g} for i, g in enumerate(plots)],
        constraints=[{"constraint_id": f"C{i}", "kind": k, "level": lv, "geometry": g}
                     for i, (k, lv, g) in enumerate(cons)],
        infrastructure=[])
    geo = geometry.compute_plot_geometry(layers["plots"], layers["constraints"],
                                         layers["infrastructure"])
    unioned = []
    real = geometry._union_areas
    monkeypatch.setattr(geometry, "_union_areas",
                        lambda g, p, s, c: unioned.append(len(s)) or real(g, p, s, c))
    lost = geo.excluded_area(geo.groups_for(["flood", "wetland"]))
    assert lost[0] == 100.0 and lost[1] == pytest.approx(80.0)      # 50 + 30
    assert unioned == [1]                          # plot 1 only


def test_an_inventory_measures_the_overlaps_of_a_group_when_first_asked(tiny_inventory):
    """The inventory's geometry measures no overlap until a brief names a group; then only the
    groups named, each once; the results are those of measuring everything at once."""
    from foncier.core.geometry import compute_plot_geometry

    inv = tiny_inventory
    geo = inv.geometry
    assert geo.overlaps_done.tolist() == [False] * 4 and len(geo.pair_plot) == 0
    # A plot's constraints are measured for that plot alone.
    assert geo.constraints_of(1)["constraint"].tolist() in ([0, 1], [1, 0])
    assert geo.overlaps_done.tolist() == [False] * 4
    grown = []
    geo._on_grow = grown.append
    brief = Brief(name="t", min_area_ha=1, excluded_constraints=["wetland"],
                  forbidden_constraints=["flood:interdiction"])
    lazy = match(inv, brief).table
    assert geo.overlaps_done.tolist() == [True, False, True, False]
    assert grown == [geo]               # forbidden and excluded groups: one pass, one store
    match(inv, brief)
    assert len(grown) == 1                      # nothing new to measure
    whole = compute_plot_geometry(inv.plots, inv.constraints, inv.infrastructure)
    assert whole.overlaps_done is None
    again = inventory_from_layers(inv.layers())
    again._geometry = whole
    assert lazy.equals(match(again, brief).table)
    geo.all_overlaps()
    assert geo.overlaps_done is None and len(grown) == 2
    order = np.lexsort((geo.pair_constraint, geo.pair_plot))
    ref = np.lexsort((whole.pair_constraint, whole.pair_plot))
    for name in ("pair_plot", "pair_constraint", "pair_group", "pair_area"):
        assert np.array_equal(getattr(geo, name)[order], getattr(whole, name)[ref]), name
    assert shapely.equals_exact(geo.pieces()[order], whole.pieces()[ref], tolerance=0).all()
    assert np.array_equal(geo.max_overlap, whole.max_overlap)


def test_a_plots_constraints_measured_alone_are_those_of_every_group(sample_inventory):
    from foncier.core.geometry import compute_plot_geometry

    inv = inventory_from_layers(sample_inventory.layers())
    lazy = inv.geometry
    whole = compute_plot_geometry(inv.plots, inv.constraints, inv.infrastructure)
    touching = 0
    for position in range(len(inv.plots)):
        alone, ref = lazy.constraints_of(position), whole.constraints_of(position)
        assert sorted(alone["constraint"]) == sorted(ref["constraint"]), position
        assert sorted(alone["overlap_m2"]) == pytest.approx(sorted(ref["overlap_m2"]))
        touching += len(ref) > 0
    assert touching > 20 and lazy.overlaps_done is not None and not lazy.overlaps_done.any()
    # A position given as a NumPy integer (a table's row index) measures the same.
    position = int(whole.pair_plot[0])
    alone = lazy.constraints_of(np.int64(position))
    assert len(alone) > 0
    assert sorted(alone["constraint"]) == sorted(whole.constraints_of(position)["constraint"])


def test_two_threads_measuring_groups_leave_one_consistent_geometry(sample_inventory):
    """The batch measures a brief's excluded groups on a worker thread while the next brief's
    forbidden groups are measured: every state handed to the cache has pairs of one length,
    and the result is that of measuring every group at once."""
    import threading

    from foncier.core.geometry import compute_plot_geometry

    inv = inventory_from_layers(sample_inventory.layers())
    geo = inv.geometry
    seen = []

    def grown(g):
        lengths = {len(g.pair_plot), len(g.pair_constraint), len(g.pair_group),
                   len(g.pair_area), len(g.pair_geometry)}
        seen.append(len(lengths) == 1 and g.max_overlap.shape == (len(g.groups), g.n_plots))

    geo._on_grow = grown
    half = len(geo.groups) // 2
    workers = [threading.Thread(target=lambda ids=ids: [geo.ensure_overlaps([i]) for i in ids])
               for ids in (range(half), range(half, len(geo.groups)))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert seen and all(seen) and geo.overlaps_done is None
    whole = compute_plot_geometry(inv.plots, inv.constraints, inv.infrastructure)
    assert np.array_equal(geo.max_overlap, whole.max_overlap)
    assert sorted(geo.pair_area.tolist()) == pytest.approx(sorted(whole.pair_area.tolist()))
