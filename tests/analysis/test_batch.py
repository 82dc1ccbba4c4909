"""Batch matching: the workbook and the GeoPackage read back sheet by sheet and layer by layer."""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import xml.etree.ElementTree as ET

import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely
from builders import make_layers

import foncier
import foncier.wording
from foncier.analysis.batch import (
    DEFAULT_MAX_ROWS,
    layer_names,
    read_briefs,
    run_batch,
    run_batch_to_file,
    sheet_names,
    write_batch,
)
from foncier.cli import main
from foncier.cli.batch import TerminalProgress
from foncier.core.matching import BASE_COLUMNS
from foncier.wording import OUTCOME_LABELS, STATUS_LABELS

ON = dt.date(2026, 1, 1)
GREEN, AMBER, GREY = "FFC6EFCE", "FFFFE699", "FFD9D9D9"


@pytest.fixture(scope="module")
def briefs():
    paths = foncier.sample_brief_paths()
    return [foncier.read_brief(paths[0]), foncier.read_brief(paths[1]),
            foncier.Brief(name="Assemblage [test]: 8 ha", min_area_ha=8, allow_assembly=True,
                          assembly_max_gap_m=20)]


@pytest.fixture(scope="module")
def batch(sample_inventory, briefs):
    return run_batch([sample_inventory], briefs, on=ON)


@pytest.fixture(scope="module")
def workbook(batch, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "lot.xlsx"
    write_batch(batch, path)
    return openpyxl.load_workbook(path)


def _rows(ws):
    return list(ws.iter_rows(values_only=True))


def test_workbook_has_summary_a_sheet_per_brief_and_matrix(workbook, briefs):
    names = sheet_names([b.name for b in briefs])
    near = [f"≈ {n}"[:31] for n in names]
    assert workbook.sheetnames == ["Synthèse", *names, *near, "Matrice", "Paramètres"]
    assert names[2] == "Assemblage test 8 ha"
    for ws in workbook.worksheets:
        assert ws.freeze_panes in ("B2", "C2")
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"


def test_summary_sheet_counts_and_best_plots(workbook, sample_inventory, briefs):
    rows = _rows(workbook["Synthèse"])
    header = rows[0]
    assert header[:7] == ("Projet", "Feuille", "Terrains", "Compatibles", "À vérifier",
                          "Incompatibles", "Assemblages")
    assert len(rows) == 1 + len(briefs)
    for row, brief in zip(rows[1:], briefs, strict=True):
        result = foncier.match(sample_inventory, brief, on=ON)
        c = result.counts
        assert row[0] == brief.name
        assert row[2:6] == (len(result.status), c["match"], c["to_check"], c["no_match"])
    first = foncier.match(sample_inventory, briefs[0], on=ON).table
    assert rows[1][7].startswith(f"{first.plot_id.iloc[0]} — compatible")
    assert rows[1][9].startswith(first.plot_id.iloc[2])
    assert rows[3][6] > 0                       # the assembly brief found assemblies


def test_brief_sheet_is_the_ranked_table_plus_inventory(workbook, sample_inventory, briefs):
    result = foncier.match(sample_inventory, briefs[0], on=ON)
    table = result.table
    ws = workbook.worksheets[1]
    rows = _rows(ws)
    assert list(rows[0]) == [*table.columns.drop("geometry"), "inventory"]
    assert rows[0][:7] == tuple(BASE_COLUMNS)
    body = rows[1:]
    assert len(body) == len(table)
    assert [r[1] for r in body] == table["plot_id"].tolist()
    assert [r[3] for r in body] == table["status"].map(STATUS_LABELS).tolist()   # in French
    assert [r[4] for r in body] == pytest.approx(table["score"].tolist())
    assert [r[0] for r in body] == list(range(1, len(table) + 1))
    header = list(rows[0])
    for col in ("reasons", "relax"):
        j = header.index(col)
        assert [r[j] or "" for r in body] == table[col].tolist()
    j = header.index("completeness")
    assert [r[j] for r in body] == pytest.approx(table["completeness"].tolist())
    assert header[header.index("reasons") + 1:header.index("reasons") + 3] == ["completeness",
                                                                                "relax"]
    assert {r[-1] for r in body} == {"normandie"}
    for col in table.columns[7:-4]:
        j = header.index(col)
        assert [r[j] for r in body] == table[col].map(OUTCOME_LABELS).tolist()
    fills = {}
    for i, status in enumerate(table["status"], start=2):
        fills.setdefault(status, {ws.cell(i, 1).fill.fgColor.rgb, ws.cell(i, 17).fill.fgColor.rgb})
    assert fills == {"match": {GREEN}, "to_check": {AMBER}, "no_match": {GREY}}


def test_assembly_rows_in_the_brief_sheet(workbook, batch):
    rows = _rows(workbook.worksheets[3])
    header = list(rows[0])
    assert header[-4:] == ["completeness", "relax", "inventory", "assembly"]
    assembled = [r for r in rows[1:] if r[-1]]
    assert len(assembled) == batch.outcomes[2].n_assemblies
    for r in assembled:
        assert r[1] == r[-1].replace("|", "+")
        assert r[3] in ("compatible", "à vérifier")
        assert r[6] >= 8


def test_matrix_keeps_every_plot_with_status_and_score(workbook, batch, sample_inventory,
                                                       briefs):
    rows = _rows(workbook["Matrice"])
    names = sheet_names([b.name for b in briefs])
    assert rows[0][:4] == ("inventory", "plot_id", "site_id", "area_ha")
    assert rows[0][4:6] == (f"{names[0]} — statut", f"{names[0]} — score")
    assert len(rows) - 1 == len(sample_inventory.plots)
    assert [r[1] for r in rows[1:]] == sample_inventory.plots["plot_id"].tolist()
    for k, brief in enumerate(briefs):
        result = foncier.match(sample_inventory, brief, on=ON)
        assert [r[4 + 2 * k] for r in rows[1:]] == [STATUS_LABELS[s] for s in result.status]
        assert [r[5 + 2 * k] for r in rows[1:]] == pytest.approx(result.score.tolist())
    ws = workbook["Matrice"]
    status = rows[1][4]
    assert ws.cell(2, 5).fill.fgColor.rgb == {"compatible": GREEN, "à vérifier": AMBER,
                                              "incompatible": GREY}[status]


def test_max_rows_caps_brief_sheets_not_the_matrix(sample_inventory, briefs, tmp_path):
    batch = run_batch([sample_inventory], briefs[:1], max_rows=5, on=ON)
    out = write_batch(batch, tmp_path / "cap.xlsx")
    wb = openpyxl.load_workbook(out)
    full = foncier.match(sample_inventory, briefs[0], on=ON).table
    assert [r[1] for r in _rows(wb.worksheets[1])[1:]] == full["plot_id"].head(5).tolist()
    assert wb["Matrice"].max_row == len(sample_inventory.plots) + 1
    summary = _rows(wb["Synthèse"])[1]
    assert summary[10:12] == (5, len(full))
    assert DEFAULT_MAX_ROWS >= len(full)


def test_geopackage_layer_by_layer(batch, briefs, tmp_path):
    out = write_batch(batch, tmp_path / "lot.gpkg")
    layers = layer_names([b.name for b in briefs])
    listed = [str(n) for n, _ in pyogrio.list_layers(out)]
    assert listed[:3] == layers
    assert {"synthese", "layer_styles"} <= set(listed)
    for outcome, layer in zip(batch.outcomes, layers, strict=True):
        gdf = pyogrio.read_dataframe(out, layer=layer)
        assert gdf.crs.to_epsg() == 2154
        expected = outcome.rows
        assert list(gdf.columns) == list(expected.columns)
        assert gdf["plot_id"].tolist() == expected["plot_id"].tolist()
        assert gdf["status"].tolist() == expected["status"].tolist()
        assert np.allclose(shapely.area(gdf.geometry.to_numpy()),
                           shapely.area(expected.geometry.to_numpy()))
    info = pyogrio.read_info(out, layer=layers[0])
    assert info["capabilities"]["fast_spatial_filter"]          # the R-tree index came along
    summary = pyogrio.read_dataframe(out, layer="synthese")
    assert summary["Couche"].tolist() == layers
    assert summary["Compatibles"].tolist() == [o.counts["match"] for o in batch.outcomes]
    with sqlite3.connect(out) as con:
        styles = con.execute("SELECT f_table_catalog, f_table_schema, f_table_name, "
                             "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault "
                             "FROM layer_styles ORDER BY id").fetchall()
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert [s[2] for s in styles] == layers
    assert kinds["layer_styles"] == "attributes"
    for (catalog, schema, _, geom_col, _, qml, sld, default), o in zip(styles, batch.outcomes,
                                                                        strict=True):
        assert (catalog, schema, geom_col, default) == ("", "", "geom", 1)
        root = ET.fromstring(qml.split("\n", 1)[1])
        renderer = root.find("renderer-v2")
        labels = ["compatible", "à vérifier", "incompatible"]
        if "assembly" in o.rows.columns:     # assemblies drawn above their member plots
            assert renderer.get("type") == "RuleRenderer"
            assert renderer.get("enableorderby") == "1"
            assert [r.get("label") for r in renderer.iter("rule")] == \
                labels + [f"assemblage {x}" for x in labels]
            assert len(renderer.findall("symbols/symbol")) == 6
        else:
            assert renderer.get("type") == "categorizedSymbol"
            assert renderer.get("attr") == "status"
            cats = {c.get("value"): c.get("label") for c in renderer.iter("category")}
            assert cats == dict(zip(["match", "to_check", "no_match"], labels, strict=True))
            assert len(renderer.findall("symbols/symbol")) == 3
        assert ET.fromstring(sld).tag.endswith("StyledLayerDescriptor")


def test_briefs_share_geometry_and_net_area(tmp_path):
    layers = make_layers(
        plots=[{"plot_id": f"P{i}", "geometry": shapely.box(300 * i, 0, 300 * i + 200, 200)}
               for i in range(4)],
        constraints=[
            {"constraint_id": "F1", "kind": "flood", "level": "interdiction",
             "geometry": shapely.box(0, 0, 100, 200)},
            {"constraint_id": "F2", "kind": "flood", "level": "prescriptions",
             "geometry": shapely.box(50, 0, 150, 200)},
            {"constraint_id": "W", "kind": "wetland", "level": None,
             "geometry": shapely.box(300, 0, 400, 200)}])
    inv = foncier.inventory_from_layers(layers)
    geo = inv.geometry
    briefs = [foncier.Brief(name=f"B{i}", min_area_ha=3, excluded_constraints=sel)
              for i, sel in enumerate([["flood"], ["flood:interdiction", "flood:prescriptions"],
                                       ["wetland"], ["flood"], None])]
    batch = run_batch([inv], briefs, on=ON)
    assert inv.geometry is geo
    assert len(geo._excluded_cache) == 2         # {flood}, {wetland}: computed once each
    assert batch.outcomes[0].rows["net_area_ha"].tolist() == \
        batch.outcomes[1].rows["net_area_ha"].tolist()
    net = dict(zip(batch.outcomes[0].rows["plot_id"], batch.outcomes[0].rows["net_area_ha"],
                   strict=True))
    assert net["P0"] == pytest.approx(1.0)      # 4 ha minus the 150 m x 200 m flood union


def test_several_inventories_are_ranked_together(tmp_path):
    a = make_layers(plots=[{"plot_id": "P1", "geometry": shapely.box(0, 0, 400, 400)},
                           {"plot_id": "P2", "geometry": shapely.box(500, 0, 600, 100)}])
    b = make_layers(plots=[{"plot_id": "P1", "geometry": shapely.box(0, 0, 300, 400),
                            "occupancy": None}])
    foncier.write_inventory(a, tmp_path / "caux.gpkg")
    foncier.write_inventory(b, tmp_path / "bayeux.gpkg")
    invs = [foncier.open_inventory(tmp_path / "caux.gpkg"),
            foncier.open_inventory(tmp_path / "bayeux.gpkg")]
    batch = run_batch(invs, [foncier.Brief(name="Dix", min_area_ha=10)], on=ON)
    rows = batch.outcomes[0].rows
    assert list(zip(rows["inventory"], rows["plot_id"], rows["status"], strict=True)) == [
        ("caux", "P1", "match"), ("bayeux", "P1", "to_check"), ("caux", "P2", "no_match")]
    assert batch.plots["inventory"].tolist() == ["caux", "caux", "bayeux"]
    out = write_batch(batch, tmp_path / "deux.xlsx")
    wb = openpyxl.load_workbook(out)
    assert [r[:2] for r in _rows(wb["Matrice"])[1:]] == [("caux", "P1"), ("caux", "P2"),
                                                         ("bayeux", "P1")]
    assert _rows(wb["Synthèse"])[1][7] == "P1 (caux) — compatible — " + \
        foncier.wording.fmt_number(rows["score"].iloc[0], 1)


@pytest.mark.parametrize("suffix", [".xlsx", ".gpkg"])
def test_an_interrupted_batch_leaves_no_file(batch, tmp_path, suffix):
    def stop(done, total, what):
        if done == 2:
            raise KeyboardInterrupt

    target = tmp_path / f"lot{suffix}"
    with pytest.raises(KeyboardInterrupt):
        write_batch(batch, target, progress=stop)
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt):
        write_batch(batch, target, progress=stop)
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_bytes() == b"previous"


def _parts(path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_matched_and_written_together_the_workbook_is_the_same(sample_inventory, briefs, batch,
                                                               tmp_path):
    from foncier.analysis.audit import audit_record

    audit = audit_record([sample_inventory], briefs)
    apart = write_batch(batch, tmp_path / "apart.xlsx", audit=audit)
    seen = []
    together = run_batch_to_file([sample_inventory], briefs, tmp_path / "ensemble.xlsx", on=ON,
                                 audit=audit, progress=lambda *a: seen.append(a))
    assert _parts(tmp_path / "ensemble.xlsx") == _parts(apart)      # every part, byte for byte
    assert [o.counts for o in together.outcomes] == [o.counts for o in batch.outcomes]
    assert together.plots.equals(batch.plots)
    n = len(briefs)
    assert [done for done, _, _ in seen] == list(range(1, n + 3))
    assert {total for _, total, _ in seen} == {n + 2}
    assert [what for _, _, what in seen][n:] == ["Synthèse", "Matrice"]


def test_matched_and_written_together_a_geopackage_is_the_same(sample_inventory, briefs, batch,
                                                               tmp_path):
    out = run_batch_to_file([sample_inventory], briefs[:2], tmp_path / "lot.gpkg", on=ON)
    assert out.outcomes[1].rows["plot_id"].tolist() == batch.outcomes[1].rows["plot_id"].tolist()
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "lot.gpkg")}
    assert {"synthese", "foncier_audit", "layer_styles"} < layers and len(layers) == 2 * 2 + 3


@pytest.mark.parametrize("stop_at", [1, 2, 4])
def test_an_interrupted_batch_matched_and_written_together_leaves_no_file(
        sample_inventory, briefs, tmp_path, stop_at):
    import threading

    def stop(done, total, what):
        if done == stop_at:
            raise KeyboardInterrupt

    target = tmp_path / "lot.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt):
        run_batch_to_file([sample_inventory], briefs, target, on=ON, progress=stop)
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_bytes() == b"previous"
    # The worker matching the next brief stopped with the batch.
    assert not [t for t in threading.enumerate() if t.name.startswith("foncier-prefetch")]


@pytest.fixture
def copied_inventory(tmp_path):
    """The sample inventory copied into a folder of its own, opened with its own cache."""
    import shutil

    path = tmp_path / "inventaire.gpkg"
    shutil.copy(foncier.sample_inventory_path(), path)
    cache = tmp_path / "cache"
    return foncier.open_inventory(path, cache_dir=cache), path, cache


def _children() -> list[int]:
    """The live child processes of this one (Linux's /proc)."""
    import glob

    out = []
    for path in glob.glob(f"/proc/{os.getpid()}/task/*/children"):
        with open(path) as f:
            out += [int(x) for x in f.read().split()]
    return out


def test_briefs_matched_in_a_worker_process_give_the_same_workbook(copied_inventory, briefs,
                                                                   batch, tmp_path):
    from foncier.analysis import batch_worker
    from foncier.analysis.audit import audit_record

    inv, _, _ = copied_inventory
    assert batch_worker.usable([inv], n_briefs=len(briefs), force=True)
    assert not batch_worker.usable([inv], n_briefs=len(briefs))     # too few to be worth it
    audit = audit_record([inv], briefs)
    apart = write_batch(run_batch([inv], briefs, on=ON), tmp_path / "apart.xlsx", audit=audit)
    seen = []
    together = run_batch_to_file([inv], briefs, tmp_path / "ensemble.xlsx", on=ON, audit=audit,
                                 processes=True, progress=lambda *a: seen.append(a[0]))
    assert _parts(tmp_path / "ensemble.xlsx") == _parts(apart)
    assert [o.counts for o in together.outcomes] == [o.counts for o in batch.outcomes]
    assert seen == list(range(1, len(briefs) + 3))
    assert not _children()                                          # the worker has ended


def test_the_worker_process_sends_every_outcome_in_order(copied_inventory, briefs, batch):
    from foncier.analysis.batch_worker import matched_in_worker

    inv, _, _ = copied_inventory

    def rest(k):
        raise AssertionError(f"brief {k} matched here, not by the worker")

    got = list(matched_in_worker([inv], briefs, ["inventaire"], max_rows=DEFAULT_MAX_ROWS,
                                 on=ON, rest=rest))
    assert [o.brief.name for o in got] == [b.name for b in briefs]
    for mine, theirs in zip(got, batch.outcomes, strict=True):
        assert np.array_equal(mine.status, theirs.status)
        assert np.array_equal(mine.score, theirs.score)
        assert mine.rows.drop(columns="inventory").equals(theirs.rows.drop(columns="inventory"))
        assert mine.rows.crs == theirs.rows.crs


def test_a_file_changed_since_it_was_opened_is_matched_here(copied_inventory, briefs):
    """The worker opens the file again: another content than the caller's inventory, and the
    caller matches every brief itself, on the inventory it holds."""
    from foncier.analysis.batch_worker import matched_in_worker
    from foncier.io.cache import load_layers
    from foncier.io.fingerprint import fingerprint_file

    inv, path, cache = copied_inventory
    layers = inv.layers()
    layers["plots"] = layers["plots"].assign(price_eur_m2=1.0)
    foncier.write_inventory(layers, path)
    asked = []

    def rest(k):
        asked.append(k)
        return iter(run_batch([inv], briefs[k:], on=ON).outcomes)

    got = list(matched_in_worker([inv], briefs, ["inventaire"], max_rows=DEFAULT_MAX_ROWS,
                                 on=ON, rest=rest))
    assert asked == [0]
    assert [o.counts for o in got] == [o.counts for o in run_batch([inv], briefs, on=ON).outcomes]
    # Refused on its fingerprint: the worker did not read and check the changed file's layers
    # (it would have left them in the cache).
    changed = fingerprint_file(path, cache_dir=cache) + ":repair=True"
    assert changed != inv.cache_key and load_layers(changed, cache_dir=cache) is None


def test_an_interrupted_batch_stops_its_worker_process(copied_inventory, briefs, tmp_path):
    import threading

    inv, _, _ = copied_inventory

    def stop(done, total, what):
        if done == 1:
            raise KeyboardInterrupt

    target = tmp_path / "lot.xlsx"
    with pytest.raises(KeyboardInterrupt):
        run_batch_to_file([inv], briefs, target, on=ON, progress=stop, processes=True)
    assert not target.exists() and not list(tmp_path.glob("*.xlsx*"))
    assert not _children()
    assert not [t for t in threading.enumerate() if t.name.startswith("foncier-prefetch")]


def test_a_script_without_a_main_guard_runs_once(copied_inventory, tmp_path):
    """The worker is a fresh interpreter running foncier's worker module: a calling script
    without ``if __name__ == "__main__"`` is not run again in it (as multiprocessing would)."""
    import subprocess
    import sys
    import textwrap

    _, path, cache = copied_inventory
    script = tmp_path / "lot.py"
    script.write_text(textwrap.dedent(f"""
        import foncier
        from foncier.analysis.batch import run_batch_to_file
        print("début")
        inv = foncier.open_inventory({str(path)!r}, cache_dir={str(cache)!r})
        briefs = [foncier.Brief(name=f"Projet {{i}}", min_area_ha=i) for i in range(3)]
        batch = run_batch_to_file([inv], briefs, {str(tmp_path / "lot.xlsx")!r},
                                  processes=True)
        print([o.counts["match"] for o in batch.outcomes])
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "début" and len(lines) == 2         # the script ran once
    assert "Traceback" not in done.stderr
    assert (tmp_path / "lot.xlsx").exists()


def test_no_worker_process_for_inventories_it_cannot_open_again(sample_inventory, tmp_path):
    from foncier.analysis.batch_worker import PROCESS_FROM, usable

    memory = foncier.inventory_from_layers(sample_inventory.layers())
    uncached = foncier.open_inventory(cache=False)
    assert usable([sample_inventory], n_briefs=PROCESS_FROM) is True
    assert usable([memory], n_briefs=PROCESS_FROM) is False
    assert usable([uncached], n_briefs=PROCESS_FROM) is False
    assert usable([sample_inventory, memory], n_briefs=PROCESS_FROM, force=True) is False
    assert usable([], n_briefs=PROCESS_FROM) is False


def test_a_batch_matched_and_written_together_refuses_a_bad_target(sample_inventory, tmp_path):
    with pytest.raises(foncier.errors.OutputError, match="choisissez .xlsx"):
        run_batch_to_file([sample_inventory], [foncier.Brief(name="A")], tmp_path / "lot.csv")
    with pytest.raises(ValueError, match="aucun inventaire"):
        run_batch_to_file([], [foncier.Brief(name="A")], tmp_path / "lot.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_matching_stops_at_once(sample_inventory, briefs):
    seen = []

    def stop(done, total, what):
        seen.append(done)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([sample_inventory], briefs, progress=stop)
    assert seen == [1]


def test_sheet_and_layer_names_are_valid_and_unique():
    names = sheet_names(["a/b", "A/B", "Synthèse", "matrice", "x" * 40, "x" * 40, "'quoted'",
                         "[]:*?/\\"])
    assert names == ["a b", "A B (2)", "Synthèse (2)", "matrice (2)", "x" * 31,
                     "x" * 27 + " (2)", "quoted", "Projet"]
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert layer_names(["Synthèse", "Éole", "éole", "layer_styles"]) == [
        "synthese_2", "eole", "eole_2", "layer_styles_2"]


def test_read_briefs_collects_every_problem(tmp_path):
    (tmp_path / "a.toml").write_text('name = "A"\n[land]\nmin_area_ha = -1\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('name = "B"\n[land]\nallow_assembly = "oui"\n',
                                     encoding="utf-8")
    (tmp_path / "c.toml").write_text('name = "C"\n', encoding="utf-8")
    with pytest.raises(foncier.BriefError, match=r"(?s)3 problèmes.*absent\.toml: fichier "
                                                 r"introuvable.*a\.toml: land\.min_area_ha.*"
                                                 r"b\.toml: land\.allow_assembly"):
        read_briefs([tmp_path, tmp_path / "absent.toml"])
    assert [b.name for b in read_briefs([tmp_path / "c.toml"])] == ["C"]
    empty = tmp_path / "vide"
    empty.mkdir()
    with pytest.raises(foncier.BriefError, match="aucun fichier .toml"):
        read_briefs([empty])


def test_cli_batch_writes_the_workbook(tmp_path, capsys):
    out = tmp_path / "lot.xlsx"
    briefs_dir = foncier.sample_brief_paths()[0].parent
    assert main(["batch", "--briefs", str(briefs_dir), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"écrits dans {out}" in captured.out
    n = len(foncier.sample_brief_paths())
    # One phase: each brief's sheets are written while the next brief is matched.
    assert f"Correspondance et écriture de lot.xlsx ({n} projets × 329 terrains) : " \
        f"{n + 2}/{n + 2} en " in captured.err
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) == 2 * len(foncier.sample_brief_paths()) + 3


def test_batch_command_counts_one_plot_in_the_singular(tmp_path, capsys):
    brief = tmp_path / "un.toml"
    brief.write_text('name = "Un"\n[land]\nmin_area_ha = 1000\n', encoding="utf-8")
    assert main(["batch", "--briefs", str(brief), "--out", str(tmp_path / "l.xlsx")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Un : "))
    assert line == "Un : 0 compatible, 0 à vérifier, 329 incompatibles"


def test_cli_batch_errors_are_clear_and_write_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "X"\n[land]\nmin_area_ha = "grand"\n', encoding="utf-8")
    assert main(["batch", "--briefs", str(bad), "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "land.min_area_ha" in capsys.readouterr().err
    assert main(["batch", "--briefs", str(bad), "--out", str(tmp_path / "x.csv")]) == 1
    assert "choisissez .xlsx" in capsys.readouterr().err
    assert main(["batch", "--briefs", str(bad), "--out", str(tmp_path / "no" / "x.gpkg")]) == 1
    assert "dossier introuvable" in capsys.readouterr().err
    good = foncier.sample_brief_paths()[0]
    assert main(["batch", "--briefs", str(good), "--inventory", str(tmp_path / "absent.gpkg"),
                 "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "introuvable" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [bad]


def test_progress_writes_only_a_final_line_off_a_terminal():
    stream = io.StringIO()
    bar = TerminalProgress(stream)
    bar.start("Correspondance")
    for i in range(1, 5):
        bar(i, 4, "projet")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Correspondance : 4/4 en ")


def test_workbook_and_styles_take_their_colours_from_the_palette(batch, tmp_path):
    from foncier import palette

    assert {GREEN, AMBER, GREY} == {"FF" + palette.STATUS_TINT[s].lstrip("#").upper()
                                    for s in ("match", "to_check", "no_match")}
    out = write_batch(batch, tmp_path / "lot.gpkg")
    with sqlite3.connect(out) as con:
        sld = con.execute("SELECT styleSLD FROM layer_styles LIMIT 1").fetchone()[0]
    assert [f">{palette.STATUS_HEX[s]}<" in sld for s in ("match", "to_check", "no_match")] \
        == [True, True, True]


@pytest.mark.parametrize("module", ["foncier.analysis.batch", "foncier.analysis.assembly"])
def test_analysis_examples_run(module):
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(module),
                                      optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_a_short_batch_keeps_the_best_near_misses_and_ranks_as_a_full_one(sample_inventory):
    """Cut to ``max_rows`` before their sentences are written, the near misses are still the
    best ones of the whole ranking, and a brief's rows the head of its whole ranking."""
    from foncier.analysis.decision import near_misses

    brief = foncier.Brief(name="Prix", max_price_eur_m2=30, min_area_ha=1)
    full = foncier.match(sample_inventory, brief, on=ON)
    every = near_misses(full)
    assert len(every) > 3
    short = run_batch([sample_inventory], [brief], on=ON, max_rows=3).outcomes[0]
    assert short.near_misses["plot_id"].tolist() == every["plot_id"].head(3).tolist()
    assert short.near_misses["sentence"].tolist() == every["sentence"].head(3).tolist()
    assert short.near_misses["rank"].tolist() == [1, 2, 3]
    whole = run_batch([sample_inventory], [brief], on=ON, max_rows=0).outcomes[0]
    assert short.rows["plot_id"].tolist() == whole.rows["plot_id"].head(3).tolist()
    assert whole.near_misses["plot_id"].tolist() == every["plot_id"].tolist()
