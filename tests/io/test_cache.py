"""The on-disk cache of plot geometry and layers: real files, real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import LAYER_CHANGES, THREE_PLOT_BRIEF, make_layers, three_plot_layers

import foncier
from foncier.core.geometry import PlotGeometry, compute_plot_geometry
from foncier.errors import CacheWarning
from foncier.io import cache
from foncier.io.cache import (
    FORMAT_VERSION,
    WkbArray,
    cache_info,
    clear_cache,
    geometry_arrays,
    load_geometry,
    load_layers,
    resolve_cache_dir,
    store_geometry,
    store_layers,
)
from foncier.io.fingerprint import fingerprint_file

BRIEF = THREE_PLOT_BRIEF


@pytest.fixture
def inventory():
    """The three plots, their geometry measured against every constraint group (an inventory
    measures a group's overlaps when a brief first names it)."""
    inv = foncier.inventory_from_layers(three_plot_layers())
    inv.geometry.all_overlaps()
    return inv


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------

def _assert_same_geometry(back: dict, geo: PlotGeometry) -> None:
    ref = geometry_arrays(geo)
    assert set(back) == set(ref)
    for name, value in ref.items():
        got = back[name]
        if name == "pair_geometry":
            value = geo.pieces()                # kept as WKB: decoded to compare
            assert got.dtype == object and len(got) == len(value)
            assert shapely.equals_exact(got, value, tolerance=0).all()
        elif name == "groups":
            assert got == value and all(isinstance(g, tuple) for g in got)
        elif isinstance(value, dict):
            assert got.keys() == value.keys()
            for k in value:
                assert got[k].dtype == value[k].dtype
                np.testing.assert_array_equal(got[k], value[k])
        elif value is None:
            assert got is None
        else:
            assert got.dtype == value.dtype and got.shape == value.shape
            np.testing.assert_array_equal(got, value)


def test_geometry_round_trip_of_every_field(tmp_path, inventory):
    geo = inventory.geometry
    assert geo.housing_m is not None and len(geo.pair_plot) and geo.distance_m
    path = store_geometry("k1", geometry_arrays(geo), cache_dir=tmp_path)
    assert path.parent == tmp_path and f"-v{FORMAT_VERSION}-" in path.name
    back = load_geometry("k1", cache_dir=tmp_path)
    _assert_same_geometry(back, geo)
    # The rebuilt PlotGeometry gives the same results as the computed one.
    fresh = foncier.match(inventory, BRIEF).table
    again = foncier.inventory_from_layers(three_plot_layers())
    again._geometry = PlotGeometry(**back)
    pd.testing.assert_frame_equal(foncier.match(again, BRIEF).table, fresh)


def test_lazy_pieces_stay_wkb_until_a_union_needs_them(tmp_path, inventory):
    geo = inventory.geometry
    store_geometry("k1", geometry_arrays(geo), cache_dir=tmp_path)
    back = load_geometry("k1", cache_dir=tmp_path, lazy=("pair_geometry",))
    assert isinstance(back["pair_geometry"], WkbArray)
    assert len(back["pair_geometry"]) == len(geo.pair_geometry)
    again = foncier.inventory_from_layers(three_plot_layers())
    again._geometry = PlotGeometry(**back)
    table = foncier.match(again, BRIEF).table    # excluded wetland: one piece, no union
    pieces = again.geometry.pair_geometry
    assert isinstance(pieces, WkbArray) and pieces._blob is None
    pd.testing.assert_frame_equal(table, foncier.match(inventory, BRIEF).table)
    flood = foncier.Brief(name="Inondation", min_area_ha=1.0, excluded_constraints=["flood"])
    table = foncier.match(again, flood).table    # plot 1's two flood pieces: a union
    assert isinstance(pieces, WkbArray) and pieces._blob is not None    # read, still WKB
    pd.testing.assert_frame_equal(table, foncier.match(inventory, flood).table)
    assert shapely.equals_exact(again.geometry.pieces(), geo.pieces(), tolerance=0).all()
    _assert_same_geometry({**back, "pair_geometry": again.geometry.pieces()}, geo)


def test_pieces_spilled_to_their_entry_are_read_again_from_it(tmp_path, inventory):
    """Pieces held in memory let go once stored: read again from the entry, the same
    geometries; an entry gone meanwhile raises StaleEntry (and is not silently wrong); an
    entry without the member keeps the bytes."""
    from foncier.io.cache import StaleEntry

    pieces = inventory.geometry._readable_pieces(wkb=True)
    reference = pieces.materialize()
    arrays = {**geometry_arrays(inventory.geometry), "pair_geometry": pieces}
    written = []
    path = store_geometry("k1", arrays, cache_dir=tmp_path, written=written.append)
    assert written == [path]
    assert not pieces.spill(path, "absent.wkb.npy") and pieces._blob is not None
    assert pieces.spill(path, "pair_geometry.wkb.npy") and pieces._blob is None
    assert shapely.equals_exact(pieces.materialize(), reference, tolerance=0).all()
    assert not pieces.spill(tmp_path / "nowhere.zip", "pair_geometry.wkb.npy")

    again = WkbArray.from_geometries(reference)
    store_geometry("k2", {**arrays, "pair_geometry": again}, cache_dir=tmp_path,
                   written=lambda p: again.spill(p, "pair_geometry.wkb.npy"))
    assert again._blob is None
    entry = next(tmp_path.glob("geometry-*.zip"))
    entry.unlink()                    # the spill opened the file: its bytes are still read
    assert shapely.equals_exact(again.materialize(), reference, tolerance=0).all()

    damaged = WkbArray.from_geometries(reference)
    path = store_geometry("k3", {**arrays, "pair_geometry": damaged}, cache_dir=tmp_path)
    assert damaged.spill(path, "pair_geometry.wkb.npy")
    raw = bytearray(path.read_bytes())
    at = raw.find(bytes(WkbArray.from_geometries(reference).blob()[:16]))
    raw[at + 8] ^= 0xFF
    with open(path, "r+b") as f:      # in place: the spilled handle sees the damage
        f.write(raw)
    with pytest.warns(CacheWarning), pytest.raises(StaleEntry):
        damaged.blob()


def test_a_cold_inventory_lets_its_stored_pieces_go_and_unites_them_again(tmp_path):
    """A cached inventory's pieces, once their entry is written, are read from it for a later
    union: the same verdicts as an inventory without cache."""
    from foncier.io.cache import wait_for_writes

    path = tmp_path / "inv.gpkg"
    foncier.write_inventory(three_plot_layers(), path)
    cached = foncier.open_inventory(path, cache_dir=tmp_path / "cache")
    plain = foncier.open_inventory(path, cache=False)
    wetland = foncier.match(cached, BRIEF).table
    wait_for_writes()
    pieces = cached.geometry.pair_geometry
    assert isinstance(pieces, WkbArray) and pieces._blob is None      # let go, on disk
    flood = foncier.Brief(name="Inondation", min_area_ha=1.0, excluded_constraints=["flood"])
    pd.testing.assert_frame_equal(foncier.match(cached, flood).table,
                                  foncier.match(plain, flood).table)
    pd.testing.assert_frame_equal(wetland, foncier.match(plain, BRIEF).table)


def test_geometry_round_trip_without_housing_nor_pairs(tmp_path):
    layers = make_layers([{"plot_id": "P1", "geometry": shapely.box(0, 0, 100, 100)}])
    inv = foncier.inventory_from_layers(layers)
    geo = compute_plot_geometry(inv.plots, inv.constraints, inv.infrastructure)
    assert geo.housing_m is None and len(geo.pair_plot) == 0 and geo.groups == []
    store_geometry("k", geometry_arrays(geo), cache_dir=tmp_path)
    _assert_same_geometry(load_geometry("k", cache_dir=tmp_path), geo)


def test_missing_geometries_and_multidimensional_arrays(tmp_path):
    arrays = {"g": np.array([shapely.Point(1, 2), None, shapely.box(0, 0, 1, 1)], dtype=object),
              "m": np.arange(12, dtype=np.int32).reshape(3, 4), "b": np.array([True, False])}
    store_geometry("k", arrays, cache_dir=tmp_path)
    back = load_geometry("k", cache_dir=tmp_path)
    assert back["g"][1] is None and back["g"][0].equals(shapely.Point(1, 2))
    assert back["m"].dtype == np.int32 and back["m"].shape == (3, 4)
    np.testing.assert_array_equal(back["b"], arrays["b"])


def test_members_are_streamed_as_the_npy_files_numpy_writes(tmp_path, monkeypatch):
    """Arrays go into the entry from their own memory and geometries as WKB a chunk at a
    time (chunks of 2 here): every member is the ``.npy`` file ``numpy.save`` writes (in C
    order), and the geometries come back, None included, across the chunks."""
    import io
    import zipfile

    monkeypatch.setattr(cache, "_WKB_CHUNK", 2)
    geoms = np.array([shapely.Point(1, 2), None, shapely.box(0, 0, 1, 1), None,
                      shapely.LineString([(0, 0), (3, 4)])], dtype=object)
    arrays = {"g": geoms, "f": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
              "z": np.float64(3.5) * np.ones(()), "e": np.zeros((0, 3), dtype=np.int16),
              "b": np.array([True, False, True]), "d": np.array(["2026-01-01"],
                                                                  dtype="datetime64[D]")}
    path = store_geometry("k", arrays, cache_dir=tmp_path)
    with zipfile.ZipFile(path) as zf:
        for name in ("f", "z", "e", "b", "d"):
            want = io.BytesIO()
            np.save(want, np.asarray(arrays[name], order="C"), allow_pickle=False)
            assert zf.read(f"{name}.npy") == want.getvalue(), name
        wkb = np.load(io.BytesIO(zf.read("g.wkb.npy")))
    whole = b"".join(w for w in shapely.to_wkb(geoms, flavor="iso") if w is not None)
    assert wkb.tobytes() == whole
    back = load_geometry("k", cache_dir=tmp_path)
    assert [g is None for g in back["g"]] == [False, True, False, True, False]
    assert all(a.equals(b) for a, b in zip(back["g"][[0, 2, 4]], geoms[[0, 2, 4]],
                                           strict=True))
    np.testing.assert_array_equal(back["f"], arrays["f"])
    assert back["z"].shape == () and back["e"].shape == (0, 3) and back["d"].dtype == "<M8[D]"


def test_object_arrays_other_than_geometries_are_refused(tmp_path):
    with pytest.raises(TypeError, match="only arrays of shapely geometries"):
        store_geometry("k", {"x": np.array(["a", "b"], dtype=object)}, cache_dir=tmp_path)
    assert cache_info(cache_dir=tmp_path).entries == 0


def test_layers_round_trip(tmp_path, inventory):
    layers = dict(inventory.layers(), communes=None)
    store_layers("k", layers, cache_dir=tmp_path)
    back = load_layers("k", cache_dir=tmp_path)
    assert back.keys() == layers.keys() and back["communes"] is None
    for name, frame in inventory.layers().items():
        pd.testing.assert_frame_equal(back[name], frame)
        assert back[name].crs == frame.crs
        assert back[name].geometry.name == frame.geometry.name
    assert back["plots"]["site_id"].dtype == object


def test_layers_round_trip_keeps_nan_in_object_columns(tmp_path):
    frame = pd.DataFrame({"a": pd.Series(["x", np.nan], dtype=object)})
    store_layers("k", {"t": frame}, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(load_layers("k", cache_dir=tmp_path)["t"], frame)


def test_layers_text_of_few_words_is_stored_as_codes_and_read_back_the_same(tmp_path):
    """Columns of few distinct words are stored as codes with their words in the manifest;
    the rest as Arrow text. Read back, each is the same object column (missing values as
    they were: None or NaN), the rows of one word sharing its ``str``."""
    import json
    import zipfile

    n = 5000
    rng = np.random.default_rng(0)
    stages = np.array(["en vente", "vendu", "réservé « option »", "=1+1", ""], dtype=object)
    few = stages[rng.integers(0, len(stages), n)]
    few_nan = few.copy()
    few_nan[::7] = np.nan
    few_none = few.copy()
    few_none[::5] = None
    many = np.array([f"P{i:05d}" for i in range(n)], dtype=object)
    many[3] = None
    many_nan = many.copy()
    many_nan[3] = np.nan
    numbers = pd.Series([1, 2, 3, 4] * (n // 4), dtype=object)     # objects, not text
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in [
        ("few", few), ("few_nan", few_nan), ("few_none", few_none), ("many", many),
        ("many_nan", many_nan), ("numbers", numbers), ("empty", [None] * n)]})
    frame.insert(0, "n", np.arange(n))
    path = store_layers("k", {"t": frame}, cache_dir=tmp_path)
    with zipfile.ZipFile(path) as zf:
        spec = json.loads(zf.read("manifest.json"))["fields"]["t"]
    assert set(spec["coded"]) == {"few", "few_nan", "few_none", "empty"}
    assert sorted(spec["coded"]["few"]) == sorted(stages)
    back = load_layers("k", cache_dir=tmp_path)["t"]
    pd.testing.assert_frame_equal(back, frame)
    assert list(back.columns) == list(frame.columns)
    assert back["few_nan"].isna().sum() == len(range(0, n, 7))
    assert all(isinstance(v, float) for v in back["few_nan"][::7])
    assert all(v is None for v in back["few_none"][::5])
    assert back["many"][3] is None and isinstance(back["many_nan"][3], float)
    firsts = {}
    assert all(firsts.setdefault(v, v) is v for v in back["few"])     # one str per word


@pytest.mark.parametrize("rows", [0, 1, 3, 70_000])
def test_layers_arrow_schema_is_the_one_pandas_gives(rows):
    """The schema a layer's columns are written with is :meth:`pyarrow.Schema.from_pandas`'s,
    metadata included, though text columns are not converted whole to find it; over
    ``_FEATHER_ROWS`` rows the member is written in several batches."""
    import pyarrow as pa

    rng = np.random.default_rng(1)
    text = np.array([f"t{i}" for i in range(rows)], dtype=object)
    late = text.copy()
    late[: rows // 2 + 1] = None                       # text only after missing values
    frame = pd.DataFrame({
        "text": pd.Series(text, dtype=object),
        "late": pd.Series(late, dtype=object),
        "nan_text": pd.Series(np.where(rng.random(rows) < 0.5, "a", None), dtype=object)
        .fillna(np.nan),
        "empty": pd.Series([None] * rows, dtype=object),
        "numbers": pd.Series(list(range(rows)), dtype=object),       # objects, not text
        "n": np.arange(rows, dtype=np.int32),
        "x": rng.random(rows),
        "flag": pd.array([True, None, False] * (rows // 3) + [True] * (rows % 3),
                         dtype="boolean"),
        "day": pd.Series(np.datetime64("2026-01-01", "s") + np.arange(rows), dtype="M8[s]"),
    })
    frame.columns.name = "colonnes"
    columns = [c for c in frame.columns if c != "x"]
    codes = np.arange(rows, dtype=np.int32)
    got = cache._arrow_schema(frame, columns, {"n": codes})
    want = pa.Schema.from_pandas(frame[columns].assign(n=codes), preserve_index=False)
    assert got.equals(want, check_metadata=True)
    if rows:
        assert got.field("text").type == pa.string() and got.field("empty").type == pa.null()
    write = cache._feather_writer(frame, columns=columns, replaced={"n": codes})
    sink = pa.BufferOutputStream()
    write(sink)
    table = pa.ipc.open_file(sink.getvalue()).read_all()
    assert table.schema.equals(want, check_metadata=True)
    assert table.column("n").to_pylist() == codes.tolist()
    assert table.column("late").to_pylist() == [None if v is None else v for v in late]


def test_layers_codes_out_of_their_words_are_refused(tmp_path, monkeypatch):
    frame = pd.DataFrame({"few": pd.Series(["a", "b", None] * 1000, dtype=object)})
    real = cache._coded_texts
    monkeypatch.setattr(cache, "_coded_texts", lambda f, objects: {
        col: (codes + 1, words) for col, (codes, words) in real(f, objects).items()})
    store_layers("k", {"t": frame}, cache_dir=tmp_path)
    with pytest.warns(CacheWarning, match="entrée illisible .*code hors de ses 2 mots"):
        assert load_layers("k", cache_dir=tmp_path) is None


# ---------------------------------------------------------------------------------------------
# A changed inventory never gets an older one's entry
# ---------------------------------------------------------------------------------------------

def _cached_match(path, cache_dir):
    """What a process does with the cache: fingerprint, load or compute and store, match."""
    key = fingerprint_file(path, cache_dir=cache_dir)
    inv = foncier.open_inventory(path)
    arrays = load_geometry(key, cache_dir=cache_dir)
    if arrays is None:
        store_geometry(key, geometry_arrays(inv.geometry.all_overlaps()), cache_dir=cache_dir)
    else:
        inv._geometry = PlotGeometry(**arrays)
    return foncier.match(inv, BRIEF).table, arrays is not None


def _fresh_match(path):
    return foncier.match(foncier.open_inventory(path), BRIEF).table


@pytest.mark.parametrize("change", list(LAYER_CHANGES.values()), ids=list(LAYER_CHANGES))
def test_changed_inventory_is_never_stale(tmp_path, change):
    path = tmp_path / "inv.gpkg"
    cdir = tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    first, hit = _cached_match(path, cdir)
    assert not hit
    assert _cached_match(path, cdir)[1]              # unchanged: served from the cache
    foncier.write_inventory(three_plot_layers(**change), path)
    table, hit = _cached_match(path, cdir)
    assert not hit
    pd.testing.assert_frame_equal(table, _fresh_match(path))
    assert not table.equals(first)
    assert cache_info(cache_dir=cdir).entries == 2


def test_same_size_same_time_stamp_replacement_is_not_stale(tmp_path):
    path, other = tmp_path / "inv.gpkg", tmp_path / "other.gpkg"
    cdir = tmp_path / "cache"
    foncier.write_inventory(three_plot_layers(), path)
    foncier.write_inventory(three_plot_layers(moved=150.0), other)
    assert path.stat().st_size == other.stat().st_size
    st = path.stat()
    _cached_match(path, cdir)
    os.replace(other, path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    table, hit = _cached_match(path, cdir)
    assert not hit
    pd.testing.assert_frame_equal(table, _fresh_match(path))


# ---------------------------------------------------------------------------------------------
# Corrupt entries, concurrent writers
# ---------------------------------------------------------------------------------------------

def _damage(path, how):
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "corrupt":
        mid = len(data) // 3
        data[mid:mid + 8] = bytes(b ^ 0xFF for b in data[mid:mid + 8])
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "corrupt", "empty"])
def test_damaged_geometry_entry_is_ignored_removed_and_rebuilt(tmp_path, inventory, how):
    arrays = geometry_arrays(inventory.geometry)
    path = store_geometry("k", arrays, cache_dir=tmp_path)
    _damage(path, how)
    with pytest.warns(CacheWarning, match="entrée illisible .* elle est supprimée"):
        assert load_geometry("k", cache_dir=tmp_path) is None
    assert not path.exists()
    assert load_geometry("k", cache_dir=tmp_path) is None     # now simply absent: no warning
    store_geometry("k", arrays, cache_dir=tmp_path)
    _assert_same_geometry(load_geometry("k", cache_dir=tmp_path), inventory.geometry)


def _member_data_span(pristine: bytes, info) -> tuple[int, int]:
    """Where a stored member's data starts and ends in the entry's bytes."""
    import struct

    name_len, extra_len = struct.unpack("<HH", pristine[info.header_offset + 26:
                                                        info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return start, start + info.compress_size


def test_a_flipped_last_byte_of_any_array_member_is_caught(tmp_path, inventory):
    """Members are read straight into their arrays: the CRC-32 is still checked, to the
    member's last byte."""
    import zipfile

    arrays = geometry_arrays(inventory.geometry)
    path = store_geometry("k", arrays, cache_dir=tmp_path)
    pristine = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if i.filename.endswith(".npy") and i.file_size]
    assert len(infos) >= 10
    for info in infos:
        last = _member_data_span(pristine, info)[1] - 1
        data = bytearray(pristine)
        data[last] ^= 0x01
        path.write_bytes(bytes(data))
        with pytest.warns(CacheWarning, match="entrée illisible .*(CRC|Bad)"):
            assert load_geometry("k", cache_dir=tmp_path) is None, info.filename


def test_a_flipped_first_or_last_byte_of_a_layer_member_is_caught(tmp_path, inventory):
    """Stored members are read by the system straight into their arrays: the CRC-32 covers
    an ``.npy`` member's header as well as its data, and the layers' Arrow members."""
    import zipfile

    path = store_layers("k", inventory.layers(), cache_dir=tmp_path)
    pristine = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if i.filename.endswith((".arrow", ".wkb.npy"))
                 and i.file_size]
    assert {i.filename.rsplit(".", 1)[1] for i in infos} == {"arrow", "npy"}
    for info in infos:
        start, end = _member_data_span(pristine, info)
        for at in (start, end - 1):
            data = bytearray(pristine)
            data[at] ^= 0x01
            path.write_bytes(bytes(data))
            with pytest.warns(CacheWarning, match="entrée illisible .*(CRC|Bad|magic)"):
                assert load_layers("k", cache_dir=tmp_path) is None, (info.filename, at)


def test_a_member_whose_local_header_names_another_is_refused(tmp_path, inventory):
    import zipfile

    path = store_geometry("k", geometry_arrays(inventory.geometry), cache_dir=tmp_path)
    pristine = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename == "area_m2.npy")
    name_at = info.header_offset + 30
    data = bytearray(pristine)
    data[name_at] = ord("b")                          # "area_m2.npy" -> "brea_m2.npy"
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="entrée illisible .*header differ"):
        assert load_geometry("k", cache_dir=tmp_path) is None


def test_members_read_from_the_file_equal_those_read_through_zipfile(tmp_path, inventory):
    """A stored member is read from the entry's file by the system; an entry held in memory
    (no file descriptor) is read through :mod:`zipfile`: both give the same arrays."""
    import io
    import zipfile

    from foncier.io.cache import _read_member, _read_npy

    path = store_layers("k", inventory.layers(), cache_dir=tmp_path)
    with zipfile.ZipFile(path) as on_disk, zipfile.ZipFile(io.BytesIO(path.read_bytes())) as held:
        names = on_disk.namelist()
        assert any(n.endswith(".npy") for n in names)
        for name in names:
            if name.endswith(".npy"):
                direct, through = _read_npy(on_disk, name), _read_npy(held, name)
                assert direct.dtype == through.dtype and direct.shape == through.shape
                np.testing.assert_array_equal(direct, through)
            else:
                assert bytes(_read_member(on_disk, name)) == _read_member(held, name)


@pytest.mark.parametrize("how", ["truncated", "corrupt"])
def test_damaged_layers_entry_is_ignored_and_removed(tmp_path, inventory, how):
    path = store_layers("k", inventory.layers(), cache_dir=tmp_path)
    _damage(path, how)
    with pytest.warns(CacheWarning, match="entrée illisible"):
        assert load_layers("k", cache_dir=tmp_path) is None
    assert not path.exists()


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])            # tests/, for builders
    from builders import three_plot_layers
    import foncier
    from foncier.io.cache import geometry_arrays, store_geometry, store_layers
    inv = foncier.inventory_from_layers(three_plot_layers())
    arrays = geometry_arrays(inv.geometry.all_overlaps())
    for i in range(15):
        store_geometry("shared", arrays, cache_dir=sys.argv[1])
        store_layers("shared", inv.layers(), cache_dir=sys.argv[1])
        store_geometry(f"own-{sys.argv[3]}-{i % 3}", arrays, cache_dir=sys.argv[1])
""")


def test_two_processes_filling_the_same_cache_leave_a_valid_cache(tmp_path, inventory):
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    cdir = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, str(script), str(cdir), tests_dir, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    _assert_same_geometry(load_geometry("shared", cache_dir=cdir), inventory.geometry)
    for n in range(2):
        for i in range(3):
            assert load_geometry(f"own-{n}-{i}", cache_dir=cdir) is not None
    back = load_layers("shared", cache_dir=cdir)
    pd.testing.assert_frame_equal(back["plots"], inventory.plots)
    assert cache_info(cache_dir=cdir).entries == 8
    assert not list(cdir.glob(".tmp-*"))


# ---------------------------------------------------------------------------------------------
# Writing in the background
# ---------------------------------------------------------------------------------------------

def test_background_store_returns_at_once_and_a_load_waits_for_it(tmp_path, inventory,
                                                                   monkeypatch):
    """The entry is written by the writer thread; a load of it, in the meantime, waits."""
    import threading

    release = threading.Event()
    real = cache._write_entry

    def held(path, manifest, members):
        assert threading.current_thread().name.startswith("foncier-cache")
        release.wait(30)
        real(path, manifest, members)

    monkeypatch.setattr(cache, "_write_entry", held)
    path = store_geometry("k", geometry_arrays(inventory.geometry), cache_dir=tmp_path,
                          background=True)
    assert not path.exists()                       # returned before the entry is written
    threading.Timer(0.2, release.set).start()
    _assert_same_geometry(load_geometry("k", cache_dir=tmp_path), inventory.geometry)
    assert path.exists() and not list(tmp_path.glob(".tmp-*"))


def test_background_layers_keep_the_values_of_the_store(tmp_path, inventory, monkeypatch):
    """A frame changed after a background store: the entry holds the values it was given
    (copy-on-write keeps the writer's shallow copy apart)."""
    import threading

    if not cache._copy_on_write():
        pytest.skip("pandas without copy-on-write: the store is done at once")
    release = threading.Event()
    real = cache._write_entry
    monkeypatch.setattr(cache, "_write_entry",
                        lambda *a: (release.wait(30), real(*a)))
    plots = inventory.plots.copy()
    before = plots.copy()
    store_layers("k", {**inventory.layers(), "plots": plots}, cache_dir=tmp_path,
                 background=True)
    plots.loc[plots.index[0], "price_eur_m2"] = 999.0
    plots["added"] = 1
    release.set()
    back = load_layers("k", cache_dir=tmp_path)
    pd.testing.assert_frame_equal(back["plots"], before)


def test_background_write_failure_is_a_warning_when_waited_for(tmp_path, inventory):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier", encoding="utf-8")
    store_geometry("k", geometry_arrays(inventory.geometry), cache_dir=blocker / "sous",
                   background=True)
    with pytest.warns(CacheWarning, match="écriture impossible dans .*FONCIER_CACHE_DIR"):
        cache.wait_for_writes()


def test_background_encoding_error_is_a_warning_not_a_lost_write(tmp_path):
    store_geometry("k", {"bad": np.array([object()], dtype=object)}, cache_dir=tmp_path,
                   background=True)
    with pytest.warns(CacheWarning, match="l'entrée .* n'a pas pu être écrite .*TypeError"):
        cache.wait_for_writes()
    assert load_geometry("k", cache_dir=tmp_path) is None


def test_process_end_waits_for_background_writes(tmp_path, inventory):
    """A process that exits right after a background store leaves the whole entry."""
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {tests_dir!r})
        import foncier
        from builders import three_plot_layers
        from foncier.io.cache import geometry_arrays, store_geometry, store_layers
        inv = foncier.inventory_from_layers(three_plot_layers())
        store_geometry("g", geometry_arrays(inv.geometry.all_overlaps()),
                       cache_dir=sys.argv[1], background=True)
        store_layers("l", inv.layers(), cache_dir=sys.argv[1], background=True)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    _assert_same_geometry(load_geometry("g", cache_dir=tmp_path), inventory.geometry)
    pd.testing.assert_frame_equal(load_layers("l", cache_dir=tmp_path)["plots"],
                                  inventory.plots)


# ---------------------------------------------------------------------------------------------
# Where, enabled, size cap, clearing
# ---------------------------------------------------------------------------------------------

def test_foncier_cache_dir_is_respected(tmp_path, monkeypatch, inventory):
    monkeypatch.setenv("FONCIER_CACHE_DIR", str(tmp_path / "ici"))
    assert resolve_cache_dir() == tmp_path / "ici"
    path = store_geometry("k", geometry_arrays(inventory.geometry))
    assert path.parent == tmp_path / "ici"
    assert load_geometry("k") is not None
    assert load_geometry("k", cache_dir=tmp_path / "ailleurs") is None
    info = cache_info()
    assert info.path == tmp_path / "ici" and info.entries == 1 and info.size_bytes > 0


def test_default_folder_is_the_user_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FONCIER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert resolve_cache_dir() == tmp_path / "xdg" / "foncier"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert resolve_cache_dir() == tmp_path / "home" / ".cache" / "foncier"


def test_fingerprint_memo_follows_foncier_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FONCIER_CACHE_DIR", str(tmp_path / "ici"))
    path = tmp_path / "inv.gpkg"
    foncier.write_inventory(three_plot_layers(), path)
    fingerprint_file(path)
    assert list((tmp_path / "ici" / "fingerprints").glob("*.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["ici", "inv.gpkg"]     # nothing written beside the user's file


def test_enabled_false_bypasses_the_cache(tmp_path, inventory):
    arrays = geometry_arrays(inventory.geometry)
    assert store_geometry("k", arrays, cache_dir=tmp_path, enabled=False) is None
    assert store_layers("k", inventory.layers(), cache_dir=tmp_path, enabled=False) is None
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
    store_geometry("k", arrays, cache_dir=tmp_path)
    store_layers("k", inventory.layers(), cache_dir=tmp_path)
    assert load_geometry("k", cache_dir=tmp_path, enabled=False) is None
    assert load_layers("k", cache_dir=tmp_path, enabled=False) is None
    path = tmp_path / "inv.gpkg"
    foncier.write_inventory(three_plot_layers(), path)
    fingerprint_file(path, cache_dir=tmp_path, enabled=False)
    assert not (tmp_path / "fingerprints").exists()


def test_unwritable_folder_warns_and_goes_on(tmp_path, inventory):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier", encoding="utf-8")
    with pytest.warns(CacheWarning, match="écriture impossible dans .*FONCIER_CACHE_DIR"):
        assert store_geometry("k", geometry_arrays(inventory.geometry),
                              cache_dir=blocker / "sous") is None


def test_size_cap_evicts_least_recently_used(tmp_path, inventory):
    arrays = geometry_arrays(inventory.geometry)
    paths = [store_geometry(f"k{i}", arrays, cache_dir=tmp_path) for i in range(3)]
    size = paths[0].stat().st_size
    for i, p in enumerate(paths):       # k0 oldest, then k1, k2
        os.utime(p, (1_000_000 + i, 1_000_000 + i))
    assert load_geometry("k0", cache_dir=tmp_path) is not None      # k0 used again: newest
    store_geometry("k3", arrays, cache_dir=tmp_path, max_bytes=int(2.5 * size))
    assert load_geometry("k1", cache_dir=tmp_path) is None
    assert load_geometry("k2", cache_dir=tmp_path) is None
    assert load_geometry("k0", cache_dir=tmp_path) is not None
    assert load_geometry("k3", cache_dir=tmp_path) is not None
    assert cache.DEFAULT_MAX_BYTES == 2 * 1000**3


def test_clear_cache_and_cache_info(tmp_path, inventory):
    path = tmp_path / "inv.gpkg"
    foncier.write_inventory(three_plot_layers(), path)
    cdir = tmp_path / "cache"
    (cdir).mkdir()
    (cdir / "notes.txt").write_text("à garder", encoding="utf-8")
    fingerprint_file(path, cache_dir=cdir)
    store_geometry("k", geometry_arrays(inventory.geometry), cache_dir=cdir)
    store_layers("k", inventory.layers(), cache_dir=cdir)
    info = cache_info(cache_dir=cdir)
    assert info.entries == 2 and info.size_bytes > 0 and info.path == cdir
    assert clear_cache(cache_dir=cdir) >= info.size_bytes
    assert cache_info(cache_dir=cdir).entries == 0
    assert not list((cdir / "fingerprints").glob("*.json"))
    assert (cdir / "notes.txt").exists()      # only what foncier wrote is removed
    assert clear_cache(cache_dir=tmp_path / "absent") == 0


def test_a_later_background_store_of_an_entry_replaces_one_not_written_yet(tmp_path, inventory,
                                                                          monkeypatch):
    """A geometry that measures more groups is stored again: while the writer is busy, only
    its last store of an entry is written."""
    import threading

    release, written = threading.Event(), []
    write_entry = cache._write_entry

    def slow_write(path, manifest, members):
        if manifest["key"] == "busy":
            release.wait(60)
        written.append(manifest["key"])
        return write_entry(path, manifest, members)

    monkeypatch.setattr(cache, "_write_entry", slow_write)
    arrays = geometry_arrays(inventory.geometry)
    store_geometry("busy", arrays, cache_dir=tmp_path, background=True)
    store_geometry("k", {**arrays, "housing_m": None}, cache_dir=tmp_path, background=True)
    store_geometry("k", arrays, cache_dir=tmp_path, background=True)
    release.set()
    cache.wait_for_writes()
    assert written == ["busy", "k"]
    _assert_same_geometry(load_geometry("k", cache_dir=tmp_path), inventory.geometry)


def test_a_lazy_layer_decodes_a_few_rows_alone_and_many_with_the_whole_layer(tmp_path):
    """A layer read with ``lazy=True`` keeps its columns, its geometry column's place and
    CRS; a few rows' geometries are decoded alone (a missing one stays None), many decode the
    whole layer once."""
    import geopandas as gpd

    from foncier.io.cache import LazyLayer, load_layers, store_layers

    geoms = [shapely.box(i, 0, i + 1, 1) for i in range(40)]
    geoms[3] = None
    frame = gpd.GeoDataFrame({"plot_id": [f"P{i}" for i in range(40)],
                              "area": np.arange(40.0)}, geometry=geoms, crs="EPSG:2154")
    frame = frame[["plot_id", "geometry", "area"]]
    store_layers("k", {"plots": frame, "none": None}, cache_dir=tmp_path)
    layers = load_layers("k", cache_dir=tmp_path, lazy=True)
    lazy = layers["plots"]
    assert isinstance(lazy, LazyLayer) and layers["none"] is None
    assert list(lazy.attributes.columns) == ["plot_id", "area"] and len(lazy) == 40
    assert lazy.crs == frame.crs
    few = lazy.geometries(np.array([5, 3, 0]))
    assert not lazy.decoded
    assert few[1] is None and shapely.equals_exact(few[[0, 2]], frame.geometry.to_numpy()[[5, 0]],
                                                   tolerance=0).all()
    many = lazy.geometries(np.arange(20))
    assert lazy.decoded
    assert shapely.equals_exact(many[4:], frame.geometry.to_numpy()[4:20], tolerance=0).all()
    pd.testing.assert_frame_equal(lazy.frame(), frame)
    assert lazy.frame() is lazy.frame()
    pd.testing.assert_frame_equal(load_layers("k", cache_dir=tmp_path)["plots"], frame)


def test_a_cache_folder_that_crosses_a_file_holds_no_entry(tmp_path):
    # Not an unreadable entry to discard with a warning (every warning fails a test here):
    # there is no entry at all.
    (tmp_path / "fichier").write_text("", encoding="utf-8")
    folder = tmp_path / "fichier" / "cache"
    assert load_geometry("k1", cache_dir=folder) is None
    assert load_layers("k1", cache_dir=folder) is None
