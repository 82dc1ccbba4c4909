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


def test_a_warm_open_reads_the_map_without_decoding_the_plots(tmp_path, monkeypatch):
    """From the cache, the app's opening (on its worker thread) decodes the layers the map
    draws at once and draws the plots from the cached rings: their geometries stay WKB until
    something (picking, a match's geometry) needs them, and then give the same rings."""
    from foncier_gui.model import plot_index_from_source

    from foncier.core.inventory import _stored

    path = tmp_path / "zones.gpkg"
    shutil.copy(foncier.sample_inventory_path(), path)
    monkeypatch.setenv("FONCIER_CACHE_DIR", str(tmp_path / "cache"))
    cold = plot_index_from_source(path)
    cache.wait_for_writes()
    warm = plot_index_from_source(path)
    inv = warm.inventory
    assert not _stored(inv, "plots").decoded
    assert all(_stored(inv, name).decoded for name in ("sites", "constraints", "infrastructure"))
    assert np.array_equal(warm.cx, cold.cx) and list(warm.plot_ids) == list(cold.plot_ids)
    assert len(warm.tree.geometries) == len(inv.plots)
    assert _stored(inv, "plots").decoded
    rings = ring_data_from_geometries(inv.plots.geometry.to_numpy())
    assert np.array_equal(rings.x, warm.rings.x) and np.array_equal(rings.starts, warm.rings.starts)
