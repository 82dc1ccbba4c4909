"""``open_inventory`` with the on-disk cache: warm opens reuse it, changed inventories never."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import LAYER_CHANGES, THREE_PLOT_BRIEF, three_plot_layers

import foncier
from foncier.cli.main import main
from foncier.errors import CacheWarning, GeometryRepairWarning
from foncier.io.cache import cache_info, wait_for_writes

BRIEF = THREE_PLOT_BRIEF


def _entries(cdir):
    """The entries, once the writes this process gave the writer thread are done (as when
    the process ends)."""
    wait_for_writes()
    return sorted(p for p in cdir.glob("*.zip"))


def _age_entries(cdir):
    """Set every entry's time stamp far back: a load refreshes it (that is how a hit shows)."""
    aged = _entries(cdir)
    for p in aged:
        os.utime(p, (1_000_000, 1_000_000))
    return aged


def _hits(aged):
    """Which of the aged entries were read since (their kind: ``geometry``, ``layers``)."""
    return sorted(p.name.split("-")[0] for p in aged
                  if p.exists() and p.stat().st_mtime > 2_000_000)


def _table(path, cdir, **kw):
    inv = foncier.open_inventory(path, cache_dir=cdir, **kw)
    return foncier.match(inv, BRIEF).table


def _fresh(path):
    return foncier.match(foncier.open_inventory(path, cache=False), BRIEF).table


def test_second_open_takes_layers_and_geometry_from_the_cache(tmp_path):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    first = _table(path, cdir)
    # layers, geometry, and the excluded area of the brief's selection of constraints
    assert [p.name.split("-")[0] for p in _entries(cdir)] == ["derived", "geometry", "layers"]
    aged = _age_entries(cdir)
    inv = foncier.open_inventory(path, cache_dir=cdir)
    assert _hits(aged) == ["layers"]           # geometry only on first use
    warm = foncier.match(inv, BRIEF).table
    assert _hits(aged) == ["derived", "geometry", "layers"]
    # The union came from the cache: the pieces were never made into geometries.
    assert inv.geometry.pair_geometry._blob is None
    pd.testing.assert_frame_equal(warm, first)
    pd.testing.assert_frame_equal(warm, _fresh(path))
    assert str(inv.source) == str(path) and inv.location == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "inv.gpkg"]


@pytest.mark.parametrize("change", list(LAYER_CHANGES.values()), ids=list(LAYER_CHANGES))
def test_changed_inventory_is_never_stale(tmp_path, change):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    first = _table(path, cdir)
    foncier.write_inventory(three_plot_layers(**change), path)
    aged = _age_entries(cdir)
    table = _table(path, cdir)
    assert _hits(aged) == []                           # nothing of the old entries was read
    pd.testing.assert_frame_equal(table, _fresh(path))
    assert not table.equals(first)
    assert len(_entries(cdir)) == 6


def test_replaced_by_a_file_of_the_same_size_and_time_stamp_is_not_stale(tmp_path):
    path, other, cdir = tmp_path / "inv.gpkg", tmp_path / "other.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    foncier.write_inventory(three_plot_layers(moved=150.0), other)
    assert path.stat().st_size == other.stat().st_size
    st = path.stat()
    first = _table(path, cdir)
    os.replace(other, path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns
    table = _table(path, cdir)
    pd.testing.assert_frame_equal(table, _fresh(path))
    assert not table.equals(first)


def test_warm_open_emits_the_same_warnings_and_notes(tmp_path):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(bowtie=True), path)
    with pytest.warns(GeometryRepairWarning, match=r"plots\[P1\].*géométrie invalide"):
        cold = foncier.open_inventory(path, cache_dir=cdir)
    aged = _age_entries(cdir)
    with pytest.warns(GeometryRepairWarning, match=r"plots\[P1\].*géométrie invalide"):
        warm = foncier.open_inventory(path, cache_dir=cdir)
    assert _hits(aged) == ["layers"]
    assert warm.notes == cold.notes and any(p.severity == "warning" for p in warm.notes)
    pd.testing.assert_frame_equal(warm.plots, cold.plots)
    assert shapely.is_valid(warm.plots.geometry.to_numpy()).all()


def _damage(path, how):
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    else:
        mid = len(data) // 3
        data[mid:mid + 8] = bytes(b ^ 0xFF for b in data[mid:mid + 8])
        path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "corrupt"])
@pytest.mark.parametrize("kind", ["layers", "geometry", "derived"])
def test_damaged_entry_is_ignored_and_rebuilt_with_a_note(tmp_path, kind, how):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    first = _table(path, cdir)
    (entry,) = [p for p in _entries(cdir) if p.name.startswith(kind)]
    _damage(entry, how)
    with pytest.warns(CacheWarning, match="entrée illisible .* elle est supprimée et le calcul "
                                          "est refait"):
        table = _table(path, cdir)
    pd.testing.assert_frame_equal(table, first)
    assert len(_entries(cdir)) == 3                      # rebuilt
    aged = _age_entries(cdir)
    pd.testing.assert_frame_equal(_table(path, cdir), first)
    assert _hits(aged) == ["derived", "geometry", "layers"]


CHILD = textwrap.dedent("""
    import sys
    import foncier
    brief = foncier.Brief(name="Essai", min_area_ha=1.0, excluded_constraints=["wetland"],
                          forbidden_constraints=["flood:interdiction"])
    for _ in range(5):
        inv = foncier.open_inventory(sys.argv[1], cache_dir=sys.argv[2])
        foncier.match(inv, brief).table
        foncier.io.cache.clear_cache(cache_dir=sys.argv[2]) if sys.argv[3] == "0" else None
    print("ok")
""")


def test_two_processes_filling_the_same_cache_leave_a_valid_cache(tmp_path):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    script = tmp_path / "child.py"
    script.write_text("import foncier.io.cache\n" + CHILD, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(cdir), str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in (1, 2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(_entries(cdir)) == 3 and not list(cdir.glob(".tmp-*"))
    aged = _age_entries(cdir)
    pd.testing.assert_frame_equal(_table(path, cdir), _fresh(path))
    assert _hits(aged) == ["derived", "geometry", "layers"]


def test_cache_false_and_foncier_no_cache_write_nothing(tmp_path, monkeypatch):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    _table(path, cdir, cache=False)
    assert not cdir.exists()
    monkeypatch.setenv("FONCIER_NO_CACHE", "1")
    _table(path, cdir)
    assert not cdir.exists()
    _table(path, cdir, cache=True)                     # an explicit cache=True wins
    assert len(_entries(cdir)) == 3


def test_foncier_cache_dir_moves_the_cache(tmp_path, monkeypatch):
    path = tmp_path / "inv.gpkg"
    foncier.write_inventory(three_plot_layers(), path)
    monkeypatch.setenv("FONCIER_CACHE_DIR", str(tmp_path / "ici"))
    assert len(foncier.match(foncier.open_inventory(path), BRIEF).table) == 3
    assert len(_entries(tmp_path / "ici")) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ici", "inv.gpkg"]


def test_the_plots_rank_in_id_order_comes_with_the_geometry_and_follows_the_ids(tmp_path):
    """The tie-breaker's rank is stored with the geometry: a warm process reads it; ids
    changed in the file give another entry and the new ids' rank."""
    from foncier.core.geometry import plot_id_rank

    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    layers = three_plot_layers()
    foncier.write_inventory(layers, path)
    _table(path, cdir)
    aged = _age_entries(cdir)
    warm = foncier.open_inventory(path, cache_dir=cdir)
    assert warm.geometry.id_rank.tolist() == [0, 1, 2]
    assert _hits(aged) == ["geometry", "layers"]
    layers["plots"]["plot_id"] = ["Z9", "A1", "M5"]
    foncier.write_inventory(layers, path)
    changed = foncier.open_inventory(path, cache_dir=cdir)
    assert changed.geometry.id_rank.tolist() == [2, 0, 1]
    assert changed.geometry.id_rank.tolist() == plot_id_rank(changed.plots["plot_id"]).tolist()
    table = foncier.match(changed, BRIEF).table
    pd.testing.assert_frame_equal(table, _fresh(path))


def test_replacing_a_layer_detaches_the_inventory_from_the_cache(tmp_path):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    _table(path, cdir)
    inv = foncier.open_inventory(path, cache_dir=cdir)
    inv.plots = foncier.open_inventory(tmp_path / "inv.gpkg", cache=False).plots.iloc[:2]
    assert inv.geometry.n_plots == 2


def test_in_memory_inventory_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("FONCIER_CACHE_DIR", str(tmp_path / "ici"))
    inv = foncier.inventory_from_layers(three_plot_layers())
    assert inv.geometry.n_plots == 3
    assert not (tmp_path / "ici").exists()


def test_cli_no_cache_and_cache_command(tmp_path, monkeypatch, capsys):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    brief = tmp_path / "b.toml"
    brief.write_text('name = "Essai"\n[land]\nmin_area_ha = 1.0\n', encoding="utf-8")
    monkeypatch.setenv("FONCIER_CACHE_DIR", str(cdir))
    assert main(["match", "--project", str(brief), "--inventory", str(path), "--no-cache"]) == 0
    assert not cdir.exists() and "FONCIER_NO_CACHE" not in os.environ
    assert main(["match", "--project", str(brief), "--inventory", str(path)]) == 0
    assert len(_entries(cdir)) == 2
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"Cache : {cdir}" in out and "2 entrées" in out and "plafond : 2\u00a0Go" in out
    assert cache_info().entries == 2
    assert main(["cache", "clear"]) == 0
    assert "Cache vidé :" in capsys.readouterr().out
    assert cache_info().entries == 0


def test_cached_arrays_are_kept_under_the_inventory_content(tmp_path):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3.0)}

    first = foncier.open_inventory(path, cache_dir=cdir).cached_arrays("essai", compute)
    again = foncier.open_inventory(path, cache_dir=cdir).cached_arrays("essai", compute)
    assert len(calls) == 1 and np.array_equal(first["x"], again["x"])
    refused = foncier.open_inventory(path, cache_dir=cdir).cached_arrays(
        "essai", compute, valid=lambda a: len(a["x"]) == 4)
    assert len(calls) == 2 and len(refused["x"]) == 3
    foncier.write_inventory(three_plot_layers(moved=150.0), path)     # another content
    foncier.open_inventory(path, cache_dir=cdir).cached_arrays("essai", compute)
    assert len(calls) == 3
    foncier.open_inventory(path, cache=False).cached_arrays("essai", compute)
    foncier.inventory_from_layers(three_plot_layers()).cached_arrays("essai", compute)
    assert len(calls) == 5


def _damage_member(entry, member):
    """Flip 8 bytes in the middle of one member's stored data, inside the entry's ZIP."""
    import struct
    import zipfile

    with zipfile.ZipFile(entry) as zf:
        info = zf.getinfo(member)
    data = bytearray(entry.read_bytes())
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                      info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    mid = start + info.compress_size // 2
    data[mid:mid + 8] = bytes(b ^ 0xFF for b in data[mid:mid + 8])
    entry.write_bytes(bytes(data))


def test_pieces_are_read_from_the_entry_only_when_a_union_needs_them(tmp_path):
    """A warm open reads the pieces' WKB only for a union not in the cache; the entry's file
    is held open, so that its removal (another process clearing the cache) loses nothing."""
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    _table(path, cdir)
    inv = foncier.open_inventory(path, cache_dir=cdir)
    pieces = inv.geometry.pair_geometry
    assert not isinstance(pieces, np.ndarray) and pieces._blob is None     # not read yet
    for entry in _entries(cdir):
        entry.unlink()
    other = foncier.Brief(name="Autre", min_area_ha=1.0, excluded_constraints=["flood"])
    table = foncier.match(inv, other).table
    pd.testing.assert_frame_equal(table, foncier.match(foncier.open_inventory(
        path, cache=False), other).table)
    # Read then, kept as WKB; once the geometry is stored again (the brief measured a group),
    # its bytes are let go to the new entry.
    from foncier.io.cache import WkbArray

    assert isinstance(inv.geometry.pair_geometry, WkbArray)


def test_pieces_found_damaged_when_a_union_needs_them_are_computed_again_with_a_note(tmp_path):
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    _table(path, cdir)
    (entry,) = [p for p in _entries(cdir) if p.name.startswith("geometry")]
    _damage_member(entry, "pair_geometry.wkb.npy")
    inv = foncier.open_inventory(path, cache_dir=cdir)
    assert inv.geometry.n_plots == 3                        # the entry opens: pieces not read
    other = foncier.Brief(name="Autre", min_area_ha=1.0, excluded_constraints=["flood"])
    with pytest.warns(CacheWarning, match="entrée illisible .*pair_geometry.* elle est "
                                          "supprimée et le calcul est refait"):
        table = foncier.match(inv, other).table
    pd.testing.assert_frame_equal(table, foncier.match(foncier.open_inventory(
        path, cache=False), other).table)
    # The entry was computed again and stored: a third process reads whole pieces.
    assert [p.name.split("-")[0] for p in _entries(cdir)].count("geometry") == 1
    again = foncier.open_inventory(path, cache_dir=cdir)
    pd.testing.assert_frame_equal(foncier.match(again, other).table, table)


def test_a_warm_match_never_decodes_the_layers_geometries(tmp_path):
    """From the cache, the layers' geometries stay WKB while nothing needs them: a match, its
    CSV and the head of its ranking (which decodes its own rows only) give what a fresh open
    gives; the first access to ``plots`` decodes the layer as it was stored."""
    from foncier.core.inventory import _stored

    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(foncier.open_inventory(cache=False), path)
    brief = foncier.read_brief(foncier.sample_brief_paths()[0])
    cold_inv = foncier.open_inventory(path, cache_dir=cdir)
    cold = foncier.match(cold_inv, brief)
    foncier.write_results(cold, tmp_path / "cold.csv")
    wait_for_writes()
    warm_inv = foncier.open_inventory(path, cache_dir=cdir)
    warm = foncier.match(warm_inv, brief)
    foncier.write_results(warm, tmp_path / "warm.csv")
    head = warm.head(5)
    assert not any(_stored(warm_inv, name).decoded for name in ("plots", "constraints"))
    assert (tmp_path / "warm.csv").read_bytes() == (tmp_path / "cold.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.DataFrame(head.drop(columns="geometry")),
                                  pd.DataFrame(cold.head(5).drop(columns="geometry")))
    assert shapely.equals_exact(head.geometry.to_numpy(), cold.head(5).geometry.to_numpy(),
                                tolerance=0).all()
    assert head.crs == cold_inv.plots.crs
    pd.testing.assert_frame_equal(warm_inv.plots, cold_inv.plots)
    assert _stored(warm_inv, "plots").decoded
    assert warm_inv.attributes("plots") is warm_inv.plots is warm_inv.plots


def test_a_copy_of_a_cached_file_is_hashed_and_its_layers_come_from_the_cache(tmp_path):
    """A file the memo does not know is hashed while its layers are read on a thread; when
    the cache holds its layers after all (a copy of a cached file), they are taken from the
    cache and the read is dropped."""
    import shutil

    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    first = _table(path, cdir)
    aged = _age_entries(cdir)
    copy = tmp_path / "copie.gpkg"
    shutil.copyfile(path, copy)
    pd.testing.assert_frame_equal(_table(copy, cdir), first)
    assert _hits(aged) == ["derived", "geometry", "layers"]


def test_a_file_that_is_no_geopackage_is_refused_as_without_the_cache(tmp_path):
    bad = tmp_path / "pas_un.gpkg"
    bad.write_bytes(b"ceci n'est pas un GeoPackage" * 100)
    with pytest.raises(foncier.errors.FoncierError) as without:
        foncier.open_inventory(bad, cache=False)
    with pytest.raises(type(without.value), match=re.escape(str(without.value))):
        foncier.open_inventory(bad, cache_dir=tmp_path / "cache")


def test_a_brief_measures_its_groups_in_one_pass_and_skips_a_known_union(tmp_path):
    """A match measures the groups its brief names in one pass (one store of the grown
    geometry); the excluded constraints' overlaps are not measured when their union is in the
    cache already (here the geometry entry was lost, the excluded area kept)."""
    path, cdir = tmp_path / "inv.gpkg", tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    inv = foncier.open_inventory(path, cache_dir=cdir)
    geo = inv.geometry
    grown = []
    store = geo._on_grow
    geo._on_grow = lambda g: grown.append(g) or store(g)
    first = foncier.match(inv, BRIEF).table
    assert len(grown) == 1
    named = list(geo.groups_for(["flood:interdiction", "wetland"]))
    assert geo.overlaps_done is None or geo.overlaps_done[named].all()
    for entry in _entries(cdir):
        if entry.name.startswith("geometry"):
            entry.unlink()
    again = foncier.open_inventory(path, cache_dir=cdir)
    table = foncier.match(again, BRIEF).table
    pd.testing.assert_frame_equal(table, first)
    done = again.geometry.overlaps_done
    (wetland,) = again.geometry.groups_for(["wetland"])
    assert done is not None and not done[wetland]
    assert done[list(again.geometry.groups_for(["flood:interdiction"]))].all()
