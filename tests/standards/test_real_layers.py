"""add-layer mappings on small files with the real field names of the public datasets."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from builders import make_layers

from foncier import open_inventory, write_inventory
from foncier.cli import main
from foncier.standards.public_layers import LayerError, add_layer

L93 = "EPSG:2154"
BOX = shapely.box


@pytest.fixture
def inventory(tmp_path):
    layers = make_layers(plots=[{"plot_id": "P1", "geometry": BOX(0, 0, 100, 100)}])
    path = tmp_path / "inv.gpkg"
    write_inventory(layers, path)
    return path


def _file(tmp_path, name, rows, geoms, crs=L93, **kw):
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_file(path, **kw)
    return path


def _constraints(path, kind):
    c = open_inventory(path).constraints
    return c[c["kind"] == kind].sort_values("constraint_id").reset_index(drop=True)


def test_cnig_ppr_zonereglementaireurba_s(tmp_path, inventory):
    codes = ["01", "02", "03", "04", "05", "06", "07"]
    src = _file(tmp_path, "zonereglementaireurba_s.gpkg",
                {"idzone": [f"Z{c}" for c in codes], "typereglement": codes,
                 "nom": [f"zone {c}" for c in codes]},
                [BOX(i * 200, 0, i * 200 + 100, 100) for i in range(7)])
    report = add_layer(inventory, kind="flood", source=src, mapping="cnig-ppr")
    got = _constraints(inventory, "flood")
    assert dict(zip(got["constraint_id"], got["level"], strict=True)) == {
        "flood-Z01": "prescriptions", "flood-Z02": "prescriptions", "flood-Z03": "interdiction",
        "flood-Z04": "interdiction", "flood-Z05": "interdiction", "flood-Z06": "interdiction",
        "flood-Z07": None}
    warned = [n for n in report.notes if n.severity == "warning"]
    assert len(warned) == 1 and "typereglement 07 gardée(s) sans niveau" in warned[0].message


def test_covadis_typereg_shapefile_is_detected(tmp_path, inventory):
    src = _file(tmp_path, "N_ZONE_REG_PPRN_20190001_S_050.shp",
                {"IDZONE": ["R1", "B1"], "TYPEREG": ["03", "02"], "LIBELLE": ["Rouge", "Bleu"]},
                [BOX(0, 0, 50, 50), BOX(60, 0, 90, 50)])
    report = add_layer(inventory, kind="pprt", source=src)
    assert report.mapping == "covadis-ppr"
    got = _constraints(inventory, "pprt")
    assert got["level"].tolist() == ["prescriptions", "interdiction"]
    assert got["name"].tolist() == ["Bleu", "Rouge"]


def test_bdtopo_batiment_gives_housing_blocks(tmp_path, inventory):
    rows = {"cleabs": [f"BATIMENT{i:016d}" for i in range(6)],
            "nature": ["Indifférenciée"] * 6,
            "usage_1": ["Résidentiel", "Résidentiel", "Agricole", "Résidentiel", "Industriel",
                        "Résidentiel"],
            "usage_2": [None, None, "Résidentiel", None, None, None],
            "nombre_de_logements": [1, 3, 1, 2, 0, 4],
            "etat_de_l_objet": ["En service", "En service", "En service", "En service",
                                "En service", "En projet"]}
    geoms = [BOX(1000, 0, 1010, 10), BOX(1030, 0, 1040, 10),      # 20 m apart: one block
             BOX(1060, 0, 1070, 10),                               # usage_2 résidentiel: same
             BOX(2000, 0, 2010, 10),                               # far: its own block
             BOX(1015, 0, 1025, 5), BOX(3000, 0, 3010, 10)]        # industrial / in project
    src = _file(tmp_path, "BATIMENT.gpkg", rows, geoms)
    report = add_layer(inventory, kind="housing", source=src)
    assert report.mapping == "bdtopo-batiment" and report.added == 2
    got = _constraints(inventory, "housing")
    assert got["name"].tolist() == ["Îlot d'habitat : 3 bâtiment(s), 5 logement(s)",
                                    "Îlot d'habitat : 1 bâtiment(s), 2 logement(s)"]
    block = got.geometry.iloc[0]
    assert block.covers(BOX(1000, 0, 1070, 10).buffer(-0.01)) and block.bounds[2] < 1071
    assert not block.intersects(BOX(3000, 0, 3010, 10))
    with pytest.raises(LayerError, match="`kind=housing`"):
        add_layer(inventory, kind="flood", source=src, mapping="bdtopo-batiment")


def test_bdtopo_infrastructure_by_nature(tmp_path, inventory):
    src = _file(tmp_path, "EQUIPEMENT_DE_TRANSPORT.gpkg",
                {"cleabs": ["EQ1", "EQ2", "EQ3", "EQ4"], "toponyme": ["Gare de Lison", "Port",
                                                                      "Gare fret", "Aire"],
                 "nature": ["Gare voyageurs et fret", "Port", "Gare fret uniquement",
                            "Aire de repos ou de service"]},
                [shapely.Point(5000, 0), BOX(9000, 0, 9100, 100), shapely.Point(6000, 0),
                 shapely.Point(7000, 0)])
    add_layer(inventory, kind="rail_freight", source=src, mapping="bdtopo-infra")
    add_layer(inventory, kind="port", source=src, mapping="bdtopo-infra")
    infra = open_inventory(inventory).infrastructure.sort_values("infra_id")
    assert infra["infra_id"].tolist() == ["port-EQ2", "rail_freight-EQ1", "rail_freight-EQ3"]
    port = infra.geometry.iloc[0]
    assert port.geom_type == "Point" and BOX(9000, 0, 9100, 100).contains(port)
    echangeurs = _file(tmp_path, "POINT_DU_RESEAU.gpkg",
                       {"cleabs": ["PR1", "PR2"], "nature": ["Échangeur complet", "Carrefour"],
                        "toponyme": ["Échangeur 40", None]},
                       [shapely.Point(3000, 0), shapely.Point(3500, 0)])
    add_layer(inventory, kind="motorway_interchange", source=echangeurs, mapping="bdtopo-infra")
    kinds = open_inventory(inventory).infrastructure["kind"].tolist()
    assert kinds.count("motorway_interchange") == 1


def test_osm_extract_tags_in_columns_and_other_tags(tmp_path, inventory):
    src = _file(tmp_path, "osm.geojson",
                {"osm_id": ["1", "2", "3", "4", "5", "6"],
                 "name": ["Sortie 15", "Gare de triage", "Port de Cherbourg", "Aéroport",
                          "Poste", "Gare voyageurs"],
                 "highway": ["motorway_junction", None, None, None, None, None],
                 "railway": [None, "yard", None, None, None, "station"],
                 "other_tags": [None, None, '"harbour"=>"yes"', '"aeroway"=>"aerodrome"',
                                '"power"=>"substation","voltage"=>"225000"',
                                '"usage"=>"passenger"']},
                [shapely.Point(i * 1000, 0) for i in range(6)], crs=L93, driver="GeoJSON")
    for kind in ("motorway_interchange", "rail_freight", "port", "airport", "substation"):
        add_layer(inventory, kind=kind, source=src, mapping="osm-infra")
    infra = open_inventory(inventory).infrastructure.sort_values("infra_id")
    assert dict(zip(infra["infra_id"], infra["name"], strict=True)) == {
        "airport-4": "Aéroport", "motorway_interchange-1": "Sortie 15",
        "port-3": "Port de Cherbourg", "rail_freight-2": "Gare de triage",
        "substation-5": "Poste"}


def test_cli_add_layer_with_a_real_mapping(tmp_path, inventory, capsys):
    src = _file(tmp_path, "zonereglementaireurba_s.gpkg",
                {"idzone": ["Z1"], "typereglement": ["04"], "nom": ["Rouge"]},
                [BOX(0, 0, 100, 100)])
    assert main(["add-layer", str(inventory), "--kind", "flood", "--from", str(src),
                 "--mapping", "cnig-ppr"]) == 0
    assert "correspondance cnig-ppr" in capsys.readouterr().out
