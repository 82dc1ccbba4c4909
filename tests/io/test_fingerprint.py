"""Content fingerprints of inventory files and in-memory layers (real GeoPackages)."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from builders import three_plot_layers

import foncier
from foncier.io import fingerprint as fpmod
from foncier.io.fingerprint import fingerprint_file, fingerprint_layers, hash_file

VARIANTS = {
    "geometry moved": {"moved": 1.0},
    "attribute changed": {"price": 21.0},
    "plot added and one deleted": {"extra_plot": True, "drop_p2": True},
    "constraint added": {"extra_constraint": True},
}


def _write(path, **kw):
    foncier.write_inventory(three_plot_layers(**kw), path)
    return path


@pytest.mark.parametrize("change", list(VARIANTS))
def test_file_fingerprint_changes_with_the_content(tmp_path, change):
    base = fingerprint_file(_write(tmp_path / "a.gpkg"), cache_dir=tmp_path / "c")
    other = fingerprint_file(_write(tmp_path / "b.gpkg", **VARIANTS[change]),
                             cache_dir=tmp_path / "c")
    assert base != other


@pytest.mark.parametrize("change", list(VARIANTS))
def test_layers_fingerprint_changes_with_the_content(change):
    assert fingerprint_layers(three_plot_layers()) != fingerprint_layers(
        three_plot_layers(**VARIANTS[change]))


def test_same_bytes_elsewhere_same_fingerprint(tmp_path):
    a = _write(tmp_path / "a.gpkg")
    b = tmp_path / "sub" / "copie.gpkg"
    b.parent.mkdir()
    shutil.copyfile(a, b)
    assert fingerprint_file(a, cache_dir=tmp_path / "c") == fingerprint_file(
        b, cache_dir=tmp_path / "c") == f"file-{hash_file(a)}"
    assert fingerprint_layers(three_plot_layers()) == fingerprint_layers(three_plot_layers())


def _same_size_pair(tmp_path):
    a = _write(tmp_path / "a.gpkg")
    b = _write(tmp_path / "b.gpkg", price=99.0)
    assert a.stat().st_size == b.stat().st_size   # a GeoPackage is made of fixed-size pages
    assert a.read_bytes() != b.read_bytes()
    return a, b


@pytest.mark.parametrize("how", ["replaced", "rewritten in place"])
def test_same_size_and_time_stamp_is_not_stale(tmp_path, how):
    a, b = _same_size_pair(tmp_path)
    cache = tmp_path / "c"
    st = a.stat()
    before = fingerprint_file(a, cache_dir=cache)
    if how == "replaced":
        os.replace(b, a)
    else:
        a.write_bytes(b.read_bytes())
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert a.stat().st_size == st.st_size and a.stat().st_mtime_ns == st.st_mtime_ns
    after = fingerprint_file(a, cache_dir=cache)
    assert after != before
    assert after == f"file-{hash_file(a)}"


def test_trusted_memo_is_dropped_when_the_file_changes(tmp_path, monkeypatch):
    # Trust memos at once (as for a file last changed long ago), then change the file.
    monkeypatch.setattr(fpmod, "RACY_SECONDS", -1e9)
    a, b = _same_size_pair(tmp_path)
    st = a.stat()
    before = fingerprint_file(a, cache_dir=tmp_path / "c")
    time.sleep(0.05)   # the change gets a later ctime than the memo's (clock ticks are coarse)
    a.write_bytes(b.read_bytes())
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fingerprint_file(a, cache_dir=tmp_path / "c") == f"file-{hash_file(b)}" != before


def _plant_memo(tmp_path, path):
    """A memo claiming another digest for the file as it is now."""
    key = fpmod._stat_key(path.resolve())
    memo = fpmod._memo_path(tmp_path / "c", key)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps({"stat": key, "digest": "0" * 32,
                                "hashed_at_ns": time.time_ns()}), encoding="utf-8")


def test_racily_clean_memo_is_not_trusted(tmp_path):
    a = _write(tmp_path / "a.gpkg")
    _plant_memo(tmp_path, a)     # the file changed less than RACY_SECONDS before the memo
    assert fingerprint_file(a, cache_dir=tmp_path / "c") == f"file-{hash_file(a)}"


def test_memo_is_used_when_the_file_is_older(tmp_path, monkeypatch):
    monkeypatch.setattr(fpmod, "RACY_SECONDS", -1e9)
    a = _write(tmp_path / "a.gpkg")
    _plant_memo(tmp_path, a)
    assert fingerprint_file(a, cache_dir=tmp_path / "c") == "file-" + "0" * 32
    # enabled=False never reads a memo
    assert fingerprint_file(a, cache_dir=tmp_path / "c", enabled=False) == \
        f"file-{hash_file(a)}"


def test_wal_file_is_part_of_the_fingerprint(tmp_path):
    a = _write(tmp_path / "a.gpkg")
    before = fingerprint_file(a, cache_dir=tmp_path / "c")
    (tmp_path / "a.gpkg-wal").write_bytes(b"pages not yet checkpointed")
    assert fingerprint_file(a, cache_dir=tmp_path / "c") != before


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        fingerprint_file(tmp_path / "absent.gpkg", cache_dir=tmp_path / "c")


def test_layers_fingerprint_sees_dtype_crs_and_order():
    base = three_plot_layers()
    ref = fingerprint_layers(base)
    swapped = {k: v.iloc[::-1].reset_index(drop=True) if k == "plots" else v
               for k, v in base.items()}
    assert fingerprint_layers(swapped) != ref
    reprojected = dict(base, plots=base["plots"].set_crs("EPSG:3857", allow_override=True))
    assert fingerprint_layers(reprojected) != ref
    typed = dict(base, plots=base["plots"].astype({"power_mw": "float32"}))
    assert fingerprint_layers(typed) != ref
    with_none = dict(base, communes=None)
    assert fingerprint_layers(with_none) == ref
