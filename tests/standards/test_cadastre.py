"""Plots from cadastral references and an Etalab parcels file."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from foncier.errors import LayerError
from foncier.standards.cadastre import (
    bad_refs,
    fill_from_cadastre,
    iter_features,
    parse_refs,
    read_parcels,
)
from tests.standards.cadastre_files import parcel, write_parcels

X, Y = 380_000.0, 6_900_000.0


def _plots(rows):
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[r.get("geometry") for r in rows],
                            crs="EPSG:2154")


@pytest.fixture(params=["json", "json.gz"])
def parcels(tmp_path, request):
    feats = [parcel("50147000ZK0101", X, Y, 100, 50), parcel("50147000ZK0102", X + 100, Y, 100, 50),
             parcel("50148000AB0007", X + 1000, Y, 40, 40),
             parcel("50147000ZK0200", X + 5000, Y, 10, 10)]
    return write_parcels(tmp_path / f"cadastre-50-parcelles.{request.param}", feats,
                         one_line=request.param == "json")


def test_refs_are_parsed_and_checked():
    assert parse_refs(" 50147000zk0101 |50147000ZK0102|") == ["50147000ZK0101", "50147000ZK0102"]
    assert parse_refs(None) == []
    assert bad_refs(["50147000ZK0101", "2B033000A 0001", "50147000ZK010", "97101000AB0001"]) == [
        "2B033000A 0001", "50147000ZK010"]


def test_a_plot_becomes_the_union_of_its_parcels(parcels):
    plots = _plots([{"plot_id": "P1", "cadastral_refs": "50147000ZK0101|50147000ZK0102",
                     "declared_area_ha": 1.0},
                    {"plot_id": "P2", "cadastral_refs": "50148000AB0007",
                     "declared_area_ha": 0.16}])
    out, notes = fill_from_cadastre(plots, parcels)
    assert notes == []
    p1 = out.geometry.iloc[0]
    assert p1.geom_type == "Polygon"                      # two touching parcels: one polygon
    assert p1.area == pytest.approx(10_000, rel=1e-3)
    assert shapely.box(X, Y, X + 200, Y + 50).symmetric_difference(p1).area < 1.0
    assert out.geometry.iloc[1].area == pytest.approx(1600, rel=1e-3)
    assert out.crs.to_epsg() == 2154


def test_a_plot_with_a_geometry_keeps_it(parcels):
    own = shapely.box(0, 0, 10, 10)
    out, _ = fill_from_cadastre(_plots([{"plot_id": "P1", "cadastral_refs": "50147000ZK0101",
                                         "geometry": own}]), parcels)
    assert out.geometry.iloc[0].equals(own)


def test_unknown_and_malformed_refs_are_reported_per_plot_at_once(parcels):
    plots = _plots([{"plot_id": "P1", "cadastral_refs": "50147000ZK0101|50147000ZK0999"},
                    {"plot_id": "P2", "cadastral_refs": "50147ZK99"},
                    {"plot_id": "P3", "cadastral_refs": "50999000AA0001"}])
    with pytest.raises(LayerError) as err:
        fill_from_cadastre(plots, parcels)
    text = str(err.value)
    by_plot = {p.row: p.message for p in err.value.problems}
    assert set(by_plot) == {"P1", "P2", "P3"}
    assert "50147000ZK0999" in by_plot["P1"] and "50147000ZK0101" not in by_plot["P1"]
    assert "plots[P2]" in text and "mal formée" in text and "50147ZK99" in text
    assert "plots[P3]" in text and "50999000AA0001" in text
    assert f"absente(s) de {parcels.name}" in text


def test_a_declared_area_far_from_the_contenance_is_warned(parcels):
    plots = _plots([{"plot_id": "P1", "cadastral_refs": "50147000ZK0101|50147000ZK0102",
                     "declared_area_ha": 1.2},
                    {"plot_id": "P2", "cadastral_refs": "50148000AB0007",
                     "declared_area_ha": 0.17}])
    out, notes = fill_from_cadastre(plots, parcels)
    assert len(notes) == 1
    assert notes[0].row == "P1" and notes[0].severity == "warning"
    assert "1,20 ha" in notes[0].message and "1 ha de contenance" in notes[0].message


def test_only_the_wanted_parcels_are_kept(parcels):
    got = read_parcels(parcels, ["50148000AB0007"])
    assert got["id"].tolist() == ["50148000AB0007"]
    assert got["contenance"].tolist() == [1600.0]
    assert len(read_parcels(parcels)) == 4


def test_features_are_streamed_across_chunks(tmp_path, monkeypatch):
    import foncier.standards.cadastre as cad

    monkeypatch.setattr(cad, "_CHUNK", 64)               # features straddle every chunk
    feats = [parcel(f"50147000ZK{i:04d}", X + 20 * i, Y, 20, 20) for i in range(30)]
    path = write_parcels(tmp_path / "c.json", feats, one_line=False)
    ids = [f["properties"]["id"] for f in iter_features(path)]
    assert ids == [f"50147000ZK{i:04d}" for i in range(30)]


def test_a_file_that_is_not_geojson_is_refused(tmp_path):
    bad = tmp_path / "cadastre-50-parcelles.json"
    bad.write_text("id;contenance\n50147000ZK0101;100\n", encoding="utf-8")
    with pytest.raises(LayerError, match="fichier de parcelles illisible"):
        read_parcels(bad, ["50147000ZK0101"])
    with pytest.raises(LayerError, match="fichier introuvable"):
        read_parcels(tmp_path / "absent.json")
