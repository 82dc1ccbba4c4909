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
