"""The views' per-inventory data (gui.model): the plots' map arrays cached across processes."""

from __future__ import annotations

import shutil

import numpy as np
import shapely
from foncier_gui.model import PLOT_ARRAYS_KEY, plot_index_from_inventory
from foncier_gui.rings import ring_data_from_geometries

import foncier
from foncier.io import cache


def _key(inventory) -> str:
    return f"{PLOT_ARRAYS_KEY}:{inventory._cache.key}"


def test_plot_arrays_come_from_the_cache_the_second_time(tmp_path):
    path = tmp_path / "zones.gpkg"
    shutil.copy(foncier.sample_inventory_path(), path)
    folder = tmp_path / "cache"
    first = foncier.open_inventory(path, cache_dir=folder)
    assert cache.load_geometry(_key(first), cache_dir=folder) is None
    computed = plot_index_from_inventory(first)
    stored = cache.load_geometry(_key(first), cache_dir=folder)
    assert stored is not None and np.array_equal(stored["cx"], computed.cx)
    again = plot_index_from_inventory(foncier.open_inventory(path, cache_dir=folder))
    direct = ring_data_from_geometries(first.plots.geometry.to_numpy())
    for index in (computed, again):
        assert np.array_equal(index.rings.x, direct.x)
        assert np.array_equal(index.rings.owner, direct.owner)
        assert np.array_equal(index.rings.starts, direct.starts)
    assert np.array_equal(again.cy, computed.cy)
    assert again.commune_names.tolist() == computed.commune_names.tolist()
    assert again.commune_names.dtype == object and again.commune_names[0] != ""


def test_a_changed_inventory_gets_its_own_plot_arrays(tmp_path):
    path = tmp_path / "zones.gpkg"
    shutil.copy(foncier.sample_inventory_path(), path)
    folder = tmp_path / "cache"
    before = plot_index_from_inventory(foncier.open_inventory(path, cache_dir=folder))
    layers = {k: v for k, v in foncier.open_inventory(path, cache=False).layers().items()}
    plots = layers["plots"].copy()
    plots.loc[0, "geometry"] = shapely.affinity.translate(plots.geometry.iloc[0], 500.0, 0.0)
    layers["plots"] = plots
    foncier.write_inventory(layers, path)
    after = plot_index_from_inventory(foncier.open_inventory(path, cache_dir=folder))
    assert after.cx[0] == before.cx[0] + 500.0
    assert after.rings.x[after.rings.owner[after.rings.ring] == 0].min() == \
        before.rings.x[before.rings.owner[before.rings.ring] == 0].min() + 500.0


def test_an_inventory_without_the_cache_stores_nothing(tmp_path):
    folder = tmp_path / "cache"
    inv = foncier.open_inventory(foncier.sample_inventory_path(), cache=False, cache_dir=folder)
    index = plot_index_from_inventory(inv)
    assert len(index.cx) == len(inv.plots)
    assert cache.cache_info(cache_dir=folder).entries == 0
