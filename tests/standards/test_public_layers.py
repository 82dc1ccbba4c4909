"""add-layer: PPR, Natura 2000, ZNIEFF, GPU zone_urba, infrastructure, CRS handling."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
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
    layers = make_layers(plots=[
        {"plot_id": "P1", "plu_zone": None, "geometry": BOX(0, 0, 100, 100)},
        {"plot_id": "P2", "plu_zone": "UX", "geometry": BOX(1000, 0, 1100, 100)},
    ])
    layers["cnig_pole_eco"] = gpd.GeoDataFrame({"pole_id": ["PO1"]},
                                               geometry=[shapely.Point(5, 5)], crs=L93)
    path = tmp_path / "inv.gpkg"
    write_inventory(layers, path)
    return path


def _file(tmp_path, name, rows, geoms, crs=L93):
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_file(path)
    return path


def test_ppr_typereglement_gives_levels(tmp_path, inventory):
    path = _file(tmp_path, "zonereglementaireurba.gpkg",
                 {"idzone": ["Z1", "Z2", "Z3", "Z4"], "typereglement": ["02", "03", "04", "01"],
                  "nom": ["bleue", "rouge", "rouge foncé", "hors aléa"]},
                 [BOX(0, 0, 10, 10), BOX(10, 0, 20, 10), BOX(20, 0, 30, 10), BOX(30, 0, 40, 10)])
    report = add_layer(inventory, kind="flood", source=path)
    assert (report.mapping, report.added, report.replaced) == ("ppr", 4, 0)
    assert "typereglement 01 gardée(s) sans niveau" in str(report)
    cons = open_inventory(inventory).constraints.set_index("constraint_id")
    assert cons["level"].to_dict() == {"flood-Z1": "prescriptions", "flood-Z2": "interdiction",
                                       "flood-Z3": "interdiction", "flood-Z4": None}
    assert (cons["kind"] == "flood").all() and cons.loc["flood-Z2", "name"] == "rouge"
    # Re-adding the same file replaces the same ids.
    assert add_layer(inventory, kind="flood", source=path).replaced == 4
    assert len(open_inventory(inventory).constraints) == 4


def test_natura2000_shapefile_in_wgs84_is_reprojected(tmp_path, inventory):
    poly = gpd.GeoSeries([BOX(0, 0, 500, 500)], crs=L93).to_crs("EPSG:4326")
    path = _file(tmp_path, "zps.shp", {"SITECODE": ["FR2510048"],
                                       "SITENAME": ["Marais du Cotentin"]},
                 poly.to_numpy(), crs="EPSG:4326")
    report = add_layer(inventory, kind="natura2000", source=path)
    assert report.mapping == "natura2000"
    assert "reprojetée de EPSG:4326 vers EPSG:2154 (Lambert-93)" in str(report)
    cons = open_inventory(inventory).constraints
    row = cons.iloc[0]
    assert (row["constraint_id"], row["name"]) == ("natura2000-FR2510048", "Marais du Cotentin")
    assert row.geometry.area == pytest.approx(250_000, rel=1e-3)


def test_znieff_layer(tmp_path, inventory):
    path = _file(tmp_path, "znieff1.geojson", {"ID_MNHN": ["250006479", "250006479"],
                                               "NOM": ["Vallée de la Sienne"] * 2},
                 [BOX(0, 0, 10, 10), BOX(20, 0, 30, 10)])
    add_layer(inventory, kind="znieff1", source=path)
    cons = open_inventory(inventory).constraints
    assert list(cons["constraint_id"]) == ["znieff1-250006479-1", "znieff1-250006479-2"]
    assert set(cons["name"]) == {"Vallée de la Sienne"}


def test_gpu_zone_urba_writes_plu_zone_by_largest_overlap(tmp_path, inventory):
    path = _file(tmp_path, "zone_urba.gpkg", {"libelle": ["UA", "1AUx"], "typezone": ["U", "AU"]},
                 [BOX(-50, -50, 30, 150), BOX(30, -50, 150, 150)])
    report = add_layer(inventory, kind="plu", source=path)
    assert (report.mapping, report.added) == ("gpu", 1)
    plots = open_inventory(inventory).plots.set_index("plot_id")
    assert plots.loc["P1", "plu_zone"] == "1AUx"         # 70 % in 1AUx, 30 % in UA
    assert plots.loc["P2", "plu_zone"] == "UX"           # outside the file: unchanged
    assert "cnig_pole_eco" in pyogrio.list_layers(inventory)[:, 0]   # other layers kept


def test_substations_with_capacity(tmp_path, inventory):
    path = _file(tmp_path, "postes.geojson", {"id": ["S1"], "nom": ["Poste de Périers"],
                                              "puissance": [90.0]}, [shapely.Point(500, 500)])
    add_layer(inventory, kind="substation", source=path, capacity_field="puissance")
    infra = open_inventory(inventory).infrastructure
    assert infra.iloc[0][["infra_id", "name", "capacity_mw"]].tolist() == [
        "substation-S1", "Poste de Périers", 90.0]


def test_file_without_crs_is_refused_with_how_to_set_one(tmp_path, inventory, capsys):
    path = tmp_path / "sans_crs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"nom": ["zone humide"]}, geometry=[BOX(0, 0, 10, 10)]).to_file(path)
    with pytest.raises(LayerError,
                       match=r"sans_crs\.shp: aucun système de coordonnées.*paramètre `crs`"):
        add_layer(inventory, kind="wetland", source=path)
    assert main(["add-layer", str(inventory), "--kind", "wetland", "--from", str(path)]) == 1
    err = capsys.readouterr().err
    assert "option --crs" in err and "`crs`" not in err
    add_layer(inventory, kind="wetland", source=path, crs="EPSG:2154")
    assert open_inventory(inventory).constraints.iloc[0]["kind"] == "wetland"


def test_bad_inputs_are_refused(tmp_path, inventory):
    points = _file(tmp_path, "points.gpkg", {"nom": ["a"]}, [shapely.Point(0, 0)])
    with pytest.raises(LayerError, match="non surfacique"):
        add_layer(inventory, kind="flood", source=points, mapping="none")
    with pytest.raises(LayerError, match="type « volcan » inconnu"):
        add_layer(inventory, kind="volcan", source=points)
    with pytest.raises(LayerError, match="colonne « gid » \\(identifiant\\) absente"):
        add_layer(inventory, kind="port", source=points, id_field="gid")
    assert len(open_inventory(inventory).constraints) == 0       # nothing written


def test_cli_add_layer(tmp_path, inventory, capsys):
    path = _file(tmp_path, "pprt.gpkg", {"idzone": ["R1"], "typereglement": ["03"]},
                 [BOX(0, 0, 10, 10)])
    assert main(["add-layer", str(inventory), "--kind", "pprt", "--from", str(path)]) == 0
    assert "1 entité(s) « pprt » ajoutée(s)" in capsys.readouterr().out
    assert main(["add-layer", str(inventory), "--kind", "pprt", "--from",
                 str(tmp_path / "absent.gpkg")]) == 1
    assert "fichier introuvable" in capsys.readouterr().err
