"""Opening, validating and writing inventories: CRS, layers, ids, geometries, enumerations."""

from __future__ import annotations

import pyogrio
import pytest
import shapely
from builders import make_layers

from foncier import (
    InventoryError,
    inventory_from_layers,
    open_inventory,
    validate_inventory,
    write_inventory,
)
from foncier.errors import GeometryRepairWarning, ReprojectionWarning


def errors(problems):
    return [p for p in problems if p.severity == "error"]


def test_open_sample_inventory(sample_inventory):
    inv = sample_inventory
    assert len(inv.plots) >= 300 and len(inv.sites) >= 12
    assert inv.plots.crs.to_epsg() == 2154
    assert (inv.plots["area_ha"] > 0).all()
    assert inv.communes is not None and len(inv.communes) > 100


def test_sample_validates_clean():
    assert [p for p in validate_inventory() if p.severity != "info"] == []


def test_gpkg_round_trip_keeps_types(tmp_path):
    layers = make_layers([
        {"plot_id": "P1", "geometry": shapely.box(0, 0, 200, 100)},
        {"plot_id": "P2", "geometry": shapely.box(300, 0, 500, 500), "turnkey": None,
         "price_eur_m2": None, "available_from": None},
        {"plot_id": "P3", "geometry": shapely.box(600, 0, 900, 300)},
    ])
    inv = inventory_from_layers(layers)
    path = tmp_path / "inv.gpkg"
    write_inventory(inv, path)
    back = open_inventory(path)
    assert list(back.plots.plot_id) == ["P1", "P2", "P3"]
    assert back.plots.turnkey.tolist()[0] is True and back.plots.turnkey.isna().tolist()[1]
    assert back.plots.price_eur_m2.isna().tolist() == [False, True, False]
    assert str(back.plots.available_from.iloc[0].date()) == "2026-01-01"
    assert back.plots.available_from.isna().iloc[1]
    assert back.plots.area_ha.round(6).tolist() == [2.0, 10.0, 9.0]
    assert set(pyogrio.list_layers(path)[:, 0]) == {"sites", "plots", "constraints",
                                                    "infrastructure"}


def test_no_crs_is_refused_with_how_to_fix(tiny_layers):
    tiny_layers["plots"] = tiny_layers["plots"].set_crs(None, allow_override=True)
    with pytest.raises(InventoryError, match=r"plots: aucun système de coordonnées \(CRS\) : "
                                             r"déclarez-le .*set_crs\('EPSG:2154'\)"):
        inventory_from_layers(tiny_layers)


def test_other_crs_is_reprojected_and_reported(tiny_layers):
    plots = tiny_layers["plots"]
    area_before = plots.area.sum()
    tiny_layers["plots"] = plots.to_crs("EPSG:4326")
    with pytest.warns(ReprojectionWarning, match=r"plots: reprojetée de EPSG:4326 vers "
                                                 r"EPSG:2154"):
        inv = inventory_from_layers(tiny_layers)
    assert inv.plots.crs.to_epsg() == 2154
    assert inv.plots.area_ha.sum() * 10_000 == pytest.approx(area_before, rel=1e-6)
    assert any("reprojetée" in p.message for p in inv.notes)


def test_missing_layer_and_column(tmp_path, tiny_layers):
    path = tmp_path / "bad.gpkg"
    plots = tiny_layers["plots"].drop(columns="plot_id")
    write_inventory({"sites": tiny_layers["sites"], "plots": plots,
                     "infrastructure": tiny_layers["infrastructure"]}, path)
    problems = validate_inventory(path)
    text = "\n".join(map(str, errors(problems)))
    assert "constraints: couche « constraints » absente" in text
    assert "plots: colonne obligatoire « plot_id » absente" in text
    with pytest.raises(InventoryError, match=r"couche « constraints » absente"):
        open_inventory(path)


def test_duplicate_and_null_ids(tiny_layers):
    tiny_layers["plots"].loc[1, "plot_id"] = "P1"
    tiny_layers["plots"].loc[2, "plot_id"] = None
    with pytest.raises(InventoryError, match=r"2 problèmes") as info:
        inventory_from_layers(tiny_layers)
    text = str(info.value)
    assert "plots[P1]: plot_id « P1 » en double (2 entités)" in text
    assert "plots[ligne 3]: plot_id vide" in text


def test_invalid_geometry_is_repaired_and_reported(tiny_layers):
    bowtie = shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    tiny_layers["plots"].loc[0, "geometry"] = bowtie
    with pytest.warns(GeometryRepairWarning, match=r"plots\[P1\] \(avertissement\): géométrie "
                                                   r"invalide \(Self-intersection.*réparée"):
        inv = inventory_from_layers(tiny_layers)
    geom = inv.plots.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert inv.plots.area_ha.iloc[0] == pytest.approx(0.5)
    assert len(inv.plots) == 3


def test_empty_and_non_polygon_geometries(tiny_layers):
    tiny_layers["plots"].loc[0, "geometry"] = shapely.Polygon()
    tiny_layers["plots"].loc[1, "geometry"] = shapely.Point(1, 1)
    with pytest.raises(InventoryError) as info:
        inventory_from_layers(tiny_layers)
    text = str(info.value)
    assert "plots[P1]: géométrie vide ou absente" in text
    assert "plots[P2]: géométrie de type Point, Polygon ou MultiPolygon attendu" in text


def test_infrastructure_must_be_points(tiny_layers):
    tiny_layers["infrastructure"].loc[0, "geometry"] = shapely.box(0, 0, 1, 1)
    with pytest.raises(InventoryError, match=r"infrastructure\[M1\]: géométrie de type Polygon, "
                                             r"Point attendu"):
        inventory_from_layers(tiny_layers)


def test_unknown_site_and_enumeration_values_are_reported(tiny_layers):
    tiny_layers["plots"].loc[0, "site_id"] = "ZZ"
    tiny_layers["plots"].loc[1, "sales_stage"] = "à vendre"
    tiny_layers["plots"].loc[2, "icpe_max"] = "beaucoup"
    problems = {str(p) for p in validate_inventory(inventory_from_layers(tiny_layers))}
    assert any(s.startswith("plots[P1] (avertissement): site_id « ZZ » inconnu")
               for s in problems)
    assert any(s.startswith("plots[P2] (avertissement): sales_stage = « à vendre » n'est pas "
                            "une valeur admise (non commercialisé,") for s in problems)
    assert any(s.startswith("plots[P3] (avertissement): icpe_max = « beaucoup »")
               for s in problems)


def test_unknown_constraint_kind_is_an_error(tiny_layers):
    tiny_layers["constraints"].loc[0, "kind"] = "volcano"
    with pytest.raises(InventoryError, match=r"constraints\[C1\]: kind = « volcano » n'est pas "
                                             r"une valeur admise"):
        inventory_from_layers(tiny_layers)


def test_declared_area_more_than_ten_percent_off(tiny_layers):
    tiny_layers["plots"]["declared_area_ha"] = [2.19, 11.5, None]   # +9.5 %, +15 %, unknown
    problems = validate_inventory(inventory_from_layers(tiny_layers))
    flagged = [p for p in problems if "surface déclarée" in p.message]
    assert [(p.row, p.severity) for p in flagged] == [("P2", "warning")]
    assert "surface déclarée 11.50 ha, surface de la géométrie 10.00 ha (écart > 10 %)" in \
        flagged[0].message


def test_wrong_types_are_named_with_row(tiny_layers):
    tiny_layers["plots"]["price_eur_m2"] = ["vingt", 20.0, 30.0]
    tiny_layers["plots"]["gas"] = [True, "peut-être", False]
    tiny_layers["plots"]["power_mw"] = [5.0, -2.0, 1.0]
    problems = validate_inventory(tiny_layers)
    text = "\n".join(map(str, problems))
    assert len(errors(problems)) == 3
    with pytest.raises(InventoryError, match=r"3 problèmes"):
        inventory_from_layers(tiny_layers)
    assert "plots[P1]: price_eur_m2 = « vingt » n'est pas un nombre" in text
    assert "plots[P2]: gas = « peut-être » n'est pas un booléen" in text
    assert "plots[P2]: power_mw = -2.0 est négatif" in text


def test_missing_optional_column_reads_as_unknown(tiny_layers):
    tiny_layers["plots"] = tiny_layers["plots"].drop(columns="gas")
    inv = inventory_from_layers(tiny_layers)
    assert inv.plots.gas.isna().all()
    assert any("colonne « gas » absente" in p.message for p in inv.notes)


def test_not_a_geopackage(tmp_path):
    path = tmp_path / "faux.gpkg"
    path.write_text("pas un geopackage")
    with pytest.raises(InventoryError, match=r"faux\.gpkg: ce fichier n'est pas un GeoPackage "
                                             r"lisible"):
        open_inventory(path)
    with pytest.raises(InventoryError, match=r"fichier introuvable"):
        open_inventory(tmp_path / "absent.gpkg")


def test_a_bad_inventory_path_is_named_once_in_french(tmp_path):
    # GDAL's English advice (prefix the path with a driver) misled users; the path came twice.
    path = tmp_path / "faux.gpkg"
    path.write_text("pas un geopackage")
    with pytest.raises(InventoryError, match=r"lisible \(format non reconnu\) : donnez un "
                                             r"inventaire GeoPackage \(\.gpkg\) ou une URL "
                                             r"postgresql://\.$") as bad:
        open_inventory(path)
    with pytest.raises(InventoryError, match=r"c'est un dossier : donnez un inventaire") as folder:
        open_inventory(tmp_path)
    with pytest.raises(InventoryError, match=r"fichier introuvable : vérifiez le chemin\.$") \
            as absent:
        open_inventory(tmp_path / "absent.gpkg")
    for exc, named in ((bad, path), (folder, tmp_path), (absent, tmp_path / "absent.gpkg")):
        assert str(exc.value).count(str(named)) == 1 and "DRIVER" not in str(exc.value)


def test_write_inventory_is_atomic(tmp_path, tiny_inventory):
    path = tmp_path / "inv.gpkg"
    write_inventory(tiny_inventory, path)
    before = path.read_bytes()
    broken = dict(tiny_inventory.layers())
    broken["zzz"] = "pas une couche"     # fails after the four real layers were written
    with pytest.raises(AttributeError):
        write_inventory(broken, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inv.gpkg"]


def test_large_layers_read_in_chunks_come_back_whole(tmp_path, tiny_inventory, monkeypatch):
    import foncier.io.store

    path = tmp_path / "inv.gpkg"
    write_inventory(tiny_inventory, path)
    whole = open_inventory(path)
    monkeypatch.setattr(foncier.io.store, "READ_CHUNK", 1)       # one feature per chunk
    chunked = open_inventory(path)
    for name, frame in whole.layers().items():
        other = chunked.layers()[name]
        assert frame.drop(columns="geometry").equals(other.drop(columns="geometry")), name
        assert frame.geometry.geom_equals(other.geometry).all(), name
        assert other.crs == frame.crs
