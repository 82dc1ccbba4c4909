"""Shapely to Qt paths, vectorized (gui.geom), over the Qt-free rings of gui.rings."""

from __future__ import annotations

import numpy as np
import shapely
from foncier_gui.geom import (
    l93_from_scene,
    path_from_geometries,
    path_from_rings,
    polygon_from_xy,
    scene_rect_from_bounds,
)
from foncier_gui.rings import ring_data_from_geometries
from PySide6.QtCore import QPointF


def test_path_keeps_holes_and_flips_northing(qapp):
    donut = shapely.box(0, 0, 100, 100).difference(shapely.box(40, 40, 60, 60))
    path = path_from_geometries([donut])
    assert path.contains(QPointF(10, -10))          # in the ring, northing negated
    assert not path.contains(QPointF(50, -50))      # in the hole
    assert not path.contains(QPointF(10, 10))       # the unflipped point is outside
    assert path.boundingRect().getRect() == (0.0, -100.0, 100.0, 100.0)


def test_multipolygon_parts_belong_to_their_geometry(qapp):
    multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
    single = shapely.box(10, 0, 11, 1)
    rings = ring_data_from_geometries(np.array([multi, single], dtype=object))
    assert rings.owner.tolist() == [0, 0, 1]
    only_multi = path_from_rings(rings, np.array([True, False]))
    assert only_multi.contains(QPointF(5.5, -5.5))
    assert not only_multi.contains(QPointF(10.5, -0.5))
    assert path_from_rings(rings, np.array([False, False])).isEmpty()


def test_polygon_from_xy_and_coordinates(qapp):
    poly = polygon_from_xy(np.array([1.0, 2.5]), np.array([-3.0, 4.0]))
    assert [(poly.at(i).x(), poly.at(i).y()) for i in range(poly.size())] == [(1.0, -3.0),
                                                                               (2.5, 4.0)]
    assert l93_from_scene(QPointF(500_000.0, -6_900_000.0)) == (500_000.0, 6_900_000.0)
    rect = scene_rect_from_bounds((0, 0, 100, 50), margin=0.1)
    assert rect.getRect() == (-10.0, -55.0, 120.0, 60.0)


def test_rings_of_a_mix_keep_the_input_order():
    """Simple polygons (read in one call) and the others (holes, multipolygons, missing and
    empty geometries, read part by part) come back merged in the input's order."""
    donut = shapely.box(20, 0, 30, 10).difference(shapely.box(22, 2, 24, 4))
    multi = shapely.MultiPolygon([shapely.box(40, 0, 41, 1), shapely.box(43, 0, 44, 1)])
    geoms = np.array([shapely.box(0, 0, 1, 1), donut, shapely.box(10, 0, 12, 2), None, multi,
                      shapely.Polygon(), shapely.box(50, 0, 51, 1)], dtype=object)
    rings = ring_data_from_geometries(geoms)
    assert rings.owner.tolist() == [0, 1, 1, 2, 4, 4, 6]
    assert np.unique(rings.ring).tolist() == list(range(7))
    assert (np.diff(rings.ring) >= 0).all()
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    each, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring = shapely.get_coordinates(each, return_index=True)
    assert np.array_equal(rings.x, coords[:, 0]) and np.array_equal(rings.y, -coords[:, 1])
    assert np.array_equal(rings.ring, ring) and np.array_equal(rings.owner,
                                                               part_owner[ring_part])
    assert rings.starts.sum() == 7 and rings.starts[np.searchsorted(ring, 3)]


def test_rings_of_simple_polygons_only():
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 7, 6)], dtype=object)
    rings = ring_data_from_geometries(geoms)
    assert rings.owner.tolist() == [0, 1] and rings.ring.tolist() == [0] * 5 + [1] * 5
    assert rings.x.max() == 7.0 and rings.y.min() == -6.0
    empty = ring_data_from_geometries(np.array([], dtype=object))
    assert len(empty.x) == 0 and len(empty.owner) == 0
