"""CNIG site-level facts filling plot attributes, and terrains placed from their cadastral refs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

import foncier
from foncier.errors import InventoryError, LayerError
from foncier.standards.cnig import import_cnig
from foncier.standards.cnig.convert import fill_from_zone
from tests.standards.cadastre_files import parcel, write_parcels

CNIG_DIR = Path(__file__).parents[1] / "data" / "cnig"
X, Y = 656_000.0, 6_425_000.0
SITE = {"type": "Polygon", "coordinates": [[[X - 50, Y - 50], [X + 950, Y - 50],
                                            [X + 950, Y + 950], [X - 50, Y + 950],
                                            [X - 50, Y - 50]]]}


def _cnig_files(tmp_path, *, site_changes, terrains):
    text = (CNIG_DIR / "site-eco.csv").read_text(encoding="utf-8")
    text = text.replace(";entrepôts;logistique;", ';"entrepôts, logistique";')  # the sample's split
    site = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    terr = pd.read_csv(CNIG_DIR / "terrain-eco.csv", sep=";", dtype=str, keep_default_na=False)
    site.loc[0, "site_geomsurf"] = str(SITE).replace("'", '"')
    for k, v in site_changes.items():
        site.loc[0, k] = v
    rows = []
    for t in terrains:
        row = terr.iloc[0].copy()
        row["terr_stade_comm"], row["terr_etat_occup"] = "en vente", "inoccupé"
        for k, v in t.items():
            row[k] = v
        rows.append(row)
    terr = pd.DataFrame(rows)
    out = tmp_path / "cnig"
    out.mkdir()
    for name, frame in (("site-eco", site), ("terrain-eco", terr)):
        frame.to_csv(out / f"{name}.csv", sep=";", index=False, quoting=csv.QUOTE_MINIMAL)
    return [out / "site-eco.csv", out / "terrain-eco.csv"]


def test_the_plots_own_value_wins_and_the_zone_fills_a_null():
    plots = pd.DataFrame({"site_id": ["S1", "S1", "S2"],
                          "gas": pd.array([None, False, None], dtype="boolean"),
                          "power_mw": [None, 12.0, None]})
    site = pd.DataFrame({"site_id": ["S1", "S2"], "reseau_gaz": ["oui", None],
                         "reseau_electrique": ["non", "oui"],
                         "autoroute_echang_dist": ["17", None], "port_dist": [None, "4,5"]})
    out = fill_from_zone(plots, site)
    assert out["gas"].isna().tolist() == [False, False, True]
    assert out["gas"].iloc[:2].tolist() == [True, False]
    assert out["power_mw"].tolist()[:2] == [0.0, 12.0] and pd.isna(out["power_mw"].iloc[2])
    assert out["motorway_km"].tolist()[:2] == [17.0, 17.0]
    assert out["port_km"].iloc[2] == 4.5
    assert out["from_zone"].tolist() == ["gas|power_mw|motorway_km", "motorway_km", "port_km"]


def _brief(**kw):
    return foncier.Brief(name="Usine", **kw)


def test_verdicts_say_the_value_comes_from_the_zone(tmp_path):
    refs = ["80024000ZO0030", "80024000ZO0034"]
    parcels = write_parcels(tmp_path / "cadastre-80-parcelles.json.gz",
                            [parcel(refs[0], X, Y, 100, 100), parcel(refs[1], X + 100, Y, 100, 100),
                             parcel("80024000ZO0099", X + 400, Y, 100, 100)])
    files = _cnig_files(tmp_path, site_changes={"reseau_gaz": "oui", "reseau_fibre_optique": "",
                                                "reseau_fret_ferroviaire": "non",
                                                "autoroute_echang_dist": "17",
                                                "gare_fret_dist": "", "port_dist": "4"},
                        terrains=[{"terr_id": "T1", "terr_refcad": "|".join(refs),
                                   "terr_geomsurf": "", "terr_surf_brute": "2"},
                                  {"terr_id": "T2", "terr_refcad": "80024000ZO0099",
                                   "terr_geomsurf": "", "terr_surf_brute": "3"}])
    inv, problems = import_cnig(files, tmp_path / "inv.gpkg", cadastre=parcels)
    assert inv.plots.loc[0, "area_ha"] == pytest.approx(2.0, rel=1e-3)
    warned = [p for p in problems if "contenance" in p.message]
    assert [p.row for p in warned] == ["T2"]
    inv = foncier.open_inventory(tmp_path / "inv.gpkg")
    assert inv.plots["from_zone"].tolist()[0] == "gas|rail_siding|motorway_km|port_km"
    result = foncier.match(inv, _brief(gas=True, rail_siding=True, port_max_km=10),
                           on=dt.date(2025, 1, 1))
    by = {v.criterion: v for v in result.explain("T1")}
    assert by["gas"].reason == "Desserte gaz (valeur de la zone)."
    assert by["rail_siding"].reason == "Pas d'embranchement ferré (valeur de la zone)."
    assert by["port"].outcome == "pass"
    assert by["port"].reason == ("Port le plus proche à 4 km par la route (valeur de la zone) "
                                 "≤ 10 km maximum.")


def test_a_zone_distance_is_not_used_when_the_inventory_has_that_infrastructure(tmp_path):
    from shapely.geometry import Point

    from tests.builders import make_layers

    layers = make_layers([{"plot_id": "P1", "geometry": Point(0, 0).buffer(60),
                           "port_km": 1.0, "from_zone": "port_km"}],
                         infrastructure=[{"infra_id": "I1", "kind": "port",
                                          "geometry": Point(30_000, 0)}])
    inv = foncier.inventory_from_layers(layers)
    by = {v.criterion: v for v in foncier.match(inv, _brief(port_max_km=10)).explain("P1")}
    assert by["port"].outcome == "fail" and "vol d'oiseau" in by["port"].reason


def test_unknown_refs_of_a_cnig_terrain_stop_the_import(tmp_path):
    parcels = write_parcels(tmp_path / "cadastre-80-parcelles.json",
                            [parcel("80024000ZO0030", X, Y, 100, 100)])
    files = _cnig_files(tmp_path, site_changes={}, terrains=[
        {"terr_id": "T1", "terr_refcad": "80024000ZO0031", "terr_geomsurf": ""}])
    with pytest.raises(LayerError, match=r"plots\[T1\].*80024000ZO0031"):
        import_cnig(files, tmp_path / "inv.gpkg", cadastre=parcels)
    assert not (tmp_path / "inv.gpkg").exists()
    with pytest.raises(InventoryError):                    # no cadastre: no geometry
        import_cnig(files, tmp_path / "inv.gpkg")
