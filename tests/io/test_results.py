"""The result table written to every format and read back; no partial file on error."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest

from foncier import Brief, OutputError, match, write_results

BRIEF = Brief(name="Export", min_area_ha=3, excluded_constraints=["flood"],
              motorway_max_km=6, gas=True)
COLUMNS = ["rank", "plot_id", "site_id", "status", "score", "area_ha", "net_area_ha",
           "availability", "area", "gas", "motorway", "reasons", "completeness", "relax"]


@pytest.fixture
def result(tiny_inventory):
    return match(tiny_inventory, BRIEF)


def test_csv(tmp_path, result):
    path = write_results(result, tmp_path / "r.csv")
    back = pd.read_csv(path)
    assert back.columns.tolist() == COLUMNS
    assert back.plot_id.tolist() == result.table.plot_id.tolist()
    assert back.status.tolist() == result.table.status.tolist()
    assert back.net_area_ha.tolist() == pytest.approx([9.0, 2.5, 2.0])


def test_xlsx(tmp_path, result):
    path = write_results(result, tmp_path / "r.xlsx")
    back = pd.read_excel(path)
    assert back.columns.tolist() == COLUMNS
    assert back.reasons.fillna("").tolist() == result.table.reasons.tolist()
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_gpkg(tmp_path, result):
    path = write_results(result, tmp_path / "r.gpkg")
    back = pyogrio.read_dataframe(path)
    assert back.columns.tolist() == COLUMNS + ["geometry"]
    assert back.crs.to_epsg() == 2154
    assert back.geometry.area.round(0).tolist() == [90_000.0, 100_000.0, 20_000.0]


def test_geojson(tmp_path, result):
    path = write_results(result, tmp_path / "r.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [f["properties"]["plot_id"] for f in data["features"]] == ["P3", "P2", "P1"]
    assert list(data["features"][0]["properties"]) == COLUMNS
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326


def test_unknown_suffix_writes_nothing(tmp_path, result):
    with pytest.raises(OutputError, match=r"format de sortie inconnu « \.txt » : choisissez "
                                          r"\.csv, \.xlsx, \.gpkg, \.geojson"):
        write_results(result, tmp_path / "r.txt")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path, result, monkeypatch):
    path = tmp_path / "r.csv"
    path.write_text("ancien contenu", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OutputError, match=r"r\.csv: écriture impossible \(No space left"):
        write_results(result, path)
    assert path.read_text(encoding="utf-8") == "ancien contenu"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_check_suffix_names_the_accepted_formats(tmp_path):
    from foncier.io.results import check_suffix

    assert check_suffix(tmp_path / "Terrains.GeoJSON") == ".geojson"
    with pytest.raises(OutputError, match=r"r\.ods: format de sortie inconnu « \.ods » : "
                                          r"choisissez \.csv, \.xlsx, \.gpkg, \.geojson\."):
        check_suffix(tmp_path / "r.ods")
    with pytest.raises(OutputError, match=r"inconnu « \(aucun\) »"):
        check_suffix("résultats")
    assert list(tmp_path.iterdir()) == []


def test_results_examples_run():
    import doctest

    import foncier.io.results

    failures, tried = doctest.testmod(foncier.io.results, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
